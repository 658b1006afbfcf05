#!/bin/bash
# Load under a real systemd: systemd 252 as PID 1 of a private PID, mount
# and network namespace (tests/lib/systemd-ns.sh, the recipe of
# tests/e2e/systemd.sh), the shipped units as "make install" puts them,
# plus the test's drop-in with DefaultDependencies=no.
#
#   - 200 concurrent downloads of a sample album: systemd must hold all 200
#     connections at once (each client sends its request head but the last
#     empty line, and ends it only when NConnections says 200), and every
#     body must have exactly Content-Length bytes, the same bytes as a
#     reference download that passes unzip -t;
#   - 8 concurrent downloads of a 1 GiB album (64 random files of 16 MiB,
#     made inside the namespace): exact sizes, all byte-identical (SHA-256
#     while streaming; only the first is stored), the first passes unzip -t
#     and equals the ZIP the binary makes from the same folder;
#   - a flood of 2,000 connections in under 2 s (measured) from 8 loopback
#     addresses: the socket keeps listening (Result=success);
#   - afterwards no archive@ instance is left, NConnections is 0, every
#     instance systemd started ended successfully (its journal, with the
#     rate limit off so nothing is dropped) and wrote its access-log entry,
#     and systemd's own file descriptors are back to the count before.
# Timings and counts are printed as "# " lines.
. "$top_srcdir/tests/lib/lib.sh"
need_root
need unshare nsenter ip systemctl journalctl curl python3 unzip

N_SMALL=200		# concurrent downloads of the sample album
N_GIG=8			# concurrent downloads of the 1 GiB album
N_FLOOD=2000		# connections in the flood
FLOOD_SECS=2		# ... sent within this many seconds
FLOOD_SOURCES=8		# from 127.0.0.1 ... 127.0.0.8: past MaxConnectionsPerSource=
FD_SLACK=4		# systemd's fds may differ by this much after the load
# 22 + 64 * (16 MiB + 2 * strlen("00.jpg") + 124): the size formula (README)
GIG_LEN=1073750550

. "$top_srcdir/tests/lib/ns-lib.sh"
COMPLETED=5b3bba1e0c5d4f2c9f6bfa2f0c0d4a71
URL1=/archive/$SAMPLE1/

# Run inside the namespace before systemd starts (systemd-ns.sh SETUP): the
# 1 GiB album, and no journald rate limit, so that the journal checks below
# see every line systemd and the handlers wrote.
cat >"$T/setup.sh" <<'EOF'
set -eu
mkdir /srv/photos/gig
for i in $(seq -w 0 63); do
	head -c 16777216 /dev/urandom >/srv/photos/gig/$i.jpg
done
mkdir -p /run/systemd/journald.conf.d
printf '[Journal]\nRateLimitIntervalSec=0\nRateLimitBurst=0\n' >/run/systemd/journald.conf.d/load.conf
# The held clients end their request heads only when systemd holds all of
# them, 2-3 s on a quiet machine, more when other tests load it: give the
# first instances a request deadline of 60 s instead of 10, so that a slow
# machine cannot turn the wait into 408s.
mkdir -p /run/systemd/system/archive@.service.d
printf '[Service]\nExecStart=\nExecStart=/usr/local/bin/archive-handler --path=/srv/photos --request-timeout=60\n' \
	>/run/systemd/system/archive@.service.d/load.conf
EOF

# The client (Python stdlib only), run in the namespace's network.
cat >"$T/client.py" <<'EOF'
"""get: COUNT concurrent GETs of PATH, one thread each. Each connects and
sends its request head without the final empty line; when all are connected
the client writes READY and waits (at most --hold s) for the file GO, then
every thread ends its head and reads the response, hashing the body as it
arrives (only download 0 is stored, with --keep). One line per download:
  INDEX STATUS CONTENT_LENGTH BYTES SHA256 SECONDS ERROR
then "# COUNT downloads in S seconds" (from GO to the last byte).
flood: COUNT connections as fast as possible from --sources addresses
127.0.0.1, 127.0.0.2, ... in turn, each closed at once: one in four sends
nothing, HEAD /, GET PATH, or GET PATH and resets the connection. Prints
"N connections in S seconds".
hash: stdin is an HTTP response; print the body's length and SHA-256."""
import argparse, hashlib, os, socket, sys, threading, time

ap = argparse.ArgumentParser()
ap.add_argument("mode", choices=["get", "flood", "hash"])
ap.add_argument("--port", type=int, default=8080)
ap.add_argument("--path", default="/")
ap.add_argument("--count", type=int, default=1)
ap.add_argument("--ready")
ap.add_argument("--go")
ap.add_argument("--hold", type=float, default=30)
ap.add_argument("--keep")
ap.add_argument("--timeout", type=float, default=120)
ap.add_argument("--sources", type=int, default=1)
a = ap.parse_args()


def hash_stdin():
    f = sys.stdin.buffer
    head = b""
    while b"\r\n\r\n" not in head:
        d = f.read1(65536)
        if not d:
            break
        head += d
    _, _, body = head.partition(b"\r\n\r\n")
    h = hashlib.sha256(body)
    n = len(body)
    while d := f.read1(1 << 20):
        h.update(d)
        n += len(d)
    print(n, h.hexdigest())


def flood():
    t0 = time.monotonic()
    done = 0
    for i in range(a.count):
        s = socket.socket()
        try:
            s.settimeout(5)
            s.bind((f"127.0.0.{1 + i % a.sources}", 0))
            s.connect(("127.0.0.1", a.port))
            kind = i // a.sources % 4
            if kind == 1:
                s.sendall(b"HEAD / HTTP/1.0\r\n\r\n")
            elif kind >= 2:
                s.sendall(b"GET %s HTTP/1.0\r\n\r\n" % a.path.encode())
            if kind == 3:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
            done += 1
        except OSError:
            pass
        finally:
            s.close()
    print(f"{done} connections in {time.monotonic() - t0:.3f} seconds")


results = {}
connected = threading.Semaphore(0)
lock = threading.Lock()
n_connected = 0
go = threading.Event()


def download(i):
    global n_connected
    t0 = None
    status = cl = "-"
    n = 0
    h = hashlib.sha256()
    keep = open(a.keep, "wb") if a.keep and i == 0 else None
    s = socket.socket()
    err = "-"
    try:
        s.settimeout(a.timeout)
        try:
            s.connect(("127.0.0.1", a.port))
            s.sendall(b"GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n" % a.path.encode())
            with lock:
                n_connected += 1
        finally:
            connected.release()
        go.wait()
        t0 = time.monotonic()
        s.sendall(b"\r\n")
        head = b""
        while b"\r\n\r\n" not in head:
            d = s.recv(65536)
            if not d:
                raise EOFError("connection closed before the end of the response head")
            head += d
            if len(head) > 65536:
                raise ValueError("response head too long")
        head, d = head.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = lines[0].split(" ")[1]
        for line in lines[1:]:
            k, _, v = line.partition(":")
            if k.strip().lower() == "content-length":
                cl = v.strip()
        buf = bytearray(1 << 20)
        view = memoryview(buf)
        while True:
            n += len(d)
            h.update(d)
            if keep:
                keep.write(d)
            k = s.recv_into(buf)
            if k == 0:
                break
            d = view[:k]
    except Exception as e:  # reported, the test decides
        err = f"{type(e).__name__}:{e}".replace(" ", "_")
    finally:
        s.close()
        if keep:
            keep.close()
    secs = time.monotonic() - t0 if t0 else 0
    results[i] = f"{i} {status} {cl} {n} {h.hexdigest()} {secs:.3f} {err}"


def get():
    threads = [threading.Thread(target=download, args=(i,), daemon=True)
               for i in range(a.count)]
    for t in threads:
        t.start()
    for _ in threads:
        connected.acquire(timeout=a.timeout)
    with open(a.ready, "w") as f:
        f.write(f"{n_connected}\n")
    deadline = time.monotonic() + a.hold
    while not os.path.exists(a.go) and time.monotonic() < deadline:
        time.sleep(0.02)
    t0 = time.monotonic()
    go.set()
    for t in threads:
        t.join(max(1, a.timeout - (time.monotonic() - t0)))
    secs = time.monotonic() - t0
    for i in range(a.count):
        print(results.get(i, f"{i} - - 0 - 0 unfinished"))
    print(f"# {a.count} downloads in {secs:.3f} seconds")


{"get": get, "flood": flood, "hash": hash_stdin}[a.mode]()
EOF

start_ns "$T/setup.sh"
# A client runs in the namespace's network but is a process of the host.
CLIENT_PID=
at_exit '[ -n "$CLIENT_PID" ] && kill "$CLIENT_PID" 2>/dev/null; wait $CLIENT_PID 2>/dev/null'

t0=$SECONDS
# (make install and 1 GiB from /dev/urandom come first: a generous bound)
wait_ns 120
PIDNS=$(readlink "/proc/$SPID/ns/pid")
# The binary under test, as installed in the namespace (run from the host by
# path: a rebuild of the build tree meanwhile cannot change it).
INSTALLED=/proc/$SPID/root/usr/local/bin/archive-handler
pass "systemd runs as PID 1 of the test's namespace (host PID $SPID, $((SECONDS - t0)) s to set up)"

check "systemctl enable --now archive.socket" ns systemctl enable --now archive.socket
check "the socket is listening" test "$(ns systemctl is-active archive.socket)" = active
check "the test's drop-in sets a 60 s request deadline" \
	bash -c "timeout 60 nsenter -t $SPID -m -p systemctl cat archive@.service | grep -q -- '--request-timeout=60'"

prop() { ns systemctl show -P "$1" archive.socket; }
idle() { test "$(prop NConnections)" = 0; }
no_instances() { test -z "$(ns systemctl list-units --all --no-legend 'archive@*')"; }
nfds() { ls "/proc/$SPID/fd" | wc -l; }
rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$SPID/status"; }
cpu() { # CPU time of systemd (PID 1) so far, in seconds
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / hz }' "/proc/$SPID/stat"
}

# --- the reference: one download alone ------------------------------------
code=$(net curl -sS --max-time 30 -D "$T/ref.head" -o "$T/ref.zip" -w '%{http_code}' \
	"http://127.0.0.1:8080$URL1")
check "reference download: 200 (got $code)" test "$code" = 200
REF_LEN=$(header "$T/ref.head" Content-Length)
check "reference: Content-Length ($REF_LEN) equals the bytes received" \
	test "$REF_LEN" = "$(stat -c %s "$T/ref.zip")"
check "reference: unzip -t accepts it" unzip -tqq "$T/ref.zip"
printf 'GET %s HTTP/1.0\r\n\r\n' "$URL1" | "$INSTALLED" -p "$top_srcdir/photos" 2>/dev/null |
	python3 "$T/client.py" hash >"$T/piped.sum"
REF_SUM=$(sha256sum <"$T/ref.zip" | cut -d' ' -f1)
check "reference: byte-identical to the ZIP the binary makes from the source tree" \
	test "$(cat "$T/piped.sum")" = "$REF_LEN $REF_SUM"

check "idle before the load" wait_for 30 idle
check "no instance before the load" wait_for 30 no_instances
FDS_BEFORE=$(nfds) CPU_BEFORE=$(cpu) RSS_BEFORE=$(rss)
echo "# systemd (PID 1) before the load: $FDS_BEFORE open fds, $RSS_BEFORE kB resident"

# concurrent COUNT PATH NAME [--keep FILE]: COUNT downloads held until
# systemd holds every connection (NConnections = COUNT; 1-5 s for 200 here),
# then released at once. At most 50 s: the first instances wait for the
# end of their request head, which must come within the request deadline
# (60 s in this test's drop-in, see setup.sh above). Output in $T/NAME.out;
# sets HELD (the highest NConnections seen) and HELD_SECS.
concurrent() {
	local count=$1 path=$2 name=$3 n t
	shift 3
	rm -f "$T/$name.ready" "$T/$name.go"
	timeout 300 nsenter -t "$SPID" -n python3 "$T/client.py" get --port 8080 \
		--path "$path" --count "$count" --ready "$T/$name.ready" --go "$T/$name.go" \
		--hold 60 --timeout 240 "$@" >"$T/$name.out" 2>"$T/$name.err" &
	CLIENT_PID=$!
	wait_for 60 test -s "$T/$name.ready"
	check "$name: all $count clients connected ($(cat "$T/$name.ready" 2>/dev/null))" \
		test "$(cat "$T/$name.ready" 2>/dev/null)" = "$count"
	HELD=0
	t=$(date +%s%N)
	while [ $(($(date +%s%N) - t)) -lt 50000000000 ]; do
		n=$(prop NConnections)
		[ "${n:-0}" -gt "$HELD" ] && HELD=$n
		[ "$HELD" -ge "$count" ] && break
		sleep 0.1
	done
	HELD_SECS=$(awk -v d=$(($(date +%s%N) - t)) 'BEGIN { printf "%.1f", d / 1e9 }')
	touch "$T/$name.go"
	wait "$CLIENT_PID"
	CLIENT_PID=
	check "$name: systemd held all $count connections at once (NConnections: $HELD)" \
		test "$HELD" -ge "$count"
}

# verdict NAME COUNT LEN SUM: every download of $T/NAME.out is a 200 with
# Content-Length LEN, LEN bytes and SHA-256 SUM.
verdict() {
	local name=$1 count=$2 len=$3 sum=$4 out=$T/$1.out some
	[ -s "$T/$name.err" ] && head -n 20 "$T/$name.err" | sed 's/^/# client: /'
	check "$name: $count results" test "$(grep -c '^[0-9]' "$out")" = "$count"
	# (a few of the bad ones, without the hash: INDEX STATUS LENGTH BYTES ERROR)
	awk '$1 ~ /^[0-9]/ && ($2 != 200 || $7 != "-")' "$out" >"$T/bad"
	some=$(head -n3 "$T/bad" | cut -d' ' -f1-4,7 | tr '\n' ' ')
	check "$name: every download 200 without error ($(wc -l <"$T/bad") bad: $some)" \
		test ! -s "$T/bad"
	awk -v l="$len" '$1 ~ /^[0-9]/ && ($3 != l || $4 != l)' "$out" >"$T/bad"
	some=$(head -n3 "$T/bad" | cut -d' ' -f1-4 | tr '\n' ' ')
	check "$name: every Content-Length and byte count is $len ($(wc -l <"$T/bad") differ: $some)" \
		test ! -s "$T/bad"
	awk -v s="$sum" '$1 ~ /^[0-9]/ && $5 != s' "$out" >"$T/bad"
	some=$(wc -l <"$T/bad")
	check "$name: every body is byte-identical to the reference (SHA-256; $some differ)" \
		test ! -s "$T/bad"
	echo "# $name: $count concurrent downloads in $(tail -n1 "$out" | cut -d' ' -f5) s after release" \
		"(systemd held $HELD connections $HELD_SECS s after the clients connected;" \
		"slowest $(grep '^[0-9]' "$out" | sort -k6 -n | tail -n1 | cut -d' ' -f6) s," \
		"fastest $(grep '^[0-9]' "$out" | sort -k6 -n | head -n1 | cut -d' ' -f6) s)"
}

# --- 200 concurrent downloads of the sample album -------------------------
concurrent $N_SMALL "$URL1" small --keep "$T/small0.zip"
verdict small $N_SMALL "$REF_LEN" "$REF_SUM"
check "small: the stored first download is identical to the reference" \
	cmp -s "$T/small0.zip" "$T/ref.zip"
check "small: the instances finish (NConnections = 0)" wait_for 120 idle

# --- 8 concurrent downloads of 1 GiB ----------------------------------------
concurrent $N_GIG /archive/gig/ gig --keep "$T/gig0.zip"
GIG_SUM=$(awk '$1 == 0 { print $5 }' "$T/gig.out")
verdict gig $N_GIG $GIG_LEN "$GIG_SUM"
secs=$(tail -n1 "$T/gig.out" | cut -d' ' -f5)
mibs=$(awk -v s="$secs" -v n=$N_GIG -v l=$GIG_LEN \
	'BEGIN { printf "%.0f", (s > 0 ? n * l / s / 1048576 : 0) }')
echo "# gig: $N_GIG x $GIG_LEN bytes in $secs s: $mibs MiB/s together"
check "gig: the first download (stored) passes unzip -t" unzip -tqq "$T/gig0.zip"
rm -f "$T/gig0.zip"
# The same folder and binary, through a pipe and the namespace's root.
printf 'GET /archive/gig/ HTTP/1.0\r\n\r\n' |
	"$INSTALLED" -p "/proc/$SPID/root/srv/photos" 2>/dev/null |
	python3 "$T/client.py" hash >"$T/gig.piped"
check "gig: identical to the ZIP the binary makes from the same folder" \
	test "$(cat "$T/gig.piped")" = "$GIG_LEN $GIG_SUM"
check "gig: the instances finish (NConnections = 0)" wait_for 120 idle

# --- a flood of 2,000 connections in 2 s ----------------------------------------
accepted0=$(prop NAccepted) refused0=$(prop NRefused) cpu0=$(cpu)
t=$SECONDS
timeout 60 nsenter -t "$SPID" -n python3 "$T/client.py" flood --port 8080 --path "$URL1" \
	--count $N_FLOOD --sources $FLOOD_SOURCES >"$T/flood"
read -r n _ _ secs _ <"$T/flood"
rate=$(awk -v n="${n:-0}" -v s="${secs:-1}" 'BEGIN { printf "%.0f", n / (s > 0 ? s : 0.001) }')
echo "# flood: $(cat "$T/flood") from $FLOOD_SOURCES addresses: $rate connections/s"
check "the flood was real: ${n:-0} >= $N_FLOOD connections in ${secs:-?} <= $FLOOD_SECS s" \
	awk -v n="${n:-0}" -v s="${secs:-99}" -v want=$N_FLOOD -v max=$FLOOD_SECS \
	'BEGIN { exit !(n >= want && s <= max) }'
# Until the flood's instances are done: the socket must stay active.
peak=0 state=active
drained() {
	local c
	c=$(prop NConnections)
	[ "${c:-0}" -gt "$peak" ] && peak=$c
	state=$(prop ActiveState)
	[ "$state" = active ] || return 0
	test "$c" = 0
}
wait_for 180 drained
check "the socket stayed active while the flood's instances ran (last seen: $state)" \
	test "$state" = active
check "the flood's instances finish (NConnections = 0)" wait_for 30 idle
accepted=$(($(prop NAccepted) - accepted0)) refused=$(($(prop NRefused) - refused0))
echo "# flood: drained $((SECONDS - t)) s after it began; NConnections peaked at $peak;" \
	"systemd passed $accepted to instances, refused $refused (over the limits)," \
	"did not take $((${n:-0} - accepted - refused)) (reset by the client first, or left queued);" \
	"PID 1 used $(awk -v a="$cpu0" -v b="$(cpu)" 'BEGIN { printf "%.1f", b - a }') s of CPU"
check "the flood did not go past MaxConnections=512 (peak $peak)" test "$peak" -le 512
check "after the flood the socket is active" \
	test "$(ns systemctl is-active archive.socket)" = active
check "after the flood the socket's result is success" test "$(prop Result)" = success
code=$(net curl -sS --max-time 60 -o "$T/after.zip" -w '%{http_code}' "http://127.0.0.1:8080$URL1")
check "a download after the flood works (got $code)" test "$code" = 200
check "... and is identical to the reference" cmp -s "$T/after.zip" "$T/ref.zip"

# --- nothing left behind ------------------------------------------------------
check "no archive@ instance is left (running or failed)" wait_for 60 no_instances
check "NConnections is 0" wait_for 30 idle
accepted=$(prop NAccepted)
ns journalctl --sync
ns journalctl -q --no-pager _PID=1 >"$T/pid1.log"
grep -E 'archive@.*Failed with result' "$T/pid1.log" >"$T/failed"
some="$(wc -l <"$T/failed"): $(head -n2 "$T/failed")"
check "systemd's journal: no archive@ instance failed ($some)" test ! -s "$T/failed"
ended=$(grep -c 'archive@.*: Deactivated successfully' "$T/pid1.log")
check "systemd's journal: every instance it started ($accepted) ended successfully ($ended)" \
	test "$ended" = "$accepted"
ns journalctl -q --no-pager -t archive-handler -o cat >"$T/handler.log"
logged=$(wc -l <"$T/handler.log")
check "every instance wrote its access-log entry ($logged entries, $accepted instances)" \
	test "$logged" = "$accepted"
grep -E 'Sanitizer|runtime error' "$T/handler.log" >"$T/sanitizer"
check "no sanitizer report from the handlers ($(head -n1 "$T/sanitizer"))" test ! -s "$T/sanitizer"
ns journalctl -q --no-pager -t archive-handler -p err >"$T/errors"
check "no error entries from the handler ($(head -n1 "$T/errors"))" test ! -s "$T/errors"
completed=$(ns journalctl -q --no-pager -t archive-handler MESSAGE_ID=$COMPLETED -o cat | wc -l)
echo "# journal: $accepted instances, $completed completed downloads," \
	"$(grep -c 'Too many incoming connections' "$T/pid1.log") refused by systemd's limits"
FDS_AFTER=$(nfds)
echo "# systemd (PID 1) after the load: $FDS_AFTER open fds (before: $FDS_BEFORE)," \
	"$(rss) kB resident (before: $RSS_BEFORE kB)," \
	"$(awk -v a="$CPU_BEFORE" -v b="$(cpu)" 'BEGIN { printf "%.1f", b - a }') s of CPU for the load"
check "systemd leaked no file descriptor ($FDS_BEFORE before, $FDS_AFTER after, slack $FD_SLACK)" \
	test "$FDS_AFTER" -le $((FDS_BEFORE + FD_SLACK))

stop_ns
leftover=$(ls -d /sys/fs/cgroup/"$CGROUP" /sys/fs/cgroup/*/"$CGROUP" 2>/dev/null)
check "no cgroup left on the host ($leftover)" test -z "$leftover"
ns_procs() {
	local f
	for f in /proc/[0-9]*/ns/pid; do
		[ "$(readlink "$f" 2>/dev/null)" = "$PIDNS" ] && return 1
	done
	return 0
}
check "no process of the namespace left on the host" wait_for 10 ns_procs
check "no /dev/log left on the host by the namespace's journald" \
	bash -c '{ [ -L /dev/log ] || [ -e /dev/log ]; } && [ "$(stat -c %Y /dev/log)" -ge '"$(stat -c %Y "$T")"' ] && exit 1; exit 0'
echo "# load.sh took $SECONDS s"
finish
