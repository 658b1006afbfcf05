#!/bin/bash
# Inside "unshare --pid --fork --mount --mount-proc --net": a private world
# in which a Debian package can be installed and purged for real, and a real
# systemd (PID 1 of the namespace) to start its units. Used by
# tests/e2e/deb.sh (through tests/lib/ns-lib.sh; see ../shared/NOTES.md).
#
#   deb-ns.sh BUILDDIR PHOTOS CGROUP DEB
#
# DEB, the package to test, is copied to /run/ah-deb/ (the build tree may
# be below /tmp, which is hidden here).
#
# /usr (and with it /lib, /bin and /sbin, which are symlinks into /usr on
# Debian 12), /etc and /var become overlays of the host's directories whose
# writable upper layers live in a tmpfs of this mount namespace
# (/run/ah-upper/{usr,etc,var}): dpkg, apt, deb-systemd-helper, man-db and
# journald write there, the host's files and dpkg database stay as they are,
# and everything written vanishes with the namespace. The upper layers are
# also the record of what the package changed (tests/e2e/deb.sh reads them).
# /srv (the albums), /run, /dev, /tmp are tmpfs as in tests/lib/systemd-ns.sh;
# the network namespace has only "lo"; systemd's cgroups are below CGROUP.
set -eu
builddir=$1 photos=$2 cgroup=$3 deb=$4

mount --make-rprivate /
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir /run/ah-upper
for d in usr etc var; do
	mkdir -p "/run/ah-upper/$d/upper" "/run/ah-upper/$d/work"
	mount -t overlay overlay \
		-o "lowerdir=/$d,upperdir=/run/ah-upper/$d/upper,workdir=/run/ah-upper/$d/work" "/$d"
done
for d in /usr /etc /var; do
	[ "$(findmnt -n -o FSTYPE "$d")" = overlay ] || { echo "$d is not an overlay" >&2; exit 1; }
done
# A host may forbid service starts during installs (Debian's policy-rc.d,
# exit 101: container images ship one). The machine simulated here is a
# plain Debian system, where the package starts its socket: the file goes,
# in this namespace's overlay only.
rm -f /usr/sbin/policy-rc.d
mount -t tmpfs -o mode=0755 tmpfs /srv
mkdir /run/ah-deb
cp "$deb" /run/ah-deb/
chmod -R go+rX /run/ah-deb
ip link set lo up
. "$(dirname "$0")/private-dev.sh"

if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	hierarchies=/sys/fs/cgroup
else
	hierarchies="/sys/fs/cgroup/systemd /sys/fs/cgroup/unified"
fi
for h in $hierarchies; do
	if [ -f "$h/cgroup.procs" ]; then
		mkdir "$h/$cgroup"
		echo $$ >"$h/$cgroup/cgroup.procs"
	fi
done

# The albums the operator has put in place before installing (the package
# serves /srv/photos and does not create it: README.Debian).
mkdir -p /srv/photos
cp -a "$photos"/. /srv/photos/
chmod -R u=rwX,go=rX /srv/photos

# Only what the test needs starts: no default dependencies (the package's
# socket would otherwise pull in sysinit.target and boot a whole system).
# Drop-ins below /run, written before the package exists, as an
# administrator's would be.
mkdir -p /run/systemd/system/archive.socket.d /run/systemd/system/archive@.service.d
printf '[Unit]\nDefaultDependencies=no\n' >/run/systemd/system/archive.socket.d/test.conf
printf '[Unit]\nDefaultDependencies=no\n' >/run/systemd/system/archive@.service.d/test.conf
cat >/run/systemd/system/archive-test.target <<'UNIT'
[Unit]
Description=archive-handler package test
DefaultDependencies=no
Wants=systemd-journald.socket systemd-journald.service
UNIT

mount -t tmpfs -o mode=1777 tmpfs /tmp
exec /lib/systemd/systemd --system --unit=archive-test.target
