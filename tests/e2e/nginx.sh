#!/bin/bash
# Behind a real nginx (Debian's) with the shipped units/nginx-archive.conf
# (only the upstream port changed): a full download, HEAD, a resumed
# download, validators, and the client address forwarded from a trusted
# proxy only.
. "$top_srcdir/tests/lib/lib.sh"
need nginx curl python3 unzip bsdtar

start_server -- -p "$top_srcdir/photos" --trusted-proxy 127.0.0.1
UP=$PORT
NPORT=$(free_port)
chmod 755 "$T"
sed "s|http://127.0.0.1:8080;|http://127.0.0.1:$UP;|" "$top_srcdir/units/nginx-archive.conf" \
	>"$T/archive.conf"
check "the snippet's upstream was changed to the test's port" grep -q "127.0.0.1:$UP;" "$T/archive.conf"
mkdir "$T/nginx-tmp"
cat >"$T/nginx.conf" <<CONF
worker_processes 1;
error_log $T/nginx-error.log;
pid $T/nginx.pid;
events { worker_connections 64; }
http {
	access_log $T/nginx-access.log;
	client_body_temp_path $T/nginx-tmp/body;
	proxy_temp_path $T/nginx-tmp/proxy;
	fastcgi_temp_path $T/nginx-tmp/fastcgi;
	uwsgi_temp_path $T/nginx-tmp/uwsgi;
	scgi_temp_path $T/nginx-tmp/scgi;
	server {
		listen 127.0.0.1:$NPORT;
		include $T/archive.conf;
	}
}
CONF
nginx -e "$T/nginx-error.log" -p "$T" -c "$T/nginx.conf" -g 'daemon off;' </dev/null &
NGINX_PID=$!
at_exit 'kill $NGINX_PID 2>/dev/null; wait $NGINX_PID 2>/dev/null'
if ! wait_for 20 python3 -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()' "$NPORT" 2>/dev/null; then
	echo "nginx did not start:" >&2
	cat "$T/nginx-error.log" >&2
	exit 99
fi

URL=/archive/$SAMPLE1/
code=$(get "$URL" "$T/direct")
N=$(stat -c %s "$T/direct.body")
ETAG=$(header "$T/direct.head" ETag)
PORT=$NPORT	# from here on get() goes through nginx

code=$(get "$URL" "$T/p" --interface 127.0.0.2)
check "through nginx: 200 (got $code)" test "$code" = 200
check "through nginx: Content-Length $N" test "$(header "$T/p.head" Content-Length)" = "$N"
check "through nginx: the same bytes as directly" cmp -s "$T/p.body" "$T/direct.body"
check "through nginx: a valid ZIP" valid_zip "$T/p.body"
check "through nginx: the ETag passes" test "$(header "$T/p.head" ETag)" = "$ETAG"
check "through nginx: Content-Disposition passes" \
	grep -qi "^Content-Disposition: attachment; filename=\"$SAMPLE1.zip\"" "$T/p.head"
check "the handler logs the client (127.0.0.2) via the proxy (127.0.0.1)" \
	wait_for 10 grep -q "^archive-handler\[[0-9]*\]: 127.0.0.2 \"GET $URL HTTP/1.1\" 200 $N/$N completed .* via 127.0.0.1" "$T/server.log"

curl -sS -I --max-time 20 "http://127.0.0.1:$NPORT$URL" | tr -d '\r' >"$T/head"
check "HEAD through nginx: 200" grep -q '^HTTP/1.1 200' "$T/head"
check "HEAD through nginx: Content-Length $N" grep -qx "Content-Length: $N" "$T/head"
check "HEAD through nginx: ETag" grep -qx "ETag: $ETAG" "$T/head"
check "HEAD through nginx: Accept-Ranges: bytes" grep -qx "Accept-Ranges: bytes" "$T/head"

head -c 50000 "$T/direct.body" >"$T/resume.zip"
code=$(curl -sS --max-time 20 -C - -o "$T/resume.zip" -w '%{http_code}' \
	"http://127.0.0.1:$NPORT$URL")
check "resumed through nginx: 206 (got $code)" test "$code" = 206
check "resumed through nginx: identical to a full download" cmp -s "$T/resume.zip" "$T/direct.body"
check "the handler sent the range itself (its log shows the 206)" \
	grep -q "\" 206 $((N - 50000))/$((N - 50000)) completed hash=$SAMPLE1 range=50000-$((N - 1))/$N" "$T/server.log"

code=$(get "$URL" "$T/ir" -H "Range: bytes=0-99" -H 'If-Range: "00000000000000000000000000000000"')
check "through nginx: a stale If-Range gets the full 200 (got $code)" test "$code" = 200
check "through nginx: ... the whole archive" cmp -s "$T/ir.body" "$T/direct.body"
code=$(get "$URL" "$T/inm" -H "If-None-Match: $ETAG")
check "through nginx: If-None-Match gets 304 (got $code)" test "$code" = 304
code=$(get "$URL" "$T/416" -H "Range: bytes=$N-")
check "through nginx: 416 for a range past the end (got $code)" test "$code" = 416

# not blindly: a direct connection from an untrusted address with its own
# X-Forwarded-For is logged with its real address
PORT=$UP
get "$URL" "$T/forged" --interface 127.0.0.3 -H 'X-Forwarded-For: 203.0.113.9' >/dev/null
check "an untrusted peer's X-Forwarded-For is not believed" \
	wait_for 10 grep -q "^archive-handler\[[0-9]*\]: 127.0.0.3 \"GET $URL " "$T/server.log"
check "... and 203.0.113.9 appears nowhere in the log" bash -c "! grep -q 203.0.113.9 '$T/server.log'"
finish
