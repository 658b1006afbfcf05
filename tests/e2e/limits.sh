#!/bin/bash
# The album limits of handler/ah_limits.h, each at limit - 1, limit and
# limit + 1: 200,000 entries, folders 16 deep, 1024-byte entry paths; and
# names that are not UTF-8 or hold control bytes. Over a limit, or with such
# a name: 500 before any ZIP byte, and a log line naming the place.
. "$top_srcdir/tests/lib/lib.sh"
need curl python3 unzip

P=$T/p
mkdir -p "$P"
start_server -- -p "$P"

status() { # status ALBUM [METHOD]: the status code of a request for it
	printf '%s /archive/%s/ HTTP/1.1\r\nHost: t\r\n\r\n' "${2:-HEAD}" "$1" | raw >"$T/resp"
	status_of "$T/resp"
}
refused() { # refused WHAT ALBUM LOG-PATTERN
	local s
	s=$(status "$2" GET)
	check "$1: 500 (got $s)" test "$s" = 500
	check "$1: no ZIP bytes" bash -c "! grep -q PK '$T/resp'"
	check "$1: the log names it" wait_for 10 grep -q -- "$3" "$T/server.log"
}

# --- entries: 200,000 ------------------------------------------------------------
python3 - "$P/entries" <<'EOF'
import os, sys
os.makedirs(sys.argv[1])
for i in range(199999):
    os.close(os.open(f"{sys.argv[1]}/{i:06}.jpg", os.O_CREAT | os.O_WRONLY, 0o644))
EOF
s=$(status entries)
check "199,999 entries: 200 (got $s)" test "$s" = 200
: >"$P/entries/199999.jpg"
s=$(status entries)
check "200,000 entries: 200 (got $s)" test "$s" = 200
code=$(get /archive/entries/ "$T/at")
check "200,000 entries: the download is 200 (got $code)" test "$code" = 200
check "200,000 entries: Content-Length is exact" \
	test "$(header "$T/at.head" Content-Length)" = "$(stat -c %s "$T/at.body")"
check "200,000 entries: zipcheck $(python3 "$top_srcdir/tests/lib/zipcheck.py" "$T/at.body" 2>&1)" \
	python3 "$top_srcdir/tests/lib/zipcheck.py" "$T/at.body"
check "200,000 entries: unzip -t" unzip -tqq "$T/at.body"
rm -f "$T/at.body"
: >"$P/entries/200000.jpg"
refused "200,001 entries" entries "cannot read entries/.*: more entries than the limit"
rm -rf "$P/entries"

# --- depth: 16 nested folders ------------------------------------------------------
nest() { # nest ALBUM DEPTH: DEPTH folders inside each other, a file at the bottom
	local d=$P/$1 i
	for i in $(seq "$2"); do d=$d/d$i; done
	mkdir -p "$d"
	echo bottom >"$d/f.jpg"
}
nest depth15 15
nest depth16 16
nest depth17 17
s=$(status depth15)
check "15 folders deep: 200 (got $s)" test "$s" = 200
code=$(get /archive/depth16/ "$T/d16")
check "16 folders deep: 200 (got $code)" test "$code" = 200
check "16 folders deep: the file at the bottom is in the ZIP" \
	bash -c "unzip -Z1 '$T/d16.body' | grep -qx 'd1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/d12/d13/d14/d15/d16/f.jpg'"
refused "17 folders deep" depth17 "cannot read depth17/d1/.*/d17/: folders nested deeper than the limit"

# --- path length: 1024 bytes ----------------------------------------------------
long() { # long ALBUM LEN: a file whose path in the album is LEN bytes
	local a=$P/$1 left=$2 rel=
	while [ "$left" -gt 201 ]; do rel=$rel$(printf 'd%.0s' $(seq 199))/; left=$((left - 200)); done
	rel=$rel$(printf 'f%.0s' $(seq "$left"))
	mkdir -p "$a/$(dirname "$rel")"
	echo x >"$a/$rel"
	echo "$rel"
}
r1023=$(long len1023 1023)
r1024=$(long len1024 1024)
long len1025 1025 >/dev/null
check "the test paths are 1023 and 1024 bytes" test "${#r1023} ${#r1024}" = "1023 1024"
s=$(status len1023)
check "a 1023-byte path: 200 (got $s)" test "$s" = 200
code=$(get /archive/len1024/ "$T/l1024")
check "a 1024-byte path: 200 (got $code)" test "$code" = 200
check "a 1024-byte path: it is in the ZIP" bash -c "unzip -Z1 '$T/l1024.body' | grep -qx '$r1024'"
refused "a 1025-byte path" len1025 "cannot read len1025/d*\\.\\.\\.d*/: path longer than the limit"

# --- names that are not UTF-8, or hold control bytes --------------------------------
mkdir -p "$P/latin1" "$P/control" "$P/utf8"
echo x >"$P/latin1/caf$(printf '\351').jpg"			# Latin-1 e-acute
echo x >"$P/control/a$(printf '\001')b.jpg"
echo x >"$P/utf8/caf$(printf '\303\251') $(printf '\360\237\223\267').jpg"	# valid UTF-8
refused "a Latin-1 name" latin1 'cannot read latin1/caf\\xe9.jpg: name is not valid UTF-8'
refused "a name with a control byte" control 'cannot read control/a\\x01b.jpg: name is not valid UTF-8 or has control characters'
code=$(get /archive/utf8/ "$T/u8")
check "a valid UTF-8 name: 200 (got $code)" test "$code" = 200
check "a valid UTF-8 name: stored as UTF-8 with the flag (zipfile decodes it)" \
	python3 -c 'import sys, zipfile
n = zipfile.ZipFile(sys.argv[1]).infolist()[0]
sys.exit(not (n.filename == "caf\u00e9 \U0001f4f7.jpg" and n.flag_bits & 0x800))' "$T/u8.body"
check "the log stays text: no raw byte >= 0x80 from a bad name" \
	bash -c "! grep -a 'latin1' '$T/server.log' | LC_ALL=C grep -qaP '[\x80-\xff]'"
stop_server
finish
