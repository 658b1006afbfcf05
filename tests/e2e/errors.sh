#!/bin/bash
# Status codes for bad requests, and the head/target limits at limit-1,
# limit and limit+1, through a real socket. Every error has a short body
# and a Content-Length; every request leaves one log line.
. "$top_srcdir/tests/lib/lib.sh"
need python3

HEAD_MAX=$(sed -n 's/^#define HEAD_MAX[[:space:]]*\([0-9]*\).*/\1/p' "$top_srcdir/handler/ah_limits.h")
TARGET_MAX=$(sed -n 's/^#define TARGET_MAX[[:space:]]*\([0-9]*\).*/\1/p' "$top_srcdir/handler/ah_limits.h")
HEADERS_MAX=$(sed -n 's/^#define HEADERS_MAX[[:space:]]*\([0-9]*\).*/\1/p' "$top_srcdir/handler/ah_limits.h")
[ -n "$HEAD_MAX" ] && [ -n "$TARGET_MAX" ] && [ -n "$HEADERS_MAX" ] || exit 99

start_server -- -p "$top_srcdir/photos"

n=0
# expect STATUS DESCRIPTION [CLIENT-ARGS] < REQUEST
expect() {
	local want=$1 what=$2 got cl blen
	shift 2
	n=$((n + 1))
	raw "$@" >"$T/r$n"
	got=$(status_of "$T/r$n")
	if [ "$got" != "$want" ]; then
		fail "$what: status $got, want $want"
		return
	fi
	cl=$(header "$T/r$n" Content-Length)
	blen=$(body "$T/r$n" | wc -c)
	if [ "$want" -ge 400 ] && { [ -z "$cl" ] || [ "$cl" != "$blen" ] || [ "$blen" -eq 0 ]; }; then
		fail "$what: Content-Length '$cl' for a body of $blen bytes"
		return
	fi
	pass "$what: $want"
}

printf 'GET /nope HTTP/1.1\r\nHost: t\r\n\r\n' | expect 404 "unknown path"
printf 'GET /archive/00000000000000000000000000000000/ HTTP/1.1\r\nHost: t\r\n\r\n' | expect 404 "unknown album"
check "404 bodies are identical for a path and an album" cmp -s <(body "$T/r1") <(body "$T/r2")
check "404 body says the archive does not exist" grep -q "Archive does not exist or was removed" <(body "$T/r2")
printf 'POST /archive/%s/ HTTP/1.1\r\nHost: t\r\n\r\n' "$SAMPLE1" | expect 405 "POST"
check "405 has Allow: GET, HEAD" test "$(header "$T/r$n" Allow)" = "GET, HEAD"
printf 'DELETE / HTTP/1.1\r\nHost: t\r\n\r\n' | expect 405 "DELETE"
printf 'OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n' | expect 400 "asterisk-form"
printf 'GET / HTTP/1.1\r\n\r\n' | expect 400 "HTTP/1.1 without Host"
printf 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n' | expect 400 "two Host fields"
printf 'GET / HTTP/1.0\r\n\r\n' | expect 200 "HTTP/1.0 without Host"
printf 'GET / HTTP/2.0\r\nHost: t\r\n\r\n' | expect 505 "HTTP/2.0"
printf 'GET / HTTP/1.2\r\nHost: t\r\n\r\n' | expect 505 "HTTP/1.2"
printf 'GET / HTTP/1.1\nHost: t\n\n' | expect 400 "bare LF"
printf 'GET  / HTTP/1.1\r\nHost: t\r\n\r\n' | expect 400 "double space"
printf 'GET / HTTP/1.1\r\nHost: t\r\n folded\r\n\r\n' | expect 400 "obs-fold"
printf 'GET / HTTP/1.1\r\nHost : t\r\n\r\n' | expect 400 "space before colon"
printf 'GET /\x01 HTTP/1.1\r\nHost: t\r\n\r\n' | expect 400 "control byte in target"
printf 'GET / HTTP/1.1\r\nHost: t\r\nX: a\x00b\r\n\r\n' | expect 400 "NUL in a header"
printf 'GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc' | expect 413 "a request body"
printf 'GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n' | expect 400 "two Content-Length"
printf 'GET / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' | expect 400 "Transfer-Encoding"
printf 'GET /archive/%%zz/ HTTP/1.1\r\nHost: t\r\n\r\n' | expect 400 "malformed escape"
printf 'GET /archive/a%%00/ HTTP/1.1\r\nHost: t\r\n\r\n' | expect 400 "%%00"
printf 'GET / HTTP/1.1\r\nHost: t' | expect 400 "connection closed mid-head" --shut
printf 'HEAD /nope HTTP/1.1\r\nHost: t\r\n\r\n' | raw >"$T/head404"
check "HEAD 404: status" test "$(status_of "$T/head404")" = 404
check "HEAD 404: no body" test "$(body "$T/head404" | wc -c)" -eq 0

# Whole head at HEAD_MAX - 1, HEAD_MAX (served) and HEAD_MAX + 1 (431).
# pad LEN: a request to / whose head is exactly LEN bytes.
pad() {
	local fixed="GET / HTTP/1.1\r\nHost: t\r\nX-Pad: \r\n\r\n"
	local base
	base=$(printf "$fixed" | wc -c)
	printf 'GET / HTTP/1.1\r\nHost: t\r\nX-Pad: %s\r\n\r\n' "$(head -c $(($1 - base)) /dev/zero | tr '\0' a)"
}
pad $((HEAD_MAX - 1)) | expect 200 "head of HEAD_MAX-1 bytes"
pad "$HEAD_MAX" | expect 200 "head of HEAD_MAX bytes"
pad $((HEAD_MAX + 1)) | expect 431 "head of HEAD_MAX+1 bytes"

# Target at TARGET_MAX - 1, TARGET_MAX (routed: 404) and TARGET_MAX + 1 (414).
target() { printf '/%s' "$(head -c $(($1 - 1)) /dev/zero | tr '\0' b)"; }
printf 'GET %s HTTP/1.1\r\nHost: t\r\n\r\n' "$(target $((TARGET_MAX - 1)))" | expect 404 "target of TARGET_MAX-1"
printf 'GET %s HTTP/1.1\r\nHost: t\r\n\r\n' "$(target "$TARGET_MAX")" | expect 404 "target of TARGET_MAX"
printf 'GET %s HTTP/1.1\r\nHost: t\r\n\r\n' "$(target $((TARGET_MAX + 1)))" | expect 414 "target of TARGET_MAX+1"

# Header count at HEADERS_MAX - 1 (with Host), HEADERS_MAX, HEADERS_MAX + 1.
fields() {
	local i
	printf 'GET / HTTP/1.1\r\nHost: t\r\n'
	for ((i = 1; i < $1; i++)); do printf 'X-%d: v\r\n' "$i"; done
	printf '\r\n'
}
fields $((HEADERS_MAX - 1)) | expect 200 "HEADERS_MAX-1 fields"
fields "$HEADERS_MAX" | expect 200 "HEADERS_MAX fields"
fields $((HEADERS_MAX + 1)) | expect 431 "HEADERS_MAX+1 fields"

stop_server
check "every request was logged" \
	test "$(grep -c '" [0-9][0-9][0-9] ' "$T/server.log")" -ge "$n"
check "a refused request is logged with its status" grep -q '"POST /archive/.*" 405 ' "$T/server.log"
finish
