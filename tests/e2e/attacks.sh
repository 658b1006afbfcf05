#!/bin/bash
# Attack requests, sent raw through the real handler: header injection
# through the hash, NUL and control bytes, bare LF, obs-fold, request
# smuggling, oversized heads, odd versions, absolute-form with another host,
# pipelining. Each gets its documented status, exactly one response (the
# handler closes after it), only known header lines, nothing from outside
# the album and no ZIP bytes unless it is the good album; each is logged
# with its status. (errors.sh has the plain status table and the limits at
# limit-1/limit/limit+1; traversal.sh the traversal list.)
. "$top_srcdir/tests/lib/lib.sh"
need curl python3 unzip bsdtar

SECRET=secret-$RANDOM$RANDOM
S=$T/store
mkdir -p "$S/good/sub"
echo "$SECRET" >"$T/secret.txt"			# next to the storage folder
echo "$SECRET" >"$S/secret.txt"			# next to the albums
printf 'photo one\n' >"$S/good/1.jpg"
printf 'photo two\n' >"$S/good/sub/2.jpg"
ln -s "$T/secret.txt" "$S/good/link.jpg"	# a symlink out of the album
ln -s "$T" "$S/evil"				# an album that is a symlink
start_server -- -p "$S"

s=$(get /archive/good/ "$T/ref")
check "the good album is 200" test "$s" = 200
check "the good album is a valid ZIP" valid_zip "$T/ref.body"
check "the good album holds 1.jpg sub/ sub/2.jpg only" \
	test "$(zip_names "$T/ref.body" | tr '\n' ' ')" = "1.jpg sub/ sub/2.jpg "

# A listener that records every connection: an absolute-form target naming
# it must be served from our storage, never fetched.
python3 - "$T/trap.hits" >"$T/trap.port" <<'PY' &
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
print(s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    with open(sys.argv[1], "a") as f:
        f.write("connection\n")
    c.close()
PY
TRAP_PID=$!
at_exit 'kill $TRAP_PID 2>/dev/null; wait $TRAP_PID 2>/dev/null'
wait_for 10 test -s "$T/trap.port" || { echo "the trap listener did not start" >&2; exit 99; }
TRAP=127.0.0.1:$(cat "$T/trap.port")
: >"$T/trap.hits"

# Header names the handler ever sends; anything else is injected.
KNOWN='Date|Server|Content-Type|Content-Length|Connection|Allow|Content-Disposition|ETag'
KNOWN='^('$KNOWN'|Last-Modified|Accept-Ranges|Content-Range): [ -~]*'$'\r''$'
CD="attachment; filename=\"good.zip\"; filename*=UTF-8''good.zip"$'\r'
REQLINE='^archive-handler\[[0-9]+\]: 127\.0\.0\.1 "[^"]*" [0-9]{3} '
REFLEN=$(stat -c %s "$T/ref.body")
# the download above must be in the log before request 1 is sent
wait_for 10 grep -qE "$REQLINE" "$T/server.log" || { echo "download not logged" >&2; exit 99; }

n=0
WANTS=()
WHATS=()
# attack WANT DESCRIPTION [FORMAT [ARG...]]
# Queues printf FORMAT ARG... (or stdin, without FORMAT) as request n. WANT
# is a status, or several separated by "|"; 200 means the good album, byte
# for byte, and "HEAD" a 200 without a body. send_all sends them, verdict
# checks the answers.
attack() {
	n=$((n + 1))
	WANTS[n]=$1
	WHATS[n]=$2
	shift 2
	if [ $# -gt 0 ]; then
		# shellcheck disable=SC2059 # the request is the format
		printf -- "$@" >"$T/req.$n"
	else
		cat >"$T/req.$n"
	fi
}

# send_all: each request on its own connection, as raw does; read until the
# handler closes (15 s), then wait until its line is in the log (10 s)
# before the next one, so that request n and log line n belong together.
# One Python process for all: starting ninety is slow on a busy machine.
# Writes $T/resp.N and $T/results: "CLIENT-STATUS<TAB>LOG-LINE" per request
# (0 closed, 3 timeout, 4 reset, 5 refused; the line is empty if none came).
send_all() {
	python3 - "$PORT" "$T" "$n" <<'PY'
import re, socket, sys, time
port, d, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
reqline = re.compile(rb'archive-handler\[[0-9]+\]: 127\.0\.0\.1 "[^"]*" [0-9]{3} ')
def logged():
    with open(d + "/server.log", "rb") as f:
        data = f.read()
    data = data[:data.rfind(b"\n") + 1]	# complete lines only
    return [l for l in data.split(b"\n") if reqline.match(l)]
with open(d + "/results", "wb") as out:
    for i in range(1, n + 1):
        base = len(logged())
        got, rc, s = bytearray(), 0, None
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=15)
            s.sendall(open("%s/req.%d" % (d, i), "rb").read())
            while True:
                b = s.recv(65536)
                if not b:
                    break
                got += b
        except socket.timeout:
            rc = 3
        except (ConnectionResetError, BrokenPipeError):
            rc = 4
        except ConnectionRefusedError:
            rc = 5
        finally:
            if s is not None:
                s.close()
        open("%s/resp.%d" % (d, i), "wb").write(got)
        line, deadline = b"", time.monotonic() + 10
        while time.monotonic() < deadline:
            lines = logged()
            if len(lines) > base:
                line = lines[base]
                break
            time.sleep(0.005)
        out.write(b"%d\t%s\n" % (rc, line))
PY
}

# verdict N CLIENT-STATUS LOG-LINE: check the answer to request N
verdict() {
	local i=$1 rc=$2 logline=$3 want=${WANTS[$1]} what=${WHATS[$1]} r=$T/resp.$1
	local got l j resp=() bad=() hlen=0 nstatus=0 secret=0 pk=0 conn='' cd='' clen=''
	[ "$rc" -eq 0 ] || bad+=("the connection was not closed (client status $rc)")
	mapfile -t resp <"$r" 2>/dev/null	# (a ZIP's NUL bytes are dropped)
	# the head: the status line, known fields only, up to the empty line
	l=${resp[0]:-}
	got=${l#HTTP/1.1 }
	got=${got%% *}
	hlen=$((${#l} + 1))
	for ((j = 1; j < ${#resp[@]}; j++)); do
		l=${resp[j]}
		hlen=$((hlen + ${#l} + 1))
		[ "$l" = $'\r' ] && break
		[[ $l =~ $KNOWN ]] || bad+=("unknown header line: $(printf '%q' "$l")")
		case $l in
		Connection:*) conn=${l#*: } ;;
		Content-Disposition:*) cd=${l#*: } ;;
		Content-Length:*) clen=${l#*: } ;;
		esac
	done
	case "|${want/HEAD/200}|" in
	*"|$got|"*) ;;
	*) bad+=("status '$got', want $want") ;;
	esac
	[ "$conn" = $'close\r' ] || bad+=("no Connection: close")
	[ -z "$cd" ] || [ "$cd" = "$CD" ] || bad+=("Content-Disposition: $cd")
	# the whole response: status lines, the secret, ZIP signatures
	for l in "${resp[@]}"; do
		[[ $l == HTTP/1.[01]\ [0-9][0-9][0-9]\ * ]] && nstatus=$((nstatus + 1))
		[[ $l == *"$SECRET"* ]] && secret=1
		[[ $l == *PK* ]] && pk=1
	done
	[ "$nstatus" -eq 1 ] || bad+=("$nstatus status lines, want exactly one")
	[ "$secret" -eq 0 ] || bad+=("the secret was sent")
	if [ "$want" = 200 ] && [ "$got" = 200 ]; then
		cmp -s -i "$hlen:0" "$r" "$T/ref.body" || bad+=("the body is not the good album")
		[ "$clen" = "$REFLEN"$'\r' ] || bad+=("Content-Length is not the good album's")
	elif [ "$want" = HEAD ]; then
		[ $((j + 1)) -eq ${#resp[@]} ] || bad+=("HEAD got a body")
		[ "$pk" -eq 0 ] || bad+=("ZIP bytes after HEAD")
	elif [ "$pk" -ne 0 ]; then
		bad+=("ZIP bytes in a $got response")
	fi
	case $logline in
	"") bad+=("no log line") ;;
	*"\" $got "*) ;;
	*) bad+=("logged as: $logline") ;;
	esac
	if [ ${#bad[@]} -eq 0 ]; then
		pass "$what: $got, one response, closed, logged, nothing leaked"
	else
		for l in "${bad[@]}"; do fail "$what: $l"; done
	fi
}
GOOD='GET /archive/good/ HTTP/1.1\r\nHost: t\r\n\r\n'

# --- header injection through the hash into Content-Disposition ------------
attack '400|404' 'hash with %22%0d%0aSet-Cookie' \
	'GET /archive/a%%22%%0d%%0aSet-Cookie:%%20x=1/ HTTP/1.1\r\nHost: t\r\n\r\n'
attack '400|404' 'hash with %0aX: y' 'GET /archive/a%%0aX:%%20y/ HTTP/1.1\r\nHost: t\r\n\r\n'
attack '400|404' 'hash with a raw quote' 'GET /archive/a"b/ HTTP/1.1\r\nHost: t\r\n\r\n'
attack '400|404' 'good hash followed by %22%0d%0aSet-Cookie' \
	'GET /archive/good%%22%%0d%%0aSet-Cookie:%%20x=1/ HTTP/1.1\r\nHost: t\r\n\r\n'
attack '400|404' 'response splitting with %0d%0a%0d%0a' \
	'GET /archive/good%%0d%%0a%%0d%%0a%%3chtml%%3e/ HTTP/1.1\r\nHost: t\r\n\r\n'
attack '400|404' 'second filename through %22' \
	'GET /archive/good%%22;filename=%%22evil.exe/ HTTP/1.1\r\nHost: t\r\n\r\n'
attack '400|404' 'overlong UTF-8 LF (%c0%8a)' \
	'GET /archive/good%%c0%%8a/ HTTP/1.1\r\nHost: t\r\n\r\n'
attack 400 'raw CRLF in the target' \
	'GET /archive/good\r\nSet-Cookie: x=1/ HTTP/1.1\r\nHost: t\r\n\r\n'
attack 200 'injection in the query (ignored: the good album)' \
	'GET /archive/good/?%%0d%%0aSet-Cookie:%%20x=1 HTTP/1.1\r\nHost: t\r\n\r\n'
attack 200 'request fields are not reflected' \
	'GET /archive/good/ HTTP/1.1\r\nHost: t\r\nX-Forwarded-For: 1.2.3.4\r\nCookie: a\r\n\r\n'
attack '400|404' 'a quote in the target (log line forgery)' \
	'GET /archive/x"%%20200%%200/0%%20completed HTTP/1.1\r\nHost: t\r\n\r\n'

# --- NUL and control bytes ---------------------------------------------------
attack 400 'NUL in the method' 'G\0ET /archive/good/ HTTP/1.1\r\nHost: t\r\n\r\n'
attack 400 'NUL at the end of the target' 'GET /archive/good/\0 HTTP/1.1\r\nHost: t\r\n\r\n'
attack 400 'NUL then traversal' 'GET /archive/\0../../secret.txt HTTP/1.1\r\nHost: t\r\n\r\n'
attack 400 '0x01 in the target' 'GET /archive/\x01good/ HTTP/1.1\r\nHost: t\r\n\r\n'
attack 400 'DEL in the target' 'GET /archive/good\x7f/ HTTP/1.1\r\nHost: t\r\n\r\n'
attack 400 '0xff in the target' 'GET /archive/good\xff/ HTTP/1.1\r\nHost: t\r\n\r\n'
attack 400 'NUL after the version' 'GET /archive/good/ HTTP/1.1\0\r\nHost: t\r\n\r\n'
attack 400 'NUL in a field name' 'GET /archive/good/ HTTP/1.1\r\nHo\0st: t\r\n\r\n'
attack 400 '0x01 in a field name' 'GET /archive/good/ HTTP/1.1\r\nHost: t\r\nX-\x01: v\r\n\r\n'
attack 400 'NUL in the Host value' 'GET /archive/good/ HTTP/1.1\r\nHost: t\0evil\r\n\r\n'
attack 400 'ESC in a value' 'GET /archive/good/ HTTP/1.1\r\nHost: t\r\nX-A: \x1b[2J\r\n\r\n'
attack 400 'vertical tab in a value' 'GET /archive/good/ HTTP/1.1\r\nHost: t\r\nX-A: a\x0bb\r\n\r\n'
attack 400 'DEL in a value' 'GET /archive/good/ HTTP/1.1\r\nHost: t\r\nX-A: a\x7fb\r\n\r\n'
attack 400 'bare CR in a value' 'GET /archive/good/ HTTP/1.1\r\nHost: t\r\nX-A: a\rb\r\n\r\n'

# --- bare LF line endings ----------------------------------------------------
attack 400 'bare LF after the request line' 'GET /archive/good/ HTTP/1.1\nHost: t\r\n\r\n'
attack 400 'bare LF after a field' 'GET /archive/good/ HTTP/1.1\r\nHost: t\n\r\n'
attack 400 'bare LF as the empty line' 'GET /archive/good/ HTTP/1.1\r\nHost: t\r\n\n'
attack 400 'HTTP/1.0 with bare LFs only' 'GET /archive/good/ HTTP/1.0\n\n'
attack 400 'bare CR after the request line' 'GET /archive/good/ HTTP/1.1\rHost: t\r\n\r\n'

# --- obs-fold ------------------------------------------------------------------
attack 400 'obs-fold with a tab' 'GET /archive/good/ HTTP/1.1\r\nHost: t\r\nX-A: a\r\n\tb\r\n\r\n'
attack 400 'first field folded' 'GET /archive/good/ HTTP/1.1\r\n Host: t\r\n\r\n'
attack 400 'Transfer-Encoding hidden in a fold' \
	'GET /archive/good/ HTTP/1.1\r\nHost: t\r\nX-A: a\r\n Transfer-Encoding: chunked\r\n\r\n'

# --- request smuggling -----------------------------------------------------------
SMUGGLED='GET /archive/good/ HTTP/1.1\r\nHost: t\r\n\r\n'
X='GET /x HTTP/1.1\r\nHost: t\r\n'
attack 400 'two equal Content-Length' "${X}Content-Length: 5\r\nContent-Length: 5\r\n\r\nabcde"
attack 400 'conflicting Content-Length' \
	"${X}Content-Length: 0\r\ncontent-length: 40\r\n\r\n$SMUGGLED"
attack 400 'Content-Length list' "${X}Content-Length: 5, 5\r\n\r\nabcde"
attack 400 'Content-Length with Transfer-Encoding' \
	"${X}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n$SMUGGLED"
attack 400 'Transfer-Encoding with Content-Length' \
	"${X}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n$SMUGGLED"
attack 400 'Transfer-Encoding: chunked alone, a request in the body' \
	"${X}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n$SMUGGLED"
attack 400 '"Transfer-Encoding : chunked" (space before the colon)' \
	"${X}Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n$SMUGGLED"
attack 400 'lower-case Transfer-Encoding' "${X}transfer-encoding: CHUNKED\r\n\r\n0\r\n\r\n"
attack 400 'Transfer-Encoding list' "${X}Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n"
attack 400 'Transfer-Encoding in HTTP/1.0' \
	'GET /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
attack 400 'Content-Length: +5' "${X}Content-Length: +5\r\n\r\nabcde"
attack 400 'Content-Length: 0x5' "${X}Content-Length: 0x5\r\n\r\nabcde"
attack 400 'Content-Length: -0' "${X}Content-Length: -0\r\n\r\n"
attack 400 'Content-Length: 1e3' "${X}Content-Length: 1e3\r\n\r\n"
attack 400 'Content-Length that overflows 64 bits' \
	"${X}Content-Length: 99999999999999999999\r\n\r\n"
attack 413 'Content-Length > 0 alone, a request in the body' \
	"${X}Content-Length: 40\r\n\r\n$SMUGGLED"
attack 413 'Expect: 100-continue gets no 100' \
	"${X}Content-Length: 10\r\nExpect: 100-continue\r\n\r\n"
attack 200 'Content-Length: 0 (the good album)' \
	'GET /archive/good/ HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n'

# --- oversized heads ---------------------------------------------------------------
# fields N TARGET: a request with N fields (Host included)
fields() {
	local i
	printf 'GET %s HTTP/1.1\r\nHost: t\r\n' "$2"
	for ((i = 1; i < $1; i++)); do printf 'X-F%d: v\r\n' "$i"; done
	printf '\r\n'
}
fields 64 /archive/good/ | attack 200 '64 fields (the good album)'
fields 65 /archive/good/ | attack 431 '65 fields'
fields 5000 /archive/good/ | attack 431 '5000 fields'
a() { head -c "$1" /dev/zero | tr '\0' a; }	# a N: N times "a"
attack 431 'one field of 8 KiB' \
	'GET /archive/good/ HTTP/1.1\r\nHost: t\r\nX-Big: %s\r\n\r\n' "$(a 8192)"
attack 431 'a head of 64 KiB' \
	'GET /archive/good/ HTTP/1.1\r\nHost: t\r\nX-Big: %s\r\n\r\n' "$(a 65536)"
attack 431 'an unterminated head over 8 KiB' \
	'GET /archive/good/ HTTP/1.1\r\nHost: t\r\nX-Big: %s' "$(a 16384)"
# query TOTAL: /archive/good/?aaa... of exactly TOTAL bytes
query() { printf '/archive/good/?%s' "$(head -c $(($1 - 15)) /dev/zero | tr '\0' q)"; }
attack 200 'a target of 1024 bytes (the good album)' \
	'GET %s HTTP/1.1\r\nHost: t\r\n\r\n' "$(query 1024)"
attack 414 'a target of 1025 bytes' 'GET %s HTTP/1.1\r\nHost: t\r\n\r\n' "$(query 1025)"
attack 414 'a target of 100,000 bytes' 'GET %s HTTP/1.1\r\nHost: t\r\n\r\n' "$(query 100000)"

# --- versions (tests/unit/test_http.c: a version that does not parse as
# DIGIT "." DIGIT is malformed, 400; any other than 1.0 and 1.1 is 505) ----
attack 505 'HTTP/2.0' 'GET /archive/good/ HTTP/2.0\r\nHost: t\r\n\r\n'
attack 505 'the HTTP/2 connection preface' 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'
attack 505 'HTTP/0.9 named' 'GET /archive/good/ HTTP/0.9\r\n\r\n'
attack 505 'HTTP/9.9' 'GET /archive/good/ HTTP/9.9\r\nHost: t\r\n\r\n'
attack 400 'HTTP/0.9 style, no version' 'GET /archive/good/\r\n\r\n'
attack 400 'HTTP/0.9 style, one line' 'GET /archive/good/\r\n'
attack 400 'HTTP/1.10' 'GET /archive/good/ HTTP/1.10\r\nHost: t\r\n\r\n'
attack 400 'HTTP/11' 'GET /archive/good/ HTTP/11\r\nHost: t\r\n\r\n'
attack 400 'HTTP/2 (no minor)' 'GET /archive/good/ HTTP/2\r\nHost: t\r\n\r\n'
attack 400 'lower-case http/1.1' 'GET /archive/good/ http/1.1\r\nHost: t\r\n\r\n'
attack 400 'a space after the version' 'GET /archive/good/ HTTP/1.1 \r\nHost: t\r\n\r\n'

# --- absolute-form: served from our storage only, never fetched ----------------
attack 200 'absolute-form with another host' \
	'GET http://evil.example/archive/good/ HTTP/1.1\r\nHost: evil.example\r\n\r\n'
attack 200 'absolute-form naming a listening host' \
	'GET http://%s/archive/good/ HTTP/1.1\r\nHost: %s\r\n\r\n' "$TRAP" "$TRAP"
attack 200 'absolute-form https' 'GET https://%s/archive/good/ HTTP/1.1\r\nHost: t\r\n\r\n' "$TRAP"
attack 200 'absolute-form with userinfo' \
	'GET http://evil.example@%s/archive/good/ HTTP/1.1\r\nHost: t\r\n\r\n' "$TRAP"
attack 404 'absolute-form with traversal' \
	'GET http://evil.example/archive/../secret.txt HTTP/1.1\r\nHost: t\r\n\r\n'
attack 404 'absolute-form to a symlinked album' \
	'GET http://evil.example/archive/evil/ HTTP/1.1\r\nHost: t\r\n\r\n'
attack 400 'absolute-form without a host' 'GET http:///archive/good/ HTTP/1.1\r\nHost: t\r\n\r\n'
attack 400 'ftp: target' 'GET ftp://evil.example/archive/good/ HTTP/1.1\r\nHost: t\r\n\r\n'
attack 400 'file: target' 'GET file:///etc/passwd HTTP/1.1\r\nHost: t\r\n\r\n'
attack 400 'CONNECT (authority-form)' \
	'CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n'

# --- one request per connection: a pipelined request is never answered --------
attack 404 'pipelined after a 404' "GET /nope HTTP/1.1\r\nHost: t\r\n\r\n$GOOD"
attack 404 'pipelined after a 404 with keep-alive' \
	"GET /nope HTTP/1.1\r\nHost: t\r\nConnection: keep-alive\r\n\r\n$GOOD"
attack 200 'pipelined after the good album' "$GOOD$GOOD"
attack HEAD 'pipelined after HEAD' "HEAD /archive/good/ HTTP/1.1\r\nHost: t\r\n\r\n$GOOD"
attack 404 'pipelined HTTP/1.0' "GET /nope HTTP/1.0\r\n\r\nGET /archive/good/ HTTP/1.0\r\n\r\n"
printf 'GET /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n' >"$T/pipe.req"
for ((i = 0; i < 20; i++)); do printf "$GOOD" >>"$T/pipe.req"; done
attack 400 'twenty requests after a refused one' <"$T/pipe.req"

send_all
i=0
while IFS=$'\t' read -r rc line; do
	i=$((i + 1))
	verdict "$i" "$rc" "$line"
done <"$T/results"
check "every request was sent ($i of $n)" test "$i" -eq "$n"
check "no connection reached the host named in absolute-form" test ! -s "$T/trap.hits"

stop_server
check "one log line per request ($((n + 1)))" \
	test "$(grep -cE "$REQLINE" "$T/server.log")" -eq $((n + 1))
check "every handler line in the log is a request line (no forged or split line)" \
	test -z "$(grep -a '^archive-handler\[' "$T/server.log" | grep -avE "$REQLINE")"
check "every 4xx is logged as refused" test -z \
	"$(grep -E "$REQLINE" "$T/server.log" | grep -E '" 4[0-9][0-9] ' | grep -v ' refused ')"
finish
