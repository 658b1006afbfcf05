/* crc32: the executable's own crc32(), which libarchive's calls to zlib's
 * crc32() reach instead (see crc32.c). Linked into the program itself, not
 * into libhandler.a: the dynamic linker only finds it in the executable. */
#ifndef CRC32_H
#define CRC32_H

/* Calls so far (tests/unit/test_crc32 checks that libarchive's arrive). */
extern unsigned long ah_crc32_calls;

#endif
