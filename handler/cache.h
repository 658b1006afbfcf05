/* cache: validators and byte ranges (RFC 9110 sections 8.8, 13 and 14).
 * The archive of an unchanged album is the same bytes every time, so it
 * can have a strong ETag and be resumed. Pure functions, no I/O. */
#ifndef CACHE_H
#define CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "album.h"
#include "http.h"

/* Bump when the bytes of the archive for the same listing change (a new
 * libarchive layout, other entry attributes): old ETags must not match. */
#define CACHE_LAYOUT_VERSION	3

#define CACHE_ETAG_MAX	40	/* "\"" + 32 hex + "\"" + NUL, and room */
#define CACHE_DATE_MAX	64	/* IMF-fixdate + NUL, and room for any year */

/* What the validators are made of (--etag).
 * STRICT: for every entry, also its ctime and inode number. A rewrite in
 * place that puts the mtime back (exiftool -P, touch -r) changes them, so
 * it changes the ETag and Last-Modified, but so does every copy of the
 * album: one host only (or shared storage, where all hosts see the same
 * inodes and ctimes).
 * PORTABLE: path, type, size and mtime (nanoseconds) only, which cp -a and
 * rsync -a keep: hosts holding identical copies give the same validators,
 * so a resume or a caching proxy's slices may come from any of them. Such
 * a rewrite then goes unnoticed by the validators (it is still caught when
 * it happens during a transfer: album_entry_same() is the same in both). */
enum cache_etag_mode { CACHE_ETAG_STRICT = 0, CACHE_ETAG_PORTABLE = 1 };

/* The strong ETag of album a packed as `variant' (e.g. "store"): a 128-bit
 * FNV-1a hash of the layout version, the variant and, for every entry, its
 * path, type, size, mtime and, in STRICT mode, ctime (mtime and ctime with
 * nanoseconds) and inode number. PORTABLE ETags never equal STRICT ones
 * (the hashed bytes differ from the first one on). */
void cache_etag(const struct album *a, const char *variant, enum cache_etag_mode mode,
    char out[CACHE_ETAG_MAX]);

/* Last-Modified for the same mode: the newest mtime or ctime of the album
 * folder and everything in it (STRICT), or the newest mtime (PORTABLE). */
int64_t cache_last_modified(const struct album *a, enum cache_etag_mode mode);

/* Format t as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"). */
void cache_format_date(int64_t t, char out[CACHE_DATE_MAX]);

/* Parse an HTTP-date in any of the three formats of RFC 9110 5.6.7
 * (IMF-fixdate, RFC 850, asctime). Returns 0 and sets *t, or -EINVAL. */
int cache_parse_date(const char *s, size_t len, int64_t *t);

/* What to answer for a GET or HEAD of a representation with this ETag,
 * Last-Modified and total length, given the request's conditional and
 * Range fields: 200, 206 (*first..*last inclusive), 304, 412 or 416.
 * ranges: 0 when the representation cannot be sent in parts (its length is
 * not known in advance): Range is then ignored. Several ranges are answered
 * with the whole representation (200), unless none is satisfiable (416). */
int cache_decide(const struct http_request *req, int is_head, const char *etag,
    int64_t last_modified, uint64_t total, int ranges, uint64_t *first, uint64_t *last);

#endif
