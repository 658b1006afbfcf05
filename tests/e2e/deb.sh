#!/bin/bash
# The Debian package, installed and purged for real under a real systemd:
# systemd 252 as PID 1 of a private PID, mount and network namespace whose
# /usr, /etc and /var are overlays with upper layers in a tmpfs
# (tests/lib/deb-ns.sh), so the host's files and dpkg database are not touched.
# Builds the package with "make deb" when it is missing or older than the
# sources (about 80 s here), then: lintian, "apt-get install ./x.deb", the
# socket listens and a download works with no further command,
# systemd-analyze security of the installed unit, "apt-get purge", and
# nothing of the package left (files, units, enable links, users, state).
. "$top_srcdir/tests/lib/lib.sh"
need_root
need unshare nsenter ip systemctl systemd-analyze curl python3 unzip bsdtar \
	dpkg-buildpackage dpkg-parsechangelog dh lintian apt-get findmnt

VERSION=$(dpkg-parsechangelog -l "$top_srcdir/debian/changelog" -S Version)
ARCH=$(dpkg --print-architecture)
DEB=$top_builddir/deb/archive-handler_${VERSION}_$ARCH.deb
UNITDIR=/lib/systemd/system

# --- build (if needed) and lint ---------------------------------------------
stale=
if [ -f "$DEB" ]; then
	stale=$(find "$top_srcdir/handler" "$top_srcdir/units" "$top_srcdir/debian" \
		"$top_srcdir/Makefile.am" "$top_srcdir/configure.ac" "$top_srcdir/README.md" \
		"$top_srcdir/LICENSE" -newer "$DEB" -type f | head -n1)
fi
if [ ! -f "$DEB" ] || [ -n "$stale" ]; then
	if [ -n "$stale" ]; then why="$stale is newer than the package"; else why="no package yet"; fi
	echo "# make deb ($why)"
	start=$(date +%s)
	# TMPDIR: lintian leaves folders (mldbm-elf-*) in it; they go with $T
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL TMPDIR="$T" make -C "$top_builddir" deb \
		>"$T/make-deb.log" 2>&1
	rc=$?
	echo "# make deb: exit $rc in $(($(date +%s) - start)) s"
	if [ $rc -ne 0 ]; then
		tail -n 30 "$T/make-deb.log" | sed 's/^/# /'
		fail "make deb (exit $rc)"
		finish
	fi
fi
check "the package was built: $(basename "$DEB")" test -f "$DEB"
TMPDIR="$T" lintian --fail-on error,warning "$DEB" >"$T/lintian" 2>&1
rc=$?
sed 's/^/# lintian: /' "$T/lintian"
check "lintian: no error, no warning (exit $rc)" \
	bash -c "test $rc -eq 0 && ! grep -Eq '^(E|W): ' '$T/lintian'"

dpkg-deb -c "$DEB" >"$T/contents"
for f in ./usr/bin/archive-handler ./lib/systemd/system/archive.socket \
	./lib/systemd/system/archive@.service ./etc/xinetd.d/archive \
	./usr/share/man/man8/archive-handler.8.gz ./usr/share/doc/archive-handler/copyright \
	./usr/share/doc/archive-handler/README.Debian \
	./usr/share/doc/archive-handler/examples/nginx-archive.conf; do
	check "the package holds $f" grep -q " $f\$" "$T/contents"
done
dpkg-deb -f "$DEB" Depends >"$T/depends"
# libc6, libsystemd0 and zlib1g from the links (shlibs), libarchive13 named by
# debian/control: the binary dlopen()s it, so shlibs cannot see it.
for d in libc6 libsystemd0 zlib1g libarchive13; do
	check "Depends names $d ($(cat "$T/depends"))" \
		grep -Eq "(^|, )$d( |,|\$)" "$T/depends"
done
check "/etc/xinetd.d/archive is a conffile" \
	bash -c "dpkg-deb --ctrl-tarfile '$DEB' | tar -xO ./conffiles | grep -qx /etc/xinetd.d/archive"

# --- the host before ----------------------------------------------------------
host_state() {
	md5sum /var/lib/dpkg/status /etc/passwd /etc/group 2>&1
	ls -d /lib/systemd/system/archive* /etc/systemd/system/*/archive* /usr/bin/archive-handler \
		/etc/xinetd.d/archive /var/lib/dpkg/info/archive-handler.* 2>/dev/null
}
host_state >"$T/host.before"

# --- a namespace with private /usr, /etc, /var and a real systemd -------------
NS_SCRIPT=$top_srcdir/tests/lib/deb-ns.sh
. "$top_srcdir/tests/lib/ns-lib.sh"
start_ns "$DEB"
wait_ns 60
pass "systemd runs as PID 1 of the test's namespace (host PID $SPID)"
for d in /usr /etc /var; do
	check "$d is a namespace-private overlay" test "$(ns findmnt -n -o FSTYPE "$d")" = overlay
done
check "the package is not installed in the namespace yet" \
	bash -c "! timeout 60 nsenter -t $SPID -m -p dpkg -s archive-handler >/dev/null 2>&1"

# What the package may leave after purge: nothing named after it. The names
# below the overlays' upper layers (what was written) and in the whole tree.
ours='archive-handler|/archive\.socket|/archive@|xinetd\.d/archive$|archive\.socket\.dsh-also'
ns find /run/ah-upper /lib/systemd /etc /var/lib/dpkg/info /var/lib/systemd -xdev 2>/dev/null |
	grep -E "$ours" | sort >"$T/names.before"
ns cat /etc/passwd /etc/group /etc/shadow >"$T/users.before"
ns touch /run/ah-marker

# --- install ------------------------------------------------------------------------
start=$(date +%s)
ns env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -o Dpkg::Use-Pty=0 \
	"/run/ah-deb/$(basename "$DEB")" >"$T/install.log" 2>&1
rc=$?
sed 's/^/# install: /' "$T/install.log" | tail -n 12
check "apt-get install ./$(basename "$DEB"): exit $rc ($(($(date +%s) - start)) s)" test $rc -eq 0
check "dpkg: installed" \
	test "$(ns dpkg-query -W -f='${Status}' archive-handler)" = "install ok installed"

# No further command: enabled and listening already.
check "archive.socket is enabled" test "$(ns systemctl is-enabled archive.socket)" = enabled
check "archive.socket is active (listening)" test "$(ns systemctl is-active archive.socket)" = active
check "the enable link is in /etc/systemd/system/sockets.target.wants" \
	ns test -L /etc/systemd/system/sockets.target.wants/archive.socket
check "archive@.service (a template) was not started" \
	test -z "$(ns systemctl list-units --all --no-legend 'archive@*')"
check "the socket listens on port 8080" bash -c "timeout 60 nsenter -t $SPID -n ss -Hltn | grep -q ':8080 '"

code=$(net curl -sS --max-time 30 -D "$T/s1.head" -o "$T/s1.zip" -w '%{http_code}' \
	"http://127.0.0.1:8080/archive/$SAMPLE1/")
check "download: 200 (got $code)" test "$code" = 200
len=$(header "$T/s1.head" Content-Length)
check "Content-Length ($len) equals the bytes received" test "$len" = "$(stat -c %s "$T/s1.zip")"
check "the ZIP is valid" valid_zip "$T/s1.zip"
printf 'GET /archive/%s/ HTTP/1.0\r\n\r\n' "$SAMPLE1" |
	"$HANDLER" -p "$top_srcdir/photos" 2>/dev/null >"$T/piped"
body "$T/piped" >"$T/piped.zip"
check "byte-identical to the ZIP of the build tree's binary" cmp -s "$T/s1.zip" "$T/piped.zip"
code=$(net curl -sS --max-time 30 -o /dev/null -w '%{http_code}' "http://127.0.0.1:8080/archive/nosuch/")
check "unknown album: 404 (got $code)" test "$code" = 404
check "the installed binary answers (version $VERSION)" \
	bash -c "timeout 60 nsenter -t $SPID -m -p /usr/bin/archive-handler --version | grep -qx 'archive-handler ${VERSION%-*}'"
# (man -w finds it by the manual path; -l formats it without leaving a cat
# page in /var/cache/man, which would outlive the package)
check "man -w archive-handler finds the installed page" \
	test "$(ns man -w 8 archive-handler 2>/dev/null)" = /usr/share/man/man8/archive-handler.8.gz
check "the man page formats (man -l)" bash -c "timeout 60 nsenter -t $SPID -m -p \
	sh -c 'zcat /usr/share/man/man8/archive-handler.8.gz | man -l -P cat -' 2>/dev/null | grep -q -- --etag"

# (--man=no: verify would run man(1) for Documentation=man:archive-handler(8),
# and man-db caches a formatted copy in /var/cache/man that outlives the
# package; man -w above checks that reference)
ns systemd-analyze verify --man=no "$UNITDIR/archive.socket" "$UNITDIR/archive@.service" >"$T/verify" 2>&1
check "systemd-analyze verify of the installed units: no complaint ($(tr '\n' ' ' <"$T/verify"))" \
	test $? -eq 0 -a ! -s "$T/verify"
ns systemd-analyze security --no-pager archive@0.service >"$T/security" 2>&1
exposure=$(sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p' "$T/security")
echo "# systemd-analyze security archive@0.service (the installed template, as systemd loads it): $exposure"
grep -E '^✗' "$T/security" | sed 's/^/#   /'
check "security exposure ${exposure:-?} is 1.0 or lower" \
	awk -v e="${exposure:-9}" 'BEGIN { exit !(e <= 1.0) }'
ns systemd-analyze security --offline=yes "$UNITDIR/archive@.service" >"$T/security-off" 2>&1
exposure=$(sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p' "$T/security-off")
check "security --offline=yes of the installed file: ${exposure:-?} is 1.0 or lower" \
	awk -v e="${exposure:-9}" 'BEGIN { exit !(e <= 1.0) }'

ns dpkg -L archive-handler >"$T/files"
# instances done before the purge (they are short-lived)
no_instances() { test -z "$(ns systemctl list-units --all --no-legend 'archive@*')"; }
check "the downloads' instances are gone" wait_for 30 no_instances

# --- remove and purge -------------------------------------------------------------
start=$(date +%s)
ns env DEBIAN_FRONTEND=noninteractive apt-get purge -y -o Dpkg::Use-Pty=0 archive-handler >"$T/purge.log" 2>&1
rc=$?
sed 's/^/# purge: /' "$T/purge.log" | tail -n 6
check "apt-get purge archive-handler: exit $rc ($(($(date +%s) - start)) s)" test $rc -eq 0
check "archive.socket is stopped" bash -c "! timeout 60 nsenter -t $SPID -m -p systemctl is-active -q archive.socket"
check "nothing listens on port 8080" bash -c "! timeout 60 nsenter -t $SPID -n ss -Hltn | grep -q ':8080 '"
code=$(net curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:8080/" 2>/dev/null)
check "a connection is refused (got ${code:-none})" test "$code" = 000
check "dpkg: not installed, no conffiles remembered" \
	bash -c "! timeout 60 nsenter -t $SPID -m -p dpkg-query -W -f='\${Status}' archive-handler 2>/dev/null | grep -q installed"
# (only the test's own drop-ins below /run remain, which name no unit file)
ns systemctl list-unit-files --no-legend 'archive.*' 'archive@*' >"$T/unitfiles"
ns systemctl list-units --all --no-legend 'archive.*' 'archive@*' | grep -v ' not-found ' >>"$T/unitfiles"
check "systemd has no archive unit file or loaded unit ($(tr -s ' \n' ' ' <"$T/unitfiles"))" \
	test ! -s "$T/unitfiles"
left=
while read -r f; do
	[ "$f" = /. ] && continue
	ns test -d "$f" && continue	# shared folders such as /usr/bin stay
	ns test -e "$f" -o -L "$f" && left="$left $f"
done <"$T/files"
check "every file the package had is gone ($(wc -l <"$T/files") paths checked)${left:+: left$left}" \
	test -z "$left"
ns find /run/ah-upper /lib/systemd /etc /var/lib/dpkg/info /var/lib/systemd -xdev 2>/dev/null |
	grep -E "$ours" | sort >"$T/names.after"
check "no file or link named after the package anywhere ($(comm -13 "$T/names.before" "$T/names.after" | tr '\n' ' '))" \
	cmp -s "$T/names.before" "$T/names.after"
ns cat /etc/passwd /etc/group /etc/shadow >"$T/users.after"
check "no user or group left (passwd, group, shadow unchanged)" cmp -s "$T/users.before" "$T/users.after"
ns find /run/ah-upper/usr/upper /run/ah-upper/etc/upper /run/ah-upper/var/upper \
	-newer /run/ah-marker ! -type d 2>/dev/null |
	sed "s|^/run/ah-upper/\([a-z]*\)/upper|/\1|" | sort >"$T/written"
echo "# written in the namespace by install + purge (dpkg/apt bookkeeping), $(wc -l <"$T/written") paths:"
sed 's/^/#   /' "$T/written" | head -n 40

stop_ns
host_state >"$T/host.after"
check "the host is untouched (dpkg status, passwd, group, no unit or file of ours)" \
	cmp -s "$T/host.before" "$T/host.after"
leftover=$(ls -d /sys/fs/cgroup/"$CGROUP" /sys/fs/cgroup/*/"$CGROUP" 2>/dev/null)
check "no cgroup left on the host ($leftover)" test -z "$leftover"
finish
