/* http: strict HTTP/1.x request-head parser (RFC 9112), pure. */
#include <string.h>
#include <strings.h>

#include "http.h"

/* tchar from RFC 9110, section 5.6.2 */
static int
is_tchar(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return 1;
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Visible ASCII: the only bytes allowed in a request target. */
static int
is_vchar(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

/* field-value bytes: VCHAR, obs-text, SP, HTAB (RFC 9110, section 5.5). */
static int
is_field_byte(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static int
eq_nocase(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && strncasecmp(s, lit, len) == 0;
}

/* Content-Length value: 1*DIGIT, no sign, no list. Returns 0 or -1. */
static int
parse_length(const char *s, size_t len, unsigned long long *ret)
{
	unsigned long long v = 0;
	size_t i;

	if (len == 0 || len > 18)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*ret = v;
	return 0;
}

/* Find the end of a CRLF-terminated line starting at p. Returns a pointer
 * to the CR, NULL if incomplete, or sets *bad on a stray CR or LF. */
static const char *
line_end(const char *p, const char *end, int *bad)
{
	for (; p < end; p++) {
		if (*p == '\n') {
			*bad = 1;	/* bare LF */
			return NULL;
		}
		if (*p == '\r') {
			if (p + 1 == end)
				return NULL;
			if (p[1] != '\n')
				*bad = 1;	/* bare CR */
			return *bad ? NULL : p;
		}
	}
	return NULL;
}

/* What the fields said, for the checks after the head. */
struct head_counts {
	int nhost, nlength;
	unsigned long long clen;
};

/* The request line, "method SP request-target SP HTTP-version CRLF", at the
 * start of buf[0..end). Returns the bytes it takes, 0 if it is a valid but
 * incomplete prefix, or -status. */
static int
parse_request_line(const char *buf, const char *end, struct http_request *req)
{
	const char *p = buf, *q;

	/* method SP */
	req->method = p;
	while (p < end && is_tchar((unsigned char)*p))
		p++;
	req->method_len = (size_t)(p - req->method);
	if (req->method_len > METHOD_MAX)
		return -400;
	if (p == end)
		return 0;
	if (*p != ' ' || req->method_len == 0)
		return -400;
	p++;

	/* request-target SP: scanned before looking for the line end, so that
	 * an overlong target is refused (414) as soon as it is seen. */
	req->target = p;
	while (p < end && is_vchar((unsigned char)*p)) {
		if ((size_t)(p - req->target) >= TARGET_MAX)
			return -414;
		p++;
	}
	req->target_len = (size_t)(p - req->target);
	if (p == end)
		return 0;
	if (*p != ' ' || req->target_len == 0)
		return -400;
	p++;

	/* HTTP-version CRLF */
	q = "HTTP/";
	for (; *q != '\0' && p < end; q++, p++)
		if (*p != *q)
			return -400;
	if (p == end)
		return 0;
	if (end - p < 3) {
		/* incomplete, but what is there must be DIGIT [ "." [ DIGIT ] ] */
		if (*p < '0' || *p > '9' || (end - p == 2 && p[1] != '.'))
			return -400;
		return 0;
	}
	if (p[0] < '0' || p[0] > '9' || p[1] != '.' || p[2] < '0' || p[2] > '9')
		return -400;
	if (end - p == 3)
		return 0;
	if (p[3] != '\r')
		return -400;
	if (p[0] != '1' || (p[2] != '0' && p[2] != '1'))
		return -505;
	req->minor_version = p[2] - '0';
	p += 3;
	if (end - p < 2)
		return 0;
	if (p[1] != '\n')
		return -400;
	return (int)(p + 2 - buf);
}

/* One header field line at p, or the empty line that ends the head.
 * Returns the bytes it takes (2 for the empty line, *ret_last set), 0 if
 * incomplete, or -status. What a field may not say is refused here, at
 * once, like every other error, whether the head is complete or not. */
static int
parse_field(const char *p, const char *end, struct http_request *req, struct head_counts *n,
    int *ret_last)
{
	const char *line = p, *eol, *q, *v, *ve;
	struct http_header *h;
	int bad = 0;

	/* one field too many: 431 as soon as its first byte is there,
	 * whatever follows, so that the answer does not depend on how
	 * the head was split into reads (found by fuzzing) */
	if (req->nheaders == HEADERS_MAX && p < end && *p != '\r')
		return -431;
	eol = line_end(p, end, &bad);
	if (bad)
		return -400;
	if (eol == NULL) {
		/* incomplete: still refuse what is already wrong */
		for (q = p; q < end; q++)
			if (*q != '\r' && !is_field_byte((unsigned char)*q))
				return -400;
		if (p < end && (*p == ' ' || *p == '\t'))
			return -400;	/* obs-fold */
		return 0;
	}
	if (eol == p) {
		*ret_last = 1;
		return 2;
	}
	if (*p == ' ' || *p == '\t')
		return -400;	/* obs-fold, RFC 9112 section 5.2 */
	if (req->nheaders == HEADERS_MAX)
		return -431;
	h = &req->headers[req->nheaders++];
	h->name = p;
	while (p < eol && is_tchar((unsigned char)*p))
		p++;
	h->name_len = (size_t)(p - h->name);
	if (h->name_len == 0 || p == eol || *p != ':')
		return -400;
	p++;
	v = p;
	for (q = p; q < eol; q++)
		if (!is_field_byte((unsigned char)*q))
			return -400;
	ve = eol;
	while (v < ve && (*v == ' ' || *v == '\t'))
		v++;
	while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
		ve--;
	h->value = v;
	h->value_len = (size_t)(ve - v);

	if (eq_nocase(h->name, h->name_len, "host"))
		n->nhost++;
	else if (eq_nocase(h->name, h->name_len, "transfer-encoding"))
		return -400;	/* we accept no request body */
	else if (eq_nocase(h->name, h->name_len, "content-length")) {
		/* one, numeric: anything else is a smuggling attempt */
		if (++n->nlength > 1 || parse_length(h->value, h->value_len, &n->clen) < 0)
			return -400;
	}
	return (int)(eol + 2 - line);
}

/* The checks that need the whole head. 0 or -status. */
static int
check_head(const struct http_request *req, const struct head_counts *n)
{
	if (req->minor_version == 1 && n->nhost != 1)
		return -400;	/* RFC 9112 section 3.2 */
	if (n->nhost > 1)
		return -400;
	if (n->clen > 0)
		return -413;
	return 0;
}

/* absolute-form: keep only the path (RFC 9112 section 3.2.2). 0 or -400. */
static int
origin_form(struct http_request *req)
{
	const char *t = req->target, *te = req->target + req->target_len, *authority;

	if (req->target[0] == '/')
		return 0;
	if (req->target_len > 7 && strncasecmp(t, "http://", 7) == 0)
		t += 7;
	else if (req->target_len > 8 && strncasecmp(t, "https://", 8) == 0)
		t += 8;
	else
		return -400;
	authority = t;
	while (t < te && *t != '/' && *t != '?')
		t++;
	if (t == authority)
		return -400;	/* empty authority ("http://a" was refused: fuzzing) */
	if (t == te || *t == '?') {
		/* "http://host" and "http://host?q" mean "/" */
		static const char slash[] = "/";
		req->target = slash;
		req->target_len = 1;
	} else {
		req->target_len = (size_t)(te - t);
		req->target = t;
	}
	return 0;
}

int
http_parse_request(const char *buf, size_t len, struct http_request *ret_req)
{
	struct http_request req;
	struct head_counts n = { 0, 0, 0 };
	const char *p = buf, *end = buf + len;
	int r, last = 0;

	memset(&req, 0, sizeof(req));
	if ((r = parse_request_line(p, end, &req)) <= 0)
		return r;
	for (p += r; !last; p += r)
		if ((r = parse_field(p, end, &req, &n, &last)) <= 0)
			return r;
	if ((r = check_head(&req, &n)) < 0 || (r = origin_form(&req)) < 0)
		return r;
	*ret_req = req;
	return (int)(p - buf);
}

const struct http_header *
http_header_find(const struct http_request *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->nheaders; i++)
		if (eq_nocase(req->headers[i].name, req->headers[i].name_len, name))
			return &req->headers[i];
	return NULL;
}

const char *
http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 206: return "Partial Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 412: return "Precondition Failed";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 416: return "Range Not Satisfiable";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}
