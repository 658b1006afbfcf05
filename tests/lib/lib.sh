# Shared helpers for the end-to-end tests (sourced by bash).
# Exit codes: 0 pass, 1 fail, 77 skip (a tool is missing), 99 hard error.
set -u
shopt -s lastpipe	# "printf ... | expect" runs expect in this shell

: "${top_srcdir:?run through make check}"
: "${HANDLER:?run through make check}"
SSA=${SYSTEMD_SOCKET_ACTIVATE:-$(command -v systemd-socket-activate || echo /lib/systemd/systemd-socket-activate)}
SAMPLE1=3bea29ccabbbf64bdebcc055319c5745
SAMPLE2=af1ad8c76fda2e48ea9aed2937e972ea

T=$(mktemp -d "${TMPDIR:-/tmp}/ah-test.XXXXXX") || exit 99
SERVER_PID=
PORT=
FAILS=0

fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
pass() { echo "ok: $*"; }
check() { # check DESCRIPTION COMMAND...: run, count a failure
	local what=$1; shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}
finish() { # exit status for the test-driver
	if [ "$FAILS" -ne 0 ]; then echo "$FAILS failure(s)" >&2; exit 1; fi
	exit 0
}
need_root() { # the test needs root (namespaces, mounts); in CI, fail (99)
	[ "$(id -u)" -eq 0 ] && return 0
	if [ -n "${CI:-}" ]; then echo "ERROR: this test needs root (CI runs as root)" >&2; exit 99; fi
	echo "SKIP: needs root" >&2
	exit 77
}
need() { # need TOOL...: skip (77) when a tool is missing; in CI, fail (99)
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 && continue
		if [ -n "${CI:-}" ]; then echo "ERROR: $t not installed (CI never skips)" >&2; exit 99; fi
		echo "SKIP: $t not installed" >&2
		exit 77
	done
}

# Processes whose parent is $1.
children() {
	local f ppid
	for f in /proc/[0-9]*/stat; do
		ppid=$(sed -e 's/^.*) [A-Za-z] \([0-9]*\) .*$/\1/' "$f" 2>/dev/null) || continue
		[ "$ppid" = "$1" ] && { f=${f#/proc/}; echo "${f%/stat}"; }
	done
	return 0
}

# wait_for SECONDS COMMAND...: poll until COMMAND succeeds (10 times a second).
wait_for() {
	local n=$(($1 * 10)); shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_server [--fd3] [-E VAR=VALUE]... -- HANDLER-ARGS...
# Runs the handler per connection under systemd-socket-activate on a free
# loopback port, as systemd's Accept=yes does. Handler stderr (the log)
# goes to $T/server.log.
start_server() {
	local inetd=--inetd env=() try v
	# systemd-socket-activate passes almost no environment: forward the
	# sanitizers' settings (CI's second run)
	for v in ASAN_OPTIONS UBSAN_OPTIONS; do
		[ -n "${!v:-}" ] && env+=(-E "$v=${!v}")
	done
	while [ $# -gt 0 ]; do
		case $1 in
		--fd3) inetd= ;;
		-E) env+=(-E "$2"); shift ;;
		--) shift; break ;;
		*) break ;;
		esac
		shift
	done
	for try in 1 2 3 4 5; do
		PORT=$(free_port)
		: >"$T/server.log"
		"$SSA" -l "127.0.0.1:$PORT" -a $inetd "${env[@]}" "$HANDLER" "$@" \
			2>>"$T/server.log" </dev/null &
		SERVER_PID=$!
		if wait_for 10 grep -q "Listening on" "$T/server.log"; then
			return 0
		fi
		kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null
		SERVER_PID=
	done
	echo "could not start systemd-socket-activate" >&2
	exit 99
}

# no_handlers: no handler process is left under the server (for wait_for:
# the test runs again on each try)
no_handlers() { test -z "$(children "$SERVER_PID")"; }

# Stop the server started above, after its handlers are done (bounded).
stop_server() {
	local pid
	[ -n "$SERVER_PID" ] || return 0
	wait_for 10 no_handlers || true
	for pid in $(children "$SERVER_PID"); do kill -9 "$pid" 2>/dev/null; done
	kill "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	SERVER_PID=
}

# at_exit COMMAND...: run COMMAND when the test ends, before $T is removed.
EXIT_HOOKS=()
at_exit() { EXIT_HOOKS+=("$*"); }

cleanup() {
	local h
	for h in "${EXIT_HOOKS[@]}"; do eval "$h"; done
	stop_server
	chmod -R u+rwX "$T" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 99' INT TERM

# raw [CLIENT-ARGS...] < REQUEST: send bytes, print the whole response.
raw() { python3 "$top_srcdir/tests/lib/rawclient.py" --port "$PORT" "$@"; }

# status FILE: the status code of a response file.
status_of() { head -n1 "$1" | cut -d' ' -f2; }

# header FILE NAME: value of a header in a response head (case-insensitive).
header() {
	sed -n '1,/^\r$/p' "$1" | tr -d '\r' | grep -i "^$2:" | head -n1 | cut -d: -f2- | sed 's/^ *//'
}

# body FILE > OUT: everything after the head (binary-safe).
body() {
	python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); i=d.find(b"\r\n\r\n"); sys.stdout.buffer.write(d[i+4:] if i>=0 else b"")' "$1"
}

# GET with curl: get URL-PATH OUT-PREFIX [CURL-ARGS...]; writes PREFIX.head
# and PREFIX.body, prints the status code.
get() {
	local path=$1 out=$2; shift 2
	curl -sS --max-time 20 -D "$out.head" -o "$out.body" -w '%{http_code}' "$@" \
		"http://127.0.0.1:$PORT$path"
}

# valid_zip FILE: every reader we have accepts it.
valid_zip() {
	unzip -tqq "$1" >/dev/null 2>&1 || { echo "unzip -t rejects $1" >&2; return 1; }
	python3 -c 'import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
bad = z.testzip()
sys.exit(1 if bad else 0)' "$1" || { echo "python zipfile rejects $1" >&2; return 1; }
	bsdtar -tf "$1" >/dev/null || { echo "bsdtar rejects $1" >&2; return 1; }
}

# zip_names FILE: entry names, one per line, in archive order.
zip_names() {
	python3 -c 'import sys, zipfile
for i in zipfile.ZipFile(sys.argv[1]).infolist(): print(i.filename)' "$1"
}

# --- xinetd and inetd tests -------------------------------------------------
# The super-server runs the handler as "nobody": give it a copy of the binary
# and of the samples that nobody can reach (the build tree may not be).
prepare_nobody() {
	chmod 755 "$T"
	mkdir -p "$T/bin"
	install -m 755 "$HANDLER" "$T/bin/archive-handler"
	cp -a "$top_srcdir/photos" "$T/photos"
	chmod -R u+rwX,go=rX "$T/photos"
}

# start_superserver COMMAND...: run it in the foreground in a private mount
# and PID namespace with its own /proc (tests/lib/superserver-ns.sh: no
# journald, syslog captured in $T/syslog); wait until 127.0.0.1:$PORT accepts
# connections. Its /proc must be its own: LeakSanitizer, in the sanitizer
# run, reads /proc/PID/task with the PID it has in the namespace.
start_superserver() {
	: >"$T/syslog"
	unshare --pid --fork --mount --mount-proc --kill-child \
		"$top_srcdir/tests/lib/superserver-ns.sh" "$T/syslog" "$@" \
		>"$T/superserver.log" 2>&1 </dev/null &
	SUPER_PID=$!
	at_exit 'kill -9 $SUPER_PID 2>/dev/null; wait $SUPER_PID 2>/dev/null'
	if ! wait_for 20 python3 -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()' "$PORT" 2>/dev/null; then
		echo "the super-server did not start listening; its output:" >&2
		cat "$T/superserver.log" "$T/syslog" >&2
		exit 99
	fi
}

# superserver_checks NAME: a download, a 404, and the log lines, through a
# super-server listening on 127.0.0.1:$PORT.
superserver_checks() {
	local name=$1 code len
	code=$(get "/archive/$SAMPLE1/" "$T/s1")
	check "$name: download 200 (got $code)" test "$code" = 200
	len=$(header "$T/s1.head" Content-Length)
	check "$name: Content-Length ($len) equals the bytes received" \
		test "$len" = "$(stat -c %s "$T/s1.body")"
	check "$name: the ZIP is valid (no log line inside it)" valid_zip "$T/s1.body"
	printf 'GET /archive/%s/ HTTP/1.0\r\n\r\n' "$SAMPLE1" |
		"$HANDLER" -p "$top_srcdir/photos" 2>/dev/null >"$T/piped"
	body "$T/piped" >"$T/piped.zip"
	check "$name: byte-identical to the piped ZIP" cmp -s "$T/s1.body" "$T/piped.zip"
	code=$(get /archive/nosuchalbum/ "$T/nf")
	check "$name: unknown album 404 (got $code)" test "$code" = 404
	check "$name: the download is logged to syslog" wait_for 10 grep -Eq \
		"archive-handler\[[0-9]+\]: 127\.0\.0\.1 \"GET /archive/$SAMPLE1/ HTTP/1\.1\" 200 $len/$len completed hash=$SAMPLE1 files=3" \
		"$T/syslog"
	check "$name: the 404 is logged to syslog" wait_for 10 grep -Eq \
		"archive-handler\[[0-9]+\]: 127\.0\.0\.1 \"GET /archive/nosuchalbum/ HTTP/1\.1\" 404 " \
		"$T/syslog"
	check "$name: syslog facility daemon, priority info (<30>)" \
		grep -Eq "^<30>.*archive-handler\[[0-9]+\]: .* 200 $len/$len completed" "$T/syslog"
}

# sparse FILE SIZE: a sparse file of SIZE bytes (folders made), with a few
# real bytes at both ends, so that a reader that skips data shows.
sparse() {
	mkdir -p "$(dirname "$1")"
	truncate -s "$2" "$1"
	printf 'begin %s' "$1" | dd of="$1" conv=notrunc status=none
	printf 'end' | dd of="$1" bs=1 seek=$(($2 - 3)) conv=notrunc status=none
}

# ... | sparse_save FILE: stdin into FILE, its runs of zeros (MiB-aligned) as
# holes: the big test archives are mostly zeros, and writing gigabytes of
# them to disk would be most of a test's time.
sparse_save() {
	python3 -c 'import sys
out = open(sys.argv[1], "wb")
zero = bytes(1 << 20)
n = 0
while True:
    b = sys.stdin.buffer.read(1 << 20)
    if not b:
        break
    if b == zero[:len(b)]:
        out.seek(len(b), 1)
    else:
        out.write(b)
    n += len(b)
out.truncate(n)' "$1"
}

# many_files DIR: the album of 70,000 small files in 70 folders (zip64's
# entry count; readers.sh, zip64.sh).
many_files() {
	python3 - "$1" <<'PY'
import os, sys
for d in range(70):
    os.makedirs(f"{sys.argv[1]}/d{d:02}")
    for i in range(1000):
        with open(f"{sys.argv[1]}/d{d:02}/{i:04}.jpg", "wb") as f:
            f.write(b"%d" % i)
PY
}

# nginx_conf FILE PORT ROOT: an nginx that serves the files of ROOT on
# 127.0.0.1:PORT as a static server should (sendfile), its pid and errors
# next to FILE (X.conf: X.pid, X.err): the benchmarks' reference.
nginx_conf() {
	cat >"$1" <<EOF
worker_processes auto;
pid ${1%.conf}.pid;
error_log ${1%.conf}.err;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	types { application/zip zip; }
	server {
		listen 127.0.0.1:$2;
		root $3;
	}
}
EOF
}
