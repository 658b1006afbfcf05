#!/bin/bash
# A real browser on the index page: headless Chromium (driven by tests/lib/cdp.py
# over the DevTools pipe) loads /, clicks each sample link as a user would,
# and the file it saves must be the album's ZIP, whole, under the right name.
. "$top_srcdir/tests/lib/lib.sh"
need chromium python3 curl unzip bsdtar

# kv FILE KEY: the value of a key=value line printed by cdp.py.
kv() { sed -n "s/^$2=//p" "$1" | head -n1; }

# group_empty PGID: no process is left in that process group.
group_empty() {
	! sed -n 's/^.*) [A-Za-z] [0-9]* \([0-9]*\) .*$/\1/p' /proc/[0-9]*/stat 2>/dev/null |
		grep -qx "$1"
}

# nobody_uses STRING: no process has STRING in its command line (Chromium's
# crash handlers leave the browser's process group, but not its profile).
nobody_uses() {
	local f args
	for f in /proc/[0-9]*/cmdline; do
		mapfile -d "" args 2>/dev/null <"$f" || continue
		case "${args[*]}" in *"$1"*) echo "still running: ${f%/cmdline}" >&2; return 1 ;; esac
	done
	return 0
}

# click ID HASH NAMES: download through the link #ID and check the result.
click() {
	local id=$1 hash=$2 names=$3 out="$T/$1.out" dl="$T/dl-$1" file len pid
	mkdir "$dl"
	if ! python3 "$top_srcdir/tests/lib/cdp.py" --url "http://127.0.0.1:$PORT/" \
		--click "$id" --download-dir "$dl" --tmp "$T" --timeout 60 >"$out"; then
		fail "$id: the browser download failed (see the cdp.py error above)"
		return
	fi
	pass "$id: the browser reports the download completed"
	check "$id: state is completed" test "$(kv "$out" state)" = completed
	check "$id: suggested file name is $hash.zip" \
		test "$(kv "$out" suggested_filename)" = "$hash.zip"
	file=$(kv "$out" path)
	check "$id: saved in the download directory as $hash.zip" test "$file" = "$dl/$hash.zip"
	check "$id: nothing else in the download directory" \
		test "$(ls -A "$dl")" = "$hash.zip"
	[ -f "$file" ] || { fail "$id: $file does not exist"; return; }

	len=$(curl -sSI --max-time 20 "http://127.0.0.1:$PORT/archive/$hash/" |
		tr -d '\r' | sed -n 's/^[Cc]ontent-[Ll]ength: *//p')
	check "$id: HEAD gives a Content-Length ($len)" test -n "$len"
	check "$id: file size equals Content-Length $len" \
		test "$(stat -c %s "$file")" = "$len"
	check "$id: receivedBytes equals Content-Length $len" \
		test "$(kv "$out" received_bytes)" = "$len"
	check "$id: totalBytes equals Content-Length $len" \
		test "$(kv "$out" total_bytes)" = "$len"
	check "$id: the ZIP is valid for unzip, zipfile and bsdtar" valid_zip "$file"
	check "$id: entries are $names" \
		test "$(zip_names "$file" | tr '\n' ' ')" = "$names "
	mkdir "$T/x-$id"
	unzip -qq "$file" -d "$T/x-$id"
	check "$id: extracted files are byte-identical" \
		diff -r "$top_srcdir/photos/$hash" "$T/x-$id"

	pid=$(kv "$out" pid)
	[ -n "$pid" ] || { fail "$id: cdp.py did not report the browser's PID"; return; }
	check "$id: the browser process $pid is gone" test ! -e "/proc/$pid"
	check "$id: nothing is left in its process group" group_empty "$pid"
	check "$id: no process uses cdp.py's scratch directory" nobody_uses "$T/cdp."
}

start_server -- -p "$top_srcdir/photos"
click sample1 "$SAMPLE1" "1.jpg 2.jpg 3.jpg"
click sample2 "$SAMPLE2" "1.jpg 2.jpg"
check "the browser's download was logged as completed" \
	grep -q "\"GET /archive/$SAMPLE1/ HTTP/1.1\" 200 .* completed hash=$SAMPLE1 files=3" \
	"$T/server.log"
stop_server
check "no scratch directory of cdp.py is left" \
	test -z "$(find "$T" -maxdepth 1 -name 'cdp.*')"
finish
