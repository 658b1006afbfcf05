# The production benchmarks' helpers (tests/bench/bench-prod.sh,
# tests/bench/bench-directives.sh): a real systemd as PID 1 of a private namespace
# (tests/lib/systemd-ns.sh, via tests/lib/ns-lib.sh) with the units "make install"
# put there, variants of archive@.service on their own ports
# (tests/bench/bench-units.py), and what one connection costs under each.
# Sourced after tests/lib/lib.sh.
#
#   bench_ns_start		start the namespace with the small album
#				(/srv/photos/small, 5 x 440,000 random bytes)
#   bench_variants ARGS...	tests/bench/bench-units.py ARGS into the namespace;
#				starts every variant's socket; $T/variants
#   measure NAME PORT [WRK-ARGS...]
#				wrk -t2 -c8 for $WRK_SECS s on the small album
#				through socket NAME, then waits until its
#				instances are done, and prints
#				"RATE CONNECTIONS PID1_MS INSTANCE_MS JOURNALD_MS":
#				requests/s, the connections systemd accepted,
#				and CPU ms per connection of systemd (PID 1,
#				/proc/PID/stat), of the instances (the cpu.stat of
#				their slice: set-up before exec and the handler)
#				and of journald (the handler's log line)
. "$top_srcdir/tests/lib/ns-lib.sh"
WRK_SECS=${WRK_SECS:-10}
HZ=$(getconf CLK_TCK)

bench_ns_start() {
	cat >"$T/setup.sh" <<'EOF'
set -eu
mkdir /srv/photos/small
for i in 1 2 3 4 5; do head -c 440000 /dev/urandom >/srv/photos/small/$i.jpg; done
EOF
	start_ns "$T/setup.sh"
	wait_ns 60
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then CGROOT=/sys/fs/cgroup/$CGROUP
	else CGROOT=/sys/fs/cgroup/unified/$CGROUP; fi
	UNITS=/proc/$SPID/root/usr/local/lib/systemd/system
}

bench_variants() {
	local name port
	python3 "$top_srcdir/tests/bench/bench-units.py" "$@" >"$T/variants" || exit 99
	ns systemctl daemon-reload || exit 99
	while read -r name port _; do
		# The slice holds the instances' CPU time after they are gone;
		# started by hand it stays when the last instance stops.
		ns systemctl start "$name.socket" "system-$name.slice" || exit 99
	done <"$T/variants"
}

# usec FILE: usage_usec of a cpu.stat, 0 if there is none (yet)
usec() { awk '$1 == "usage_usec" { print $2; f = 1 } END { if (!f) print 0 }' "$1" 2>/dev/null || echo 0; }
pid1_usec() { awk -v hz="$HZ" '{ printf "%.0f\n", ($14 + $15) * 1e6 / hz }' "/proc/$SPID/stat"; }

sock_idle() { test "$(ns systemctl show -P NConnections "$1.socket")" = 0; }

measure() {
	local name=$1 port=$2 slice n0 n1 p0 p1 s0 s1 j0 j1 out rate
	shift 2
	slice=$CGROOT/system.slice/system-$name.slice/cpu.stat
	journal=$CGROOT/system.slice/systemd-journald.service/cpu.stat
	n0=$(ns systemctl show -P NAccepted "$name.socket")
	p0=$(pid1_usec) s0=$(usec "$slice") j0=$(usec "$journal")
	out=$(net wrk -t2 -c8 -d"${WRK_SECS}s" "$@" "http://127.0.0.1:$port/archive/small/") ||
		{ say "bench: $name: wrk failed: $out"; return 1; }
	if grep -q 'Non-2xx' <<<"$out"; then say "bench: $name: wrk saw errors:"; say "$out"; return 1; fi
	rate=$(awk '$1 == "Requests/sec:" { print $2 }' <<<"$out")
	wait_for 60 sock_idle "$name" ||
		{ say "bench: $name: instances still running after 60 s"; return 1; }
	n1=$(ns systemctl show -P NAccepted "$name.socket")
	p1=$(pid1_usec) s1=$(usec "$slice") j1=$(usec "$journal")
	awk -v r="$rate" -v n=$((n1 - n0)) -v p=$((p1 - p0)) -v s=$((s1 - s0)) -v j=$((j1 - j0)) \
		'BEGIN { printf "%s %d %.2f %.2f %.2f\n", r, n, p / n / 1000, s / n / 1000, j / n / 1000 }'
}

say() { printf '%s\n' "$*" >&2; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# spread: "min-max" of a column of numbers
spread() { sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s", lo, hi }'; }
