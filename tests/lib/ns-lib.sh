# A real systemd as PID 1 of a private PID, mount and network namespace
# (tests/lib/systemd-ns.sh), for tests/e2e/systemd.sh and load.sh. Sourced after
# tests/lib/lib.sh.
#
#   start_ns [SETUP]	start it (SETUP: see systemd-ns.sh); the log is $T/ns.log
#   wait_ns SECONDS	wait until its systemd runs the test target (or exit 99)
#   ns CMD...		run CMD inside (systemctl, journalctl)
#   net CMD...		run CMD in its network only (a client; files are ours)
#   stop_ns		kill it and remove its cgroups (also at exit)
CGROUP=ah-test-${T##*.}
UPID= SPID=

NS_SCRIPT=${NS_SCRIPT:-$top_srcdir/tests/lib/systemd-ns.sh}	# or tests/lib/deb-ns.sh

start_ns() {
	unshare --pid --fork --mount --mount-proc --net --kill-child \
		"$NS_SCRIPT" "$top_builddir" "$top_srcdir/photos" "$CGROUP" \
		"$@" >"$T/ns.log" 2>&1 </dev/null &
	UPID=$!
	at_exit stop_ns
}

# Kill the namespace's systemd (PID 1 ignores SIGTERM; "systemctl poweroff"
# would run systemd-shutdown, which remounts file systems shared with the
# host), then remove the cgroups it made, all below $CGROUP.
stop_ns() {
	local d
	[ -n "$SPID" ] && kill -9 "$SPID" 2>/dev/null
	[ -n "$UPID" ] && { kill -9 "$UPID" 2>/dev/null; wait "$UPID" 2>/dev/null; }
	for d in /sys/fs/cgroup/"$CGROUP" /sys/fs/cgroup/*/"$CGROUP"; do
		[ -d "$d" ] || continue
		wait_for 10 find "$d" -depth -type d -exec rmdir {} + 2>/dev/null ||
			echo "could not remove cgroup $d" >&2
	done
	SPID=
}

ns() { timeout 60 nsenter -t "$SPID" -m -p "$@"; }
net() { timeout 60 nsenter -t "$SPID" -n "$@"; }

systemd_pid() {
	local p
	p=$(children "$UPID")
	[ -n "$p" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = systemd ] && SPID=$p
}

wait_ns() {
	if ! wait_for "$1" systemd_pid || ! wait_for 30 ns systemctl is-active -q archive-test.target; then
		echo "the namespace's systemd did not come up; its log:" >&2
		cat "$T/ns.log" >&2
		exit 99
	fi
}
