#!/bin/bash
# Production under a real systemd: systemd 252 as PID 1 of a private PID,
# mount and network namespace (tests/lib/systemd-ns.sh). "make install" into a
# private /usr/local, then exactly what a user does: systemctl enable --now
# archive.socket, download with curl, read journalctl. The shipped units are
# used as installed; the only addition is a drop-in with
# DefaultDependencies=no, since this systemd boots nothing but the test.
. "$top_srcdir/tests/lib/lib.sh"
need_root
need unshare nsenter ip systemctl journalctl systemd-analyze curl python3 unzip bsdtar

COMPLETED=5b3bba1e0c5d4f2c9f6bfa2f0c0d4a71
INTERRUPTED=8f6d0c3a4b0e4e4f9d4fd1c1a2b7e6c2
NOT_FOUND=1c9e2f4b7a6d4c1e8b3a5d7f9e0c2b43
UNITDIR=/usr/local/lib/systemd/system
. "$top_srcdir/tests/lib/ns-lib.sh"

start_ns
wait_ns 60
pass "systemd 252 runs as PID 1 of the test's namespace (host PID $SPID)"

# --- the installed units --------------------------------------------------
check "make install put the units, the binary and the man page in place" \
	ns test -f $UNITDIR/archive.socket -a -f "$UNITDIR/archive@.service" \
	-a -x /usr/local/bin/archive-handler -a -f /usr/local/share/man/man8/archive-handler.8
ns systemd-analyze verify $UNITDIR/archive.socket "$UNITDIR/archive@.service" >"$T/verify" 2>&1
check "systemd-analyze verify: no complaint ($(tr '\n' ' ' <"$T/verify"))" \
	test $? -eq 0 -a ! -s "$T/verify"
ns systemd-analyze security --offline=yes "$UNITDIR/archive@.service" >"$T/security" 2>&1
exposure=$(sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p' "$T/security")
echo "# exposure: $exposure"
check "security exposure ${exposure:-?} is 1.0 or lower" \
	awk -v e="${exposure:-9}" 'BEGIN { exit !(e <= 1.0) }'

# --- enable as a user would -------------------------------------------------
check "systemctl enable --now archive.socket" ns systemctl enable --now archive.socket
check "the socket is enabled" test "$(ns systemctl is-enabled archive.socket)" = enabled
check "the socket is listening" test "$(ns systemctl is-active archive.socket)" = active

# --- a download ---------------------------------------------------------------
code=$(net curl -sS --max-time 30 -D "$T/s1.head" -o "$T/s1.zip" -w '%{http_code}' \
	"http://127.0.0.1:8080/archive/$SAMPLE1/")
check "download: 200 (got $code)" test "$code" = 200
len=$(header "$T/s1.head" Content-Length)
check "Content-Length ($len) equals the bytes received" test "$len" = "$(stat -c %s "$T/s1.zip")"
check "the ZIP is valid" valid_zip "$T/s1.zip"
printf 'GET /archive/%s/ HTTP/1.0\r\n\r\n' "$SAMPLE1" |
	"$HANDLER" -p "$top_srcdir/photos" 2>/dev/null >"$T/piped"
body "$T/piped" >"$T/piped.zip"
check "byte-identical to the ZIP the binary makes from the source tree" cmp -s "$T/s1.zip" "$T/piped.zip"

# journal_json FILE MATCH...: the newest archive-handler entry matching, as JSON
journal_entry() {
	local out=$1; shift
	ns journalctl -q -t archive-handler -o json --no-pager "$@" | tail -n1 >"$out"
	test -s "$out"
}
# fields FILE NAME=VALUE...: every field has that value ("~" prefix: a number less than)
fields() {
	python3 - "$@" <<'EOF'
import json, sys
e = json.load(open(sys.argv[1]))
bad = []
for want in sys.argv[2:]:
    k, v = want.split("=", 1)
    got = e.get(k)
    if v == "*":
        ok = got not in (None, "")
    elif v.startswith("<"):
        ok = got is not None and int(got) < int(e[v[1:]])
    else:
        ok = got == v
    if not ok:
        bad.append(f"{k}={got!r} (want {v})")
if bad:
    print("journal entry:", ", ".join(bad), file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
}

check "journal: an entry for the download" \
	wait_for 10 journal_entry "$T/j200" MESSAGE_ID=$COMPLETED ARCHIVE_HASH=$SAMPLE1
check "journal: the completed entry has its fields" fields "$T/j200" \
	SYSLOG_IDENTIFIER=archive-handler PRIORITY=6 MESSAGE_ID=$COMPLETED \
	REMOTE_ADDR=127.0.0.1 HTTP_METHOD=GET HTTP_TARGET="/archive/$SAMPLE1/" HTTP_STATUS=200 \
	ARCHIVE_HASH=$SAMPLE1 ARCHIVE_FILES=3 CONTENT_LENGTH="$len" BYTES_SENT="$len" \
	DURATION_USEC='*' _TRANSPORT=journal
check "journal: MESSAGE is an access-log line" grep -q \
	"\"MESSAGE\":\"127.0.0.1 \\\\\"GET /archive/$SAMPLE1/ HTTP/1.1\\\\\" 200 $len/$len completed hash=$SAMPLE1 files=3" "$T/j200"
ns journalctl -q -t archive-handler -o verbose --no-pager MESSAGE_ID=$COMPLETED >"$T/verbose"
sed 's/^/# /' "$T/verbose" | head -n 40

# --- not found: journalctl -t archive-handler HTTP_STATUS=404 ---------------
code=$(net curl -sS --max-time 30 -o "$T/nf.body" -w '%{http_code}' \
	"http://127.0.0.1:8080/archive/0000deadbeef/")
check "unknown album: 404 (got $code)" test "$code" = 404
check "journalctl -t archive-handler HTTP_STATUS=404 finds it" \
	wait_for 10 journal_entry "$T/j404" HTTP_STATUS=404
check "journal: the 404 entry" fields "$T/j404" \
	MESSAGE_ID=$NOT_FOUND HTTP_STATUS=404 HTTP_TARGET=/archive/0000deadbeef/ \
	ARCHIVE_HASH=0000deadbeef PRIORITY=6

# --- a download cut short by the client -----------------------------------
printf 'GET /archive/big/ HTTP/1.1\r\nHost: t\r\n\r\n' |
	net python3 "$top_srcdir/tests/lib/rawclient.py" --port 8080 --read 200000 >"$T/part"
check "the big album starts (200)" test "$(status_of "$T/part")" = 200
check "journal: an interrupted entry" \
	wait_for 20 journal_entry "$T/jint" MESSAGE_ID=$INTERRUPTED ARCHIVE_HASH=big
check "journal: the interrupted entry has its fields" fields "$T/jint" \
	PRIORITY=4 HTTP_STATUS=200 ARCHIVE_FILES=1 BYTES_SENT='<CONTENT_LENGTH'
check "journal: MESSAGE says download interrupted" grep -q 'download interrupted hash=big' "$T/jint"

# --- a burst of connections must not fail the socket -----------------------
# The default trigger limit (200 per 2 s) would put the socket unit into the
# failed state here; the burst must be fast enough to prove that.
net python3 "$top_srcdir/tests/lib/burst.py" --port 8080 --count 600 >"$T/burst"
read -r n _ _ secs _ <"$T/burst"
echo "# burst: $(cat "$T/burst")"
check "the burst is a real one (>= 500 connections in < 2 s: $n in $secs s)" \
	awk -v n="$n" -v s="$secs" 'BEGIN { exit !(n >= 500 && s < 2) }'
sleep 2
check "after the burst the socket is still listening" \
	test "$(ns systemctl is-active archive.socket)" = active
check "after the burst the socket's result is success" \
	test "$(ns systemctl show -P Result archive.socket)" = success
# (the burst filled MaxConnectionsPerSource=: wait until its instances are done)
idle() { test "$(ns systemctl show -P NConnections archive.socket)" = 0; }
check "the burst's instances finish" wait_for 90 idle
code=$(net curl -sS --max-time 60 -o "$T/s2.zip" -w '%{http_code}' \
	"http://127.0.0.1:8080/archive/$SAMPLE2/")
check "a download after the burst works (got $code)" test "$code" = 200 -a -s "$T/s2.zip"
# the shipped sandbox lets the CRC thread run (seccomp, RestrictNamespaces):
# a whole download of the 64 MiB file, whose CRC it computes
code=$(net curl -sS --max-time 120 -o "$T/big.zip" -w '%{http_code}' "http://127.0.0.1:8080/archive/big/")
check "the big album downloads whole (got $code)" test "$code" = 200
check "its CRC checks out (zipfile testzip)" python3 -c \
	'import sys, zipfile; sys.exit(zipfile.ZipFile(sys.argv[1]).testzip() is not None)' "$T/big.zip"

# --- nothing left behind --------------------------------------------------------
no_instances() { test -z "$(ns systemctl list-units --all --no-legend 'archive@*')"; }
check "no archive@ instance is left (running or failed)" wait_for 60 no_instances
ns journalctl -q --no-pager _PID=1 >"$T/pid1.log"
check "no archive@ instance failed (systemd's log)" \
	bash -c "! grep -E 'archive@.*(Failed with result|status=[1-9])' '$T/pid1.log'"
ns journalctl -q --no-pager -t archive-handler -p err >"$T/errors"
check "no error entries from the handler ($(head -n1 "$T/errors"))" test ! -s "$T/errors"

# --- stderr is the client (as under xinetd/inetd), journald runs -------------
# A second socket whose service has stderr on the connection too: the
# handler must find the journal by its socket, and write nothing to fd 2.
# (Entries are matched on fields the handler writes: journald's _SYSTEMD_*
# fields are missing when the sender has exited before they are read.)
ns sh -c 'cat >/run/systemd/system/archive-fd2.socket <<UNIT
[Unit]
DefaultDependencies=no
[Socket]
ListenStream=127.0.0.1:8081
Accept=yes
UNIT
cat >/run/systemd/system/archive-fd2@.service <<UNIT
[Unit]
DefaultDependencies=no
[Service]
ExecStart=/usr/local/bin/archive-handler --path=/srv/photos
StandardInput=socket
StandardError=inherit
UNIT
systemctl daemon-reload && systemctl start archive-fd2.socket'
code=$(net curl -sS --max-time 30 -D "$T/fd2.head" -o "$T/fd2.zip" -w '%{http_code}' \
	"http://127.0.0.1:8081/archive/$SAMPLE1")
check "stderr on the connection: 200 (got $code)" test "$code" = 200
check "stderr on the connection: the same ZIP, no log line in it" cmp -s "$T/fd2.zip" "$T/s1.zip"
check "stderr on the connection: the entry reached the journal by its socket" \
	wait_for 10 journal_entry "$T/jfd2" HTTP_TARGET=/archive/$SAMPLE1
check "stderr on the connection: the entry has its fields" fields "$T/jfd2" \
	MESSAGE_ID=$COMPLETED HTTP_STATUS=200 ARCHIVE_HASH=$SAMPLE1 REMOTE_ADDR=127.0.0.1 \
	BYTES_SENT="$len" _TRANSPORT=journal
ns systemctl stop archive-fd2.socket

check "systemctl disable --now archive.socket" ns systemctl disable --now archive.socket
check "the socket is disabled" test "$(ns systemctl is-enabled archive.socket)" = disabled

stop_ns
leftover=$(ls -d /sys/fs/cgroup/"$CGROUP" /sys/fs/cgroup/*/"$CGROUP" 2>/dev/null)
check "no cgroup left on the host ($leftover)" test -z "$leftover"
check "no /dev/log left on the host by the namespace's journald" \
	bash -c '{ [ -L /dev/log ] || [ -e /dev/log ]; } && [ "$(stat -c %Y /dev/log)" -ge '"$(stat -c %Y "$T")"' ] && exit 1; exit 0'
finish
