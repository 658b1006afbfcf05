/* zipstream: the only code that calls libarchive. Packs an album as a
 * STORE ZIP, streamed through a caller-supplied sink, with a size that is
 * known exactly before the first byte. */
#ifndef ZIPSTREAM_H
#define ZIPSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "album.h"

/* Where a run of archive bytes also lies in a file: the stored data of an
 * entry is the file's bytes from offset off, so a sink may send it from
 * the file (sendfile(2)) instead of copying buf. */
struct zipstream_src {
	int fd;
	uint64_t off;
};

/* Receives the archive bytes in order; src is NULL for the bytes that
 * libarchive made (headers, descriptors, the central directory), else the
 * file those bytes were read from. buf always holds the bytes. Returns 0,
 * or a negative errno that stops the stream (the stream then returns that
 * errno). */
typedef int (*zipstream_sink)(void *ctx, const void *buf, size_t len,
    const struct zipstream_src *src);

/* Must be called once before any other zipstream function: fixes TZ to
 * UTC (libarchive computes DOS times with localtime()). */
void zipstream_init(void);

/* Load libarchive (by its soname, LIBARCHIVE_SONAME) if that has not
 * been done: before the first zipstream_write(), and before the response
 * head is sent, so that a failure can still be a 500. Returns 0, or
 * -ELIBACC/-ELIBBAD with dlerror()'s message in err. */
int zipstream_load(char *err, size_t errsize);

/* The exact number of bytes zipstream_write() produces for album a (STORE),
 * from the ZIP layout of libarchive 3.6 as zipstream rewrites it (checked
 * against real output by tests/unit/test_zipsize). */
uint64_t zipstream_size(const struct album *a);

/* Stream album a to sink, stored (deflate == 0: exactly zipstream_size(a)
 * bytes, no data descriptors: each file is read once for its CRC before
 * its local header, then sent; the CRCs are kept in a's entries) or
 * deflated (deflate == 1: a size not known in advance, data descriptors;
 * the same bytes every time with the same zlib). Returns 0 when all was
 * delivered. On failure returns a negative errno and sets *ret_failed to
 * the index of the entry whose file could not be read or had changed
 * (-ESTALE), or to -1 when the sink failed (its errno) or libarchive did.
 * A failure after the first byte leaves the output short: the caller must
 * not pretend it is complete. */
int zipstream_write(struct album *a, int deflate, zipstream_sink sink, void *ctx,
    long *ret_failed);

#endif
