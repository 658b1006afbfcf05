#!/usr/bin/env python3
"""A minimal syslog receiver for the tests: bind a datagram socket at PATH
(normally /dev/log, inside a private mount namespace) and append every
message, one per line, to FILE."""
import os
import socket
import sys

path, out = sys.argv[1], sys.argv[2]
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
with open(out, "ab", buffering=0) as f:
    while True:
        msg = s.recv(65536)
        f.write(msg.rstrip(b"\0\n") + b"\n")
