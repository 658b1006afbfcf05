#!/bin/bash
# Signed, expiring links (--link-key, issue 11): links minted by Python's
# hmac module, by the README's Python and PHP lines and by --sign are
# accepted, through a socket and piped; the hostile ones are all refused
# with the same 403 bytes, before the album is opened, with the reason in
# the log; ranges, resume and validators are those of the unsigned archive;
# the key file's rules (rotation, bytes as they are, limits, no file) and
# where the key comes from (option, environment, systemd credential).
. "$top_srcdir/tests/lib/lib.sh"
need curl python3 php unzip bsdtar
P=$top_srcdir/photos
A1=/archive/$SAMPLE1/
A2=/archive/$SAMPLE2/

# Two keys: the new one signs (first line), the old one still verifies.
python3 -c 'import secrets; print(secrets.token_urlsafe(32))' >"$T/new"
python3 -c 'import secrets; print(secrets.token_urlsafe(32))' >"$T/old"
NEW=$(cat "$T/new") OLD=$(cat "$T/old")
printf '%s\n\n%s\n' "$NEW" "$OLD" >"$T/keys"

# mint KEY HASH EXPIRES [MODE]: a link made with Python's hmac module.
# MODE spoils it the way a careless minter would: pad (base64 padding),
# std (the +/ alphabet; a link whose sig has - or _ is searched for, the
# expiry moving by a second at a time), hex, HEX (hex digests), trunc.
mint() {
	python3 - "$@" <<'EOF'
import base64, hashlib, hmac, sys
key, album, expires = sys.argv[1].encode(), sys.argv[2], int(sys.argv[3])
mode = sys.argv[4] if len(sys.argv) > 4 else ""
while True:
    mac = hmac.new(key, f"{album}\n{expires}".encode(), hashlib.sha256).digest()
    sig = base64.urlsafe_b64encode(mac).decode()
    if mode != "std" or "-" in sig or "_" in sig:
        break
    expires += 1
sig = {"pad": sig, "std": sig.translate(str.maketrans("-_", "+/")).rstrip("="),
       "hex": mac.hex(), "HEX": mac.hex().upper(), "trunc": sig.rstrip("=")[:-1]}.get(mode, sig.rstrip("="))
print(f"/archive/{album}/?expires={expires}&sig={sig}")
EOF
}
now=$(date +%s)

# --- the README's lines mint links the handler accepts ------------------------
# The test runs exactly the lines in README.md (key: the key file's first key).
sed -n '/^    expires = int(time.time()) + 86400$/,/^    link = f/s/^    //p' \
	"$top_srcdir/README.md" >"$T/readme.py"
sed -n '/^    \$expires = time() + 86400;$/,/^    \$link = /s/^    //p' \
	"$top_srcdir/README.md" >"$T/readme.php"
check "README: three lines of Python ($(wc -l <"$T/readme.py"))" test "$(wc -l <"$T/readme.py")" -eq 3
check "README: three lines of PHP ($(wc -l <"$T/readme.php"))" test "$(wc -l <"$T/readme.php")" -eq 3
py_link=$({ printf 'import base64, hashlib, hmac, sys, time\nkey, album = sys.argv[1].encode(), sys.argv[2]\n'
	cat "$T/readme.py"; printf 'print(link)\n'; } | python3 - "$NEW" "$SAMPLE1")
php_link=$({ printf '<?php\n$key = $argv[1]; $album = $argv[2];\n'
	cat "$T/readme.php"; printf 'echo $link, "\\n";\n'; } | php -- "$NEW" "$SAMPLE1")
echo "# README Python: $py_link"
echo "# README PHP:    $php_link"
py_exp=${py_link#*expires=} py_exp=${py_exp%%&*}
check "README Python: a day ahead ($py_exp)" test "$py_exp" -ge $((now + 86400)) -a "$py_exp" -le $((now + 86402))
check "README Python: the link of Python's hmac module" \
	test "$py_link" = "$(mint "$NEW" "$SAMPLE1" "$py_exp")"
php_exp=${php_link#*expires=} php_exp=${php_exp%%&*}
check "README PHP: the same link as Python for the same expiry" \
	test -n "$php_link" -a "$php_link" = "$(mint "$NEW" "$SAMPLE1" "$php_exp")"

# --- through a socket ----------------------------------------------------------
# The reference: the same album from a handler without a key.
printf 'GET %s HTTP/1.1\r\nHost: t\r\n\r\n' "$A1" | "$HANDLER" -p "$P" 2>/dev/null >"$T/plain"
body "$T/plain" >"$T/plain.zip"
plain_etag=$(header "$T/plain" ETag)
size=$(stat -c %s "$T/plain.zip")

start_server -- -p "$P" --link-key "$T/keys"
code=$(get "$py_link" "$T/py")
check "a link minted by Python's hmac (README lines): 200 (got $code)" test "$code" = 200
check "... the same bytes as without a key" cmp -s "$T/py.body" "$T/plain.zip"
check "... the same ETag ($(header "$T/py.head" ETag))" test "$(header "$T/py.head" ETag)" = "$plain_etag"
check "... a valid ZIP" valid_zip "$T/py.body"
code=$(get "$php_link" "$T/php")
check "a link minted by the README's PHP lines: 200 (got $code)" test "$code" = 200

link=$(mint "$OLD" "$SAMPLE1" $((now + 3600)))
code=$(get "$link" "$T/rot")
check "a link signed with the second (rotated) key: 200 (got $code)" test "$code" = 200 -a -s "$T/rot.body"
code=$(get "${link/\/?/?}" "$T/noslash")
check "... also without the final slash (got $code)" test "$code" = 200

link=$(mint "$NEW" "$SAMPLE1" $((now + 3600)))
code=$(curl -sS --max-time 20 -I -o "$T/head" -w '%{http_code}' "http://127.0.0.1:$PORT$link")
check "HEAD with a valid link: 200 (got $code)" test "$code" = 200
check "... Content-Length of the whole archive" test "$(header "$T/head" Content-Length)" = "$size"

# ranges, resume and validators: those of the archive, whatever the query
code=$(get "$link" "$T/r" -r 1000-50999)
check "a range with a valid link: 206 (got $code)" test "$code" = 206
check "... its bytes are those of the archive" \
	cmp -s "$T/r.body" <(tail -c +1001 "$T/plain.zip" | head -c 50000)
head -c 30000 "$T/plain.zip" >"$T/resumed"
code=$(curl -sS --max-time 20 -C - -o "$T/resumed" -w '%{http_code}' "http://127.0.0.1:$PORT$link")
check "curl -C - with the same link resumes (got $code)" test "$code" = 206
check "... to the same bytes" cmp -s "$T/resumed" "$T/plain.zip"
link2=$(mint "$NEW" "$SAMPLE1" $((now + 7200)))
code=$(get "$link2" "$T/r2" -r 30000- -H "If-Range: $plain_etag")
check "resumed with another link of the same album, If-Range: 206 (got $code)" test "$code" = 206
check "... the rest of the same bytes" cmp -s "$T/r2.body" <(tail -c +30001 "$T/plain.zip")
code=$(get "$link" "$T/nm" -H "If-None-Match: $plain_etag")
check "If-None-Match with the ETag and a valid link: 304 (got $code)" test "$code" = 304
code=$(get "$(mint "$NEW" "$SAMPLE1" $((now - 1)))" "$T/nm2" -H "If-None-Match: $plain_etag")
check "... with an expired link: 403, not 304 (got $code)" test "$code" = 403
code=$(get "$A1" "$T/rng" -r 0-99)
check "a range without a link: 403, not 206 (got $code)" test "$code" = 403
code=$(get "$A1" "$T/unsigned")
check "no link at all: 403 (got $code)" test "$code" = 403
check "... body 'Link expired or invalid'" test "$(cat "$T/unsigned.body")" = "Link expired or invalid"
code=$(get "$(mint "$NEW" "$SAMPLE1" $((now - 1)))" "$T/exp")
check "expired by one second: 403 (got $code)" test "$code" = 403
check "... the same body" cmp -s "$T/exp.body" "$T/unsigned.body"
check "the log says why: missing" wait_for 5 grep -q "\" 403 .*signed link: missing" "$T/server.log"
check "the log says why: expired" wait_for 5 grep -q "\" 403 .*signed link: expired" "$T/server.log"
code=$(get / "$T/index")
check "the index page: 200 (got $code)" test "$code" = 200
check "... says links are signed" grep -q "Download links are signed and expire" "$T/index.body"
check "... and has no sample link" bash -c "! grep -q '/archive/' '$T/index.body'"
check "the key is in no log line" bash -c "! grep -qF -e '$NEW' -e '$OLD' '$T/server.log'"
stop_server

# --- hostile links, piped -------------------------------------------------------
# ask NAME TARGET [KEYFILE [PATH]]: a GET piped into the handler
ask() {
	printf 'GET %s HTTP/1.1\r\nHost: t\r\n\r\n' "$2" |
		"$HANDLER" -p "${4:-$P}" --link-key "${3:-$T/keys}" >"$T/$1.out" 2>"$T/$1.err"
}
# the response without its Date line
nodate() { grep -av '^Date: ' "$1"; }
ask ref "$A1"
nodate "$T/ref.out" >"$T/ref.nodate"
check "the reference 403 ($(head -n1 "$T/ref.out" | tr -d '\r'))" test "$(status_of "$T/ref.out")" = 403

good=$(mint "$NEW" "$SAMPLE1" $((now + 3600)))
sig=${good##*sig=} exp=$((now + 3600))
big=$(mint "$NEW" "$SAMPLE1" 9223372036854775807)
while read -r name reason target; do
	ask "$name" "$target"
	nodate "$T/$name.out" >"$T/$name.nodate"
	check "$name: 403 ($(status_of "$T/$name.out"))" test "$(status_of "$T/$name.out")" = 403
	check "$name: the same bytes as every 403" cmp -s "$T/$name.nodate" "$T/ref.nodate"
	reason=${reason/_/ }
	check "$name: logged as '$reason' ($(sed -n 's/.*signed link: //p' "$T/$name.err"))" \
		grep -q "\" 403 .* refused hash=.*: signed link: $reason\$" "$T/$name.err"
done <<EOF
expired_1s expired $(mint "$NEW" "$SAMPLE1" $((now - 1)))
expired_old_key expired $(mint "$OLD" "$SAMPLE1" 1000000000)
expired_at_0 expired $(mint "$NEW" "$SAMPLE1" 0)
far_future_bad_sig bad_signature /archive/$SAMPLE1/?expires=9000000000000000000&sig=$sig
sig_of_other_album bad_signature /archive/$SAMPLE1/?$(mint "$NEW" "$SAMPLE2" $exp | cut -d'?' -f2)
other_expiry bad_signature /archive/$SAMPLE1/?expires=$((exp + 1))&sig=$sig
unknown_key bad_signature $(mint "0123456789abcdef0123456789abcdef" "$SAMPLE1" $exp)
max_expiry_bad_sig bad_signature /archive/$SAMPLE1/?expires=9223372036854775807&sig=$sig
truncated malformed $(mint "$NEW" "$SAMPLE1" $exp trunc)
padded malformed $(mint "$NEW" "$SAMPLE1" $exp pad)
standard_alphabet malformed $(mint "$NEW" "$SAMPLE1" $exp std)
hex malformed $(mint "$NEW" "$SAMPLE1" $exp hex)
upper_hex malformed $(mint "$NEW" "$SAMPLE1" $exp HEX)
leading_zero malformed /archive/$SAMPLE1/?expires=0$exp&sig=$sig
plus_sign malformed /archive/$SAMPLE1/?expires=+$exp&sig=$sig
minus_sign malformed /archive/$SAMPLE1/?expires=-$exp&sig=$sig
past_2_63 malformed /archive/$SAMPLE1/?expires=9223372036854775808&sig=${big##*sig=}
expires_twice malformed $good&expires=$exp
sig_twice malformed $good&sig=$sig
same_link_twice malformed $good&${good#*\?}
extra_parameter malformed $good&dl=1
percent_name_expires malformed /archive/$SAMPLE1/?%65xpires=$exp&sig=$sig
percent_name_sig malformed /archive/$SAMPLE1/?expires=$exp&%73ig=$sig
percent_value malformed /archive/$SAMPLE1/?expires=$exp&sig=${sig:0:42}%${sig:42}
semicolon malformed /archive/$SAMPLE1/?expires=$exp;sig=$sig
no_query missing /archive/$SAMPLE1/
empty_query missing /archive/$SAMPLE1/?
expires_only missing /archive/$SAMPLE1/?expires=$exp
sig_only missing /archive/$SAMPLE1/?sig=$sig
EOF

# whether the album exists or the storage can be read is not told before the
# link is checked: the album is not opened
ask nosuch "/archive/0000deadbeef/?${good#*\?}"
nodate "$T/nosuch.out" >"$T/nosuch.nodate"
check "an album that does not exist, a link of another: the same 403 bytes" \
	cmp -s "$T/nosuch.nodate" "$T/ref.nodate"
ask nostorage "$(mint "$NEW" "$SAMPLE1" $((now - 1)))" "$T/keys" "$T/no-such-folder"
nodate "$T/nostorage.out" >"$T/nostorage.nodate"
check "a bad link when the storage folder is missing: the same 403 (not opened)" \
	cmp -s "$T/nostorage.nodate" "$T/ref.nodate"
ask nostorage_ok "$(mint "$NEW" "$SAMPLE1" $exp)" "$T/keys" "$T/no-such-folder"
check "a valid link when the storage folder is missing: 500 (then it is opened)" \
	test "$(status_of "$T/nostorage_ok.out")" = 500
ask notfound "$(mint "$NEW" 0000deadbeef $exp)"
check "a valid link to an album that does not exist: 404" test "$(status_of "$T/notfound.out")" = 404
ask absolute "http://example.org$good"
check "absolute-form target with a valid link: 200" test "$(status_of "$T/absolute.out")" = 200
printf 'HEAD %s HTTP/1.1\r\nHost: t\r\n\r\n' "$A1" |
	"$HANDLER" -p "$P" --link-key "$T/keys" >"$T/head403" 2>/dev/null
check "HEAD without a link: 403 with no body" \
	test "$(status_of "$T/head403")" = 403 -a -z "$(body "$T/head403")"
# without a key the query is ignored, as before
printf 'GET %s HTTP/1.1\r\nHost: t\r\n\r\n' "$good" | "$HANDLER" -p "$P" >"$T/nokey" 2>/dev/null
check "no key configured: a signed link is an ordinary one (200)" test "$(status_of "$T/nokey")" = 200

# --- the key file ---------------------------------------------------------------
# a trailing space is part of the key: the line's bytes, as they are
key=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')
printf '%s \n' "$key" >"$T/space"
ask space_with "$(mint "$key " "$SAMPLE1" $exp)" "$T/space"
check "key file with a trailing space: a link made with the space: 200" \
	test "$(status_of "$T/space_with.out")" = 200
ask space_without "$(mint "$key" "$SAMPLE1" $exp)" "$T/space"
check "... a link made without it: 403" test "$(status_of "$T/space_without.out")" = 403
check "... logged as a bad signature" grep -q 'signed link: bad signature$' "$T/space_without.err"

# keyerr DESCRIPTION KEYFILE MESSAGE: exit 2 and the message, nothing on stdout
keyerr() {
	"$HANDLER" -p "$P" --link-key "$2" </dev/null >"$T/kout" 2>"$T/kerr"
	local rc=$?
	check "$1: exit 2 ($rc), $(head -n1 "$T/kerr")" \
		test "$rc" -eq 2 -a ! -s "$T/kout"
	check "$1: the message says '$3'" grep -q "$3" "$T/kerr"
}
keyerr "no key file" "$T/no-such-key" "link key file $T/no-such-key: No such file or directory"
: >"$T/empty"
keyerr "an empty key file" "$T/empty" "no key in it"
printf '\n\n' >"$T/blank"
keyerr "a key file of empty lines" "$T/blank" "no key in it"
python3 -c 'print("k" * 31)' >"$T/k31"
keyerr "a key of 31 bytes" "$T/k31" "line 1: key shorter than 32 bytes"
printf '%s\nshort\n' "$NEW" >"$T/short2"
keyerr "a short second key" "$T/short2" "line 2: key shorter than 32 bytes"
keyerr "a folder" "$T" "Is a directory"
python3 -c 'print("k" * 32)' >"$T/k32"
printf 'GET / HTTP/1.1\r\nHost: t\r\n\r\n' | "$HANDLER" --link-key "$T/k32" >"$T/k32.out" 2>/dev/null
check "a key of 32 bytes is enough" test "$(status_of "$T/k32.out")" = 200
python3 -c 'import secrets
for i in range(8): print(secrets.token_urlsafe(32))' >"$T/k8"
cp "$T/k8" "$T/k9"; echo "$NEW" >>"$T/k9"
printf 'GET / HTTP/1.1\r\nHost: t\r\n\r\n' | "$HANDLER" --link-key "$T/k8" >"$T/k8.out" 2>/dev/null
check "8 keys" test "$(status_of "$T/k8.out")" = 200
keyerr "9 keys" "$T/k9" "more than 8 keys"
python3 -c 'print("k" * 4095)' >"$T/k4096"	# 4096 bytes with the newline
python3 -c 'print("k" * 4096)' >"$T/k4097"
printf 'GET / HTTP/1.1\r\nHost: t\r\n\r\n' | "$HANDLER" --link-key "$T/k4096" >"$T/k4096.out" 2>/dev/null
check "a key file of 4096 bytes" test "$(status_of "$T/k4096.out")" = 200
keyerr "a key file of 4097 bytes" "$T/k4097" "larger than 4096 bytes"
bad=$(mint "$NEW" "$SAMPLE1" $exp)
# a client connected: 500 first, never the album unsigned
start_server -- -p "$P" --link-key "$T/no-such-key"
code=$(get "$A1" "$T/k500")
check "no key file, a client connected: 500 (got $code), not the album" test "$code" = 500
check "... the log says why" wait_for 5 grep -q "link key file $T/no-such-key: No such file" "$T/server.log"
stop_server
start_server -- -p "$P" --link-key "$T/k31"
code=$(get "$bad" "$T/k500b")
check "a short key, a client connected: 500 (got $code)" test "$code" = 500
stop_server

# --- where the key comes from ----------------------------------------------------
# serve_with ENV... -- ARGS...: the status of a signed and an unsigned GET
serve_with() {
	local envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done; shift
	printf 'GET %s HTTP/1.1\r\nHost: t\r\n\r\n' "$good" |
		env "${envs[@]}" "$HANDLER" -p "$P" "$@" 2>/dev/null | status_of /dev/stdin
	printf 'GET %s HTTP/1.1\r\nHost: t\r\n\r\n' "$A1" |
		env "${envs[@]}" "$HANDLER" -p "$P" "$@" 2>/dev/null | status_of /dev/stdin
}
other=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')
echo "$other" >"$T/other"
mkdir "$T/cred" "$T/nocred"
cp "$T/keys" "$T/cred/link-key"
check "ARCHIVE_LINK_KEY_FILE: signed 200, unsigned 403" \
	test "$(serve_with ARCHIVE_LINK_KEY_FILE="$T/keys" -- | tr '\n' ' ')" = "200 403 "
check "--link-key beats ARCHIVE_LINK_KEY_FILE" \
	test "$(serve_with ARCHIVE_LINK_KEY_FILE="$T/other" -- --link-key "$T/keys" | tr '\n' ' ')" = "200 403 "
check "\$CREDENTIALS_DIRECTORY/link-key is used when nothing names a key" \
	test "$(serve_with CREDENTIALS_DIRECTORY="$T/cred" -- | tr '\n' ' ')" = "200 403 "
check "ARCHIVE_LINK_KEY_FILE beats the credential" \
	test "$(serve_with CREDENTIALS_DIRECTORY="$T/cred" ARCHIVE_LINK_KEY_FILE="$T/other" -- | tr '\n' ' ')" = "403 403 "
check "--link-key beats the credential" \
	test "$(serve_with CREDENTIALS_DIRECTORY="$T/cred" -- --link-key "$T/other" | tr '\n' ' ')" = "403 403 "
check "a credential directory without link-key: no key, as before" \
	test "$(serve_with CREDENTIALS_DIRECTORY="$T/nocred" -- | tr '\n' ' ')" = "200 200 "
CREDENTIALS_DIRECTORY="$T/keys" "$HANDLER" -p "$P" </dev/null >"$T/cout" 2>"$T/cerr"; rc=$?
check "a credential that cannot be reached (ENOTDIR): exit 2 ($rc), not unsigned" \
	test "$rc" -eq 2 -a ! -s "$T/cout"
check "... the message says why" grep -q "link key file $T/keys/link-key: Not a directory" "$T/cerr"
: >"$T/cred/link-key"
CREDENTIALS_DIRECTORY="$T/cred" "$HANDLER" -p "$P" </dev/null >"$T/cout" 2>"$T/cerr"; rc=$?
check "an empty credential: exit 2 ($rc), not unsigned: $(cat "$T/cerr")" \
	test "$rc" -eq 2 -a ! -s "$T/cout"
check "... the message names it" grep -q "link key file $T/cred/link-key: no key in it" "$T/cerr"

# --- --sign ----------------------------------------------------------------------------
s=$("$HANDLER" --link-key "$T/keys" --sign "$SAMPLE1" </dev/null 2>"$T/sign.err"); rc=$?
t=$(date +%s)
echo "# --sign: $s"
check "--sign: exit 0 ($rc), nothing on stderr" test "$rc" -eq 0 -a ! -s "$T/sign.err"
check "--sign: the path and query of a link" \
	bash -c '[[ $1 =~ ^/archive/$2/\?expires=[1-9][0-9]*\&sig=[A-Za-z0-9_-]{43}$ ]]' _ "$s" "$SAMPLE1"
e=${s#*expires=} e=${e%%&*}
check "--sign: a day by default ($((e - t)) s)" test "$e" -ge $((now + 86400)) -a "$e" -le $((t + 86400))
check "--sign: signed with the first key, as Python's hmac" test "$s" = "$(mint "$NEW" "$SAMPLE1" "$e")"
s=$(ARCHIVE_LINK_KEY_FILE="$T/keys" "$HANDLER" --sign "$SAMPLE2" --expires-in 60 </dev/null)
e=${s#*expires=} e=${e%%&*}
check "--sign --expires-in 60 ($((e - t)) s)" test "$e" -ge $((now + 60)) -a "$e" -le $((t + 61))
ask signed "$s"
check "--sign's link is accepted (200)" test "$(status_of "$T/signed.out")" = 200
body "$T/signed.out" >"$T/signed.zip"
check "... of the second album ($(zip_names "$T/signed.zip" | tr '\n' ' '))" \
	test "$(zip_names "$T/signed.zip" | tr '\n' ' ')" = "1.jpg 2.jpg "
s=$(CREDENTIALS_DIRECTORY="$T/nocred" "$HANDLER" --sign "$SAMPLE1" </dev/null 2>"$T/sign.err"); rc=$?
check "--sign without a key: exit 2 ($rc), $(cat "$T/sign.err")" test "$rc" -eq 2 -a -z "$s"
for a in "a/b" "" "a%2fb" "$(printf 'x%.0s' {1..129})"; do
	"$HANDLER" --link-key "$T/keys" --sign "$a" </dev/null >"$T/sout" 2>"$T/serr"; rc=$?
	check "--sign '${a:0:20}': exit 2 ($rc), $(cat "$T/serr")" test "$rc" -eq 2 -a ! -s "$T/sout"
done
"$HANDLER" --link-key "$T/keys" --sign "$(printf 'x%.0s' {1..128})" </dev/null >"$T/sout" 2>/dev/null
check "--sign a hash of 128 bytes" test $? -eq 0 -a -s "$T/sout"
for a in 0 -1 abc 1.5 316224001; do
	"$HANDLER" --link-key "$T/keys" --sign "$SAMPLE1" --expires-in "$a" </dev/null >"$T/sout" 2>"$T/serr"; rc=$?
	check "--expires-in $a: exit 2 ($rc), $(cat "$T/serr")" test "$rc" -eq 2 -a ! -s "$T/sout"
done
"$HANDLER" --link-key "$T/keys" --sign "$SAMPLE1" --expires-in 316224000 </dev/null >"$T/sout" 2>/dev/null
check "--expires-in 316224000 (ten years)" test $? -eq 0 -a -s "$T/sout"
"$HANDLER" --expires-in 60 </dev/null >"$T/sout" 2>"$T/serr"; rc=$?
check "--expires-in without --sign: exit 2 ($rc)" test "$rc" -eq 2
"$HANDLER" --help >"$T/help"
for o in --link-key ARCHIVE_LINK_KEY_FILE CREDENTIALS_DIRECTORY --sign --expires-in; do
	check "--help mentions $o" grep -q -- "$o" "$T/help"
done
finish
