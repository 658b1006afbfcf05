#!/bin/bash
# The index page, an album download and HEAD through systemd-socket-activate,
# in both hand-over modes (fd 0/1 as inetd, fd 3 with LISTEN_FDS).
. "$top_srcdir/tests/lib/lib.sh"
need curl unzip python3 bsdtar

run_checks() {
	local mode=$1 s

	s=$(get / "$T/index")
	check "$mode: GET / is 200" test "$s" = 200
	check "$mode: index is text/html; charset=utf-8" \
		test "$(header "$T/index.head" Content-Type)" = "text/html; charset=utf-8"
	check "$mode: index links to the sample archive" grep -q "/archive/$SAMPLE1/" "$T/index.body"
	check "$mode: index Content-Length is the body size" \
		test "$(header "$T/index.head" Content-Length)" = "$(stat -c %s "$T/index.body")"

	for path in "/archive/$SAMPLE1/" "/archive/$SAMPLE1"; do
		s=$(get "$path" "$T/a")
		check "$mode: GET $path is 200" test "$s" = 200
		check "$mode: Content-Type application/zip" \
			test "$(header "$T/a.head" Content-Type)" = application/zip
		check "$mode: Content-Disposition names $SAMPLE1.zip" \
			test "$(header "$T/a.head" Content-Disposition)" = "attachment; filename=\"$SAMPLE1.zip\"; filename*=UTF-8''$SAMPLE1.zip"
		check "$mode: Connection: close" test "$(header "$T/a.head" Connection)" = close
		check "$mode: Content-Length equals the bytes received" \
			test "$(header "$T/a.head" Content-Length)" = "$(stat -c %s "$T/a.body")"
		check "$mode: the ZIP is valid for unzip, zipfile and bsdtar" valid_zip "$T/a.body"
		check "$mode: entries are 1.jpg 2.jpg 3.jpg in order" \
			test "$(zip_names "$T/a.body" | tr '\n' ' ')" = "1.jpg 2.jpg 3.jpg "
		rm -rf "$T/x"; mkdir "$T/x"
		unzip -qq "$T/a.body" -d "$T/x"
		check "$mode: extracted files are byte-identical" \
			diff -r "$top_srcdir/photos/$SAMPLE1" "$T/x"
	done

	s=$(get "/archive/$SAMPLE2/" "$T/b")
	check "$mode: second sample album is 200 and valid" valid_zip "$T/b.body"

	# HEAD: same headers, no body
	curl -sS --max-time 20 -I -o "$T/h.head" "http://127.0.0.1:$PORT/archive/$SAMPLE1/"
	check "$mode: HEAD is 200" test "$(status_of "$T/h.head")" = 200
	check "$mode: HEAD has the GET's Content-Length" \
		test "$(header "$T/h.head" Content-Length)" = "$(header "$T/a.head" Content-Length)"
	printf 'HEAD /archive/%s/ HTTP/1.1\r\nHost: t\r\n\r\n' "$SAMPLE1" | raw >"$T/h.raw"
	check "$mode: HEAD sends no body bytes" \
		test "$(body "$T/h.raw" | wc -c)" -eq 0
	printf 'HEAD / HTTP/1.0\r\n\r\n' | raw >"$T/hi.raw"
	check "$mode: HEAD / sends no body" test "$(body "$T/hi.raw" | wc -c)" -eq 0
	check "$mode: HEAD / is 200" test "$(status_of "$T/hi.raw")" = 200
}

start_server -- -p "$top_srcdir/photos"
run_checks inetd
check "the download was logged as completed" \
	grep -q "\"GET /archive/$SAMPLE1/ HTTP/1.1\" 200 .* completed hash=$SAMPLE1 files=3" "$T/server.log"
stop_server

start_server --fd3 -- -p "$top_srcdir/photos"
run_checks fd3
stop_server
finish
