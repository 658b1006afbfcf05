#!/bin/bash
# Files that change while the album is being sent. The handler cannot take
# back the 200 it has sent: it must cut the download short so that the
# client sees a failure (curl exits 18: fewer bytes than Content-Length),
# never send a complete-looking ZIP, log a line naming the file, and exit 1
# (README, "Exit status"). With -d 1 (32 KiB a second) the last file is
# changed while the first is being sent; three more cases change the file
# that is being sent. Two change a file after its CRC may have been
# computed: one after its local header (which carries the CRC) has reached
# the client, one while an earlier file is sent (a CRC computed ahead). One
# album does not change, under the same pacing.
. "$top_srcdir/tests/lib/lib.sh"
need curl python3 unzip bsdtar

SECRET=secret-$RANDOM$RANDOM
echo "$SECRET" >"$T/secret.txt"
S=$T/store
# album NAME SIZE-A SIZE-B SIZE-C: three files of random data
album() {
	mkdir -p "$S/$1"
	head -c "$2" /dev/urandom >"$S/$1/a.jpg"
	head -c "$3" /dev/urandom >"$S/$1/b.jpg"
	head -c "$4" /dev/urandom >"$S/$1/c.jpg"
}
# c.jpg is opened after about (a + b - 128 KiB) / 32 KiB = 7 s; the change
# comes as soon as the first bytes arrive (a second or so)
for a in steady shrink grow vanish replace symlink; do album "$a" 160000 200000 160000; done
# a.jpg is read in 128 KiB pieces about 4 s apart: any change before the
# last read (about 11 s) shows
for a in shrink-sending grow-sending rewrite-sending; do album "$a" 400000 10000 10000; done
touch -r "$S/rewrite-sending/a.jpg" "$T/a.mtime"
# c.jpg's local header arrives within the first second, its data takes 12 s
album rewrite-after-header 10000 10000 400000
touch -r "$S/rewrite-after-header/c.jpg" "$T/rah.mtime"
# c.jpg (large: the CRC thread reads it ahead) comes after a.jpg's 12 s
album rewrite-ahead 400000 10000 100000
touch -r "$S/rewrite-ahead/c.jpg" "$T/ra.mtime"

# the changes
shrink() { truncate -s 1000 "$S/shrink/c.jpg"; }
grow() { head -c 1000 /dev/urandom >>"$S/grow/c.jpg"; }
vanish() { rm "$S/vanish/c.jpg"; }
replace() { # same size, same mtime: only the inode differs
	head -c 160000 /dev/urandom >"$S/replace/c.new"
	touch -r "$S/replace/c.jpg" "$S/replace/c.new"
	mv "$S/replace/c.new" "$S/replace/c.jpg"
}
symlink() {
	ln -s "$T/secret.txt" "$S/symlink/c.new"
	mv -T "$S/symlink/c.new" "$S/symlink/c.jpg"
}
shrink-sending() { truncate -s 1000 "$S/shrink-sending/a.jpg"; }
grow-sending() { head -c 1000 /dev/urandom >>"$S/grow-sending/a.jpg"; }
# in place, same size, mtime restored (as exiftool -P -overwrite_original_in_place does)
rewrite-sending() {
	head -c 400000 /dev/urandom | dd of="$S/rewrite-sending/a.jpg" conv=notrunc status=none
	touch -r "$T/a.mtime" "$S/rewrite-sending/a.jpg"
}
# in place, same size, mtime restored, after its CRC went out in its header
rewrite-after-header() {
	head -c 400000 /dev/urandom | dd of="$S/rewrite-after-header/c.jpg" conv=notrunc status=none
	touch -r "$T/rah.mtime" "$S/rewrite-after-header/c.jpg"
}
rewrite-ahead() {
	head -c 100000 /dev/urandom | dd of="$S/rewrite-ahead/c.jpg" conv=notrunc status=none
	touch -r "$T/ra.mtime" "$S/rewrite-ahead/c.jpg"
}
steady() { :; }

start_server -- -p "$S" -d 1

# run_case NAME [TEXT]: download album NAME with curl; once some bytes
# have arrived (or TEXT has), run the change NAME. Results in $T/NAME.*:
# head, body, err, rc (curl's exit status), at (body bytes when the change
# was made).
run_case() {
	local name=$1 text=${2:-} pid
	curl -sS --max-time 60 -D "$T/$name.head" -o "$T/$name.body" \
		"http://127.0.0.1:$PORT/archive/$name/" 2>"$T/$name.err" &
	pid=$!
	if wait_for 30 test -s "$T/$name.body" &&
		{ [ -z "$text" ] || wait_for 30 grep -Fqa "$text" "$T/$name.body"; } &&
		kill -0 "$pid" 2>/dev/null; then
		stat -c %s "$T/$name.body" >"$T/$name.at"
		"$name"
	fi
	wait "$pid"
	echo $? >"$T/$name.rc"
}
start=$(date +%s)
pids=()
for c in shrink-sending grow-sending rewrite-sending shrink grow vanish replace symlink \
	rewrite-ahead steady; do
	run_case "$c" &
	pids+=($!)
done
run_case rewrite-after-header c.jpg &
pids+=($!)
wait "${pids[@]}"
echo "# all downloads done in $(($(date +%s) - start)) s"

# exit_status NAME: the handler's exit status for album NAME, from the
# server log (its log line names its PID, systemd-socket-activate logs how
# each child ended)
exit_status() {
	local pid
	pid=$(sed -n "s/^archive-handler\[\([0-9]*\)\]: .* hash=$1 .*/\1/p" "$T/server.log" | head -n1)
	[ -n "$pid" ] && sed -n "s/^Child $pid died with code \([0-9]*\)\$/\1/p" "$T/server.log"
}
has_status() { test "$(exit_status "$1")" = "$2"; }
exited() { test -n "$(exit_status "$1")"; }
no_handler() { test -z "$(children "$SERVER_PID")"; }

# --- nothing changes: the setup works -------------------------------------
len=$(header "$T/steady.head" Content-Length)
check "steady: the (empty) change came while the download ran" test -s "$T/steady.at"
check "steady: curl succeeds (exit $(cat "$T/steady.rc"))" test "$(cat "$T/steady.rc")" = 0
check "steady: 200" test "$(status_of "$T/steady.head")" = 200
check "steady: the body is Content-Length ($len) bytes" \
	test "$(stat -c %s "$T/steady.body")" = "$len"
check "steady: the ZIP is valid" valid_zip "$T/steady.body"
rm -rf "$T/x"; mkdir "$T/x"; unzip -qq "$T/steady.body" -d "$T/x"
check "steady: extracted files are byte-identical" diff -r "$S/steady" "$T/x"
check "steady: logged as completed" grep -Eq \
	"\"GET /archive/steady/ HTTP/1.1\" 200 $len/$len completed hash=steady files=3 " \
	"$T/server.log"
wait_for 10 exited steady
check "steady: the handler exits 0 (got '$(exit_status steady)')" has_status steady 0

check "rewrite-after-header: changed after c.jpg's local header (with its CRC) had arrived" \
	python3 -c 'import sys; b = open(sys.argv[1], "rb").read(); i = b.find(b"c.jpg")
sys.exit(not (0 < i and i + 5 + 24 <= int(sys.argv[2])))' \
	"$T/rewrite-after-header.body" "$(cat "$T/rewrite-after-header.at")"

# --- each change: a failed download, a log line naming the file, exit 1 -----
for c in shrink/c grow/c vanish/c replace/c symlink/c \
	shrink-sending/a grow-sending/a rewrite-sending/a rewrite-after-header/c rewrite-ahead/c; do
	file=$c.jpg		# the file the log must name
	c=${c%/*}
	at=$(cat "$T/$c.at" 2>/dev/null)
	len=$(header "$T/$c.head" Content-Length)
	size=$(stat -c %s "$T/$c.body" 2>/dev/null || echo 0)
	check "$c: changed after $at bytes, while the download ran" test -n "$at"
	check "$c: 200 was sent before the change" test "$(status_of "$T/$c.head")" = 200
	check "$c: curl fails with 18, partial file (exit $(cat "$T/$c.rc"): $(cat "$T/$c.err"))" \
		test "$(cat "$T/$c.rc")" = 18
	check "$c: the body ($size) is shorter than Content-Length ($len)" \
		test -n "$len" -a "$size" -gt 0 -a "$size" -lt "${len:-0}"
	check "$c: unzip -t rejects the partial body" \
		bash -c '! unzip -tqq "$1" >/dev/null 2>&1' _ "$T/$c.body"
	check "$c: no end-of-central-directory record in the body" python3 -c \
		'import sys; sys.exit(b"PK\x05\x06" in open(sys.argv[1], "rb").read())' "$T/$c.body"
	check "$c: the secret was not sent" bash -c '! grep -aq "$1" "$2"' _ "$SECRET" "$T/$c.body"
	want="\"GET /archive/$c/ HTTP/1.1\" 500 $size/$len download interrupted hash=$c files=3 "
	want+=".*: $file: file changed while being sent\$"
	check "$c: logged: 500 $size/$len, $file: file changed while being sent" \
		grep -Eq "$want" "$T/server.log"
	wait_for 10 exited "$c"
	check "$c: the handler exits 1 (got '$(exit_status "$c")')" has_status "$c" 1
done

check "no handler process is left" wait_for 10 no_handler
stop_server
finish
