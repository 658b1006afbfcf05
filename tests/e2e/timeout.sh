#!/bin/bash
# The request head must arrive within --request-timeout (absolute deadline):
# a silent client and a trickling one both get 408 and the handler exits.
. "$top_srcdir/tests/lib/lib.sh"
need python3

start_server -- -p "$top_srcdir/photos" --request-timeout 1
start=$(date +%s)
printf 'GET /archive/%s/ HTTP/1.1\r\nHost:' "$SAMPLE1" | raw --hold 4 --timeout 10 >"$T/slow"
check "incomplete head: 408" test "$(status_of "$T/slow")" = 408
: | raw --hold 4 --timeout 10 >"$T/silent"
check "silent client: 408" test "$(status_of "$T/silent")" = 408
python3 - "$PORT" >"$T/trickle" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
# one byte every 0.3 s: each read makes progress, the deadline still holds
req = b"GET / HTTP/1.1\r\nHost: t\r\nX-Slow: " + b"a" * 40
try:
    for b in req:
        s.send(bytes([b]))
        time.sleep(0.3)
except (BrokenPipeError, ConnectionResetError):
    pass
data = b""
try:
    while True:
        d = s.recv(4096)
        if not d:
            break
        data += d
except (socket.timeout, ConnectionResetError):
    pass
sys.stdout.buffer.write(data)
PY
check "trickling client: 408 (absolute deadline)" test "$(status_of "$T/trickle")" = 408
check "408s are logged" test "$(grep -c '" 408 ' "$T/server.log")" -ge 3
check "no handler process is left" wait_for 10 no_handlers
stop_server
finish
