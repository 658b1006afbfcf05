#!/bin/bash
# Manual piping, exactly as the README shows it: a request file in, a
# response file out, and the README's one-liner to get just the ZIP.
. "$top_srcdir/tests/lib/lib.sh"
need unzip python3 bsdtar

cd "$top_srcdir" || exit 99
printf 'GET /archive/%s/ HTTP/1.1\r\nHost: localhost\r\n\r\n' "$SAMPLE1" >"$T/request.http"

"$HANDLER" -p photos <"$T/request.http" >"$T/response.http" 2>"$T/log"
check "exit status 0" test $? -eq 0
check "status 200" test "$(status_of "$T/response.http")" = 200
# the README's command, verbatim
"$HANDLER" -p photos <"$T/request.http" 2>/dev/null | sed '1,/^\r$/d' >"$T/album.zip"
check "sed one-liner: size equals Content-Length" \
	test "$(stat -c %s "$T/album.zip")" = "$(header "$T/response.http" Content-Length)"
check "sed one-liner: the ZIP is valid" valid_zip "$T/album.zip"
check "sed one-liner: same bytes as the response body" cmp -s "$T/album.zip" <(body "$T/response.http")
check "the log line went to stderr" grep -q '" 200 .* completed' "$T/log"

# appended to a file (O_APPEND: sendfile(2) refuses it, the handler falls
# back to write(2)) and into a pipe: the same bytes as into a file
# (bodies compared: the heads differ in Date:)
printf 'old\n' >"$T/appended"
"$HANDLER" -p photos <"$T/request.http" >>"$T/appended" 2>/dev/null
tail -c +5 "$T/appended" >"$T/appended.http"
check "appended (>>): the old line kept" test "$(head -n1 "$T/appended")" = old
check "appended (>>): the same body" cmp -s <(body "$T/appended.http") <(body "$T/response.http")
"$HANDLER" -p photos <"$T/request.http" 2>/dev/null | cat >"$T/piped"
check "into a pipe: the same body" cmp -s <(body "$T/piped") <(body "$T/response.http")

# from a pipe rather than a file, and HTTP/1.0
printf 'GET /archive/%s HTTP/1.0\r\n\r\n' "$SAMPLE2" | "$HANDLER" -p photos 2>/dev/null >"$T/r2"
check "request from a pipe: 200" test "$(status_of "$T/r2")" = 200
body "$T/r2" >"$T/r2.zip"
check "request from a pipe: valid ZIP" valid_zip "$T/r2.zip"

# BASE_FILE_STORAGE_PATH, and the default path "photos" in the current folder
BASE_FILE_STORAGE_PATH=$top_srcdir/photos "$HANDLER" <"$T/request.http" 2>/dev/null >"$T/r3"
check "BASE_FILE_STORAGE_PATH is used" test "$(status_of "$T/r3")" = 200
(cd "$top_srcdir" && "$HANDLER" <"$T/request.http" 2>/dev/null >"$T/r4")
check "default path photos/" test "$(status_of "$T/r4")" = 200
BASE_FILE_STORAGE_PATH=/nonexistent "$HANDLER" -p photos <"$T/request.http" 2>/dev/null >"$T/r5"
check "-p beats BASE_FILE_STORAGE_PATH" test "$(status_of "$T/r5")" = 200
BASE_FILE_STORAGE_PATH=/nonexistent "$HANDLER" <"$T/request.http" >"$T/r6" 2>"$T/log6"
check "missing storage path: 500" test "$(status_of "$T/r6")" = 500
check "missing storage path: logged" grep -q "storage path /nonexistent: No such file" "$T/log6"
finish
