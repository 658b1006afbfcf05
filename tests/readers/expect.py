#!/usr/bin/env python3
"""expect.py ALBUM: what every reader must list for ALBUM's archive, one
line per entry, "NAME<TAB>SHA-256" for a file and "NAME/<TAB>-" for a
folder; what the handler puts in (hidden names and symlinks left out)."""
import hashlib
import os
import sys

root = sys.argv[1]
out = []
for top, dirs, files in os.walk(root):
    dirs[:] = [d for d in dirs if not d.startswith(".")
               and not os.path.islink(os.path.join(top, d))]
    rel = os.path.relpath(top, root)
    for d in dirs:
        out.append((os.path.normpath(os.path.join(rel, d)) + "/", "-"))
    for f in files:
        p = os.path.join(top, f)
        if f.startswith(".") or os.path.islink(p):
            continue
        h = hashlib.sha256()
        with open(p, "rb") as fh:
            while True:
                b = fh.read(1 << 20)
                if not b:
                    break
                h.update(b)
        out.append((os.path.normpath(os.path.join(rel, f)), h.hexdigest()))
w = sys.stdout.buffer
for name, h in out:
    w.write(os.fsencode(name) + b"\t" + h.encode() + b"\n")
