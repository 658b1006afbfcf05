/* path: request target -> route. Pure: no I/O, no allocation. */
#ifndef PATH_H
#define PATH_H

#include <stddef.h>

#include "ah_limits.h"

enum route {
	ROUTE_INDEX = 1,	/* "/" */
	ROUTE_ARCHIVE,		/* "/archive/<hash>" or "/archive/<hash>/" */
};

/* Decode target[0..len) (the path, optionally followed by "?query", which
 * is ignored) strictly and route it.
 * Percent-escapes must be '%' and two hex digits; %00 is rejected.
 * The decoded path must be "/" or "/archive/" HASH [ "/" ] where HASH is
 * 1 to HASH_MAX bytes of [A-Za-z0-9_-]; nothing is normalised away, so
 * "/archive/x/../y" or "//archive/x" do not match.
 * Returns ROUTE_INDEX or ROUTE_ARCHIVE (then ret_hash holds the NUL-
 * terminated hash), -EINVAL for a malformed escape (answer 400), or
 * -ENOENT for anything else (answer 404). ret_hash is untouched on error. */
int path_route(const char *target, size_t len, char ret_hash[HASH_MAX + 1]);

/* Is s[0..len) well-formed UTF-8 (no overlongs, no surrogates, no code
 * points above U+10FFFF)? Returns 1 or 0. */
int path_utf8_valid(const char *s, size_t len);

#endif
