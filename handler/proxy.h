/* proxy: the client's address behind a trusted reverse proxy.
 * X-Forwarded-For is believed only when the connection comes from an
 * address the operator listed (--trusted-proxy): anyone can send the field
 * on a direct connection. Pure, no I/O. */
#ifndef PROXY_H
#define PROXY_H

#include <stddef.h>

#include "http.h"

/* Is list (comma-separated IPv4/IPv6 addresses, spaces allowed) valid?
 * Returns 0, or -EINVAL with the first bad entry copied into bad. */
int proxy_list_valid(const char *list, char *bad, size_t badsize);

/* If peer is in trusted (a valid list, may be NULL), walk X-Forwarded-For
 * (all its fields, in order) from the right, skipping trusted addresses,
 * and copy the first other address, which must be a valid IP literal, into
 * out. Returns 1 when out holds that forwarded client address, else 0
 * (peer not trusted, no field, or a malformed entry: the peer is the
 * client). */
int proxy_client(const char *peer, const char *trusted, const struct http_request *req,
    char *out, size_t size);

#endif
