#!/bin/bash
# Validators, conditional requests, byte ranges and resumed downloads with
# the real clients (curl -C -, wget -c); the deflate option.
. "$top_srcdir/tests/lib/lib.sh"
need curl wget python3 unzip bsdtar

# An album of our own, so that the test can change it: 3 files of random
# data in two folders, 300 KB in all.
A=$T/photos
mkdir -p "$A/album1/sub"
head -c 120000 /dev/urandom >"$A/album1/a.jpg"
head -c 100000 /dev/urandom >"$A/album1/sub/b.jpg"
head -c 80000 /dev/urandom >"$A/album1/sub/c.jpg"
touch -d '2024-01-02 03:04:05 UTC' "$A/album1/a.jpg"
URL=/archive/album1/
start_server -- -p "$A"

code=$(get "$URL" "$T/full")
check "full download: 200 (got $code)" test "$code" = 200
N=$(stat -c %s "$T/full.body")
check "Content-Length ($N) is the size" test "$(header "$T/full.head" Content-Length)" = "$N"
check "the full download is a valid ZIP" valid_zip "$T/full.body"
ETAG=$(header "$T/full.head" ETag)
LM=$(header "$T/full.head" Last-Modified)
check "ETag is a strong validator ($ETAG)" grep -Eq '^"[0-9a-f]{32}"$' <<<"$ETAG"
check "Accept-Ranges: bytes" test "$(header "$T/full.head" Accept-Ranges)" = bytes
newest=$(stat -c '%Y %Z' "$A/album1" "$A/album1/a.jpg" "$A/album1/sub" "$A/album1/sub/b.jpg" \
	"$A/album1/sub/c.jpg" | tr ' ' '\n' | sort -n | tail -n1)
check "Last-Modified ($LM) is the newest mtime/ctime in the album" \
	test "$(date -u -d "@$newest" '+%a, %d %b %Y %H:%M:%S GMT')" = "$LM"

# HEAD: the same validators, no body
curl -sS -I --max-time 20 "http://127.0.0.1:$PORT$URL" | tr -d '\r' >"$T/head"
check "HEAD: same ETag" grep -qx "ETag: $ETAG" "$T/head"
check "HEAD: same Last-Modified" grep -qx "Last-Modified: $LM" "$T/head"
check "HEAD: same Content-Length" grep -qx "Content-Length: $N" "$T/head"

# a second download: the same bytes, the same ETag
get "$URL" "$T/again" >/dev/null
check "a second download is byte-identical" cmp -s "$T/full.body" "$T/again.body"
check "a second download has the same ETag" test "$(header "$T/again.head" ETag)" = "$ETAG"

# --- conditional requests ------------------------------------------------------
code=$(get "$URL" "$T/c1" -H "If-None-Match: $ETAG")
check "If-None-Match with the ETag: 304 (got $code)" test "$code" = 304
check "304 has no body" test ! -s "$T/c1.body"
check "304 carries the ETag" test "$(header "$T/c1.head" ETag)" = "$ETAG"
code=$(get "$URL" "$T/c2" -H 'If-None-Match: "00000000000000000000000000000000"')
check "If-None-Match with another ETag: 200 (got $code)" test "$code" = 200
code=$(get "$URL" "$T/c3" -H "If-Modified-Since: $LM")
check "If-Modified-Since = Last-Modified: 304 (got $code)" test "$code" = 304
code=$(get "$URL" "$T/c4" -H "If-Modified-Since: Thu, 01 Jan 2015 00:00:00 GMT")
check "If-Modified-Since older: 200 (got $code)" test "$code" = 200
code=$(get "$URL" "$T/c5" -H 'If-Match: "00000000000000000000000000000000"')
check "If-Match with another ETag: 412 (got $code)" test "$code" = 412

# --- ranges: the exact bytes of the full download ---------------------------------
# slice FIRST LAST: bytes FIRST..LAST (inclusive) of the full download
slice() { python3 -c 'import sys
d = open(sys.argv[1], "rb").read()
sys.stdout.buffer.write(d[int(sys.argv[2]):int(sys.argv[3]) + 1])' "$T/full.body" "$1" "$2"; }
for r in "0-0" "0-99" "100-199" "120000-120999" "$((N - 1))-$((N - 1))" "$((N - 22))-" \
	"-1" "-500" "5000-" "1000-$((N + 5000))" "-$((N + 10))"; do
	code=$(get "$URL" "$T/r" -H "Range: bytes=$r")
	first=${r%-*} last=${r#*-}
	if [ -z "$first" ]; then
		first=$((N - last)); [ "$first" -lt 0 ] && first=0; last=$((N - 1))
	fi
	{ [ -z "$last" ] || [ "$last" -ge "$N" ]; } && last=$((N - 1))
	check "Range: bytes=$r: 206 (got $code)" test "$code" = 206
	check "Range: bytes=$r: Content-Range bytes $first-$last/$N" \
		test "$(header "$T/r.head" Content-Range)" = "bytes $first-$last/$N"
	slice "$first" "$last" >"$T/expect"
	check "Range: bytes=$r: the bytes of the full download at those offsets" \
		cmp -s "$T/r.body" "$T/expect"
done
code=$(get "$URL" "$T/u" -H "Range: bytes=$N-")
check "Range beyond the end: 416 (got $code)" test "$code" = 416
check "416 has Content-Range: bytes */$N" test "$(header "$T/u.head" Content-Range)" = "bytes */$N"
code=$(get "$URL" "$T/m" -H "Range: bytes=0-9,20-29")
check "several ranges: the whole archive, 200 (got $code)" test "$code" = 200
check "several ranges: the whole archive" cmp -s "$T/m.body" "$T/full.body"
code=$(get "$URL" "$T/ir1" -H "Range: bytes=10-19" -H "If-Range: $ETAG")
check "If-Range with the current ETag: 206 (got $code)" test "$code" = 206
code=$(get "$URL" "$T/ir2" -H "Range: bytes=10-19" -H 'If-Range: "00000000000000000000000000000000"')
check "If-Range with a stale ETag: the full 200 (got $code)" test "$code" = 200
check "If-Range with a stale ETag: the whole archive" cmp -s "$T/ir2.body" "$T/full.body"
code=$(get "$URL" "$T/ir3" -H "Range: bytes=10-19" -H "If-Range: $LM")
check "If-Range with Last-Modified: 206 (got $code)" test "$code" = 206
code=$(get "$URL" "$T/ir4" -H "Range: bytes=10-19" -H "If-Range: Thu, 01 Jan 2015 00:00:00 GMT")
check "If-Range with another date: 200 (got $code)" test "$code" = 200

# the log names the range
check "the log line of a 206 names the range" \
	grep -q "\" 206 10/10 completed hash=album1 range=10-19/$N" "$T/server.log"

# --- curl -C - and wget -c on partial files ------------------------------------------
for cut in 1 4096 119000 $((N / 2)) $((N - 1)); do
	head -c "$cut" "$T/full.body" >"$T/curl.part"
	curl -sS --max-time 20 -C - -o "$T/curl.part" "http://127.0.0.1:$PORT$URL"
	check "curl -C - from byte $cut: exit 0 and identical to a full download" \
		cmp -s "$T/curl.part" "$T/full.body"
	head -c "$cut" "$T/full.body" >"$T/wget.part"
	wget -q -T 20 -c -O "$T/wget.part" "http://127.0.0.1:$PORT$URL"
	check "wget -c from byte $cut: identical to a full download" \
		cmp -s "$T/wget.part" "$T/full.body"
done

# a download really cut short (the handler paced by --delay 1, curl gives
# up after 2 s), then resumed by curl -C -
stop_server
start_server -- -p "$A" -d 1
curl -sS --max-time 2 -o "$T/cut.zip" "http://127.0.0.1:$PORT$URL" 2>/dev/null
rc=$?
got=$(stat -c %s "$T/cut.zip" 2>/dev/null || echo 0)
check "the first attempt was cut short (curl exit $rc, $got of $N bytes)" \
	test "$rc" -ne 0 -a "$got" -gt 0 -a "$got" -lt "$N"
stop_server
start_server -- -p "$A"
curl -sS --max-time 20 -C - -o "$T/cut.zip" "http://127.0.0.1:$PORT$URL"
check "curl -C - completes it: exit $?" true
check "the resumed file is identical to a full download" cmp -s "$T/cut.zip" "$T/full.body"
check "the resumed file is a valid ZIP" valid_zip "$T/cut.zip"

# --- the ETag follows the album ----------------------------------------------------
touch "$A/album1/sub/c.jpg"
get "$URL" "$T/t1" >/dev/null
check "touching a file changes the ETag" test "$(header "$T/t1.head" ETag)" != "$ETAG"
E2=$(header "$T/t1.head" ETag)
cp -p "$A/album1/a.jpg" "$T/a.copy" && mv "$T/a.copy" "$A/album1/a.jpg"
get "$URL" "$T/t2" >/dev/null
check "replacing a file by a copy with the same mtime changes the ETag" \
	test "$(header "$T/t2.head" ETag)" != "$E2"
E3=$(header "$T/t2.head" ETag)
rm "$A/album1/sub/b.jpg"
get "$URL" "$T/t3" >/dev/null
check "removing a file changes the ETag" test "$(header "$T/t3.head" ETag)" != "$E3"
code=$(get "$URL" "$T/t4" -H "Range: bytes=10-19" -H "If-Range: $ETAG")
check "If-Range with the ETag of before: the full 200 (got $code)" test "$code" = 200
stop_server

# --- deflate -----------------------------------------------------------------------
mkdir -p "$T/text/notes"
for i in 1 2 3; do seq 1 20000 >"$T/text/notes/$i.txt"; done
start_server -- -p "$T/text" -c deflate
code=$(get /archive/notes/ "$T/d1")
check "deflate: 200 (got $code)" test "$code" = 200
check "deflate, HTTP/1.1: Transfer-Encoding: chunked" \
	test "$(header "$T/d1.head" Transfer-Encoding)" = chunked
check "deflate: no Content-Length" test -z "$(header "$T/d1.head" Content-Length)"
check "deflate: Accept-Ranges: none" test "$(header "$T/d1.head" Accept-Ranges)" = none
check "deflate: a valid ZIP" valid_zip "$T/d1.body"
text=$(cat "$T"/text/notes/*.txt | wc -c)
check "deflate: less than half the text ($(stat -c %s "$T/d1.body") of $text bytes)" \
	test "$(stat -c %s "$T/d1.body")" -lt $((text / 2))
unzip -Z -v "$T/d1.body" | grep -c 'compression method: *deflated' >"$T/nd"
check "deflate: every file is deflated ($(cat "$T/nd") of 3)" test "$(cat "$T/nd")" = 3
mkdir "$T/x" && (cd "$T/x" && unzip -q "$T/d1.body")
check "deflate: the files come out identical" diff -r "$T/x" "$T/text/notes"
get /archive/notes/ "$T/d2" >/dev/null
check "deflate: two downloads are byte-identical" cmp -s "$T/d1.body" "$T/d2.body"
check "deflate: a stable ETag, other than store's" \
	test "$(header "$T/d2.head" ETag)" = "$(header "$T/d1.head" ETag)"
code=$(get /archive/notes/ "$T/d3" -H "Range: bytes=0-99")
check "deflate: Range is ignored, 200 (got $code)" test "$code" = 200
check "deflate: Range is ignored, the whole archive" cmp -s "$T/d3.body" "$T/d1.body"
code=$(get /archive/notes/ "$T/d4" --http1.0)
check "deflate, HTTP/1.0: 200 (got $code)" test "$code" = 200
check "deflate, HTTP/1.0: no chunks, no length: ends at close" \
	test -z "$(header "$T/d4.head" Transfer-Encoding)$(header "$T/d4.head" Content-Length)"
check "deflate, HTTP/1.0: the same archive" cmp -s "$T/d4.body" "$T/d1.body"
code=$(get /archive/notes/ "$T/d5" -H "If-None-Match: $(header "$T/d1.head" ETag)")
check "deflate: If-None-Match: 304 (got $code)" test "$code" = 304
stop_server

# a deflate download that cannot be completed (a file shrinks while the
# handler, paced by --delay 1, is sending): no final chunk, curl fails
head -c 300000 /dev/urandom >"$T/text/notes/4.bin"
start_server -- -p "$T/text" -c deflate -d 1
curl -sS --max-time 30 -o "$T/d6.body" "http://127.0.0.1:$PORT/archive/notes/" 2>"$T/d6.err" &
cpid=$!
sleep 2
truncate -s 1000 "$T/text/notes/4.bin"
wait $cpid
rc=$?
check "deflate, a file shrinks mid-stream: curl fails (exit $rc: $(cat "$T/d6.err"))" test "$rc" -ne 0
check "deflate, a file shrinks mid-stream: the log names the file" \
	wait_for 10 grep -q "notes/4.bin: file changed while being sent" "$T/server.log"
stop_server
finish
