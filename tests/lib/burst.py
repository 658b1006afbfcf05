#!/usr/bin/env python3
"""Open N TCP connections to 127.0.0.1:PORT as fast as possible, each closed
at once (a burst of triggers for a socket unit). Prints "N connections in S
seconds". --request sends a HEAD / first, so every handler does some work."""
import argparse
import socket
import time

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--count", type=int, required=True)
ap.add_argument("--request", action="store_true")
a = ap.parse_args()

t0 = time.monotonic()
done = 0
for _ in range(a.count):
    try:
        s = socket.create_connection(("127.0.0.1", a.port), timeout=5)
    except OSError:
        continue
    if a.request:
        s.sendall(b"HEAD / HTTP/1.0\r\n\r\n")
    s.close()
    done += 1
print(f"{done} connections in {time.monotonic() - t0:.3f} seconds")
