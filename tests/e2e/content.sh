#!/bin/bash
# What goes into the ZIP: subfolders, hidden names left out, symlinks and
# special files left out, UTF-8 names flagged, sorted entries, determinism
# (also across TZ), the empty album, and an unreadable file (500, logged).
. "$top_srcdir/tests/lib/lib.sh"
need curl unzip python3 bsdtar

S=$T/store
A=$S/album
mkdir -p "$A/sub/deeper" "$A/empty" "$A/.hidden-dir" "$S/empty-album"
cp "$top_srcdir/photos/$SAMPLE1/1.jpg" "$A/b.jpg"
cp "$top_srcdir/photos/$SAMPLE1/2.jpg" "$A/a.jpg"
cp "$top_srcdir/photos/$SAMPLE1/3.jpg" "$A/sub/deeper/c.jpg"
printf 'x' >"$A/sub/tiny.txt"
: >"$A/zero.jpg"
printf 'caf\xc3\xa9' >"$A/café ☕.jpg"
printf 'photo' >"$A/写真.jpg"
echo quota >"$A/.ftpquota"
echo partial >"$A/.upload.tmp"
echo hidden >"$A/.hidden-dir/x.jpg"
echo hidden >"$A/sub/.DS_Store"
echo secret >"$T/secret.txt"
ln -s "$T/secret.txt" "$A/link.jpg"
ln -s "$T" "$A/linkdir"
ln -s b.jpg "$A/inner-link.jpg"
mkfifo "$A/fifo"
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$A/sock"
touch -d '2001-02-03 04:05:06 UTC' "$A/a.jpg"
start_server -- -p "$S"

s=$(get /archive/album/ "$T/a")
check "album is 200" test "$s" = 200
check "Content-Length equals the bytes received" \
	test "$(header "$T/a.head" Content-Length)" = "$(stat -c %s "$T/a.body")"
check "valid for unzip, zipfile and bsdtar" valid_zip "$T/a.body"
expected="a.jpg
b.jpg
café ☕.jpg
empty/
sub/
sub/deeper/
sub/deeper/c.jpg
sub/tiny.txt
zero.jpg
写真.jpg"
check "entries: sorted, subfolders, no hidden names, no links or special files" \
	test "$(zip_names "$T/a.body")" = "$expected"
rm -rf "$T/x"; mkdir "$T/x"; (cd "$T/x" && unzip -qq "$T/a.body")
for f in a.jpg b.jpg sub/deeper/c.jpg sub/tiny.txt zero.jpg "café ☕.jpg" 写真.jpg; do
	check "extracted $f is byte-identical" cmp -s "$A/$f" "$T/x/$f"
done
python3 - "$T/a.body" <<'PY' || fail "flags, modes, times"
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for i in z.infolist():
    utf8 = bool(i.flag_bits & 0x800)
    if utf8 != (not i.filename.isascii()):
        sys.exit("UTF-8 flag wrong for %r" % i.filename)
    if i.compress_type != zipfile.ZIP_STORED:
        sys.exit("not STORE: %r" % i.filename)
    mode = i.external_attr >> 16
    want = 0o40755 if i.filename.endswith("/") else 0o100644
    if mode != want:
        sys.exit("mode %o for %r" % (mode, i.filename))
i = z.getinfo("a.jpg")
if i.date_time != (2001, 2, 3, 4, 5, 6):
    sys.exit("a.jpg DOS time %r is not the UTC mtime" % (i.date_time,))
print("ok: UTF-8 flag exactly on non-ASCII names, STORE, modes 0644/0755, UTC DOS time")
PY

# determinism: same bytes again, and with another TZ in the environment
s=$(get /archive/album/ "$T/again")
check "a second download is byte-identical" cmp -s "$T/a.body" "$T/again.body"
stop_server
start_server -E TZ=America/New_York -- -p "$S"
s=$(get /archive/album/ "$T/tz")
check "byte-identical with TZ=America/New_York" cmp -s "$T/a.body" "$T/tz.body"

# the empty album: the 22-byte empty ZIP
s=$(get /archive/empty-album/ "$T/e")
check "empty album is 200" test "$s" = 200
check "empty album is exactly the 22-byte end record" \
	cmp -s "$T/e.body" <(printf 'PK\005\006\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0')
check "empty album: Content-Length 22" test "$(header "$T/e.head" Content-Length)" = 22
check "empty album: python zipfile reads it" python3 -c 'import sys, zipfile; sys.exit(len(zipfile.ZipFile(sys.argv[1]).infolist()))' "$T/e.body"
check "empty album: bsdtar reads it" bsdtar -tf "$T/e.body"
stop_server

# a file that cannot be read: 500 before any ZIP byte, a log line naming it
mkdir -p "$S/locked"
echo ok >"$S/locked/fine.jpg"
echo no >"$S/locked/private.jpg"
chmod 000 "$S/locked/private.jpg"
chmod 755 "$T" "$S"
req='GET /archive/locked/ HTTP/1.1\r\nHost: t\r\n\r\n'
if [ "$(id -u)" -eq 0 ]; then
	# root reads everything: run as nobody, as the hardened unit does
	need setpriv
	run=(setpriv --reuid=65534 --regid=65534 --clear-groups)
else
	run=()
fi
printf "$req" | "${run[@]}" "$HANDLER" -p "$S" >"$T/locked.resp" 2>"$T/locked.log"
rc=$?
check "unreadable file: 500" test "$(status_of "$T/locked.resp")" = 500
check "unreadable file: no ZIP bytes" test "$(grep -c PK "$T/locked.resp")" -eq 0
check "unreadable file: exit status 1" test "$rc" -eq 1
check "unreadable file: the log names it" grep -q "locked/private.jpg: Permission denied" "$T/locked.log"
finish
