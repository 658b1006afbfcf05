#!/usr/bin/env python3
"""zipfile_reader.py ZIP: Python's zipfile (central directory, CRC checked
at the end of each entry); prints what expect.py prints."""
import hashlib
import sys
import zipfile

w = sys.stdout.buffer
with zipfile.ZipFile(sys.argv[1]) as z:
    for i in z.infolist():
        name = i.filename.encode("utf-8" if i.flag_bits & 0x800 else "cp437")
        if i.is_dir():
            w.write(name + b"\t-\n")
            continue
        h = hashlib.sha256()
        with z.open(i) as f:
            while True:
                b = f.read(1 << 20)
                if not b:
                    break
                h.update(b)
        w.write(name + b"\t" + h.hexdigest().encode() + b"\n")
