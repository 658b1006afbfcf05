#!/bin/bash
# A client that goes away mid-download: the handler notices, logs
# "download interrupted" with the hash and the bytes sent, and exits; no
# process is left behind.
. "$top_srcdir/tests/lib/lib.sh"
need curl python3

# --delay 1: 32 KiB a second, so the 100 KB album takes about 3 seconds
start_server -- -p "$top_srcdir/photos" -d 1
printf 'GET /archive/%s/ HTTP/1.1\r\nHost: t\r\n\r\n' "$SAMPLE1" | raw --read 1000 >"$T/part"
check "got the head and the first bytes" test "$(status_of "$T/part")" = 200
check "the handler logs the interruption (hash, bytes sent)" \
	wait_for 15 grep -Eq "\"GET /archive/$SAMPLE1/ HTTP/1.1\" 200 [0-9]+/[0-9]+ download interrupted hash=$SAMPLE1" "$T/server.log"
sent=$(sed -n 's/.* 200 \([0-9]*\)\/\([0-9]*\) download interrupted.*/\1 \2/p' "$T/server.log")
set -- $sent
check "bytes sent ($1) is less than Content-Length ($2)" test "$1" -lt "$2"
check "no handler process is left" wait_for 10 no_handlers

# curl giving up on its own (timeout) is the same for the handler
curl -sS --max-time 1 -o "$T/c.body" "http://127.0.0.1:$PORT/archive/$SAMPLE2/" 2>/dev/null
check "curl saw an incomplete download (exit 28)" test $? -eq 28
check "second interruption logged" \
	wait_for 15 grep -q "download interrupted hash=$SAMPLE2" "$T/server.log"
check "no handler process is left after curl" wait_for 10 no_handlers
stop_server
finish
