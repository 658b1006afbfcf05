#!/bin/bash
# Nothing outside the named album is ever listed or sent: every encoding of
# traversal, absolute paths, symlinked albums. Each answer is 400 or 404,
# and no response contains the secret planted next to the albums.
. "$top_srcdir/tests/lib/lib.sh"
need python3

SECRET=secret-$RANDOM$RANDOM
mkdir -p "$T/outside/store/good" "$T/outside/store/good/sub"
echo "$SECRET" >"$T/outside/secret.txt"
echo "$SECRET" >"$T/outside/store/secret.txt"
echo photo >"$T/outside/store/good/1.jpg"
mkdir -p "$T/outside/other"
echo "$SECRET" >"$T/outside/other/x.jpg"
ln -s ../other "$T/outside/store/linked"		# album that is a symlink
ln -s "$T/outside" "$T/outside/store/abs"	# absolute symlink
start_server -- -p "$T/outside/store"

targets=(
	"/archive/.." "/archive/../" "/archive/." "/archive/./"
	"/archive/%2e%2e/" "/archive/%2E%2e/" "/archive/%2e%2e" "/archive/..%2F"
	"/archive/..%2f..%2f" "/archive/%252e%252e/" "/archive/%2e%2e%2fother/"
	"/archive/good/../other/" "/archive/good/..%2f..%2fother/"
	"/archive/good%2F..%2F..%2Fother/" "/archive/%2Fetc/" "/archive//etc/"
	"/archive/%c0%ae%c0%ae/" "/archive/%e0%80%ae%e0%80%ae/" "/archive/..\\other/"
	"/archive/..%5cother/" "//archive/good/" "/archive/good;x=..%2f/"
	"/archive/other/" "/archive/linked/" "/archive/abs/" "/archive/secret.txt"
	"/archive/good/sub/" "/archive/good/1.jpg" "/archive/%00/" "/archive/good%00/"
	"/archive/good/%00" "/../secret.txt" "/%2e%2e/secret.txt" "/archive/../../secret.txt"
	"http://evil.example/archive/../secret.txt" "/archive/$(printf '%0129d' 0)/"
	"/secret.txt" "/archive/" "/archive" "/archive//"
)
for t in "${targets[@]}"; do
	printf 'GET %s HTTP/1.1\r\nHost: t\r\n\r\n' "$t" | raw >"$T/resp"
	s=$(status_of "$T/resp")
	case $s in
	400 | 404) pass "$t: $s" ;;
	*) fail "$t: status $s" ;;
	esac
	if grep -q "$SECRET" "$T/resp"; then fail "$t: the secret was sent"; fi
	if grep -q "PK" "$T/resp"; then fail "$t: a ZIP was sent"; fi
done

# The one good album is served, and holds only its own file.
s=$(get /archive/good/ "$T/good")
check "the good album is 200" test "$s" = 200
check "the good album holds 1.jpg and sub/ only" \
	test "$(zip_names "$T/good.body" | tr '\n' ' ')" = "1.jpg sub/ "
stop_server
finish
