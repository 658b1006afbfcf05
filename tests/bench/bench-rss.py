"""bench-rss.py HANDLER PHOTOS METHOD PATH: peak memory of one handler run.

The handler runs as a super-server starts it: stdin and stdout are one end
of a loopback TCP connection, whose other end this script reads to the end.
Meanwhile /proc/PID/status is sampled every millisecond. The handler ends
its response with shutdown(2) and then waits for the client to close, so
one last sample is taken after the end of the response, before we close.
Prints "VMHWM_KIB PEAK_RSSANON_KIB CONTENT_LENGTH"; exits 1 unless the
answer is a 200 with exactly Content-Length body bytes (GET). (Not the
kernel's ru_maxrss: it survives execve(2), so it would count this Python
process, whose fork the handler is.)"""
import os, socket, subprocess, sys, threading, time

handler, photos, method, path = sys.argv[1:5]

lst = socket.socket()
lst.bind(("127.0.0.1", 0))
lst.listen(1)
cli = socket.create_connection(lst.getsockname())
srv, _ = lst.accept()
lst.close()
proc = subprocess.Popen([handler, "-p", photos], stdin=srv, stdout=srv,
                        stderr=subprocess.DEVNULL, close_fds=True)
srv.close()

peak = {"VmHWM": 0, "RssAnon": 0}
done = threading.Event()


def sample():
    fn = f"/proc/{proc.pid}/status"
    while True:
        try:
            with open(fn) as f:
                for line in f:
                    k, _, v = line.partition(":")
                    if k in peak:
                        peak[k] = max(peak[k], int(v.split()[0]))
        except (OSError, ValueError, IndexError):
            return
        if done.is_set():
            return
        time.sleep(0.001)


t = threading.Thread(target=sample)
t.start()
cli.sendall(f"{method} {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
head = b""
while b"\r\n\r\n" not in head:
    d = cli.recv(65536)
    if not d:
        break
    head += d
head, _, body = head.partition(b"\r\n\r\n")
lines = head.decode("latin-1").split("\r\n")
status = lines[0].split(" ")[1] if lines[0] else "-"
length = next((v.strip() for k, _, v in (l.partition(":") for l in lines[1:])
               if k.strip().lower() == "content-length"), "-")
n = len(body)
buf = bytearray(1 << 20)
while k := cli.recv_into(buf):
    n += k
done.set()		# one more sample while the handler waits for our close
t.join()
cli.close()
_, st, _ = os.wait4(proc.pid, 0)
ok = status == "200" and st == 0 and (method == "HEAD" or str(n) == length)
if not ok:
    print(f"bench-rss: {method} {path}: status {status}, {n} bytes, "
          f"Content-Length {length}, exit status {st}", file=sys.stderr)
    sys.exit(1)
print(peak["VmHWM"], peak["RssAnon"], length)
