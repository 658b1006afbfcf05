/* crc: CRC-32 (zlib's polynomial and result), fast where the CPU allows. */
#ifndef CRC_H
#define CRC_H

#include <stddef.h>
#include <stdint.h>

/* The CRC-32 of len bytes at p, continuing from crc (0 to start): bit for
 * bit zlib's crc32_z(crc, p, len). */
uint32_t crc_update(uint32_t crc, const void *p, size_t len);

/* The method crc_update() uses: the widest this CPU has, "vpclmul512",
 * "vpclmul256", "pclmul" or "zlib", unless crc_use() chose another. */
const char *crc_method(void);

/* Use method name from now on (for the tests, which check each one):
 * 0, -EINVAL for an unknown name, -ENOTSUP if this CPU lacks it. A method
 * the CPU has is used only on buffers long enough for it. */
int crc_use(const char *name);

/* While nonzero, the executable's crc32() (crc32.c), which libarchive
 * calls for every stored byte, returns its argument at once: set by
 * zipstream while it hands libarchive the data of a file whose CRC it
 * has computed itself, and whose CRC from libarchive it never uses. */
extern int crc_libarchive_off;

#endif
