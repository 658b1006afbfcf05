#!/bin/bash
# valgrind memcheck on end-to-end downloads: no memory error, no definite
# or indirect leak, no file descriptor left open at exit but 0, 1 and 2 (and
# the log's own), for every kind of answer. The handler reads the request
# from a file and writes the response to one (manual piping), as it does
# with a socket. Not for the sanitizer build (.ci/run runs it on the plain
# one only: valgrind and ASan do not mix).
. "$top_srcdir/tests/lib/lib.sh"
need valgrind python3 unzip

if grep -q __asan_init "$HANDLER" 2>/dev/null; then
	echo "ERROR: $HANDLER is built with sanitizers; run valgrind on a plain build" >&2
	exit 99
fi

mkdir -p "$T/p/txt"
seq 1 5000 >"$T/p/txt/a.txt"
cp -a "$top_srcdir/photos/." "$T/p/"

n=0
vg() { # vg NAME REQUEST [HANDLER-ARGS...]
	local name=$1 req=$2 rc; shift 2
	n=$((n + 1))
	printf "%b" "$req" >"$T/req$n"
	valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --track-fds=yes \
		--log-file="$T/vg$n.log" "$HANDLER" -p "$T/p" "$@" <"$T/req$n" >"$T/out$n" 2>"$T/err$n"
	rc=$?
	check "$name: no valgrind error (exit $rc)" test "$rc" -ne 99
	check "$name: no memory error or leak in valgrind's log" \
		bash -c "! grep -Eq 'Invalid|uninitialised|definitely lost|indirectly lost' '$T/vg$n.log'"
	check "$name: every fd open at exit was inherited (none opened and left)" \
		python3 - "$T/vg$n.log" <<'EOF'
import re, sys
# blocks: "Open file descriptor N: ..." followed by "<inherited from parent>"
# or by the stack of the call that opened it
log = open(sys.argv[1]).read().split("\n")
bad = []
for i, line in enumerate(log):
    m = re.search(r"Open (?:file descriptor|AF_\w+ socket) (\d+)", line)
    if m and int(m.group(1)) > 2 and "inherited from parent" not in " ".join(log[i + 1:i + 2]):
        bad.append(line.split("== ", 1)[-1])
if bad:
    print("\n".join(bad), file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
}
vg "download" "GET /archive/$SAMPLE1/ HTTP/1.1\r\nHost: t\r\n\r\n"
body "$T/out$n" >"$T/a.zip"
check "download: a valid ZIP under valgrind" unzip -tqq "$T/a.zip"
vg "HEAD" "HEAD /archive/$SAMPLE1/ HTTP/1.1\r\nHost: t\r\n\r\n"
vg "range" "GET /archive/$SAMPLE1/ HTTP/1.1\r\nHost: t\r\nRange: bytes=1000-50000\r\n\r\n"
check "range: 206" test "$(status_of "$T/out$n")" = 206
vg "304" "GET /archive/$SAMPLE1/ HTTP/1.1\r\nHost: t\r\nIf-None-Match: *\r\n\r\n"
vg "deflate, chunked" "GET /archive/txt/ HTTP/1.1\r\nHost: t\r\n\r\n" -c deflate
vg "index page" "GET / HTTP/1.1\r\nHost: t\r\n\r\n"
vg "404" "GET /archive/nope/ HTTP/1.1\r\nHost: t\r\n\r\n"
vg "400" "GET /%zz HTTP/1.1\r\nHost: t\r\n\r\n"
vg "431" "GET / HTTP/1.1\r\nHost: t\r\n$(python3 -c 'print("X-A: b\\r\\n" * 70, end="")')\r\n"
vg "bad option value" "GET / HTTP/1.1\r\nHost: t\r\n\r\n" -c zstd
vg "trusted proxy" "GET /archive/$SAMPLE2/ HTTP/1.1\r\nHost: t\r\nX-Forwarded-For: 192.0.2.1\r\n\r\n" --trusted-proxy 127.0.0.1
# signed links (--link-key): libgcrypt's HMAC, the key file, the 403
python3 -c 'print("k" * 40); print("o" * 40)' >"$T/key"
link=$("$HANDLER" --link-key "$T/key" --sign "$SAMPLE1" </dev/null)
vg "signed link" "GET $link HTTP/1.1\r\nHost: t\r\n\r\n" --link-key "$T/key"
check "signed link: 200" test "$(status_of "$T/out$n")" = 200
vg "signed link, bad signature" "GET ${link%?????}AAAAA HTTP/1.1\r\nHost: t\r\n\r\n" --link-key "$T/key"
check "signed link, bad signature: 403" test "$(status_of "$T/out$n")" = 403
: >"$T/nokey"
vg "empty key file" "GET / HTTP/1.1\r\nHost: t\r\n\r\n" --link-key "$T/nokey"
vg "--sign" "" --link-key "$T/key" --sign "$SAMPLE1"
check "--sign: a link" grep -q "^/archive/$SAMPLE1/?expires=" "$T/out$n"
finish
