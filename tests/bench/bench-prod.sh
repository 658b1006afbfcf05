#!/bin/bash
# The production benchmark (make bench-prod, also run by make bench; README
# "Performance"). Side by side in one run, on the loopback of one private
# network namespace, the small album (5 x 440,000 random bytes) fetched by
# wrk -t2 -c8 for WRK_SECS s from:
#
#   shipped  archive.socket + archive@.service as "make install" puts them,
#            under a real systemd 252, PID 1 of a private namespace
#            (tests/bench/bench-ns.sh; only DefaultDependencies=no added)
#   bare     the same unit without its sandbox directives (root, no
#            namespaces, no filters: tests/bench/bench-units.py)
#   xinetd   the shipped xinetd file (units/archive.xinetd; user nobody)
#   ssa      systemd-socket-activate -a --inetd (fork and exec, nothing else)
#   nginx    Debian's nginx serving the same ZIP as a file, keep-alive, and
#            again with a connection per request
#
# ROUNDS rounds, each server once per round in a rotated order; medians and
# spreads (min-max) over the rounds. CPU time per connection, split:
#   PID 1     systemd's own /proc/PID/stat (the unit, the cgroup, the fork)
#   set-up    the instances' slice (cgroup cpu.stat), minus the handler:
#             what systemd's forked child does before exec (namespaces,
#             mounts, user, seccomp filters)
#   handler   the handler's own CPU: from exec to exit, measured on the
#             same binary under systemd-socket-activate in the same round
#             (its reaped children's rusage, /proc/PID/stat cutime+cstime)
#   log       journald (the handler's access-log entry)
# Kernel work deferred to kernel threads is in none of these; the rate
# includes it.
#
# Then the start cost per answer kind with libarchive loaded lazily (what
# the handler does: dlopen() only to make an archive body) against the same
# binary with libarchive loaded at start (LD_PRELOAD of libarchive.so.13 and
# so its whole dependency tree, as when it was linked): STARTS starts of each,
# alternating, stdin the request in a file, stdout /dev/null.
#
# Environment: ROUNDS (3), WRK_SECS (10), STARTS (300), BEFORE (a unit file:
# also measure it, as "before").
. "$top_srcdir/tests/lib/lib.sh"
need_root
need unshare nsenter wrk systemctl python3 nginx xinetd curl unzip "$SSA"
ROUNDS=${ROUNDS:-3}
WRK_SECS=${WRK_SECS:-10}
STARTS=${STARTS:-300}
. "$top_srcdir/tests/bench/bench-ns.sh"

say "bench-prod: starting systemd in a namespace"
bench_ns_start
ns systemctl start archive.socket system-archive.slice || exit 99
bench_variants "$UNITS/archive@.service" "/proc/$SPID/root/run/systemd/system" 9000
ns systemctl stop full.socket	# the same as archive.socket, measured through that
SERVERS="shipped bare xinetd ssa nginx nginx-close"
# BEFORE=FILE: also an older archive@.service (its paths those of the
# namespace: /usr/local/bin, /srv/photos), to compare before and after
if [ -n "${BEFORE:-}" ]; then
	python3 "$top_srcdir/tests/bench/bench-units.py" "$BEFORE" "$T/before" 9010 >/dev/null || exit 99
	cp "$T/before/full.socket" "/proc/$SPID/root/run/systemd/system/before.socket"
	cp "$T/before/full@.service" "/proc/$SPID/root/run/systemd/system/before@.service"
	ns systemctl daemon-reload && ns systemctl start before.socket system-before.slice || exit 99
	SERVERS="before $SERVERS"
fi

# The handler as the super-servers run it: a copy nobody can run, the
# album copied from the namespace (same bytes, mtimes kept).
prepare_nobody
mkdir -p "$T/photos/small" "$T/www"
cp -a "/proc/$SPID/root/srv/photos/small/." "$T/photos/small/"
chmod -R u+rwX,go=rX "$T/photos"
printf 'GET /archive/small/ HTTP/1.0\r\n\r\n' | "$HANDLER" -p "$T/photos" 2>/dev/null |
	python3 -c 'import sys
f = sys.stdin.buffer; h = b""
while not h.endswith(b"\r\n\r\n"): h += f.read(1)
sys.stdout.buffer.write(f.read())' >"$T/www/small.zip"
unzip -tqq "$T/www/small.zip" || { say "bench-prod: bad prebuilt ZIP"; exit 99; }
SMALL_LEN=$(stat -c %s "$T/www/small.zip")

# listening PORT: something accepts on 127.0.0.1:PORT in the namespace
listening() {
	net python3 -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()' "$1" 2>/dev/null
}

# systemd-socket-activate, its handlers' stderr (one line per request) in $T/ssa.log
SSA_PORT=9100
nsenter -t "$SPID" -n "$SSA" -l 127.0.0.1:$SSA_PORT -a --inetd "$T/bin/archive-handler" \
	-p "$T/photos" 2>"$T/ssa.log" </dev/null &
SSA_PID=$!
at_exit 'kill $SSA_PID 2>/dev/null; wait $SSA_PID 2>/dev/null'

# xinetd: the shipped file, only the port, the address and the paths changed
XI_PORT=9101
mkdir "$T/xinetd.d"
sed -e "s|^\([[:space:]]*port[[:space:]]*=\).*|\1 $XI_PORT\n\tbind\t\t= 127.0.0.1|" \
	-e "s|^\([[:space:]]*server[[:space:]]*=\).*|\1 $T/bin/archive-handler|" \
	-e "s|--path=[^[:space:]]*|--path=$T/photos|" \
	"$top_builddir/units/archive.xinetd" >"$T/xinetd.d/archive"
printf 'defaults\n{\n\tlog_type\t= FILE %s\n}\nincludedir %s\n' "$T/xinetd.log" "$T/xinetd.d" >"$T/xinetd.conf"
: >"$T/syslog"
nsenter -t "$SPID" -n unshare --pid --fork --mount --kill-child \
	"$top_srcdir/tests/lib/superserver-ns.sh" "$T/syslog" \
	xinetd -dontfork -f "$T/xinetd.conf" -pidfile /run/xinetd.pid >"$T/xinetd.out" 2>&1 </dev/null &
XI_UPID=$!
at_exit 'kill -9 $XI_UPID 2>/dev/null; wait $XI_UPID 2>/dev/null'

# nginx
NG_PORT=9102
chmod 755 "$T"
nginx_conf "$T/nginx.conf" $NG_PORT "$T/www"
nsenter -t "$SPID" -n nginx -c "$T/nginx.conf" -g 'daemon off;' 2>>"$T/nginx.err" &
NG_PID=$!
at_exit 'kill $NG_PID 2>/dev/null; wait $NG_PID 2>/dev/null'

for p in $SSA_PORT $XI_PORT $NG_PORT; do
	wait_for 20 listening $p || { say "bench-prod: nothing listens on $p"; cat "$T/xinetd.out" >&2; exit 99; }
done
XI_PID=$(children "$XI_UPID")		# xinetd itself (PID 1 of its namespace)

# --- the measurements ---------------------------------------------------------
# own PID: utime+stime in usec; kids PID: cutime+cstime (reaped children)
own() { awk -v hz="$HZ" '{ printf "%.0f\n", ($14 + $15) * 1e6 / hz }' "/proc/$1/stat"; }
kids() { awk -v hz="$HZ" '{ printf "%.0f\n", ($16 + $17) * 1e6 / hz }' "/proc/$1/stat"; }
nlines() { grep -c "$2" "$1"; }
# no handler below PID (xinetd's children include the syslog receiver)
no_handlers_of() {
	local c
	for c in $(children "$1"); do
		[ "$(cat "/proc/$c/comm" 2>/dev/null)" = archive-handler ] && return 1
	done
	return 0
}

wrkrun() { # URL [WRK-ARGS]: requests/s, or fail
	local out
	out=$(net wrk -t2 -c8 -d"${WRK_SECS}s" "${@:2}" "$1") || return 1
	if grep -q 'Non-2xx' <<<"$out"; then say "bench-prod: wrk $1: errors:"; say "$out"; return 1; fi
	awk '$1 == "Requests/sec:" { print $2 }' <<<"$out"
}

# superserver NAME PID LOG URL: RATE CONNECTIONS SELF_MS CHILDREN_MS
superserver() {
	local name=$1 pid=$2 log=$3 url=$4 c0 s0 k0 c1 s1 k1 rate
	c0=$(nlines "$log" 'HTTP/1.1" ') s0=$(own "$pid") k0=$(kids "$pid")
	rate=$(wrkrun "$url") || return 1
	wait_for 60 no_handlers_of "$pid" || { say "bench-prod: $name: handlers still running"; return 1; }
	wait_for 10 test "$(nlines "$log" 'HTTP/1.1" ')" -gt "$c0"
	sleep 0.2	# the last log lines
	c1=$(nlines "$log" 'HTTP/1.1" ') s1=$(own "$pid") k1=$(kids "$pid")
	awk -v r="$rate" -v n=$((c1 - c0)) -v s=$((s1 - s0)) -v k=$((k1 - k0)) \
		'BEGIN { printf "%s %d %.2f %.2f\n", r, n, s / n / 1000, k / n / 1000 }'
}

# nginx_run [WRK-ARGS]: RATE REQUESTS CPU_MS (master and workers per request)
nginx_cpu() { local p t=0; for p in $NG_PID $(children "$NG_PID"); do t=$((t + $(own "$p"))); done; echo $t; }
nginx_run() {
	local c0 c1 out rate n
	c0=$(nginx_cpu)
	out=$(net wrk -t2 -c8 -d"${WRK_SECS}s" "$@" "http://127.0.0.1:$NG_PORT/small.zip") || return 1
	c1=$(nginx_cpu)
	rate=$(awk '$1 == "Requests/sec:" { print $2 }' <<<"$out")
	n=$(awk '/requests in/ { print $1 }' <<<"$out")
	awk -v r="$rate" -v n="$n" -v c=$((c1 - c0)) 'BEGIN { printf "%s %d %.2f\n", r, n, c / n / 1000 }'
}

say "bench-prod: $ROUNDS rounds of $WRK_SECS s per server ($SERVERS)"
: >"$T/raw"
for r in $(seq "$ROUNDS"); do
	set -- $SERVERS
	for _ in $(seq $(( (r - 1) % $# ))); do set -- "${@:2}" "$1"; done
	for s in "$@"; do
		case $s in
		shipped) m=$(measure archive 8080) ;;
		before) m=$(measure before 9011) ;;
		bare) m=$(measure bare 9000) ;;
		xinetd) m=$(superserver xinetd "$XI_PID" "$T/syslog" "http://127.0.0.1:$XI_PORT/archive/small/") ;;
		ssa) m=$(superserver ssa "$SSA_PID" "$T/ssa.log" "http://127.0.0.1:$SSA_PORT/archive/small/") ;;
		nginx) m=$(nginx_run) ;;
		nginx-close) m=$(nginx_run -H 'Connection: close') ;;
		esac || { say "bench-prod: $s failed"; exit 1; }
		echo "$r $s $m" >>"$T/raw"
	done
	say "bench-prod: round $r of $ROUNDS done"
done
[ -n "${BENCH_RAW:-}" ] && cp "$T/raw" "$BENCH_RAW"

# --- start cost per answer kind: libarchive lazily vs at start ---------------------
say "bench-prod: start cost per answer kind, $STARTS starts each"
LIBARCHIVE=$(ldconfig -p | awk '$1 == "libarchive.so.13" && /x86-64/ { print $NF; exit }')
[ -n "$LIBARCHIVE" ] || { say "bench-prod: libarchive.so.13 not found"; exit 99; }
etag=$(printf 'HEAD /archive/small/ HTTP/1.0\r\n\r\n' | "$HANDLER" -p "$T/photos" 2>/dev/null |
	tr -d '\r' | sed -n 's/^ETag: //Ip')
printf 'GET /archive/nosuchalbum/ HTTP/1.0\r\n\r\n' >"$T/k.404"
printf 'GET /archive/small/ HTTP/1.0\r\nIf-None-Match: %s\r\n\r\n' "$etag" >"$T/k.304"
printf 'HEAD /archive/small/ HTTP/1.0\r\n\r\n' >"$T/k.HEAD"
printf 'GET /archive/small/ HTTP/1.0\r\n\r\n' >"$T/k.GET"
for k in 404 304 HEAD GET; do
	python3 - "$STARTS" "$T/k.$k" "$LIBARCHIVE" "$HANDLER" -p "$T/photos" <<'PY' >"$T/kind.$k" || exit 1
import os, resource, subprocess, sys, time
n, req, lib, argv = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
envs = {"lazy": dict(os.environ), "preload": dict(os.environ, LD_PRELOAD=lib)}
cpu = {k: 0.0 for k in envs}
wall = {k: 0.0 for k in envs}
for i in range(n):
    for k in (("lazy", "preload") if i % 2 else ("preload", "lazy")):
        with open(req, "rb") as f:
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.monotonic()
            subprocess.run(argv, stdin=f, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           env=envs[k], check=True)
            wall[k] += time.monotonic() - t0
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[k] += r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime
print(" ".join(f"{wall[k] / n * 1000:.2f} {cpu[k] / n * 1000:.2f}" for k in ("lazy", "preload")))
PY
done
status() { "$HANDLER" -p "$T/photos" <"$T/k.$1" 2>/dev/null | head -n1 | cut -d' ' -f2; }
for k in 404 304 HEAD GET; do
	want=${k/HEAD/200}; want=${want/GET/200}
	[ "$(status $k)" = "$want" ] || { say "bench-prod: the $k request got $(status $k)"; exit 1; }
done

# --- the tables -----------------------------------------------------------------------
col() { awk -v n="$1" -v c="$2" '$2 == n { print $c }' "$T/raw"; }
med() { col "$1" "$2" | median; }
ms() { awk "BEGIN { printf \"%.2f\", $1 }"; }	# ms EXPRESSION
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "archive-handler production benchmark, $(date -u +%Y-%m-%d)"
echo "$(nproc) cores, Linux $(uname -r), systemd $(ns systemctl --version | head -n1 | cut -d' ' -f2)," \
	"xinetd $(dpkg-query -W -f '${Version}' xinetd 2>/dev/null), nginx $(nginx -v 2>&1 | sed 's|.*/||')"
echo "${SMALL_LEN}-byte album, wrk -t2 -c8 -d${WRK_SECS}s, $ROUNDS rounds: median (min-max)"
echo
RPS_NG=$(med nginx 3) RPS_SSA=$(med ssa 3)
printf '%-44s %20s %9s %9s\n' server "requests/s" "/nginx" "/ssa"
row() {
	printf '%-44s %20s %9s %9s\n' "$1" "$(med "$2" 3) ($(col "$2" 3 | spread))" \
		"$(ratio "$(med "$2" 3)" "$RPS_NG")" "$(ratio "$(med "$2" 3)" "$RPS_SSA")"
}
[ -n "${BEFORE:-}" ] && row "systemd, archive@.service before" before
row "systemd, shipped archive@.service" shipped
row "systemd, bare unit (no sandboxing)" bare
row "xinetd, shipped file" xinetd
row "systemd-socket-activate" ssa
row "nginx, the ZIP as a file, keep-alive" nginx
row "nginx, the ZIP as a file, connection/request" nginx-close
echo "shipped / bare: $(ratio "$(med shipped 3)" "$(med bare 3)") (goal >= 0.80)"
[ -n "${BEFORE:-}" ] && echo "before / bare: $(ratio "$(med before 3)" "$(med bare 3)")"
echo
# measure: RATE N PID1 INSTANCE JOURNALD; superserver: RATE N SELF CHILDREN; nginx: RATE N CPU
H=$(med ssa 6)
echo "CPU ms per connection (median over the rounds; handler: its own CPU under systemd-socket-activate)"
printf '%-44s %8s %8s %8s %8s %8s\n' server "PID 1" set-up handler log total
for s in ${BEFORE:+before} shipped bare; do
	p=$(med $s 5) i=$(med $s 6) j=$(med $s 7)
	printf '%-44s %8s %8s %8s %8s %8s\n' "systemd, $s" "$p" "$(ms "$i - $H")" "$H" "$j" "$(ms "$p + $i + $j")"
done
printf '%-44s %8s %8s %8s %8s %8s\n' "xinetd (itself; its child: set-up + handler)" "$(med xinetd 5)" \
	"$(ms "$(med xinetd 6) - $H")" "$H" - "$(ms "$(med xinetd 5) + $(med xinetd 6)")"
printf '%-44s %8s %8s %8s %8s %8s\n' "systemd-socket-activate" "$(med ssa 5)" - "$H" - "$(ms "$(med ssa 5) + $H")"
printf '%-44s %8s %8s %8s %8s %8s\n' "nginx, keep-alive (all its processes)" - - "$(med nginx 5)" - "$(med nginx 5)"
printf '%-44s %8s %8s %8s %8s %8s\n' "nginx, connection/request" - - "$(med nginx-close 5)" - "$(med nginx-close 5)"
echo
echo "handler start per answer kind, ms per start (wall, CPU; $STARTS starts each, alternating)"
printf '%-10s %16s %16s %14s\n' answer "lazy libarchive" "loaded at start" "saved (CPU)"
for k in 404 304 HEAD GET; do
	read -r lw lc pw pc <"$T/kind.$k"
	printf '%-10s %8s %7s %8s %7s %14s\n' "$k" "$lw" "$lc" "$pw" "$pc" "$(ms "$pc - $lc")"
done
