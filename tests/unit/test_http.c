/* Unit tests of handler/http.c against the contract in handler/http.h.
 *
 * Table-driven: each row is a raw request (explicit length, so NUL bytes
 * can be tested) and the expected return value. Valid rows also name the
 * method, target and minor version, and optionally one header field to
 * look up with http_header_find. Every valid row is also fed in all its
 * proper prefixes, each of which must return exactly 0 (incomplete).
 * Every buffer handed to the parser is a malloc'ed copy of exactly the
 * given length, so that an over-read shows up under ASan or valgrind. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "ah_limits.h"
#include "tap.h"

/* ret: the whole buffer is the head (the limits live in
 * "ah_limits.h"; no INT_MAX needed) */
#define OK	0x7fffffff

/* a string literal and its length (without the terminating NUL) */
#define B(s)	(s), sizeof(s) - 1

/* the rest of a row that is not a valid request */
#define E(ret)	(ret), NULL, NULL, 0, NULL, NULL

/* a head followed by more bytes (a pipelined request): ret is head length */
#define PIPE(head, rest)	(head rest), sizeof(head rest) - 1, (int)(sizeof(head) - 1)

#define HOST	"Host: x\r\n"

struct row {
	const char *name;
	const char *raw;
	size_t len;
	int ret;		/* OK, a head length, 0 or -status */
	/* valid rows only */
	const char *method;
	const char *target;
	int minor;
	const char *hname;	/* when set: look it up with http_header_find */
	const char *hvalue;	/* its expected trimmed value, NULL: absent */
};

static const struct row rows[] = {
	/* simple requests */
	{ "GET 1.0, no header", B("GET / HTTP/1.0\r\n\r\n"), OK,
	    "GET", "/", 0, "Host", NULL },
	{ "GET 1.0 with Host", B("GET / HTTP/1.0\r\nHost: example.com\r\n\r\n"), OK,
	    "GET", "/", 0, "Host", "example.com" },
	{ "HEAD 1.0", B("HEAD /archive/abc/ HTTP/1.0\r\n\r\n"), OK,
	    "HEAD", "/archive/abc/", 0, NULL, NULL },
	{ "GET 1.1", B("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"), OK,
	    "GET", "/", 1, "Host", "example.com" },
	{ "HEAD 1.1", B("HEAD /archive/abc/ HTTP/1.1\r\nHost: x\r\n\r\n"), OK,
	    "HEAD", "/archive/abc/", 1, "host", "x" },
	{ "GET 1.1 with port in Host", B("GET / HTTP/1.1\r\nHost: example.com:8080\r\n\r\n"), OK,
	    "GET", "/", 1, "HOST", "example.com:8080" },
	{ "GET 1.1 lowercase host field", B("GET / HTTP/1.1\r\nhost: x\r\n\r\n"), OK,
	    "GET", "/", 1, "Host", "x" },
	{ "GET 1.1 Host after other fields",
	    B("GET /archive/abc/ HTTP/1.1\r\nUser-Agent: curl/8.0\r\nAccept: */*\r\nHost: x\r\n\r\n"), OK,
	    "GET", "/archive/abc/", 1, "accept", "*/*" },
	{ "GET with query", B("GET /archive/abc/?dl=1&x=%20 HTTP/1.1\r\n" HOST "\r\n"), OK,
	    "GET", "/archive/abc/?dl=1&x=%20", 1, NULL, NULL },
	{ "GET with URI punctuation",
	    B("GET /a-b._~!$&'()*+,;=:@/%41?q=/? HTTP/1.1\r\n" HOST "\r\n"), OK,
	    "GET", "/a-b._~!$&'()*+,;=:@/%41?q=/?", 1, NULL, NULL },

	/* methods: any token parses, routing answers 405 later */
	{ "PROPFIND", B("PROPFIND / HTTP/1.1\r\n" HOST "\r\n"), OK,
	    "PROPFIND", "/", 1, NULL, NULL },
	{ "BREW", B("BREW /pot HTTP/1.1\r\n" HOST "\r\n"), OK,
	    "BREW", "/pot", 1, NULL, NULL },
	{ "lowercase get", B("get / HTTP/1.1\r\n" HOST "\r\n"), OK,
	    "get", "/", 1, NULL, NULL },
	{ "method of every tchar", B("!#$%&'*+-.^_`|~09AZaz / HTTP/1.1\r\n" HOST "\r\n"), OK,
	    "!#$%&'*+-.^_`|~09AZaz", "/", 1, NULL, NULL },
	{ "empty method", B(" / HTTP/1.1\r\n" HOST "\r\n"), E(-400) },
	{ "method with '/'", B("GE/T / HTTP/1.1\r\n" HOST "\r\n"), E(-400) },
	{ "method with '('", B("GE(T / HTTP/1.1\r\n" HOST "\r\n"), E(-400) },
	{ "method with non-ASCII", B("G\xc3\x89T / HTTP/1.1\r\n" HOST "\r\n"), E(-400) },
	{ "method with NUL", B("G\0ET / HTTP/1.1\r\n" HOST "\r\n"), E(-400) },
	{ "leading space", B(" GET / HTTP/1.1\r\n" HOST "\r\n"), E(-400) },

	/* Host */
	{ "1.1 without Host", B("GET / HTTP/1.1\r\n\r\n"), E(-400) },
	{ "1.1 without Host, other fields", B("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n"), E(-400) },
	{ "1.1 with two equal Host", B("GET / HTTP/1.1\r\nHost: x\r\nHost: x\r\n\r\n"), E(-400) },
	{ "1.1 with two Host", B("GET / HTTP/1.1\r\nHost: x\r\nAccept: */*\r\nhOST: y\r\n\r\n"), E(-400) },
	/* RFC 9112, 3.2: more than one Host is a 400 whatever the version */
	{ "1.0 with two Host", B("GET / HTTP/1.0\r\nHost: x\r\nHost: y\r\n\r\n"), E(-400) },

	/* targets */
	{ "absolute-form", B("GET http://example.com/archive/abc/ HTTP/1.1\r\nHost: example.com\r\n\r\n"), OK,
	    "GET", "/archive/abc/", 1, "Host", "example.com" },
	{ "absolute-form with port and query",
	    B("GET http://example.com:8080/archive/abc/?dl=1 HTTP/1.1\r\nHost: example.com:8080\r\n\r\n"), OK,
	    "GET", "/archive/abc/?dl=1", 1, NULL, NULL },
	{ "absolute-form without path", B("GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n"), OK,
	    "GET", "/", 1, NULL, NULL },
	{ "absolute-form 1.0", B("HEAD http://example.com/x HTTP/1.0\r\n\r\n"), OK,
	    "HEAD", "/x", 0, NULL, NULL },
	{ "asterisk-form OPTIONS", B("OPTIONS * HTTP/1.1\r\n" HOST "\r\n"), E(-400) },
	{ "asterisk-form GET", B("GET * HTTP/1.1\r\n" HOST "\r\n"), E(-400) },
	{ "relative target", B("GET archive/x HTTP/1.1\r\n" HOST "\r\n"), E(-400) },
	{ "empty target", B("GET  HTTP/1.1\r\n" HOST "\r\n"), E(-400) },
	{ "space in target", B("GET /a b HTTP/1.1\r\n" HOST "\r\n"), E(-400) },
	{ "NUL in target", B("GET /a\0b HTTP/1.1\r\n" HOST "\r\n"), E(-400) },
	{ "0x01 in target", B("GET /a\x01" "b HTTP/1.1\r\n" HOST "\r\n"), E(-400) },
	{ "0x7f in target", B("GET /a\x7f" "b HTTP/1.1\r\n" HOST "\r\n"), E(-400) },
	{ "CR in target", B("GET /a\rb HTTP/1.1\r\n" HOST "\r\n"), E(-400) },
	{ "UTF-8 in target", B("GET /caf\xc3\xa9 HTTP/1.1\r\n" HOST "\r\n"), E(-400) },
	{ "0x80 in target", B("GET /\x80 HTTP/1.1\r\n" HOST "\r\n"), E(-400) },
	{ "0xff in target", B("GET /\xff HTTP/1.1\r\n" HOST "\r\n"), E(-400) },

	/* request-line separators */
	{ "two spaces after method", B("GET  / HTTP/1.1\r\n" HOST "\r\n"), E(-400) },
	{ "two spaces after target", B("GET /  HTTP/1.1\r\n" HOST "\r\n"), E(-400) },
	{ "tab after method", B("GET\t/ HTTP/1.1\r\n" HOST "\r\n"), E(-400) },
	{ "tab after target", B("GET /\tHTTP/1.1\r\n" HOST "\r\n"), E(-400) },
	{ "space after version", B("GET / HTTP/1.1 \r\n" HOST "\r\n"), E(-400) },

	/* versions */
	{ "HTTP/2.0", B("GET / HTTP/2.0\r\n" HOST "\r\n"), E(-505) },
	{ "HTTP/1.2", B("GET / HTTP/1.2\r\n" HOST "\r\n"), E(-505) },
	{ "HTTP/0.9", B("GET / HTTP/0.9\r\n" HOST "\r\n"), E(-505) },
	{ "HTTP/3.0", B("GET / HTTP/3.0\r\n" HOST "\r\n"), E(-505) },
	{ "HTTP/1.9", B("GET / HTTP/1.9\r\n" HOST "\r\n"), E(-505) },
	{ "HTTP/1.x", B("GET / HTTP/1.x\r\n" HOST "\r\n"), E(-400) },
	{ "HTTP/11", B("GET / HTTP/11\r\n" HOST "\r\n"), E(-400) },
	{ "http/1.1", B("GET / http/1.1\r\n" HOST "\r\n"), E(-400) },
	{ "HTTP1.1", B("GET / HTTP1.1\r\n" HOST "\r\n"), E(-400) },
	{ "HTTPS/1.1", B("GET / HTTPS/1.1\r\n" HOST "\r\n"), E(-400) },
	{ "missing version", B("GET /\r\n" HOST "\r\n"), E(-400) },
	{ "missing version, space", B("GET / \r\n" HOST "\r\n"), E(-400) },
	{ "missing target and version", B("GET\r\n" HOST "\r\n"), E(-400) },

	/* line endings */
	{ "bare LF after request line", B("GET / HTTP/1.1\n" HOST "\r\n"), E(-400) },
	{ "bare LF after field", B("GET / HTTP/1.1\r\nHost: x\n\r\n"), E(-400) },
	{ "bare LF as empty line", B("GET / HTTP/1.1\r\n" HOST "\n"), E(-400) },
	{ "bare LF everywhere", B("GET / HTTP/1.0\n\n"), E(-400) },
	{ "bare LF inside value", B("GET / HTTP/1.1\r\n" HOST "X-A: a\nb\r\n\r\n"), E(-400) },
	{ "bare CR after request line", B("GET / HTTP/1.1\r" HOST "\r\n"), E(-400) },
	{ "bare CR inside value", B("GET / HTTP/1.1\r\n" HOST "X-A: a\rb\r\n\r\n"), E(-400) },
	{ "bare CR before empty line", B("GET / HTTP/1.1\r\n" HOST "\r\r\n"), E(-400) },

	/* header fields */
	{ "NUL in value", B("GET / HTTP/1.1\r\n" HOST "X-A: a\0b\r\n\r\n"), E(-400) },
	{ "NUL in name", B("GET / HTTP/1.1\r\n" HOST "X\0A: a\r\n\r\n"), E(-400) },
	{ "0x01 in value", B("GET / HTTP/1.1\r\n" HOST "X-A: a\x01" "b\r\n\r\n"), E(-400) },
	{ "0x7f in value", B("GET / HTTP/1.1\r\n" HOST "X-A: a\x7f" "b\r\n\r\n"), E(-400) },
	{ "ESC in value", B("GET / HTTP/1.1\r\n" HOST "X-A: a\x1b" "b\r\n\r\n"), E(-400) },
	{ "HTAB in value", B("GET / HTTP/1.1\r\n" HOST "X-A: a\tb\r\n\r\n"), OK,
	    "GET", "/", 1, "X-A", "a\tb" },
	{ "obs-text in value", B("GET / HTTP/1.1\r\n" HOST "X-A: caf\xc3\xa9 \x80\xff\r\n\r\n"), OK,
	    "GET", "/", 1, "x-a", "caf\xc3\xa9 \x80\xff" },
	{ "OWS trimmed", B("GET / HTTP/1.1\r\n" HOST "X-A: \t  a b\t c \t \r\n\r\n"), OK,
	    "GET", "/", 1, "x-A", "a b\t c" },
	{ "no OWS", B("GET / HTTP/1.1\r\n" HOST "X-A:a\r\n\r\n"), OK,
	    "GET", "/", 1, "X-A", "a" },
	{ "Host value trimmed", B("GET / HTTP/1.1\r\nHost:\t example.com \t\r\n\r\n"), OK,
	    "GET", "/", 1, "host", "example.com" },
	{ "empty value", B("GET / HTTP/1.1\r\n" HOST "X-Empty:\r\n\r\n"), OK,
	    "GET", "/", 1, "X-Empty", "" },
	{ "value of only OWS", B("GET / HTTP/1.1\r\n" HOST "X-Empty: \t \r\n\r\n"), OK,
	    "GET", "/", 1, "X-Empty", "" },
	{ "colons in value", B("GET / HTTP/1.1\r\n" HOST "X-A: a:b: c\r\n\r\n"), OK,
	    "GET", "/", 1, "X-A", "a:b: c" },
	{ "name of every tchar", B("GET / HTTP/1.1\r\n" HOST "X-!#$%&'*+.^_`|~09: v\r\n\r\n"), OK,
	    "GET", "/", 1, "x-!#$%&'*+.^_`|~09", "v" },
	{ "duplicate field: first found", B("GET / HTTP/1.1\r\n" HOST "X-Dup: 1\r\nx-dup: 2\r\n\r\n"), OK,
	    "GET", "/", 1, "X-DUP", "1" },
	{ "absent field", B("GET / HTTP/1.1\r\n" HOST "X-A: a\r\n\r\n"), OK,
	    "GET", "/", 1, "X-B", NULL },
	{ "space before colon", B("GET / HTTP/1.1\r\nHost : x\r\n\r\n"), E(-400) },
	{ "tab before colon", B("GET / HTTP/1.1\r\n" HOST "X-A\t: a\r\n\r\n"), E(-400) },
	{ "space in name", B("GET / HTTP/1.1\r\n" HOST "X A: a\r\n\r\n"), E(-400) },
	{ "'(' in name", B("GET / HTTP/1.1\r\n" HOST "X(A): a\r\n\r\n"), E(-400) },
	{ "non-ASCII in name", B("GET / HTTP/1.1\r\n" HOST "X\xc3\xa9: a\r\n\r\n"), E(-400) },
	{ "empty name", B("GET / HTTP/1.1\r\n" HOST ": a\r\n\r\n"), E(-400) },
	{ "no colon", B("GET / HTTP/1.1\r\n" HOST "X-A a\r\n\r\n"), E(-400) },
	{ "no colon, Host", B("GET / HTTP/1.1\r\nHost x\r\n\r\n"), E(-400) },
	{ "obs-fold with space", B("GET / HTTP/1.1\r\n" HOST "X-A: a\r\n b\r\n\r\n"), E(-400) },
	{ "obs-fold with tab", B("GET / HTTP/1.1\r\n" HOST "X-A: a\r\n\tb\r\n\r\n"), E(-400) },
	{ "first field starts with space", B("GET / HTTP/1.1\r\n Host: x\r\n\r\n"), E(-400) },

	/* bodies and smuggling */
	{ "Content-Length: 0", B("GET / HTTP/1.1\r\n" HOST "Content-Length: 0\r\n\r\n"), OK,
	    "GET", "/", 1, "content-length", "0" },
	{ "Content-Length: 5", B("GET / HTTP/1.1\r\n" HOST "Content-Length: 5\r\n\r\n"), E(-413) },
	{ "Content-Length: 1", B("POST / HTTP/1.1\r\n" HOST "Content-Length: 1\r\n\r\n"), E(-413) },
	{ "1.0 Content-Length: 5", B("POST / HTTP/1.0\r\nContent-Length: 5\r\n\r\n"), E(-413) },
	{ "two Content-Length 0", B("GET / HTTP/1.1\r\n" HOST "Content-Length: 0\r\nContent-Length: 0\r\n\r\n"), E(-400) },
	{ "two Content-Length 5", B("GET / HTTP/1.1\r\n" HOST "Content-Length: 5\r\ncontent-length: 5\r\n\r\n"), E(-400) },
	{ "two Content-Length 0 and 5", B("GET / HTTP/1.1\r\n" HOST "Content-Length: 0\r\nContent-Length: 5\r\n\r\n"), E(-400) },
	{ "Content-Length non-numeric", B("GET / HTTP/1.1\r\n" HOST "Content-Length: abc\r\n\r\n"), E(-400) },
	{ "Content-Length negative", B("GET / HTTP/1.1\r\n" HOST "Content-Length: -1\r\n\r\n"), E(-400) },
	{ "Content-Length list", B("GET / HTTP/1.1\r\n" HOST "Content-Length: 1,1\r\n\r\n"), E(-400) },
	{ "Content-Length list of 0", B("GET / HTTP/1.1\r\n" HOST "Content-Length: 0, 0\r\n\r\n"), E(-400) },
	{ "Content-Length two numbers", B("GET / HTTP/1.1\r\n" HOST "Content-Length: 1 1\r\n\r\n"), E(-400) },
	{ "Content-Length empty", B("GET / HTTP/1.1\r\n" HOST "Content-Length:\r\n\r\n"), E(-400) },
	{ "Content-Length only OWS", B("GET / HTTP/1.1\r\n" HOST "Content-Length: \t \r\n\r\n"), E(-400) },
	{ "Transfer-Encoding chunked", B("POST / HTTP/1.1\r\n" HOST "Transfer-Encoding: chunked\r\n\r\n"), E(-400) },
	{ "Transfer-Encoding identity", B("GET / HTTP/1.1\r\n" HOST "transfer-encoding: identity\r\n\r\n"), E(-400) },
	{ "Transfer-Encoding empty", B("GET / HTTP/1.1\r\n" HOST "Transfer-Encoding:\r\n\r\n"), E(-400) },
	{ "Transfer-Encoding and Content-Length",
	    B("POST / HTTP/1.1\r\n" HOST "Content-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n"), E(-400) },
	{ "1.0 Transfer-Encoding", B("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), E(-400) },

	/* what follows the head is not counted */
	{ "pipelined request", PIPE("GET /a HTTP/1.1\r\n" HOST "\r\n", "GET /b HTTP/1.1\r\n" HOST "\r\n"),
	    "GET", "/a", 1, "Host", "x" },
	{ "garbage after head", PIPE("GET /a HTTP/1.0\r\n\r\n", "\0\xff\n\r \r\n\r\n"),
	    "GET", "/a", 0, NULL, NULL },

	/* incomplete */
	{ "empty buffer", B(""), E(0) },
	{ "method only", B("GET"), E(0) },
	{ "no empty line", B("GET / HTTP/1.1\r\n" HOST), E(0) },
	{ "half the final CRLF", B("GET / HTTP/1.1\r\n" HOST "\r"), E(0) },
};

static int
count_crlf(const char *buf, size_t len)
{
	size_t i;
	int n = 0;

	for (i = 0; i + 1 < len; i++)
		if (buf[i] == '\r' && buf[i + 1] == '\n')
			n++;
	return n;
}

static int
points_into(const char *p, size_t plen, const char *buf, size_t len)
{
	uintptr_t a = (uintptr_t)p, b = (uintptr_t)buf;

	return p != NULL && a >= b && a + plen <= b + len;
}

static char *
copy(const char *raw, size_t len)
{
	char *p = malloc(len ? len : 1);

	if (p == NULL) {
		perror("malloc");
		exit(99);
	}
	memcpy(p, raw, len);
	return p;
}

/* Check the fields of a successfully parsed request. */
static void
check_request(const struct row *r, const char *buf, const struct http_request *req, int head)
{
	const struct http_header *h;
	size_t i;
	int inbuf;

	is_mem(req->method, req->method_len, r->method, strlen(r->method),
	    "%s: method", r->name);
	is_mem(req->target, req->target_len, r->target, strlen(r->target),
	    "%s: target", r->name);
	is_int(req->minor_version, r->minor, "%s: minor version", r->name);
	/* request line + one line per field + empty line */
	is_int(req->nheaders, count_crlf(buf, (size_t)head) - 2,
	    "%s: number of fields", r->name);

	inbuf = points_into(req->method, req->method_len, buf, (size_t)head);
	for (i = 0; i < req->nheaders && i < HEADERS_MAX; i++) {
		h = &req->headers[i];
		if (!points_into(h->name, h->name_len, buf, (size_t)head) ||
		    h->name_len == 0 ||
		    (h->value_len > 0 &&
		    !points_into(h->value, h->value_len, buf, (size_t)head)))
			inbuf = 0;
	}
	ok(inbuf, "%s: method and fields point into the head", r->name);

	if (r->hname != NULL) {
		h = http_header_find(req, r->hname);
		if (r->hvalue == NULL)
			ok(h == NULL, "%s: no field %s", r->name, r->hname);
		else if (ok(h != NULL, "%s: field %s found", r->name, r->hname))
			is_mem(h->value, h->value_len, r->hvalue,
			    strlen(r->hvalue), "%s: value of %s",
			    r->name, r->hname);
	}
}

/* Every proper prefix of a valid head is incomplete (exactly 0) and leaves
 * the request untouched; every longer buffer returns the same head. */
static void
check_prefixes(const struct row *r, int head)
{
	struct http_request req, pattern;
	size_t n, bad_n = 0, touched_n = 0;
	int bad = 0, touched = 0, bad_ret = 0, rv;
	char *p;

	memset(&pattern, 0xA5, sizeof(pattern));
	for (n = 0; n < (size_t)head; n++) {
		p = copy(r->raw, n);
		memset(&req, 0xA5, sizeof(req));
		rv = http_parse_request(p, n, &req);
		free(p);
		if (rv != 0 && !bad) {
			bad = 1;
			bad_n = n;
			bad_ret = rv;
		}
		if (rv <= 0 && memcmp(&req, &pattern, sizeof(req)) != 0 &&
		    !touched) {
			touched = 1;
			touched_n = n;
		}
	}
	if (!ok(!bad, "%s: all %d proper prefixes are incomplete", r->name, head))
		diag("prefix of length %zu returned %d", bad_n, bad_ret);
	if (!ok(!touched, "%s: prefixes leave the request untouched", r->name))
		diag("prefix of length %zu wrote to the request", touched_n);

	if ((size_t)head < r->len) {
		bad = 0;
		for (n = (size_t)head; n <= r->len; n++) {
			p = copy(r->raw, n);
			rv = http_parse_request(p, n, &req);
			free(p);
			if (rv != head && !bad) {
				bad = 1;
				bad_n = n;
				bad_ret = rv;
			}
		}
		if (!ok(!bad, "%s: head length whatever follows", r->name))
			diag("length %zu returned %d", bad_n, bad_ret);
	}
}

static void
run_row(const struct row *r)
{
	struct http_request req, pattern;
	int got, want;
	char *buf;

	want = r->ret == OK ? (int)r->len : r->ret;
	buf = copy(r->raw, r->len);
	memset(&req, 0xA5, sizeof(req));
	memset(&pattern, 0xA5, sizeof(pattern));
	got = http_parse_request(buf, r->len, &req);
	is_int(got, want, "%s: returns %d", r->name, want);
	if (want <= 0) {
		ok(memcmp(&req, &pattern, sizeof(req)) == 0,
		    "%s: request untouched", r->name);
	} else {
		if (got > 0)
			check_request(r, buf, &req, got);
		else
			diag("%s: not parsed, fields not checked", r->name);
		check_prefixes(r, want);
	}
	free(buf);
}

/* A growable buffer for the generated rows. */
struct sb {
	char *p;
	size_t len, cap;
};

static void
sb_add(struct sb *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		if (b->p == NULL) {
			perror("realloc");
			exit(99);
		}
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
sb_str(struct sb *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void
sb_rep(struct sb *b, char c, size_t n)
{
	while (n-- > 0)
		sb_add(b, &c, 1);
}

/* Row with a method of n bytes. */
static void
limit_method(size_t n, int ret)
{
	struct sb m = { 0 }, raw = { 0 };
	char name[64];
	struct row r = { 0 };

	sb_rep(&m, 'M', n);
	sb_add(&raw, m.p, m.len);
	sb_str(&raw, " / HTTP/1.1\r\n" HOST "\r\n");
	snprintf(name, sizeof(name), "method of %zu bytes", n);
	r.name = name;
	r.raw = raw.p;
	r.len = raw.len;
	r.ret = ret;
	r.method = m.p;
	r.target = "/";
	r.minor = 1;
	run_row(&r);
	free(m.p);
	free(raw.p);
}

/* Row with a target of n bytes; complete: followed by " HTTP/1.1...". */
static void
limit_target(size_t n, int complete, int ret)
{
	struct sb t = { 0 }, raw = { 0 };
	char name[64];
	struct row r = { 0 };

	sb_str(&t, "/archive/");
	sb_rep(&t, 'a', n - t.len);
	sb_str(&raw, "GET ");
	sb_add(&raw, t.p, t.len);
	if (complete)
		sb_str(&raw, " HTTP/1.1\r\n" HOST "\r\n");
	snprintf(name, sizeof(name), "%starget of %zu bytes",
	    complete ? "" : "incomplete ", n);
	r.name = name;
	r.raw = raw.p;
	r.len = raw.len;
	r.ret = ret;
	r.method = "GET";
	r.target = t.p;
	r.minor = 1;
	run_row(&r);
	free(t.p);
	free(raw.p);
}

/* Row with n header fields (Host among them). */
static void
limit_headers(size_t n, int ret)
{
	struct sb raw = { 0 };
	char name[64], line[64];
	struct row r = { 0 };
	size_t i;

	sb_str(&raw, "GET / HTTP/1.1\r\n" HOST);
	for (i = 1; i < n; i++) {
		snprintf(line, sizeof(line), "X-Field-%zu: %zu\r\n", i, i);
		sb_str(&raw, line);
	}
	sb_str(&raw, "\r\n");
	snprintf(name, sizeof(name), "%zu header fields", n);
	r.name = name;
	r.raw = raw.p;
	r.len = raw.len;
	r.ret = ret;
	r.method = "GET";
	r.target = "/";
	r.minor = 1;
	r.hname = "Host";
	r.hvalue = "x";
	run_row(&r);
	free(raw.p);
}

/* A valid head longer than HEAD_MAX: the reader enforces HEAD_MAX, not
 * the parser. */
static void
long_head(void)
{
	struct sb raw = { 0 }, v = { 0 };
	struct row r = { 0 };

	sb_rep(&v, 'v', HEAD_MAX + 1000);
	sb_str(&raw, "GET / HTTP/1.1\r\n" HOST "X-Big: ");
	sb_add(&raw, v.p, v.len);
	sb_str(&raw, "\r\n\r\n");
	r.name = "head longer than HEAD_MAX";
	r.raw = raw.p;
	r.len = raw.len;
	r.ret = OK;
	r.method = "GET";
	r.target = "/";
	r.minor = 1;
	r.hname = "X-Big";
	r.hvalue = v.p;
	run_row(&r);
	free(v.p);
	free(raw.p);
}

/* A Content-Length too big for any integer type must not wrap to a small
 * number: either 413 (a body) or 400. */
static void
content_length_overflow(void)
{
	static const char *const values[] = {
		"4294967296",			/* 2^32 */
		"18446744073709551616",		/* 2^64 */
		"18446744073709551621",		/* 2^64 + 5 */
		"99999999999999999999999999999999999999",
	};
	struct http_request req;
	struct sb raw = { 0 };
	size_t i;
	int rv;

	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		raw.len = 0;
		sb_str(&raw, "GET / HTTP/1.1\r\n" HOST "Content-Length: ");
		sb_str(&raw, values[i]);
		sb_str(&raw, "\r\n\r\n");
		rv = http_parse_request(raw.p, raw.len, &req);
		if (!ok(rv == -413 || rv == -400,
		    "Content-Length: %s is rejected", values[i]))
			diag("got %d expected -413 or -400", rv);
	}
	free(raw.p);
}

/* http_header_find matches whole names only. */
static void
header_find(void)
{
	static const char raw[] = "GET / HTTP/1.1\r\nHost: x\r\nX-Abc: 1\r\n\r\n";
	struct http_request req;
	const struct http_header *h;

	if (!is_int(http_parse_request(raw, sizeof(raw) - 1, &req),
	    (int)sizeof(raw) - 1, "header_find: request parses"))
		return;
	ok(http_header_find(&req, "X-Ab") == NULL, "header_find: prefix of a name does not match");
	ok(http_header_find(&req, "X-Abcd") == NULL, "header_find: longer name does not match");
	ok(http_header_find(&req, "") == NULL, "header_find: empty name does not match");
	h = http_header_find(&req, "x-aBC");
	ok(h != NULL && h->name_len == 5 && memcmp(h->name, "X-Abc", 5) == 0,
	    "header_find: returns the field itself, name as sent");
}

static void
reason(void)
{
	static const struct {
		int status;
		const char *reason;
	} r[] = {
		{ 200, "OK" },
		{ 400, "Bad Request" },
		{ 404, "Not Found" },
		{ 405, "Method Not Allowed" },
		{ 414, "URI Too Long" },
		{ 431, "Request Header Fields Too Large" },
		{ 500, "Internal Server Error" },
		{ 505, "HTTP Version Not Supported" },
		{ 999, "Unknown" },
		{ 0, "Unknown" },
		{ -1, "Unknown" },
	};
	size_t i;

	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		is_str(http_reason(r[i].status), r[i].reason,
		    "http_reason(%d)", r[i].status);
}

int
main(void)
{
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		run_row(&rows[i]);

	limit_method(1, OK);
	limit_method(METHOD_MAX - 1, OK);
	limit_method(METHOD_MAX, OK);
	limit_method(METHOD_MAX + 1, -400);

	limit_target(TARGET_MAX - 1, 1, OK);
	limit_target(TARGET_MAX, 1, OK);
	limit_target(TARGET_MAX + 1, 1, -414);
	limit_target(TARGET_MAX, 0, 0);
	limit_target(TARGET_MAX + 1, 0, -414);
	limit_target(TARGET_MAX + 100, 0, -414);

	limit_headers(HEADERS_MAX - 1, OK);
	limit_headers(HEADERS_MAX, OK);
	limit_headers(HEADERS_MAX + 1, -431);

	long_head();
	content_length_overflow();
	header_find();
	reason();

	return done_testing();
}
