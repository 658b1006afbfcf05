#!/bin/bash
# Inside "unshare --pid --fork --mount --mount-proc --net": make a private
# world, install archive-handler into it with "make install" as a user would,
# and become a real systemd (PID 1 of the namespace). Used by
# tests/e2e/systemd.sh; see ../shared/NOTES.md for the recipe.
#
#   systemd-ns.sh BUILDDIR PHOTOS CGROUP [SETUP]
#
# SETUP (optional): a script run with bash inside the namespace after the
# albums are copied to /srv/photos and before systemd starts, e.g. to add a
# large album or a configuration drop-in below /run (tests/e2e/load.sh). It
# runs before /tmp is hidden, so it may live in the test's $T.
#
# Nothing leaks to the host: every place written is a tmpfs of this mount
# namespace (/run, /dev, /etc/systemd/system, /usr/local, /srv, /tmp,
# /var/tmp, the journal, systemd's state), the network namespace has only
# "lo", and systemd's cgroups are all below CGROUP (one name in each
# hierarchy), which the caller removes afterwards.
set -eu
builddir=$1 photos=$2 cgroup=$3 setup=${4:-}

mount --make-rprivate /
for d in /run /etc/systemd/system /usr/local /srv /var/log/journal /var/lib/systemd; do
	if [ -d "$d" ]; then mount -t tmpfs -o mode=0755 tmpfs "$d"; fi
done
ip link set lo up

# A private /dev: systemd and journald create /dev/log and friends, which
# would land in the host's devtmpfs.
. "$(dirname "$0")/private-dev.sh"

# systemd uses the cgroup it starts in as its root, in every hierarchy.
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	hierarchies=/sys/fs/cgroup		# cgroup v2 only
else
	hierarchies="/sys/fs/cgroup/systemd /sys/fs/cgroup/unified"
fi
for h in $hierarchies; do
	if [ -f "$h/cgroup.procs" ]; then
		mkdir "$h/$cgroup"
		echo $$ >"$h/$cgroup/cgroup.procs"
	fi
done

# Install exactly as a user would; pin every directory below the tmpfs so a
# build configured elsewhere cannot write to the host.
# One make at a time in the build tree: tests that run in parallel (make -j
# check) install from it too, and "make install" with other directories
# regenerates units/subst.stamp and the units there: two at once collide.
unset MAKEFLAGS MFLAGS MAKELEVEL
flock "$builddir/.make-lock" make -s -C "$builddir" install prefix=/usr/local exec_prefix=/usr/local \
	bindir=/usr/local/bin sysconfdir=/usr/local/etc \
	datarootdir=/usr/local/share mandir=/usr/local/share/man \
	systemdsystemunitdir=/usr/local/lib/systemd/system storagepath=/srv/photos

# The albums: the samples (mtimes kept, so the ZIP is byte-identical to one
# made from the source tree) and a 64 MiB one to interrupt.
mkdir -p /srv/photos/big
cp -a "$photos"/. /srv/photos/
head -c 67108864 /dev/urandom >/srv/photos/big/1.bin
if [ -n "$setup" ]; then bash "$setup"; fi
chmod -R u=rwX,go=rX /srv/photos

# Only what the test needs starts: no default dependencies.
mkdir -p /run/systemd/system/archive.socket.d /run/systemd/system/archive@.service.d
printf '[Unit]\nDefaultDependencies=no\n' >/run/systemd/system/archive.socket.d/test.conf
printf '[Unit]\nDefaultDependencies=no\n' >/run/systemd/system/archive@.service.d/test.conf
# A sanitizer build (CI's second run): LeakSanitizer needs ptrace, which the
# hardened unit's system-call filter forbids; the other tests check leaks.
if grep -q __asan_init /usr/local/bin/archive-handler; then
	printf '[Service]\nEnvironment=ASAN_OPTIONS=detect_leaks=0\n' \
		>>/run/systemd/system/archive@.service.d/test.conf
fi
cat >/run/systemd/system/archive-test.target <<'UNIT'
[Unit]
Description=archive-handler test
DefaultDependencies=no
Wants=systemd-journald.socket systemd-journald.service
UNIT

# PrivateTmp= would create directories in the host's /tmp: hide it last.
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=1777 tmpfs /var/tmp
exec /lib/systemd/systemd --system --unit=archive-test.target
