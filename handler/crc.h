/* crc: CRC-32 (zlib's polynomial and result), fast where the CPU allows. */
#ifndef CRC_H
#define CRC_H

#include <stddef.h>
#include <stdint.h>

/* The CRC-32 of len bytes at p, continuing from crc (0 to start): bit for
 * bit zlib's crc32_z(crc, p, len). */
uint32_t crc_update(uint32_t crc, const void *p, size_t len);

/* The method crc_update() uses on this CPU: "pclmul" or "zlib". */
const char *crc_method(void);

/* While nonzero, the executable's crc32() (crc32.c), which libarchive
 * calls for every stored byte, returns its argument at once: set by
 * zipstream while it hands libarchive the data of a file whose CRC it
 * has computed itself, and whose CRC from libarchive it never uses. */
extern int crc_libarchive_off;

#endif
