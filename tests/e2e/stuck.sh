#!/bin/bash
# A client that stops reading but keeps the connection open: once the
# socket buffers are full, the handler gives up after --send-timeout, logs
# "send timeout" with the hash and the bytes sent, and exits with status 0
# (the client's fault, README "Exit status"), while the client still holds
# the connection. An album that fits in the buffers completes even so.
# (The request-head deadline is in timeout.sh.)
. "$top_srcdir/tests/lib/lib.sh"
need python3

S=$T/store
mkdir -p "$S/big"
truncate -s 64M "$S/big/huge.jpg"	# sparse: far more than the socket buffers hold
cp -r "$top_srcdir/photos/$SAMPLE1" "$S/small"
start_server -- -p "$S" --send-timeout 2

now() { date +%s.%N; }
# elapsed SINCE: seconds since SINCE, one decimal
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
line_of() { grep -E "\"GET /archive/$1/ HTTP/1.1\" [0-9]{3} " "$T/server.log" | head -n1; }
logged() { test -n "$(line_of "$1")"; }
exit_status() { # the handler's exit status, as systemd-socket-activate logs it
	local pid
	pid=$(line_of "$1" | sed -n 's/^archive-handler\[\([0-9]*\)\]: .*/\1/p')
	[ -n "$pid" ] && sed -n "s/^Child $pid died with code \([0-9]*\)\$/\1/p" "$T/server.log"
}
exited() { test -n "$(exit_status "$1")"; }
no_handler() { test -z "$(children "$SERVER_PID")"; }

CLIENT=
at_exit '[ -z "$CLIENT" ] || { kill "$CLIENT"; wait "$CLIENT"; } 2>/dev/null'
# stall ALBUM: a client reads 100,000 bytes of the album, then stops reading
# and keeps the connection open for 60 s; sets CLIENT (its PID)
stall() {
	printf 'GET /archive/%s/ HTTP/1.1\r\nHost: t\r\n\r\n' "$1" >"$T/$1.req"
	python3 "$top_srcdir/tests/lib/rawclient.py" --port "$PORT" --read 100000 --stall 60 \
		--timeout 60 <"$T/$1.req" >"$T/$1.part" &
	CLIENT=$!
	# the client prints what it read when it stops reading
	wait_for 30 test -s "$T/$1.part" || fail "$1: the client read nothing"
}

# --- the big album: the handler must give up --------------------------------
stall big
stalled=$(now)
check "big: the download started (200)" test "$(status_of "$T/big.part")" = 200
check "big: the client read 100,000 bytes and stopped" test "$(stat -c %s "$T/big.part")" = 100000
check "big: the handler gives up (logged within 20 s)" wait_for 20 logged big
took=$(elapsed "$stalled")
line=$(line_of big)
echo "# $line"
check "big: the handler gave up ${took} s after the client stopped reading (<= 20)" \
	awk -v t="$took" 'BEGIN { exit !(t <= 20) }'
check "big: the client still holds the connection" kill -0 "$CLIENT"
check "big: logged: download interrupted, hash, send timeout" grep -Eq \
	'" 200 [0-9]+/[0-9]+ download interrupted hash=big files=1 [0-9]+ms: send timeout$' <<<"$line"
read -r sent len ms < <(sed -n 's/.* 200 \([0-9]*\)\/\([0-9]*\) .* \([0-9]*\)ms: .*/\1 \2 \3/p' \
	<<<"$line")
check "big: bytes sent ($sent) are more than the client read and less than Content-Length ($len)" \
	test "${sent:-0}" -gt 100000 -a "${sent:-0}" -lt "${len:-0}"
check "big: Content-Length in the log ($len) is the one sent" \
	test "$len" = "$(header "$T/big.part" Content-Length)"
check "big: the handler waited at least the send timeout (${ms} ms >= 2000)" \
	test "${ms:-0}" -ge 2000
check "big: no handler process is left" wait_for 10 no_handler
check "big: ...while the client still holds the connection" kill -0 "$CLIENT"
wait_for 10 exited big
check "big: the handler exits 0, the client's fault (got '$(exit_status big)')" \
	test "$(exit_status big)" = 0
kill "$CLIENT" 2>/dev/null
wait "$CLIENT" 2>/dev/null
CLIENT=

# --- a small album fits in the buffers: it completes -------------------------
stall small
check "small: the download started (200)" test "$(status_of "$T/small.part")" = 200
check "small: the handler finishes while the client stalls" wait_for 20 logged small
line=$(line_of small)
echo "# $line"
len=$(header "$T/small.part" Content-Length)
check "small: logged as completed, $len/$len" \
	grep -Eq "\" 200 $len/$len completed hash=small files=3 " <<<"$line"
check "small: no handler process is left" wait_for 10 no_handler
check "small: ...while the client still holds the connection" kill -0 "$CLIENT"
wait_for 10 exited small
check "small: the handler exits 0 (got '$(exit_status small)')" test "$(exit_status small)" = 0
kill "$CLIENT" 2>/dev/null
wait "$CLIENT" 2>/dev/null
CLIENT=

stop_server
check "send timeout was logged once, for the big album only" \
	test "$(grep -c 'send timeout' "$T/server.log")" = 1
finish
