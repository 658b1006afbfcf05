/* response: status lines, headers and the small bodies of our own. */
#ifndef RESPONSE_H
#define RESPONSE_H

#include <stddef.h>
#include <stdint.h>

#include "conn.h"

/* The body of every 404, whatever the reason: no oracle for hashes. */
#define RESPONSE_NOT_FOUND	"Archive does not exist or was removed\n"

/* The body of every 403 for a signed link, whatever was wrong with it:
 * expired, a bad signature, none, or the album does not exist. */
#define RESPONSE_FORBIDDEN	"Link expired or invalid\n"

/* A length for response_head(): send no Content-Length. */
#define RESPONSE_NO_LENGTH	UINT64_MAX

/* Format a response head into buf: status line, Date, Content-Type,
 * Content-Length, Connection: close, then `extra' (zero or more complete
 * "Name: value\r\n" lines, may be NULL), then the empty line. Pure apart
 * from reading the clock. Returns its length, or -ENOSPC. */
int response_head(char *buf, size_t size, int status, const char *type,
    uint64_t length, const char *extra);

/* Send a complete error response for status (>= 400) with a short
 * text/plain body; no body when head_only (HEAD). extra as above.
 * Returns the number of body bytes sent, or conn_write()'s error. */
int response_error_extra(const struct conn *c, int status, int head_only, const char *extra);
int response_error(const struct conn *c, int status, int head_only);

#endif
