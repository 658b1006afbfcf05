#!/bin/bash
# libarchive is loaded only to make an archive body (handler/zipstream.c):
# every other answer runs without it, and the dynamic linker says so
# (LD_DEBUG=files). With a body, libarchive's calls to crc32() bind to the
# executable's (LD_DEBUG=bindings), and when libarchive cannot be loaded
# the client gets a 500 and the log says why. Requests are piped into the
# handler, as by hand.
. "$top_srcdir/tests/lib/lib.sh"
need python3 unshare
need_root
P=$top_srcdir/photos
A=/archive/$SAMPLE1/

# ask NAME REQUEST-HEAD...: pipe the request to the handler; the response in
# $T/NAME.out, the linker's log in $T/NAME.ld.*
ask() {
	local name=$1; shift
	printf '%s\r\n' "$@" "" >"$T/$name.req"
	LD_DEBUG=files,bindings LD_DEBUG_OUTPUT="$T/$name.ld" \
		"$HANDLER" -p "$P" <"$T/$name.req" >"$T/$name.out" 2>"$T/$name.err"
}
loaded() { cat "$T/$1".ld.* | grep -q 'file=libarchive\.so'; }
not_loaded() { ! loaded "$1"; }
code() { status_of "$T/$1.out"; }

ask head "HEAD $A HTTP/1.1" "Host: t"
etag=$(header "$T/head.out" ETag)
qetag=${etag//\"/\\\"}	# for the eval below
size=$(header "$T/head.out" Content-Length)
check "HEAD: the album's ETag ($etag)" test -n "$etag"

# name, request, expected status: none of these loads libarchive
while read -r name want line; do
	eval "set -- $line"
	ask "$name" "$@"
	check "$name: $want (got $(code "$name"))" test "$(code "$name")" = "$want"
	check "$name: answered without loading libarchive" not_loaded "$name"
done <<EOF2
index 200 "GET / HTTP/1.1" "Host: t"
head 200 "HEAD $A HTTP/1.1" "Host: t"
notfound 404 "GET /archive/0000deadbeef/ HTTP/1.1" "Host: t"
badescape 400 "GET /archive/%zz/ HTTP/1.1" "Host: t"
post 405 "POST $A HTTP/1.1" "Host: t" "Content-Length: 0"
notmodified 304 "GET $A HTTP/1.1" "Host: t" "If-None-Match: $qetag"
precondition 412 "GET $A HTTP/1.1" "Host: t" "If-Match: \"other\""
unsatisfiable 416 "GET $A HTTP/1.1" "Host: t" "Range: bytes=$size-"
malformed 400 "GET / HTTP/1.1" "Host: t" "Bad header"
EOF2

# a body loads it, and its CRC calls come to the executable
for kind in full range; do
	if [ $kind = full ]; then ask $kind "GET $A HTTP/1.1" "Host: t"
	else ask $kind "GET $A HTTP/1.1" "Host: t" "Range: bytes=100-2000"; fi
	check "$kind: $( [ $kind = full ] && echo 200 || echo 206) (got $(code $kind))" \
		test "$(code $kind)" = "$( [ $kind = full ] && echo 200 || echo 206)"
	check "$kind: libarchive was loaded" loaded $kind
	check "$kind: libarchive's crc32() binds to the executable's" bash -c \
		"cat '$T/$kind'.ld.* | grep -q 'binding file [^ ]*libarchive\.so[^ ]* .* to [^ ]*archive-handler .*crc32'"
done
body "$T/full.out" >"$T/full.zip"
check "full: the ZIP is valid" valid_zip "$T/full.zip"

# libarchive that cannot be loaded (an empty file over it, in a private
# mount namespace): 500, and the log line says why
lib=$(cat "$T"/full.ld.* | sed -n 's/.*needed by \(\/[^ ]*libarchive\.so[^ ]*\) .*/\1/p' | head -n1)
check "the loaded libarchive's path is known ($lib)" test -f "$lib"
printf 'GET %s HTTP/1.1\r\nHost: t\r\n\r\n' "$A" >"$T/broken.req"
unshare --mount sh -c 'mount --make-rprivate / && mount --bind /dev/null "$1" && exec "$2" -p "$3"' \
	_ "$lib" "$HANDLER" "$P" <"$T/broken.req" >"$T/broken.out" 2>"$T/broken.err"
check "no libarchive: 500 (got $(code broken))" test "$(code broken)" = 500
check "no libarchive: the log says so ($(tail -n1 "$T/broken.err"))" \
	grep -q 'cannot load libarchive: .*libarchive' "$T/broken.err"
finish
