#!/bin/bash
# Inside "unshare --pid --fork --mount --mount-proc": run a super-server in the
# foreground with no journald and a private /dev whose /dev/log is a test
# syslog receiver, as on a host without systemd. Used by tests/e2e/xinetd.sh
# and tests/e2e/inetd.sh.
#
#   superserver-ns.sh SYSLOG-FILE COMMAND...
set -eu
syslog=$1; shift

mount --make-rprivate /
mount -t tmpfs -o mode=0755 tmpfs /run		# no journal socket
. "$(dirname "$0")/private-dev.sh"

python3 "$(dirname "$0")/syslogd.py" /dev/log "$syslog" &
for _ in $(seq 100); do [ -S /dev/log ] && break; sleep 0.05; done
[ -S /dev/log ] || { echo "syslog receiver did not start" >&2; exit 1; }
exec "$@"
