#!/usr/bin/env python3
"""Strict structural check of a ZIP file against APPNOTE 6.3.x, for what
archive-handler writes (STORE, no data descriptors, zip64).

Readers are lenient; this is not. It checks that:
  - the end record is last; any field at its maximum (0xffff, 0xffffffff)
    has the zip64 end record and locator, which hold the true values;
  - the central directory tiles [cd offset, end records) exactly;
  - every central entry with a size or offset field of 0xffffffff has a
    zip64 extra holding exactly those fields, and no other entry has one;
  - the central entry after a file of exactly 0xffffffff bytes has all
    three (both sizes 0xffffffff): Info-ZIP unzip 6.0 misreads it otherwise;
  - every local header sits at its offset, has bit 3 (data descriptor)
    clear, carries the zip64 extra (both sizes) exactly when its size fields
    are 0xffffffff, and is equal to its central entry in version needed,
    flags, method, time, CRC, sizes, name and every extra but the zip64 one
    (whose fields differ by APPNOTE 4.5.3); it is followed by the data and
    then directly by the next local header (no descriptor);
  - the local entries tile [0, cd offset) exactly, in central order.
It does not recompute CRCs (unzip -t, 7z t and zipfile do).
Exit 0 and "ok: N entries" when all holds, else 1 and what failed.
"""
import os
import struct
import sys

Z32, Z16 = 0xFFFFFFFF, 0xFFFF


def fail(msg):
    print(f"zipcheck: {msg}", file=sys.stderr)
    sys.exit(1)


def extras(blob):
    out, i = {}, 0
    while i + 4 <= len(blob):
        hid, size = struct.unpack_from("<HH", blob, i)
        if i + 4 + size > len(blob):
            fail(f"extra field 0x{hid:04x} runs past its block")
        if hid in out:
            fail(f"extra field 0x{hid:04x} twice")
        out[hid] = blob[i + 4:i + 4 + size]
        i += 4 + size
    if i != len(blob):
        fail("trailing bytes in an extra block")
    return out


def main(path):
    size = os.path.getsize(path)
    f = open(path, "rb")

    def at(off, n):
        f.seek(off)
        b = f.read(n)
        if len(b) != n:
            fail(f"short read at {off}")
        return b

    if size < 22:
        fail("shorter than an end record")
    eocd = at(size - 22, 22)
    sig, disk, cddisk, n_disk, n, cd_size, cd_off, clen = struct.unpack("<IHHHHIIH", eocd)
    if sig != 0x06054B50 or clen != 0 or disk != 0 or cddisk != 0 or n_disk != n:
        fail("no plain end record at the end")
    end_of_cd = size - 22
    z64 = size >= 98 and at(size - 42, 4) == b"PK\x06\x07"
    if n == Z16 or cd_size == Z32 or cd_off == Z32:
        if not z64:
            fail(f"end record has a sentinel (n={n}, size={cd_size}, off={cd_off}) "
                 "but no zip64 end record locator")
    if z64:
        _, zdisk, zoff, ndisks = struct.unpack("<IIQI", at(size - 42, 20))
        if zdisk != 0 or ndisks != 1 or zoff != size - 98:
            fail(f"zip64 locator points to {zoff}, expected {size - 98}")
        (zsig, zlen, made, need, d1, d2, zn_disk, zn, zsize, zoffset) = struct.unpack(
            "<IQHHIIQQQQ", at(size - 98, 56))
        if zsig != 0x06064B50 or zlen != 44 or d1 or d2 or zn_disk != zn:
            fail("bad zip64 end record")
        for name, small, big, limit in (("entries", n, zn, Z16), ("cd size", cd_size, zsize, Z32),
                                        ("cd offset", cd_off, zoffset, Z32)):
            if small != limit and small != big:
                fail(f"{name}: end record {small} != zip64 {big}")
        n, cd_size, cd_off = zn, zsize, zoffset
        end_of_cd = size - 98
    if cd_off + cd_size != end_of_cd:
        fail(f"central directory [{cd_off}, +{cd_size}) does not end at {end_of_cd}")

    # central directory
    entries, p, prev_usize = [], cd_off, None
    for i in range(n):
        h = at(p, 46)
        (sig, made, need, flags, method, mtime, crc, csize, usize, nlen, xlen, clen,
         dstart, iattr, eattr, loff) = struct.unpack("<IHHHHIIIIHHHHHII", h)
        if sig != 0x02014B50:
            fail(f"central entry {i}: bad signature at {p}")
        name = at(p + 46, nlen)
        ex = extras(at(p + 46 + nlen, xlen))
        want = [v == Z32 for v in (usize, csize, loff)]
        z = ex.get(1)
        if any(want):
            if z is None:
                fail(f"central entry {name!r}: 0xffffffff field without zip64 extra")
            if len(z) != 8 * sum(want):
                fail(f"central entry {name!r}: zip64 extra of {len(z)} bytes, "
                     f"want {8 * sum(want)}")
            vals = list(struct.unpack(f"<{sum(want)}Q", z))
            if usize == Z32:
                usize = vals.pop(0)
            if csize == Z32:
                csize = vals.pop(0)
            if loff == Z32:
                loff = vals.pop(0)
            if need < 45:
                fail(f"central entry {name!r}: zip64 but version needed {need}")
        elif z is not None:
            fail(f"central entry {name!r}: zip64 extra without a 0xffffffff field")
        if prev_usize == Z32 and not all(want):
            fail(f"central entry {name!r} after a file of 0xffffffff bytes: "
                 "sizes and offset not all in its zip64 extra")
        prev_usize = usize
        if method != 0 or csize != usize:
            fail(f"central entry {name!r}: not STORE")
        entries.append((name, crc, usize, loff, flags, need, method, mtime,
                        {k: v for k, v in ex.items() if k != 1}))
        p += 46 + nlen + xlen + clen
    if p != end_of_cd:
        fail(f"central directory ends at {p}, expected {end_of_cd}")

    # local entries, in order, tiling [0, cd_off)
    p = 0
    for name, crc, usize, loff, cflags, cneed, cmethod, cmtime, cex in entries:
        if loff != p:
            fail(f"{name!r}: local header at {loff}, expected {p}")
        (sig, need, flags, method, mtime, lcrc, lcsize, lusize, nlen, xlen) = struct.unpack(
            "<IHHHIIIIHH", at(p, 30))
        if sig != 0x04034B50:
            fail(f"{name!r}: bad local signature at {p}")
        if at(p + 30, nlen) != name:
            fail(f"{name!r}: local name differs")
        if flags != cflags:
            fail(f"{name!r}: local and central flags differ")
        if flags & 8:
            fail(f"{name!r}: data descriptor flag (bit 3) set")
        if need != cneed or method != cmethod or mtime != cmtime:
            fail(f"{name!r}: local version/method/time {need}/{method}/{mtime:#x} != "
                 f"central {cneed}/{cmethod}/{cmtime:#x}")
        if lcrc != crc:
            fail(f"{name!r}: local CRC {lcrc:08x} != central {crc:08x}")
        if usize == 0 and crc != 0:
            fail(f"{name!r}: no data but CRC {crc:08x} (the CRC of nothing is 0)")
        ex = extras(at(p + 30 + nlen, xlen))
        if {k: v for k, v in ex.items() if k != 1} != cex:
            fail(f"{name!r}: local and central extras differ")
        zip64 = lusize == Z32 or lcsize == Z32
        if zip64:
            z = ex.get(1)
            if z is None or len(z) != 16:
                fail(f"{name!r}: local 0xffffffff sizes without a 16-byte zip64 extra")
            zu, zc = struct.unpack("<QQ", z)
            if zu != usize or zc != usize:
                fail(f"{name!r}: local zip64 sizes {zu}/{zc} != {usize}")
            if need < 45:
                fail(f"{name!r}: local zip64 but version needed {need}")
        else:
            if 1 in ex:
                fail(f"{name!r}: local zip64 extra without 0xffffffff sizes")
            if lusize != usize or lcsize != usize:
                fail(f"{name!r}: local sizes {lusize}/{lcsize} != {usize}")
        p += 30 + nlen + xlen + usize
    if p != cd_off:
        fail(f"local entries end at {p}, central directory at {cd_off}")
    print(f"ok: {n} entries, {size} bytes, zip64 end record: {'yes' if z64 else 'no'}")


if __name__ == "__main__":
    main(sys.argv[1])
