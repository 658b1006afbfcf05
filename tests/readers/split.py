#!/usr/bin/env python3
"""split.py ALBUM LISTING < DATA: for a reader that lists an archive's
names (LISTING, one a line, in archive order, folders ending in "/") and
writes all its files' contents one after the other (unzip -p, 7z x -so,
bsdtar -xO), hash each file's part of DATA; its length is that of the
album's file of the same name. Prints what expect.py prints; bytes short
or left over show as a wrong hash or an "EXTRA" line."""
import hashlib
import os
import sys

album, listing = sys.argv[1], sys.argv[2]
inp = sys.stdin.buffer
w = sys.stdout.buffer
with open(listing, "rb") as f:
    names = f.read().splitlines()
for name in names:
    if name.endswith(b"/"):
        w.write(name + b"\t-\n")
        continue
    try:
        left = os.stat(os.path.join(os.fsencode(album), name)).st_size
    except OSError:
        w.write(name + b"\tnot-in-album\n")
        continue
    h = hashlib.sha256()
    while left > 0:
        b = inp.read(min(left, 1 << 20))
        if not b:
            break
        h.update(b)
        left -= len(b)
    w.write(name + b"\t" + h.hexdigest().encode() + b"\n")
extra = 0
while True:
    b = inp.read(1 << 20)
    if not b:
        break
    extra += len(b)
if extra:
    w.write(b"EXTRA\t%d bytes after the last file\n" % extra)
