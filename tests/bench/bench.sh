#!/bin/bash
# The benchmark ("make bench"; not part of make check). Side by side, in one
# run, on loopback: archive-handler under systemd-socket-activate (one
# process per connection, as with systemd's Accept=yes) against Debian's
# nginx serving a prebuilt ZIP of the same album with sendfile:
#
#   1. throughput of a full download of a 1 GiB album (64 incompressible
#      files of 16 MiB) into curl, median of RUNS runs each and the spread
#      (min-max), alternating: warm (both inputs read into the page cache
#      before each download) and cold (the page cache dropped before each
#      download, for both), and the CPU seconds per GiB of each side (the
#      handler's from systemd-socket-activate's cutime + cstime once it has
#      reaped it, nginx's from its workers' utime + stime); in the warm
#      loop also the layout before, a build of OLD_REV (a commit still
#      with libarchive's data descriptors, issue 9) made here from
#      `git archive`, under its own systemd-socket-activate;
#   2. requests per second for a 2.2 MB album of 5 files at 8 concurrent
#      connections (wrk), against nginx serving the same-size file, once
#      with keep-alive (nginx's default) and once with a connection per
#      request (what the handler always does);
#   3. time to first byte for that small album (curl, median of TTFB_RUNS);
#   4. peak memory of the handler (tests/bench/bench-rss.py): peak RSS (VmHWM)
#      and peak private memory (RssAnon, sampled every millisecond)
#      for the small album, the 1 GiB album, a 5 GiB sparse file and a
#      70,000-file album; the last also as a HEAD, which lists the album but
#      writes no ZIP, to split our listing from libarchive's central directory;
#   5. what starting a process costs, the floor under (2) and (3): /bin/true,
#      an empty main() linked with libsystemd, one linked like the handler
#      (libarchive, libsystemd, zlib), and the handler itself.
#
# Everything it needs is made in a temporary folder below ${TMPDIR:-/tmp}
# (about 2.2 GB of disk, removed at the end). Environment: RUNS (5),
# TTFB_RUNS (21), WRK_SECS (10), STARTS (300), OLD_REV (0c34cee).
# The cold rows need root (/proc/sys/vm/drop_caches): they are left out,
# with a message, when it cannot be written.
. "$top_srcdir/tests/lib/lib.sh"
need nginx wrk curl python3 cc pkg-config "$SSA"

RUNS=${RUNS:-5}
OLD_REV=${OLD_REV:-0c34cee}
STARTS=${STARTS:-300}
TTFB_RUNS=${TTFB_RUNS:-21}
WRK_SECS=${WRK_SECS:-10}
chmod 755 "$T"		# nginx's workers run as nobody
P=$T/photos W=$T/www
mkdir -p "$P/gig" "$P/small" "$P/sparse" "$P/many" "$W"

say() { printf '%s\n' "$*" >&2; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
spread() { sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo "-" hi }'; }

# --- data -------------------------------------------------------------------
say "bench: making the albums in $T"
for i in $(seq -w 0 63); do head -c 16777216 /dev/urandom >"$P/gig/$i.jpg"; done
for i in 1 2 3 4 5; do head -c 440000 /dev/urandom >"$P/small/$i.jpg"; done
truncate -s 5G "$P/sparse/5g.bin"
python3 - "$P/many" <<'EOF'
import os, sys
# 70,000 files of 100 bytes in 70 folders of 1,000
for d in range(70):
    os.mkdir(f"{sys.argv[1]}/{d:02d}")
    for f in range(1000):
        with open(f"{sys.argv[1]}/{d:02d}/{f:04d}.jpg", "wb") as o:
            o.write(os.urandom(100))
EOF
# nginx serves the ZIPs the handler makes (so the bytes are the same)
for a in gig small; do
	printf 'GET /archive/%s/ HTTP/1.0\r\n\r\n' "$a" | "$HANDLER" -p "$P" 2>/dev/null |
		python3 -c 'import sys
f = sys.stdin.buffer; h = b""
while not h.endswith(b"\r\n\r\n"): h += f.read(1)
o = open(sys.argv[1], "wb")
while d := f.read(1 << 20): o.write(d)' "$W/$a.zip"
done
GIG_LEN=$(stat -c %s "$W/gig.zip") SMALL_LEN=$(stat -c %s "$W/small.zip")
unzip -tqq "$W/gig.zip" && unzip -tqq "$W/small.zip" || { say "bench: bad prebuilt ZIP"; exit 99; }
cat "$P"/gig/* >/dev/null; cat "$W/gig.zip" >/dev/null	# both in the page cache

# The layout before (issue 9): a build of OLD_REV, from this checkout's history
OLD=
if git -C "$top_srcdir" rev-parse -q --verify "$OLD_REV^{commit}" >/dev/null 2>&1; then
	say "bench: building $OLD_REV (the layout before) in $T/old"
	mkdir "$T/old"
	if git -C "$top_srcdir" archive "$OLD_REV" | tar -x -C "$T/old" &&
		(cd "$T/old" && autoreconf -fi && ./configure && make -j"$(nproc)" handler/archive-handler) \
		>"$T/old.log" 2>&1; then
		OLD=$T/old/handler/archive-handler
		OLD_LEN=$(printf 'HEAD /archive/gig/ HTTP/1.0\r\n\r\n' | "$OLD" -p "$P" 2>/dev/null |
			tr -d '\r' | sed -n 's/^Content-Length: //p')
	else
		say "bench: the build of $OLD_REV failed:"; tail -n 20 "$T/old.log" >&2; exit 99
	fi
else
	say "bench: $top_srcdir is not a git checkout that has $OLD_REV: no row for the layout before"
fi
COLD=1
[ -w /proc/sys/vm/drop_caches ] ||
	{ COLD=; say "bench: /proc/sys/vm/drop_caches is not writable (not root?): no cold rows"; }

# --- servers ------------------------------------------------------------------
NPORT=$(free_port)
nginx_conf "$T/nginx.conf" $NPORT "$W"
nginx -c "$T/nginx.conf" -g 'daemon off;' 2>>"$T/nginx.err" &
NGINX_PID=$!
at_exit 'kill $NGINX_PID 2>/dev/null; wait $NGINX_PID 2>/dev/null'
if [ -n "$OLD" ]; then
	HANDLER=$OLD start_server -- -p "$P"
	OLD_SSA=$SERVER_PID OPORT=$PORT SERVER_PID=
	at_exit 'SERVER_PID=$OLD_SSA stop_server'
fi
start_server -- -p "$P"
wait_for 10 curl -sf -o /dev/null "http://127.0.0.1:$NPORT/small.zip" || { say "bench: nginx did not start"; exit 99; }
NG=http://127.0.0.1:$NPORT AH=http://127.0.0.1:$PORT

# get URL: one download into /dev/null: "BYTES SECONDS TTFB"
get() { curl -sS -o /dev/null -w '%{size_download} %{time_total} %{time_starttransfer}\n' "$1"; }

# --- 1. throughput --------------------------------------------------------------
# CPU time in clock ticks, from /proc/PID/stat (after "comm)": field 3 is $1):
# utime + stime of nginx's workers (alive), cutime + cstime of a
# systemd-socket-activate (the handlers it has reaped: all their threads).
# The kernel keeps these in nanoseconds and converts the total, so a sum over
# a loop is exact to a tick or two.
TCK=$(getconf CLK_TCK)
stat_ticks() { # PID FIELD FIELD
	sed 's/.*) //' "/proc/$1/stat" | awk -v a="$2" -v b="$3" '{ print $(a - 2) + $(b - 2) }'
}
kids() { cat "/proc/$1/task/$1/children" 2>/dev/null || children "$1"; }
nginx_ticks() {
	local w n=0
	for w in $(kids "$NGINX_PID"); do n=$((n + $(stat_ticks "$w" 14 15))); done
	echo "$n"
}
ssa_idle() { test -z "$(kids "$1")"; }
ssa_ticks() { # SSA_PID: once its handlers have been reaped
	wait_for 10 ssa_idle "$1" || { say "bench: a handler of $1 did not exit"; return 1; }
	stat_ticks "$1" 16 17
}
ticks() { case $1 in ng) nginx_ticks ;; ah) ssa_ticks "$SERVER_PID" ;; old) ssa_ticks "$OLD_SSA" ;; esac; }

# one MODE SERVER: a download of the 1 GiB album, warm or cold; appends
# MB/s to $T/tp.MODE.SERVER and CPU ticks to $T/cpu.MODE.SERVER
one() {
	local mode=$1 s=$2 u len t0 t1 bytes secs
	case $s in
	ng) u=$NG/gig.zip len=$GIG_LEN ;;
	ah) u=$AH/archive/gig/ len=$GIG_LEN ;;
	old) u=$OLD_URL/archive/gig/ len=$OLD_LEN ;;
	esac
	if [ "$mode" = cold ]; then
		sync; echo 3 >/proc/sys/vm/drop_caches
	elif [ $s = ng ]; then cat "$W/gig.zip" >/dev/null	# this host reclaims idle cache
	else cat "$P"/gig/* >/dev/null; fi
	t0=$(ticks $s) || exit 1
	read -r bytes secs _ < <(get "$u")
	t1=$(ticks $s) || exit 1
	[ "$bytes" = "$len" ] || { say "bench: $u: $bytes bytes, not $len"; exit 1; }
	awk -v b="$bytes" -v s="$secs" 'BEGIN { printf "%.1f\n", b / s / 1e6 }' >>"$T/tp.$mode.$s"
	echo $((t1 - t0)) >>"$T/cpu.$mode.$s"
}
# cpu_per_gib MODE SERVER LEN: CPU seconds per GiB over all downloads
cpu_per_gib() {
	awk -v t="$TCK" -v len="$3" '{ n += $1; k++ } END { printf "%.3f", n / t / (k * len / 2^30) }' "$T/cpu.$1.$2"
}
OLD_URL=http://127.0.0.1:${OPORT:-0}
say "bench: 1 GiB album, $RUNS runs each, warm${OLD:+ (with $OLD_REV)}${COLD:+, then cold}"
for r in $(seq "$RUNS"); do
	for s in ng ah ${OLD:+old}; do one warm $s; done
done
if [ -n "$COLD" ]; then
	for r in $(seq "$RUNS"); do
		for s in ng ah; do one cold $s; done
	done
fi

# --- 2. requests per second -------------------------------------------------------
# wrk URL [HEADER]: requests/s; fails on any socket error or non-2xx answer
wrkrate() {
	local out
	out=$(wrk -t2 -c8 -d"${WRK_SECS}s" ${2:+-H "$2"} "$1") || return 1
	if grep -qE 'Socket errors|Non-2xx' <<<"$out"; then say "bench: wrk $1: errors:"; say "$out"; return 1; fi
	awk '$1 == "Requests/sec:" { print $2 }' <<<"$out"
}
say "bench: ${SMALL_LEN}-byte album at 8 connections, $WRK_SECS s each"
RPS_NG=$(wrkrate "$NG/small.zip") || exit 1
RPS_NGC=$(wrkrate "$NG/small.zip" 'Connection: close') || exit 1
RPS_AH=$(wrkrate "$AH/archive/small/") || exit 1

# --- 3. time to first byte ------------------------------------------------------------
say "bench: time to first byte, $TTFB_RUNS runs each"
: >"$T/ttfb.ng"; : >"$T/ttfb.ah"
for r in $(seq "$TTFB_RUNS"); do
	get "$NG/small.zip" | awk '{ print $3 * 1000 }' >>"$T/ttfb.ng"
	get "$AH/archive/small/" | awk '{ print $3 * 1000 }' >>"$T/ttfb.ah"
done
TTFB_NG=$(median <"$T/ttfb.ng") TTFB_AH=$(median <"$T/ttfb.ah")

# --- 4. memory -----------------------------------------------------------------------------
say "bench: peak memory"
rss() { python3 "$top_srcdir/tests/bench/bench-rss.py" "$HANDLER" "$P" "$@"; }
read -r M_SMALL_HWM M_SMALL_ANON _ < <(rss GET /archive/small/) || exit 1
read -r M_GIG_HWM M_GIG_ANON _ < <(rss GET /archive/gig/) || exit 1
read -r M_SP_HWM M_SP_ANON _ < <(rss GET /archive/sparse/) || exit 1
read -r M_MANY_HWM M_MANY_ANON M_MANY_LEN < <(rss GET /archive/many/) || exit 1
read -r M_MANYH_HWM M_MANYH_ANON _ < <(rss HEAD /archive/many/) || exit 1
read -r M_SMALLH_HWM M_SMALLH_ANON _ < <(rss HEAD /archive/small/) || exit 1

# --- 5. what a process start costs ---------------------------------------------------
# The handler is one process per connection. How much of a request is just
# starting a program linked as it is: spawn each PROGRAM STARTS times,
# stdin the HEAD request, and count wall time and the CPU time of the children.
say "bench: start-up cost, $STARTS starts each"
printf 'int main(void) { return 0; }\n' >"$T/empty.c"
cc -o "$T/empty-libsystemd" "$T/empty.c" -Wl,--no-as-needed $(pkg-config --libs libsystemd) &&
cc -o "$T/empty-linked" "$T/empty.c" -Wl,--no-as-needed $(pkg-config --libs libarchive libsystemd zlib) ||
	{ say "bench: cannot compile the start-up probes"; exit 99; }
printf 'HEAD /archive/small/ HTTP/1.0\r\n\r\n' >"$T/head.req"
printf 'GET /archive/small/ HTTP/1.0\r\n\r\n' >"$T/get.req"
starts() { # REQUEST PROGRAM ARGS...: "WALL_MS CPU_MS" per start
	python3 - "$STARTS" "$@" <<'PY'
import os, resource, subprocess, sys, time
n, req, argv = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
t0 = time.monotonic()
for _ in range(n):
    with open(req, "rb") as f:
        subprocess.run(argv, stdin=f, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
t = time.monotonic() - t0
r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime
print(f"{t / n * 1000:.2f} {cpu / n * 1000:.2f}")
PY
}
read -r S_TRUE_W S_TRUE_C < <(starts "$T/head.req" /bin/true)
read -r S_SD_W S_SD_C < <(starts "$T/head.req" "$T/empty-libsystemd")
read -r S_LINK_W S_LINK_C < <(starts "$T/head.req" "$T/empty-linked")
read -r S_HEAD_W S_HEAD_C < <(starts "$T/head.req" "$HANDLER" -p "$P")
read -r S_GET_W S_GET_C < <(starts "$T/get.req" "$HANDLER" -p "$P")
NLIBS=$(ldd "$HANDLER" | grep -c '=>')

# --- the table ---------------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v >= t ? "met" : "NOT met") }'; }
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
echo "archive-handler benchmark, $(date -u +%Y-%m-%d)"
echo "machine: $(nproc) x $cpu, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)," \
	"Linux $(uname -r), $(. /etc/os-release; echo "$PRETTY_NAME"), nginx $(nginx -v 2>&1 | sed 's|.*/||'), libarchive $(pkg-config --modversion libarchive)"
echo
printf '%-44s %14s %14s %7s %s\n' "measure" "archive-handler" "nginx" "ratio" "target"
# tp MODE LABEL TARGET: the MB/s row, its spread and its CPU row
tp() {
	local a n
	a=$(median <"$T/tp.$1.ah") n=$(median <"$T/tp.$1.ng")
	printf '%-44s %14s %14s %7s %s\n' "1 GiB album $1, MB/s (median of $RUNS)" "$a" "$n" \
		"$(ratio "$a" "$n")" ">= $3: $(verdict "$(ratio "$a" "$n")" "$3")"
	printf '%-44s %14s %14s\n' "  spread (min-max)" "$(spread <"$T/tp.$1.ah")" "$(spread <"$T/tp.$1.ng")"
	a=$(cpu_per_gib "$1" ah "$GIG_LEN") n=$(cpu_per_gib "$1" ng "$GIG_LEN")
	printf '%-44s %14s %14s %7s\n' "  CPU seconds per GiB ($1)" "$a" "$n" "$(ratio "$a" "$n")"
}
tp warm "" 0.90
if [ -n "$COLD" ]; then tp cold "" 0.95
else echo "1 GiB album cold: not measured (/proc/sys/vm/drop_caches not writable)"; fi
printf '%-44s %14s %14s %7s %s\n' "2.2 MB album, requests/s, 8 conns" "$RPS_AH" "$RPS_NG" \
	"$(ratio "$RPS_AH" "$RPS_NG")" ">= 0.50: $(verdict "$(ratio "$RPS_AH" "$RPS_NG")" 0.5)"
printf '%-44s %14s %14s %7s %s\n' "  ... nginx with a connection per request" "$RPS_AH" "$RPS_NGC" \
	"$(ratio "$RPS_AH" "$RPS_NGC")" ""
printf '%-44s %14s %14s %7s %s\n' "2.2 MB album, time to first byte, ms (median)" "$TTFB_AH" "$TTFB_NG" \
	"$(ratio "$TTFB_AH" "$TTFB_NG")" ""
echo
if [ -n "$OLD" ]; then
	a=$(median <"$T/tp.warm.ah") o=$(median <"$T/tp.warm.old")
	printf '%-44s %14s %14s %7s %s\n' "the layout before (issue 9), warm" "this build" "$OLD_REV" "ratio" "target"
	printf '%-44s %14s %14s %7s %s\n' "1 GiB album, MB/s (median of $RUNS)" "$a" "$o" \
		"$(ratio "$a" "$o")" ">= 0.95: $(verdict "$(ratio "$a" "$o")" 0.95)"
	printf '%-44s %14s %14s\n' "  spread (min-max)" "$(spread <"$T/tp.warm.ah")" "$(spread <"$T/tp.warm.old")"
	a=$(cpu_per_gib warm ah "$GIG_LEN") o=$(cpu_per_gib warm old "$OLD_LEN")
	printf '%-44s %14s %14s %7s\n' "  CPU seconds per GiB" "$a" "$o" "$(ratio "$a" "$o")"
else
	echo "the layout before (issue 9): not measured ($top_srcdir is not a git checkout with $OLD_REV)"
fi
echo
echo "handler memory, KiB                            peak RSS  peak RssAnon"
mem() { printf '%-44s %12s %12s\n' "$@"; }
mem "2.2 MB album ($SMALL_LEN bytes)" "$M_SMALL_HWM" "$M_SMALL_ANON"
mem "1 GiB album ($GIG_LEN bytes)" "$M_GIG_HWM" "$M_GIG_ANON"
mem "5 GiB sparse file" "$M_SP_HWM" "$M_SP_ANON"
mem "70,000 files ($M_MANY_LEN bytes)" "$M_MANY_HWM" "$M_MANY_ANON"
mem "70,000 files, HEAD (listing only)" "$M_MANYH_HWM" "$M_MANYH_ANON"
mem "2.2 MB album, HEAD" "$M_SMALLH_HWM" "$M_SMALLH_ANON"
flat=$(awk -v s="$M_SMALL_HWM" -v g="$M_GIG_HWM" -v p="$M_SP_HWM" \
	'BEGIN { print (g <= s + 1024 && p <= s + 1024 && g < 8192 && p < 8192 && s < 8192) ? "met" : "NOT met" }')
echo "target: 1 GiB and 5 GiB peak RSS <= 2.2 MB album's + 1024 KiB, all < 8192 KiB: $flat"
priv=$(awk -v s="$M_SMALL_ANON" -v g="$M_GIG_ANON" -v p="$M_SP_ANON" \
	'BEGIN { print (s < 1024 && g < 1024 && p < 1024) ? "met" : "NOT met" }')
echo "target: peak RssAnon (private memory per download) < 1024 KiB for 2.2 MB, 1 GiB, 5 GiB: $priv"
echo "70,000 files: our listing $((M_MANYH_ANON - M_SMALLH_ANON)) KiB (HEAD minus small HEAD)," \
	"libarchive's central directory and the rest of the ZIP writer $((M_MANY_ANON - M_MANYH_ANON)) KiB (GET minus HEAD), RssAnon"
echo
echo "one process start, ms per start (wall, CPU; $STARTS starts, stdin a file)"
printf '%-60s %7s %7s\n' "/bin/true" "$S_TRUE_W" "$S_TRUE_C"
printf '%-60s %7s %7s\n' "empty main() linked with libsystemd" "$S_SD_W" "$S_SD_C"
printf '%-60s %7s %7s\n' "empty main() linked like the handler ($NLIBS libraries)" "$S_LINK_W" "$S_LINK_C"
printf '%-60s %7s %7s\n' "archive-handler: HEAD of the 2.2 MB album" "$S_HEAD_W" "$S_HEAD_C"
printf '%-60s %7s %7s\n' "archive-handler: GET of the 2.2 MB album (into /dev/null)" "$S_GET_W" "$S_GET_C"
