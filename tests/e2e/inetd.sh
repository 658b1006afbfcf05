#!/bin/bash
# openbsd-inetd with the /etc/inetd.conf line from README.md, as written,
# changed only where a test must: a loopback address and port, and the paths
# of the binary and the albums. No journald: the handler logs to syslog.
# openbsd-inetd conflicts with xinetd in Debian, so bootstrap unpacks
# Debian's package into build-aux/openbsd-inetd instead of installing it.
. "$top_srcdir/tests/lib/lib.sh"
need_root
need unshare curl python3 unzip bsdtar
INETD=
for f in "$top_srcdir/build-aux/openbsd-inetd/usr/sbin/inetd" /usr/sbin/inetd; do
	[ -x "$f" ] && { INETD=$f; break; }
done
if [ -z "$INETD" ]; then
	[ -n "${CI:-}" ] && { echo "ERROR: openbsd-inetd not found (run ./bootstrap)" >&2; exit 99; }
	echo "SKIP: openbsd-inetd not found (run ./bootstrap)" >&2
	exit 77
fi

line=$(grep -E '^    8080[[:space:]]+stream[[:space:]]+tcp[[:space:]]' "$top_srcdir/README.md")
check "README.md has exactly one inetd.conf line" test "$(printf '%s\n' "$line" | grep -c .)" = 1
echo "# README: $line"
prepare_nobody
PORT=$(free_port)
printf '%s\n' "$line" | sed -e 's/^ *//' -e "s|^8080|127.0.0.1:$PORT|" \
	-e "s|/usr/local/bin/archive-handler|$T/bin/archive-handler|" \
	-e "s|--path=/srv/photos|--path=$T/photos|" >"$T/inetd.conf"
check "the line names the binary, its path and the storage path" \
	grep -q "^127.0.0.1:$PORT .* $T/bin/archive-handler archive-handler --path=$T/photos\$" "$T/inetd.conf"

start_superserver "$INETD" -i "$T/inetd.conf"
superserver_checks inetd
finish
