#!/bin/bash
# Options and environment: help, version, precedence, bad values (a clear
# message and exit 2; a connected client gets a 500 first), -l progress.
. "$top_srcdir/tests/lib/lib.sh"
need curl python3

"$HANDLER" --help >"$T/help" </dev/null
check "--help exits 0" test $? -eq 0
for o in --path --logging --delay --compression --etag --trusted-proxy --request-timeout --send-timeout \
	BASE_FILE_STORAGE_PATH ENABLE_LOGGING ENABLE_RESPONSE_DELAY ARCHIVE_COMPRESSION ARCHIVE_ETAG \
	ARCHIVE_TRUSTED_PROXY; do
	check "--help mentions $o" grep -q -- "$o" "$T/help"
done
"$HANDLER" -h </dev/null | cmp -s - "$T/help"
check "-h is --help" test $? -eq 0
check "--version prints the version" \
	bash -c '"$1" --version </dev/null | grep -Eq "^archive-handler [0-9]+\.[0-9]+"' _ "$HANDLER"

bad() { # bad DESCRIPTION ARGS...: exit 2 and a message naming the problem
	local what=$1; shift
	"$@" </dev/null >"$T/out" 2>"$T/err"
	local rc=$?
	if [ "$rc" -eq 2 ] && [ -s "$T/err" ] && [ ! -s "$T/out" ]; then
		pass "$what: exit 2, $(head -n1 "$T/err")"
	else
		fail "$what: exit $rc, stderr '$(cat "$T/err")'"
	fi
}
bad "-l 2" "$HANDLER" -l 2
bad "--logging maybe" "$HANDLER" --logging maybe
bad "-d x" "$HANDLER" -d x
bad "--request-timeout 0" "$HANDLER" --request-timeout 0
bad "--send-timeout abc" "$HANDLER" --send-timeout abc
bad "unknown option" "$HANDLER" --frobnicate
bad "missing value" "$HANDLER" -p
bad "extra argument" "$HANDLER" extra
bad "ENABLE_LOGGING=maybe" env ENABLE_LOGGING=maybe "$HANDLER"
bad "ENABLE_RESPONSE_DELAY=2" env ENABLE_RESPONSE_DELAY=2 "$HANDLER"
bad "-c zstd" "$HANDLER" -c zstd
bad "--compression STORE (case matters)" "$HANDLER" --compression STORE
bad "ARCHIVE_COMPRESSION=gzip" env ARCHIVE_COMPRESSION=gzip "$HANDLER"
bad "--etag weak" "$HANDLER" --etag weak
bad "--etag PORTABLE (case matters)" "$HANDLER" --etag PORTABLE
bad "ARCHIVE_ETAG=inode" env ARCHIVE_ETAG=inode "$HANDLER"
bad "--trusted-proxy localhost (not an address)" "$HANDLER" --trusted-proxy localhost
bad "--trusted-proxy 10.0.0.0/8 (no networks)" "$HANDLER" --trusted-proxy 10.0.0.0/8
bad "ARCHIVE_TRUSTED_PROXY=1.2.3.4,x" env ARCHIVE_TRUSTED_PROXY=1.2.3.4,x "$HANDLER"
# command line beats environment for the compression too
printf 'HEAD /archive/%s/ HTTP/1.1\r\nHost: t\r\n\r\n' "$SAMPLE1" |
	ARCHIVE_COMPRESSION=deflate "$HANDLER" -p "$top_srcdir/photos" -c store 2>/dev/null >"$T/cs"
check "-c store beats ARCHIVE_COMPRESSION=deflate" grep -q "^Accept-Ranges: bytes" "$T/cs"
printf 'HEAD /archive/%s/ HTTP/1.1\r\nHost: t\r\n\r\n' "$SAMPLE1" |
	ARCHIVE_COMPRESSION=deflate "$HANDLER" -p "$top_srcdir/photos" 2>/dev/null >"$T/cd"
check "ARCHIVE_COMPRESSION=deflate applies" grep -q "^Transfer-Encoding: chunked" "$T/cd"
# --etag: strict by default; the option beats ARCHIVE_ETAG
etag_of() { # etag_of [ENV=VALUE...] -- ARGS...: the ETag of a HEAD of sample 1
	local envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done; shift
	printf 'HEAD /archive/%s/ HTTP/1.1\r\nHost: t\r\n\r\n' "$SAMPLE1" |
		env "${envs[@]}" "$HANDLER" -p "$top_srcdir/photos" "$@" 2>/dev/null |
		tr -d '\r' | sed -n 's/^ETag: //p'
}
e_default=$(etag_of --) e_strict=$(etag_of -- --etag strict) e_portable=$(etag_of -- --etag portable)
check "the default ETag is the strict one ($e_default)" test -n "$e_default" -a "$e_default" = "$e_strict"
check "--etag portable gives another ETag ($e_portable)" test -n "$e_portable" -a "$e_portable" != "$e_strict"
check "ARCHIVE_ETAG=portable applies" test "$(etag_of ARCHIVE_ETAG=portable --)" = "$e_portable"
check "--etag strict beats ARCHIVE_ETAG=portable" \
	test "$(etag_of ARCHIVE_ETAG=portable -- --etag strict)" = "$e_strict"
env ENABLE_LOGGING=maybe "$HANDLER" </dev/null 2>"$T/err"
check "the message names the bad variable" grep -q "invalid ENABLE_LOGGING=maybe" "$T/err"

# command line beats environment: ENABLE_LOGGING=1 but -l 0 -> no progress
printf 'GET /archive/%s/ HTTP/1.1\r\nHost: t\r\n\r\n' "$SAMPLE1" >"$T/req"
cat "$T/req" | ENABLE_LOGGING=1 "$HANDLER" -p "$top_srcdir/photos" 2>"$T/l1" >/dev/null
check "ENABLE_LOGGING=1 logs progress" grep -q "sending archive $SAMPLE1: .* of .* bytes" "$T/l1"
check "ENABLE_LOGGING=1 logs the request" grep -q "request from .*: GET /archive/$SAMPLE1/" "$T/l1"
cat "$T/req" | ENABLE_LOGGING=1 "$HANDLER" -l 0 -p "$top_srcdir/photos" 2>"$T/l0" >/dev/null
check "-l 0 beats ENABLE_LOGGING=1" test "$(grep -c "sending archive" "$T/l0")" -eq 0
check "-l 0 still logs the one line per request" grep -q '" 200 .* completed' "$T/l0"
cat "$T/req" | ENABLE_LOGGING=true "$HANDLER" -p "$top_srcdir/photos" 2>"$T/lt" >/dev/null
check "ENABLE_LOGGING=true is accepted" grep -q "sending archive" "$T/lt"

# misconfigured behind a socket: the client gets a 500, the log says why
start_server -E ENABLE_RESPONSE_DELAY=sometimes -- -p "$top_srcdir/photos"
cat "$T/req" | raw >"$T/r"
check "bad setting with a client connected: 500" test "$(status_of "$T/r")" = 500
check "bad setting: logged" wait_for 5 grep -q "invalid ENABLE_RESPONSE_DELAY=sometimes" "$T/server.log"
stop_server
start_server -- -p "$top_srcdir/photos" --logging=7
cat "$T/req" | raw >"$T/r"
check "bad option with a client connected: 500" test "$(status_of "$T/r")" = 500
stop_server

# --delay 1 makes the response slow: 3 pieces of 32 KiB a second apart
start_server -- -p "$top_srcdir/photos" -d 1
t0=$(date +%s%N)
s=$(get "/archive/$SAMPLE1/" "$T/slow")
t1=$(date +%s%N)
check "-d 1: download complete" test "$s" = 200 -a "$(header "$T/slow.head" Content-Length)" = "$(stat -c %s "$T/slow.body")"
check "-d 1: took at least 3 s ($(( (t1 - t0) / 1000000 )) ms)" test $(( (t1 - t0) / 1000000 )) -ge 3000
stop_server
finish
