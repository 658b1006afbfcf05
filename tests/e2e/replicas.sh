#!/bin/bash
# Several hosts behind nginx: two handler "hosts" on 127.0.0.2 and
# 127.0.0.3, each its own socket activation (systemd-socket-activate, as
# Accept=yes) and its own storage folder, Debian's nginx in front with an
# upstream block (round-robin) and the shipped units/nginx-archive.conf.
# Three runs: both hosts on the same folder, then on cp -a copies, with
# --etag portable; then copies with the default (strict) validators, where
# the problem --etag portable solves must show. In each portable run:
# downloads through nginx byte-identical to a direct one, a download cut
# after 4 MB and resumed on the other host (curl -C -, and If-Range as a
# browser sends it), and nginx proxy_cache + "slice 1m", which fetches the
# slices from both hosts, gives the right archive and logs no slice error.
# About 15 s here.
. "$top_srcdir/tests/lib/lib.sh"
need nginx curl python3 unzip bsdtar

# --- an album of 18 MB of random data, fixed mtimes; and a copy -------------
A=$T/host2-photos B=$T/host3-photos
mkdir -p "$A/rep/sub"
for i in 1 2 3 4 5; do head -c 3000000 /dev/urandom >"$A/rep/0$i.jpg"; done
head -c 1500000 /dev/urandom >"$A/rep/sub/06.jpg"
head -c 1500000 /dev/urandom >"$A/rep/sub/07.jpg"
find "$A/rep" -depth -exec touch -d '2025-06-01 12:00:00.123456789 UTC' {} +
touch -d '2025-06-02 08:30:00.5 UTC' "$A/rep/03.jpg"
sleep 0.01	# so the copy's ctimes differ from the originals' for sure
cp -a "$A" "$B"
URL=/archive/rep/
CUT=4000000

# --- the hosts ------------------------------------------------------------------
SAN_ENV=()
for v in ASAN_OPTIONS UBSAN_OPTIONS; do [ -n "${!v:-}" ] && SAN_ENV+=(-E "$v=${!v}"); done
port_on() { python3 -c 'import socket, sys
s = socket.socket(); s.bind((sys.argv[1], 0)); print(s.getsockname()[1])' "$1"; }
declare -A HPID HPORT
# start_host NAME ADDR HANDLER-ARGS...: log in $T/NAME.log
start_host() {
	local name=$1 addr=$2 try; shift 2
	for try in 1 2 3 4 5; do
		HPORT[$name]=$(port_on "$addr")
		: >"$T/$name.log"
		"$SSA" -l "$addr:${HPORT[$name]}" -a --inetd "${SAN_ENV[@]}" "$HANDLER" "$@" \
			2>>"$T/$name.log" </dev/null &
		HPID[$name]=$!
		wait_for 10 grep -q "Listening on" "$T/$name.log" && return 0
		kill "${HPID[$name]}" 2>/dev/null; wait "${HPID[$name]}" 2>/dev/null
	done
	echo "could not start host $name on $addr" >&2
	exit 99
}
stop_host() {
	local pid p=${HPID[$1]:-}
	[ -n "$p" ] || return 0
	for pid in $(children "$p"); do kill -9 "$pid" 2>/dev/null; done
	kill "$p" 2>/dev/null; wait "$p" 2>/dev/null
	HPID[$1]=
}
at_exit 'stop_host h2; stop_host h3'

# --- nginx: the shipped snippet with an upstream, and a slice cache --------------
chmod 755 "$T"
NGINX_PID=
start_nginx() { # start_nginx RUN: fresh configuration, logs and cache
	local run=$1
	NP=$(free_port) NC=$(free_port)
	mkdir -p "$T/$run/tmp" "$T/$run/cache"
	sed "s|proxy_pass http://127.0.0.1:8080;|proxy_pass http://archive_hosts;|" \
		"$top_srcdir/units/nginx-archive.conf" >"$T/$run/archive.conf"
	grep -q 'proxy_pass http://archive_hosts;' "$T/$run/archive.conf" || {
		echo "the snippet's proxy_pass line changed: update this test" >&2; exit 99; }
	cat >"$T/$run/nginx.conf" <<CONF
worker_processes 1;
error_log $T/$run/error.log;
pid $T/$run/nginx.pid;
events { worker_connections 64; }
http {
	access_log $T/$run/access.log;
	client_body_temp_path $T/$run/tmp/body;
	proxy_temp_path $T/$run/tmp/proxy;
	fastcgi_temp_path $T/$run/tmp/fastcgi;
	uwsgi_temp_path $T/$run/tmp/uwsgi;
	scgi_temp_path $T/$run/tmp/scgi;
	proxy_cache_path $T/$run/cache levels=1:2 keys_zone=archives:1m max_size=200m;
	# round-robin, the default
	upstream archive_hosts {
		server 127.0.0.2:${HPORT[h2]};
		server 127.0.0.3:${HPORT[h3]};
	}
	server {
		listen 127.0.0.1:$NP;
		include $T/$run/archive.conf;
	}
	# a caching front (or a CDN): 1 MiB slices, each cached on its own,
	# each fetched with its own Range request from whichever host is next
	server {
		listen 127.0.0.1:$NC;
		error_log $T/$run/slice-error.log;
		location /archive/ {
			slice 1m;
			proxy_cache archives;
			proxy_cache_key \$uri\$is_args\$args\$slice_range;
			proxy_set_header Range \$slice_range;
			proxy_cache_valid 200 206 1h;
			proxy_http_version 1.1;
			proxy_pass http://archive_hosts;
		}
	}
}
CONF
	nginx -e "$T/$run/error.log" -p "$T/$run" -c "$T/$run/nginx.conf" -g 'daemon off;' </dev/null &
	NGINX_PID=$!
	if ! wait_for 20 python3 -c 'import socket, sys
for p in sys.argv[1:]: socket.create_connection(("127.0.0.1", int(p)), timeout=1).close()' "$NP" "$NC" 2>/dev/null; then
		echo "nginx did not start:" >&2
		cat "$T/$run/error.log" >&2
		exit 99
	fi
}
stop_nginx() {
	[ -n "$NGINX_PID" ] || return 0
	kill "$NGINX_PID" 2>/dev/null; wait "$NGINX_PID" 2>/dev/null
	NGINX_PID=
}
at_exit stop_nginx

fetch() { # fetch [ADDR:]PORT OUT-PREFIX [CURL-ARGS...]: prints the status code
	local to=$1 out=$2; shift 2
	case $to in *:*) ;; *) to=127.0.0.1:$to ;; esac
	curl -sS --max-time 60 -D "$out.head" -o "$out.body" -w '%{http_code}' "$@" \
		"http://$to$URL"
}
lines() { wc -l <"$T/$1.log"; }
# served_by LINES-H2 LINES-H3 PATTERN: which host logged PATTERN after those line counts
served_by() {
	local h n
	for h in h2 h3; do
		if [ "$h" = h2 ]; then n=$1; else n=$2; fi
		tail -n +"$(($n + 1))" "$T/$h.log" | grep -Eq "$3" && echo "$h"
	done | tr '\n' ' ' | sed 's/ $//'
}
other() { if [ "$1" = h2 ]; then echo h3; else echo h2; fi; }

# --- one run ------------------------------------------------------------------
# run NAME FOLDER-H3 ETAG-MODE: host h2 serves $A, host h3 FOLDER-H3
run() {
	local name=$1 folder3=$2 mode=$3 code n2 n3 cut by d same f
	echo "# --- $name: h3 serves $folder3, --etag $mode"
	start_host h2 127.0.0.2 -p "$A" --etag "$mode" --trusted-proxy 127.0.0.1
	start_host h3 127.0.0.3 -p "$folder3" --etag "$mode" --trusted-proxy 127.0.0.1
	start_nginx "$name"
	d=$T/$name

	# the same archive and validators straight from each host
	code=$(fetch "127.0.0.2:${HPORT[h2]}" "$d/h2")
	check "$name: direct from 127.0.0.2: 200 (got $code)" test "$code" = 200
	check "$name: ... a valid ZIP" valid_zip "$d/h2.body"
	N=$(stat -c %s "$d/h2.body")
	code=$(fetch "127.0.0.3:${HPORT[h3]}" "$d/h3")
	check "$name: direct from 127.0.0.3: the same bytes" cmp -s "$d/h2.body" "$d/h3.body"
	if [ "$mode" = portable ]; then same="ETag Last-Modified Content-Length"; else same=Content-Length; fi
	for f in $same; do
		check "$name: both hosts send the same $f ($(header "$d/h2.head" $f))" \
			test "$(header "$d/h2.head" $f)" = "$(header "$d/h3.head" $f)"
	done
	[ "$mode" = strict ] && check "$name: the hosts' ETags differ (other inodes and ctimes)" \
		test "$(header "$d/h2.head" ETag)" != "$(header "$d/h3.head" ETag)"

	# through nginx, round-robin: two downloads, one from each host
	n2=$(lines h2) n3=$(lines h3)
	fetch "$NP" "$d/p1" >/dev/null
	fetch "$NP" "$d/p2" >/dev/null
	check "$name: through nginx, 1st download identical to the direct one" cmp -s "$d/p1.body" "$d/h2.body"
	check "$name: through nginx, 2nd download identical to the direct one" cmp -s "$d/p2.body" "$d/h2.body"
	by=$(served_by "$n2" "$n3" "\" 200 $N/$N completed hash=rep ")
	check "$name: the two downloads came from both hosts ($by)" test "$by" = "h2 h3"

	# cut after 4 MB, resumed with curl -C - (no If-Range) on the other host
	n2=$(lines h2) n3=$(lines h3)
	curl -sS --max-time 60 -D "$d/cut.head" "http://127.0.0.1:$NP$URL" 2>/dev/null |
		head -c $CUT >"$d/resumed.zip"
	wait_for 10 test -n "$(served_by "$n2" "$n3" 'download interrupted hash=rep')"
	cut=$(served_by "$n2" "$n3" 'download interrupted hash=rep')
	check "$name: the cut download was interrupted on one host (${cut:-none}), $(stat -c %s "$d/resumed.zip") bytes kept" \
		test -n "$cut" -a "$(stat -c %s "$d/resumed.zip")" = $CUT
	n2=$(lines h2) n3=$(lines h3)
	code=$(curl -sS --max-time 60 -C - -o "$d/resumed.zip" -w '%{http_code}' "http://127.0.0.1:$NP$URL")
	by=$(served_by "$n2" "$n3" "\" 206 .* range=$CUT-$((N - 1))/$N")
	check "$name: curl -C - resumed: 206 (got $code) from the other host (${by:-none}, cut on ${cut:-none})" \
		test "$code" = 206 -a -n "$cut" -a "$by" = "$(other "$cut")"
	check "$name: ... and the file is identical to a full download" cmp -s "$d/resumed.zip" "$d/h2.body"

	# the same with If-Range and the ETag of the cut response, as browsers do
	n2=$(lines h2) n3=$(lines h3)
	curl -sS --max-time 60 -D "$d/cut2.head" "http://127.0.0.1:$NP$URL" 2>/dev/null |
		head -c $CUT >"$d/browser.part"
	wait_for 10 test -n "$(served_by "$n2" "$n3" 'download interrupted hash=rep')"
	cut=$(served_by "$n2" "$n3" 'download interrupted hash=rep')
	n2=$(lines h2) n3=$(lines h3)
	code=$(fetch "$NP" "$d/ir" -H "Range: bytes=$CUT-" -H "If-Range: $(header "$d/cut2.head" ETag)")
	by=$(served_by "$n2" "$n3" "\" 20[06] ")
	cat "$d/browser.part" "$d/ir.body" >"$d/browser.zip"
	if [ "$mode" = portable ]; then
		check "$name: If-Range resume: 206 (got $code) from the other host (${by:-none}, cut on ${cut:-none})" \
			test "$code" = 206 -a -n "$cut" -a "$by" = "$(other "$cut")"
		check "$name: ... part + rest identical to a full download" cmp -s "$d/browser.zip" "$d/h2.body"
	else
		check "$name: If-Range resume on the other host (${by:-none}): its ETag differs, so 200, the whole archive (got $code)" \
			test "$code" = 200 -a -n "$cut" -a "$by" = "$(other "$cut")"
		check "$name: ... which is the full archive (correct, but a restart)" cmp -s "$d/ir.body" "$d/h2.body"
	fi

	# proxy_cache + slice 1m: the slices come from both hosts
	n2=$(lines h2) n3=$(lines h3)
	code=$(fetch "$NC" "$d/s1")
	by=$(served_by "$n2" "$n3" '" 206 1048576/1048576 completed hash=rep range=')
	if [ "$mode" = portable ]; then
		check "$name: slice cache: 200 (got $code), identical to a direct download" \
			test "$code" = 200 -a "$(cmp -s "$d/s1.body" "$d/h2.body" && echo same)" = same
		check "$name: slice cache: the slices were fetched from both hosts ($by)" test "$by" = "h2 h3"
		check "$name: slice cache: nginx logged no error ($(head -c 300 "$d/slice-error.log"))" \
			test ! -s "$d/slice-error.log"
		code=$(fetch "$NC" "$d/s2")
		check "$name: slice cache: a second download (from the cache) identical" \
			cmp -s "$d/s2.body" "$d/h2.body"
		code=$(fetch "$NC" "$d/s3" -r 5000000-7999999)
		head -c 8000000 "$d/h2.body" | tail -c 3000000 >"$d/expect"
		check "$name: slice cache: a range across slices (206, got $code) has the right bytes" \
			test "$code" = 206 -a "$(cmp -s "$d/s3.body" "$d/expect" && echo same)" = same
		check "$name: slice cache: still no error logged" test ! -s "$d/slice-error.log"
	else
		check "$name: slice cache: nginx refuses the mix of hosts (etag mismatch in slice response)" \
			wait_for 5 grep -q 'etag mismatch in slice response' "$d/slice-error.log"
		check "$name: slice cache: the client did not get the archive ($(stat -c %s "$d/s1.body") of $N bytes)" \
			bash -c "! cmp -s '$d/s1.body' '$d/h2.body'"
	fi
	check "$name: no error logged by the hosts" \
		bash -c "! grep -hE '\" 5[0-9][0-9] |error' '$T/h2.log' '$T/h3.log'"
	stop_nginx
	stop_host h2
	stop_host h3
}

run shared "$A" portable
run copies "$B" portable
ETAG_PORTABLE=$(header "$T/copies/h2.head" ETag)
run strict-copies "$B" strict
check "strict and portable ETags differ ($ETAG_PORTABLE)" \
	test "$(header "$T/strict-copies/h2.head" ETag)" != "$ETAG_PORTABLE"
finish
