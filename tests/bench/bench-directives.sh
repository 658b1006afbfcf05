#!/bin/bash
# What each sandboxing directive of archive@.service costs per connection,
# and what it is worth in "systemd-analyze security" points (make
# bench-directives; README "Performance"). Not part of make check.
#
# A real systemd 252 as PID 1 of a private namespace (tests/bench/bench-ns.sh) with
# the units as "make install" puts them; tests/bench/bench-units.py makes, from the
# installed archive@.service, a bare unit (no sandboxing), the full unit,
# and for every directive (or group, see there) the bare unit plus it (aNN)
# and the full unit minus it (dNN), each on its own socket. Then ROUNDS
# rounds, each measuring every variant once in a rotated order (so a slow
# minute of the shared machine hits different variants in different rounds):
# wrk -t2 -c8 for WRK_SECS s on the small album, and the CPU time per
# connection of systemd (PID 1) plus the instances (their slice's cpu.stat:
# set-up before exec and the handler). Kernel work done later in kernel
# threads (a network namespace's teardown) is not in it; the rate shows it.
#
# Per directive: the median over the rounds of
#   added   CPU ms per connection of bare + it, minus bare's (the same round)
#   removed full's, minus full - it's (what dropping it saves)
#   points  exposure of full - it minus full's (systemd-analyze security
#           --offline=yes; what it is worth in the shipped unit)
# and the spread (min-max) of each over the rounds.
# Environment: ROUNDS (3), WRK_SECS (2), EXTRA (more variants, as
# bench-units.py --extra NAME=LINES, separated by newlines), ONLY_EXTRA=1
# (bare, full and the EXTRA variants only: to compare candidate units).
. "$top_srcdir/tests/lib/lib.sh"
need_root
need unshare nsenter wrk systemctl systemd-analyze python3
ROUNDS=${ROUNDS:-3}
WRK_SECS=${WRK_SECS:-2}
. "$top_srcdir/tests/bench/bench-ns.sh"

say "bench-directives: starting systemd in a namespace"
bench_ns_start
extra=()
while IFS= read -r e; do [ -n "$e" ] && extra+=(--extra "$e"); done <<<"${EXTRA:-}"
bench_variants "$UNITS/archive@.service" "/proc/$SPID/root/run/systemd/system" 9000 \
	${ONLY_EXTRA:+--no-groups} --groups "${extra[@]}"
nv=$(wc -l <"$T/variants")

# exposure of every variant (offline, the file as written)
while read -r name _; do
	ns systemd-analyze security --offline=yes "/run/systemd/system/$name@.service" 2>&1 |
		sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p' >"$T/exp.$name"
done <"$T/variants"

say "bench-directives: $nv variants, $ROUNDS rounds of $WRK_SECS s each (~$((nv * ROUNDS * (WRK_SECS + 2) / 60)) min)"
: >"$T/raw"
for r in $(seq "$ROUNDS"); do
	# rotate the order by a different amount each round
	k=$(( (r - 1) * nv / ROUNDS ))
	{ tail -n +$((k + 1)) "$T/variants"; head -n "$k" "$T/variants"; } >"$T/order"
	while read -r name port _; do
		m=$(measure "$name" "$port") || { say "bench-directives: $name failed"; exit 1; }
		echo "$r $name $m" >>"$T/raw"
	done <"$T/order"
	say "bench-directives: round $r of $ROUNDS done"
done
cp "$T/raw" "${BENCH_RAW:-/dev/null}" 2>/dev/null

# col NAME FIELD: that field of every round of variant NAME
# (raw: ROUND NAME RATE N PID1_MS INSTANCE_MS JOURNALD_MS)
cpu_of() { awk -v n="$1" -v r="$2" '$1 == r && $2 == n { print $5 + $6 }' "$T/raw"; }
# diffs A B: per round, CPU(A) - CPU(B)
diffs() {
	local r
	for r in $(seq "$ROUNDS"); do
		awk -v a="$(cpu_of "$1" "$r")" -v b="$(cpu_of "$2" "$r")" 'BEGIN { printf "%.2f\n", a - b }'
	done
}
col() { awk -v n="$1" -v c="$2" '$2 == n { print $c }' "$T/raw"; }

echo "archive-handler: the sandbox directives, $(date -u +%Y-%m-%d)"
echo "systemd $(ns systemctl --version | head -n1 | cut -d' ' -f2), $(nproc) cores," \
	"Linux $(uname -r), $ROUNDS rounds of wrk -t2 -c8 -d${WRK_SECS}s per variant"
echo "CPU ms/conn: systemd (PID 1) + the instance (set-up and handler), median (min-max) over the rounds"
echo
printf '%-9s %8s %16s %8s %8s %8s %s\n' variant req/s "CPU ms/conn" "PID 1" instance exposure what
while read -r name port what; do
	printf '%-9s %8s %16s %8s %8s %8s %s\n' "$name" "$(col "$name" 3 | median)" \
		"$(for r in $(seq "$ROUNDS"); do cpu_of "$name" "$r"; done | median) ($(for r in $(seq "$ROUNDS"); do cpu_of "$name" "$r"; done | spread))" \
		"$(col "$name" 5 | median)" "$(col "$name" 6 | median)" "$(cat "$T/exp.$name")" "$what"
done <"$T/variants"
echo
echo "per directive: CPU ms per connection added to the bare unit, saved by removing it from"
echo "the full one (median of the per-round differences, (min-max)), and the exposure points"
echo "it is worth in the full unit (exposure without it minus with it)"
printf '%-28s %22s %22s %8s\n' directive "added to bare" "removed from full" points
full_exp=$(cat "$T/exp.full")
grep '^a' "$T/variants" | while read -r name _ _ _ directive; do
	d=d${name#a}
	add=$(diffs "$name" bare) rem=$(diffs full "$d")
	printf '%-28s %22s %22s %8s\n' "$directive" \
		"$(median <<<"$add") ($(spread <<<"$add"))" "$(median <<<"$rem") ($(spread <<<"$rem"))" \
		"$(awk -v a="$(cat "$T/exp.$d")" -v b="$full_exp" 'BEGIN { printf "%.1f", a - b }')"
done
