/* response: heads and error bodies. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "response.h"

int
response_head(char *buf, size_t size, int status, const char *type,
    uint64_t length, const char *extra)
{
	char date[64], clen[48];
	struct tm tm;
	time_t now = time(NULL);
	int n;

	/* we never call setlocale(): strftime() formats in the C locale */
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (length == RESPONSE_NO_LENGTH)
		clen[0] = '\0';
	else
		snprintf(clen, sizeof(clen), "Content-Length: %" PRIu64 "\r\n", length);
	n = snprintf(buf, size,
	    "HTTP/1.1 %d %s\r\n"
	    "Date: %s\r\n"
	    "Server: archive-handler\r\n"
	    "Content-Type: %s\r\n"
	    "%s"
	    "Connection: close\r\n"
	    "%s"
	    "\r\n",
	    status, http_reason(status), date, type, clen, extra ? extra : "");
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return n;
}

int
response_error(const struct conn *c, int status, int head_only)
{
	return response_error_extra(c, status, head_only, NULL);
}

int
response_error_extra(const struct conn *c, int status, int head_only, const char *extra)
{
	char head[1024], body[128];
	int hlen, blen, r;

	if (status == 404)
		blen = snprintf(body, sizeof(body), "%s", RESPONSE_NOT_FOUND);
	else if (status == 403)
		blen = snprintf(body, sizeof(body), "%s", RESPONSE_FORBIDDEN);
	else
		blen = snprintf(body, sizeof(body), "%d %s\n", status, http_reason(status));
	if (status == 405)
		extra = "Allow: GET, HEAD\r\n";
	hlen = response_head(head, sizeof(head), status, "text/plain; charset=utf-8",
	    (uint64_t)blen, extra);
	if (hlen < 0)
		return hlen;
	r = conn_write(c, head, (size_t)hlen);
	if (r == 0 && !head_only)
		r = conn_write(c, body, (size_t)blen);
	if (r < 0)
		return r;
	return head_only ? 0 : blen;
}
