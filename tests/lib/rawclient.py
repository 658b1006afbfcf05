#!/usr/bin/env python3
"""Raw TCP client for the end-to-end tests: send stdin, print the response.

--hold S   after sending, keep our side open S seconds without sending more
--read N   read only N bytes of the response, then close (abort a download)
--shut     shut down our sending side after the request (EOF for the server)
--timeout S  give up reading after S seconds (exit 3)
--stall S  after --read N bytes, print them and keep the connection open S
           seconds without reading more (a client that stops reading)
"""
import argparse
import socket
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--hold", type=float, default=0)
ap.add_argument("--read", type=int, default=-1)
ap.add_argument("--shut", action="store_true")
ap.add_argument("--timeout", type=float, default=20)
ap.add_argument("--stall", type=float, default=0)
a = ap.parse_args()

req = sys.stdin.buffer.read()
s = socket.create_connection(("127.0.0.1", a.port), timeout=a.timeout)
if req:
    s.sendall(req)
if a.shut:
    s.shutdown(socket.SHUT_WR)
if a.hold:
    time.sleep(a.hold)
got = bytearray()
try:
    while a.read < 0 or len(got) < a.read:
        want = 65536 if a.read < 0 else min(65536, a.read - len(got))
        d = s.recv(want)
        if not d:
            break
        got += d
except socket.timeout:
    sys.stdout.buffer.write(got)
    sys.exit(3)
except ConnectionResetError:
    sys.stdout.buffer.write(got)
    sys.exit(4)
sys.stdout.buffer.write(got)
if a.stall:
    sys.stdout.buffer.flush()
    time.sleep(a.stall)
s.close()
