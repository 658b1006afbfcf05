/* crc32: zlib's crc32(), replaced for libarchive's ZIP writer.
 *
 * libarchive computes the CRC-32 of every stored byte by calling zlib's
 * crc32(). This file defines crc32() in the executable; the dynamic linker
 * looks a symbol up in the executable before the shared libraries, so
 * libarchive's calls come here (the interposition that replaces malloc).
 * For a STORE archive zipstream computes each file's CRC itself, before
 * the file's local header (which must carry it), and never uses
 * libarchive's: while it feeds such a file, crc_libarchive_off is set and
 * the call costs nothing. Otherwise (deflate) the result is zlib's, by
 * crc_update(). tests/unit/test_crc32 checks that libarchive's calls
 * arrive here.
 */
#include <zlib.h>

#include "crc.h"
#include "crc32.h"

unsigned long ah_crc32_calls;

uLong
crc32(uLong crc, const Bytef *buf, uInt len)
{
	ah_crc32_calls++;
	if (crc_libarchive_off)
		return crc;
	return crc_update((uint32_t)crc, buf, len);
}
