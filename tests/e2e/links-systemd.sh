#!/bin/bash
# Signed links under a real systemd (issue 11): systemd 252 as PID 1 of a
# private PID, mount and network namespace (tests/lib/systemd-ns.sh, as in
# tests/e2e/systemd.sh), the shipped units as "make install" puts them, and
# a drop-in that passes the key as a credential, as the README says:
# LoadCredential=link-key:FILE, no option. A link minted by Python's hmac
# module downloads; unsigned, expired and forged ones get 403 and a journal
# entry with LINK_ERROR; a credential with no key in it is a 500, never the
# album unsigned. The key file and the drop-ins live in the namespace's /run.
. "$top_srcdir/tests/lib/lib.sh"
need_root
need unshare nsenter ip systemctl journalctl curl python3 unzip bsdtar
. "$top_srcdir/tests/lib/ns-lib.sh"

python3 -c 'import secrets; print(secrets.token_urlsafe(32))' >"$T/link-key"
KEY=$(cat "$T/link-key")
# Run inside the namespace before systemd starts (systemd-ns.sh SETUP).
cat >"$T/setup.sh" <<EOF
set -eu
# systemd 252 fills a credential directory in a mount namespace of its own
# and moves it into place, which reaches the service only through mount
# propagation: /run must be shared, as on a booted host (PID 1 makes "/"
# shared; here systemd-ns.sh made everything private). Within this
# namespace only: the host's mounts are not peers of it.
mount --make-rshared /run
mkdir -p /run/ah-keys /run/systemd/system/archive@.service.d
install -m 600 "$T/link-key" /run/ah-keys/link-key
: >/run/ah-keys/empty
chmod 600 /run/ah-keys/empty
printf '[Service]\nLoadCredential=link-key:/run/ah-keys/link-key\n' \
	>/run/systemd/system/archive@.service.d/link-key.conf
# a second service whose credential holds no key
cat >/run/systemd/system/archive-nokey.socket <<UNIT
[Unit]
DefaultDependencies=no
[Socket]
ListenStream=127.0.0.1:8082
Accept=yes
UNIT
cat >/run/systemd/system/archive-nokey@.service <<UNIT
[Unit]
DefaultDependencies=no
[Service]
ExecStart=/usr/local/bin/archive-handler --path=/srv/photos
StandardInput=socket
StandardError=journal
SyslogIdentifier=archive-handler
DynamicUser=yes
LoadCredential=link-key:/run/ah-keys/empty
UNIT
EOF

# mint HASH EXPIRES: a link made with Python's hmac module
mint() {
	python3 - "$KEY" "$@" <<'EOF'
import base64, hashlib, hmac, sys
key, album, expires = sys.argv[1].encode(), sys.argv[2], int(sys.argv[3])
mac = hmac.new(key, f"{album}\n{expires}".encode(), hashlib.sha256).digest()
print(f"/archive/{album}/?expires={expires}&sig={base64.urlsafe_b64encode(mac).decode().rstrip('=')}")
EOF
}
# fetch PATH OUT [PORT]: GET with curl in the namespace's network, prints the status
fetch() {
	net curl -sS --max-time 30 -D "$2.head" -o "$2.body" -w '%{http_code}' \
		"http://127.0.0.1:${3:-8080}$1"
}
journal_entry() { # journal_entry OUT MATCH...: the newest matching entry, JSON
	local out=$1; shift
	ns journalctl -q -t archive-handler -o json --no-pager "$@" | tail -n1 >"$out"
	test -s "$out"
}
field() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], ""))' "$1" "$2"; }

start_ns "$T/setup.sh"
wait_ns 60
pass "systemd 252 runs as PID 1 of the test's namespace (host PID $SPID)"
check "systemctl enable --now archive.socket" ns systemctl enable --now archive.socket
ns systemctl cat archive@.service >"$T/unit"
check "the drop-in passes the key as a credential" \
	grep -qx 'LoadCredential=link-key:/run/ah-keys/link-key' "$T/unit"
check "the unit names no key file" bash -c "! grep -q -- '--link-key' '$T/unit'"

now=$(date +%s)
link=$(mint "$SAMPLE1" $((now + 600)))
code=$(fetch "$link" "$T/ok")
check "a link minted by Python's hmac: 200 (got $code)" test "$code" = 200
check "... a valid ZIP of the album" valid_zip "$T/ok.body"
printf 'GET /archive/%s/ HTTP/1.0\r\n\r\n' "$SAMPLE1" |
	"$HANDLER" -p "$top_srcdir/photos" 2>/dev/null >"$T/piped"
body "$T/piped" >"$T/piped.zip"
check "... byte-identical to the unsigned ZIP the binary makes" cmp -s "$T/ok.body" "$T/piped.zip"
code=$(net curl -sS --max-time 30 -o "$T/part" -w '%{http_code}' -r 100-999 "http://127.0.0.1:8080$link")
check "... a range of it: 206 (got $code), the same bytes" \
	bash -c "test '$code' = 206 && cmp -s '$T/part' <(tail -c +101 '$T/piped.zip' | head -c 900)"
check "journal: the download, without LINK_ERROR" \
	wait_for 10 journal_entry "$T/j200" HTTP_STATUS=200 ARCHIVE_HASH=$SAMPLE1
check "... no LINK_ERROR field in it" test -z "$(field "$T/j200" LINK_ERROR)"

# name, expected LINK_ERROR, target
while read -r name reason target; do
	reason=${reason/_/ }
	code=$(fetch "$target" "$T/$name")
	check "$name: 403 (got $code)" test "$code" = 403
	check "$name: body 'Link expired or invalid'" test "$(cat "$T/$name.body")" = "Link expired or invalid"
	check "$name: journal entry with LINK_ERROR=$reason" \
		wait_for 10 journal_entry "$T/j$name" HTTP_STATUS=403 "LINK_ERROR=$reason" "HTTP_TARGET=$target"
	check "$name: ... HTTP_STATUS=403, the album, no key in it" bash -c \
		"grep -q '\"ARCHIVE_HASH\":\"$SAMPLE1\"' '$T/j$name' && ! grep -qF '$KEY' '$T/j$name'"
done <<EOF
unsigned missing /archive/$SAMPLE1/
expired expired $(mint "$SAMPLE1" $((now - 1)))
forged bad_signature $(mint "$SAMPLE2" $((now + 600)) | sed "s|$SAMPLE2|$SAMPLE1|")
padded malformed $(mint "$SAMPLE1" $((now + 600)))=
EOF
code=$(fetch / "$T/index")
check "the index page says links are signed (got $code)" grep -q "links are signed" "$T/index.body"

# a credential with no key: 500 and an error entry, never the album
check "systemctl start archive-nokey.socket" ns systemctl start archive-nokey.socket
code=$(fetch "/archive/$SAMPLE1/" "$T/nokey" 8082)
check "a credential with no key: 500 (got $code), not the album" test "$code" = 500
check "... the journal says why" wait_for 10 journal_entry "$T/jnokey" HTTP_STATUS=500 PRIORITY=3
check "... 'no key in it'" grep -q 'link-key: no key in it' "$T/jnokey"
ns systemctl stop archive-nokey.socket

no_instances() { test -z "$(ns systemctl list-units --all --no-legend 'archive@*')"; }
check "no archive@ instance is left (running or failed)" wait_for 60 no_instances
ns journalctl -q --no-pager _PID=1 >"$T/pid1.log"
check "no archive@ instance failed (systemd's log)" \
	bash -c "! grep -E 'archive@.*(Failed with result|status=[1-9])' '$T/pid1.log'"
check "systemd never failed to set up a credential" \
	bash -c "! grep -Ei 'credential.*(fail|error|denied)|(fail|error).*credential' '$T/pid1.log'"
stop_ns
leftover=$(ls -d /sys/fs/cgroup/"$CGROUP" /sys/fs/cgroup/*/"$CGROUP" 2>/dev/null)
check "no cgroup left on the host ($leftover)" test -z "$leftover"
finish
