/* http: a strict, pure HTTP/1.x request-head parser.
 * No I/O, no allocation, no logging: it reads a buffer and says what it is. */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "ah_limits.h"

struct http_header {
	const char *name;	/* not NUL-terminated, points into the buffer */
	size_t name_len;
	const char *value;	/* leading and trailing whitespace removed */
	size_t value_len;
};

struct http_request {
	const char *method;
	size_t method_len;
	const char *target;	/* origin-form: starts with '/' */
	size_t target_len;
	int minor_version;	/* 0 or 1: HTTP/1.0 or HTTP/1.1 */
	size_t nheaders;
	struct http_header headers[HEADERS_MAX];
};

/* Parse a request head from buf[0..len).
 * Returns the length of the head (including the final empty line) and
 * fills *ret_req (pointers into buf) when the head is complete and valid;
 * 0 when buf holds a valid but incomplete prefix of a head; or a negative
 * HTTP status when the head can never become valid: -400 malformed,
 * -414 target longer than TARGET_MAX, -431 more than HEADERS_MAX fields,
 * -505 an HTTP version other than 1.0 and 1.1, -413 a request body.
 * *ret_req is untouched unless the return value is positive.
 * Absolute-form targets ("http://host/path") are reduced to their path. */
int http_parse_request(const char *buf, size_t len, struct http_request *ret_req);

/* Find header field `name' (case-insensitive, NUL-terminated) in req.
 * Returns the first one, or NULL. */
const struct http_header *http_header_find(const struct http_request *req, const char *name);

/* Reason phrase for status, e.g. "Not Found"; "Unknown" if not ours. */
const char *http_reason(int status);

#endif
