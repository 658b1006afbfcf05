#!/bin/bash
# Big albums over HTTP: a file over 4 GiB (and a local header past 4 GiB),
# a file of exactly 4294967295 bytes (its archive passes 4 GiB), the exact offsets where libarchive
# alone writes a sentinel without its zip64 record, and 70,000 files. Each
# archive: Content-Length exact, and accepted by unzip -t, Python's zipfile,
# bsdtar, 7z t and tests/lib/zipcheck.py (strict APPNOTE structure). Files are
# sparse (truncate), with a few real bytes at both ends for the CRCs.
. "$top_srcdir/tests/lib/lib.sh"
need curl python3 unzip bsdtar 7z truncate

P=$T/p
echo "# $(date +%T) start"
Z32=4294967295
sparse "$P/over4g/movie.mp4" $((Z32 + 2))			# 4 GiB + 1 byte, then a
printf 'after\n' >"$P/over4g/z.txt"			# header past 4 GiB
sparse "$P/exact/exactly-4294967295.bin" $Z32		# the sentinel itself
sparse "$P/lhat/a" $((Z32 - 71))			# "b"'s local header at
printf 'b\n' >"$P/lhat/b"				# exactly 0xffffffff
sparse "$P/cdat/a" $((Z32 - 71))			# central dir. at 0xffffffff
many_files "$P/many"
start_server -- -p "$P"

# album NAME ENTRIES: download (in the foreground), then check with every
# reader in the background (unzip -t alone needs about 30 s for 4 GiB here:
# the checks of one album overlap the download of the next)
PIDS=()
album() {
	local name=$1 entries=$2 code len got z=$T/$1.zip
	curl -sS --max-time 300 -D "$T/$name.h" -o - "http://127.0.0.1:$PORT/archive/$name/" |
		sparse_save "$z"
	code=$(sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p' "$T/$name.h")
	len=$(header "$T/$name.h" Content-Length)
	got=$(stat -c %s "$z")
	check "$name: 200 (got $code)" test "$code" = 200
	check "$name: Content-Length $len = bytes received $got" test "$len" = "$got"
	(
		FAILS=0
		check "$name: zipcheck (strict APPNOTE): $(python3 "$top_srcdir/tests/lib/zipcheck.py" "$z" 2>&1)" \
			python3 "$top_srcdir/tests/lib/zipcheck.py" "$z"
		check "$name: unzip -t" unzip -tqq "$z"
		check "$name: Python zipfile testzip, $entries entries" python3 -c 'import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
sys.exit(z.testzip() is not None or len(z.infolist()) != int(sys.argv[2]))' "$z" "$entries"
		check "$name: bsdtar -tf lists $entries entries" \
			test "$(bsdtar -tf "$z" | wc -l)" = "$entries"
		check "$name: 7z t" bash -c '7z t "$1" | grep -q "^Everything is Ok"' _ "$z"
		if [ "$name" = exact ]; then
			# the stored bytes of the sentinel file, at both ends
			python3 - "$z" <<'EOF' >"$T/ends"
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
i = z.infolist()[0]
f = open(sys.argv[1], "rb")
f.seek(i.header_offset + 26)
n, x = int.from_bytes(f.read(2), "little"), int.from_bytes(f.read(2), "little")
data = i.header_offset + 30 + n + x
f.seek(data)
head = f.read(5)
f.seek(data + i.file_size - 3)
print(i.file_size, head == b"begin", f.read(3) == b"end")
EOF
			check "exact: 4294967295 bytes stored, first and last bytes as on disk ($(cat "$T/ends"))" \
				test "$(cat "$T/ends")" = "4294967295 True True"
		fi
		rm -f "$z"
		exit "$FAILS"
	) &
	PIDS+=($!)
}
echo "# $(date +%T) albums made"
album over4g 2
album exact 1
album lhat 2
album cdat 1
album many 70070
echo "# $(date +%T) downloads done"
for pid in "${PIDS[@]}"; do
	wait "$pid" || FAILS=$((FAILS + $?))
done

echo "# $(date +%T) checks done"
stop_server
finish
