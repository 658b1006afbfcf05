/* fuzz_request: the request-head parser and everything the handler does
 * with a parsed head before it touches the disk: header lookup, routing
 * (percent-decoding), conditional requests and ranges, dates, and the
 * client address behind a trusted proxy.
 *
 * The input is what a client sends. Invariants, each named for FUZZ_IGNORE:
 * the contracts in handler/http.h, path.h, cache.h and proxy.h, plus
 *  - "prefix" (and "prefix-431"): the parser decides the same way however
 *    the head is split into reads (conn_read_head() parses after every
 *    read): once a prefix is decided (head or error), every longer input
 *    gives the same answer;
 *  - "absolute": an accepted origin-form request is also accepted in
 *    absolute-form ("http://a" + target), with the same target;
 *  - "route-model": path_route() agrees with a slow, obvious decoder;
 *  - "link-*": the signed-link query parser (handler/link.h) accepts only
 *    "expires" and "sig", once each, in their one canonical spelling:
 *    what it accepts encodes back to the very bytes of the query. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* strncasecmp, inet_pton with -std=c11; configure passes it too */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cache.h"
#include "http.h"
#include "link.h"
#include "path.h"
#include "proxy.h"
#include "fuzz.h"

/* the ETag and Last-Modified of a pretend album: Sun, 06 Nov 1994 08:49:37 GMT */
static const char etag[] = "\"0123456789abcdef0123456789abcdef\"";
static const int64_t last_modified = 784111777;
static const char trusted[] = "127.0.0.1, ::1,10.0.0.2";

/* Headers the handler or cache_decide() look at, and a few it does not. */
static const char *const fields[] = {
	"Host", "Range", "If-Range", "If-Match", "If-None-Match", "If-Modified-Since",
	"If-Unmodified-Since", "X-Forwarded-For", "Content-Length", "Transfer-Encoding",
	"Connection", "User-Agent",
};

static int
is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int
inside(const char *p, size_t len, const char *buf, size_t size)
{
	return p >= buf && p <= buf + size && len <= (size_t)(buf + size - p);
}

static int
same_name(const struct http_header *h, const char *name)
{
	return h->name_len == strlen(name) && strncasecmp(h->name, name, h->name_len) == 0;
}

static size_t
count(const struct http_request *req, const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < req->nheaders; i++)
		n += same_name(&req->headers[i], name);
	return n;
}

static int
parse_copy(const char *buf, size_t len, struct http_request *req)
{
	/* an exact-size copy, so that a read past len is an ASan report */
	char *copy = malloc(len ? len : 1);
	int r;

	if (copy == NULL)
		abort();
	memcpy(copy, buf, len);
	r = http_parse_request(copy, len, req);
	free(copy);
	return r;
}

/* --- the parser ------------------------------------------------------------ */

static void
check_statuses(int r)
{
	CHECK("status", r >= 0 || r == -400 || r == -413 || r == -414 || r == -431 || r == -505);
	if (r < 0)
		CHECK("reason", strcmp(http_reason(-r), "Unknown") != 0);
}

/* Once a prefix is decided, every longer input is decided the same way.
 * Every prefix of a short input; of a long one, 64 evenly spaced prefixes,
 * the last few and the lines' ends, where a read most often stops. A disagreement
 * about 431 (the header-count limit) has a name of its own, "prefix-431",
 * so that FUZZ_IGNORE can get past that known finding and still catch
 * any other. */
static void
check_prefix(const char *buf, size_t k, int r)
{
	struct http_request req;
	int rk = http_parse_request(buf, k, &req);

	CHECK(rk == -431 || r == -431 ? "prefix-431" : "prefix", rk == 0 || rk == r);
}

static void
check_prefixes(const char *buf, size_t size, int r)
{
	size_t k, step = size <= 128 ? 1 : size / 64, lines = 0;

	for (k = 0; k < size; k += step)
		check_prefix(buf, k, r);
	for (k = size > 4 ? size - 4 : 0; k < size; k++)
		check_prefix(buf, k, r);
	for (k = 0; k < size && lines < HEADERS_MAX + 4; k++) {
		if (buf[k] != '\n' && buf[k] != '\r')
			continue;
		lines += buf[k] == '\n';
		check_prefix(buf, k, r);
		check_prefix(buf, k + 1, r);
	}
}

static void
check_head(const char *buf, size_t size, int r, const struct http_request *req)
{
	struct http_request again;
	size_t i, hlen = (size_t)r;
	const char *prev_end;

	CHECK("length", hlen <= size && hlen >= 16);	/* "A / HTTP/1.0\r\n\r\n" */
	CHECK("crlfcrlf", memcmp(buf + hlen - 4, "\r\n\r\n", 4) == 0);
	for (i = 0; i + 4 < hlen; i++)
		CHECK("first-empty-line", memcmp(buf + i, "\r\n\r\n", 4) != 0);

	/* the bytes after the head do not matter */
	CHECK("trailing", parse_copy(buf, hlen, &again) == r);
	CHECK("trailing", http_parse_request(buf, hlen, &again) == r &&
	    again.method == req->method && again.method_len == req->method_len &&
	    again.target == req->target && again.target_len == req->target_len &&
	    again.minor_version == req->minor_version && again.nheaders == req->nheaders &&
	    again.nheaders <= HEADERS_MAX && memcmp(again.headers, req->headers,
	    again.nheaders * sizeof(again.headers[0])) == 0);

	CHECK("method", req->method == buf && req->method_len >= 1 &&
	    req->method_len <= METHOD_MAX && buf[req->method_len] == ' ');
	for (i = 0; i < req->method_len; i++)
		CHECK("method", is_tchar((unsigned char)req->method[i]));

	/* absolute-form "http://host" means "/", a static string */
	CHECK("target", inside(req->target, req->target_len, buf, hlen) ||
	    (req->target_len == 1 && req->target[0] == '/' && req->target[1] == '\0'));
	CHECK("target", req->target_len >= 1 && req->target_len <= TARGET_MAX &&
	    req->target[0] == '/');
	for (i = 0; i < req->target_len; i++)
		CHECK("target", req->target[i] > 0x20 && req->target[i] < 0x7f);
	CHECK("version", req->minor_version == 0 || req->minor_version == 1);

	CHECK("nheaders", req->nheaders <= HEADERS_MAX);
	prev_end = req->method + req->method_len;
	for (i = 0; i < req->nheaders && i < HEADERS_MAX; i++) {
		const struct http_header *h = &req->headers[i];
		size_t k;

		CHECK("header-inside", inside(h->name, h->name_len, buf, hlen) &&
		    inside(h->value, h->value_len, buf, hlen));
		CHECK("header-order", h->name > prev_end && h->name[-1] == '\n' &&
		    h->value > h->name + h->name_len &&
		    h->value + h->value_len <= buf + hlen - 4);
		CHECK("header-name", h->name_len >= 1 && h->name[h->name_len] == ':');
		for (k = 0; k < h->name_len; k++)
			CHECK("header-name", is_tchar((unsigned char)h->name[k]));
		if (h->value_len > 0)
			CHECK("header-value-trimmed", h->value[0] != ' ' && h->value[0] != '\t' &&
			    h->value[h->value_len - 1] != ' ' &&
			    h->value[h->value_len - 1] != '\t');
		for (k = 0; k < h->value_len; k++) {
			unsigned char c = (unsigned char)h->value[k];

			CHECK("header-value", c == '\t' || (c >= 0x20 && c != 0x7f));
		}
		prev_end = h->value + h->value_len;
	}

	/* what the parser promises to have refused */
	CHECK("host", count(req, "Host") <= 1);
	if (req->minor_version == 1)
		CHECK("host", count(req, "Host") == 1);
	CHECK("transfer-encoding", count(req, "Transfer-Encoding") == 0);
	CHECK("content-length", count(req, "Content-Length") <= 1);
	{
		const struct http_header *cl = http_header_find(req, "Content-Length");

		if (cl != NULL) {
			CHECK("content-length", cl->value_len >= 1);
			for (i = 0; i < cl->value_len; i++)
				CHECK("content-length", cl->value[i] == '0');
		}
	}

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const struct http_header *h = http_header_find(req, fields[i]);
		size_t k;

		for (k = 0; k < req->nheaders && !same_name(&req->headers[k], fields[i]); k++)
			;
		CHECK("header-find", k < req->nheaders ? h == &req->headers[k] : h == NULL);
	}
}

/* An accepted origin-form request stays accepted in absolute-form, also
 * with a one-letter host, and yields the same target. */
static void
check_absolute(const char *buf, int r, const struct http_request *req)
{
	static const char *const authorities[] = { "http://a", "https://a", "HTTP://h.example:80" };
	struct http_request abs_req;
	size_t i, off = req->method_len + 1;

	if (req->target != buf + off || (size_t)r < off)
		return;		/* absolute-form already */
	for (i = 0; i < sizeof(authorities) / sizeof(authorities[0]); i++) {
		size_t alen = strlen(authorities[i]), n = (size_t)r + alen;
		char *b;
		int ra;

		if (req->target_len + alen > TARGET_MAX)
			continue;
		b = malloc(n);
		if (b == NULL)
			abort();
		memcpy(b, buf, off);
		memcpy(b + off, authorities[i], alen);
		memcpy(b + off + alen, buf + off, (size_t)r - off);
		ra = http_parse_request(b, n, &abs_req);
		CHECK("absolute", ra == (int)n && abs_req.target_len == req->target_len &&
		    memcmp(abs_req.target, req->target, req->target_len) == 0);
		free(b);
	}
}

/* --- routing ----------------------------------------------------------------- */

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* What path_route() should answer, the slow way: decode everything before
 * '?' into a buffer as long as the target, then match. */
static int
ref_route(const char *t, size_t len, char hash[HASH_MAX + 1])
{
	unsigned char *dec = malloc(len + 1);
	size_t i, n = 0, end;
	int r = -ENOENT;

	if (dec == NULL)
		abort();
	for (i = 0; i < len && t[i] != '?'; i++) {
		unsigned char c = (unsigned char)t[i];

		if (c == '%') {
			if (i + 2 >= len || hexval((unsigned char)t[i + 1]) < 0 ||
			    hexval((unsigned char)t[i + 2]) < 0) {
				r = -EINVAL;
				goto out;
			}
			c = (unsigned char)(hexval((unsigned char)t[i + 1]) * 16 +
			    hexval((unsigned char)t[i + 2]));
			if (c == 0) {
				r = -EINVAL;
				goto out;
			}
			i += 2;
		}
		dec[n++] = c;
	}
	if (n == 1 && dec[0] == '/') {
		r = ROUTE_INDEX;
		goto out;
	}
	if (n < 10 || memcmp(dec, "/archive/", 9) != 0)
		goto out;
	end = dec[n - 1] == '/' ? n - 1 : n;
	if (end == 9 || end - 9 > HASH_MAX)
		goto out;
	for (i = 9; i < end; i++)
		if (!((dec[i] >= '0' && dec[i] <= '9') || (dec[i] >= 'a' && dec[i] <= 'z') ||
		    (dec[i] >= 'A' && dec[i] <= 'Z') || dec[i] == '-' || dec[i] == '_'))
			goto out;
	memcpy(hash, dec + 9, end - 9);
	hash[end - 9] = '\0';
	r = ROUTE_ARCHIVE;
out:
	free(dec);
	return r;
}

static void
check_route(const char *target, size_t len)
{
	char hash[HASH_MAX + 2], want[HASH_MAX + 1], *copy;
	size_t i;
	int r, rr;

	memset(hash, 'Z', sizeof(hash));
	copy = malloc(len ? len : 1);	/* exact size: no reading past the target */
	if (copy == NULL)
		abort();
	memcpy(copy, target, len);
	r = path_route(copy, len, hash);
	free(copy);
	CHECK("route-status", r == ROUTE_INDEX || r == ROUTE_ARCHIVE || r == -EINVAL ||
	    r == -ENOENT);
	CHECK("route-guard", hash[HASH_MAX + 1] == 'Z');
	if (r != ROUTE_ARCHIVE) {
		for (i = 0; i < sizeof(hash); i++)
			CHECK("route-untouched", hash[i] == 'Z');
	} else {
		fuzz_check_hash(hash, HASH_MAX);
	}
	if (r == -EINVAL)
		CHECK("route-einval", memchr(target, '%', len) != NULL);

	rr = ref_route(target, len, want);
	CHECK("route-model", rr == r);
	if (rr == r && r == ROUTE_ARCHIVE)
		CHECK("route-model", strcmp(hash, want) == 0);
}

/* --- signed links ------------------------------------------------------------------ */

static void
check_link(const char *target, size_t len)
{
	const char *q = memchr(target, '?', len);
	struct link_query lq, untouched;
	char *copy, canon[2][128], sig[LINK_SIG_LEN + 1];
	size_t qlen;
	int r, ok;

	if (q == NULL)
		return;
	q++;
	qlen = (size_t)(target + len - q);
	copy = malloc(qlen ? qlen : 1);	/* exact size: no reading past the query */
	if (copy == NULL)
		abort();
	memcpy(copy, q, qlen);
	memset(&lq, 0xa5, sizeof(lq));
	untouched = lq;
	r = link_query_parse(copy, qlen, &lq);
	free(copy);
	CHECK("link-status", r == 0 || r == -ENOENT || r == -EINVAL);
	if (r != 0) {
		CHECK("link-untouched", memcmp(&lq, &untouched, sizeof(lq)) == 0);
		if (r == -ENOENT)	/* no signature: empty, or a parameter missing */
			CHECK("link-missing", qlen == 0 || memmem(q, qlen, "sig=", 4) == NULL ||
			    memmem(q, qlen, "expires=", 8) == NULL);
		return;
	}
	CHECK("link-expires", lq.expires >= 0);
	link_b64url_encode(lq.mac, sizeof(lq.mac), sig);
	snprintf(canon[0], sizeof(canon[0]), "expires=%lld&sig=%s", (long long)lq.expires, sig);
	snprintf(canon[1], sizeof(canon[1]), "sig=%s&expires=%lld", sig, (long long)lq.expires);
	ok = (qlen == strlen(canon[0]) && memcmp(q, canon[0], qlen) == 0) ||
	    (qlen == strlen(canon[1]) && memcmp(q, canon[1], qlen) == 0);
	CHECK("link-canonical", ok);
}

/* --- validators, ranges, dates ----------------------------------------------- */

static void
check_date(const char *s, size_t len)
{
	char out[CACHE_DATE_MAX];
	int64_t t = 0, t2 = 0;

	if (cache_parse_date(s, len, &t) < 0)
		return;
	/* years 0000 to 9999 */
	CHECK("date-range", t >= -62167219200LL && t <= 253402300799LL);
	cache_format_date(t, out);
	CHECK("date-roundtrip", cache_parse_date(out, strlen(out), &t2) == 0 && t2 == t);
	/* an IMF-fixdate comes back as sent, but for a leap second */
	if (len == 29 && s[3] == ',' && !(s[23] == '6' && s[24] == '0'))
		CHECK("date-imf", memcmp(out, s, 29) == 0 && out[29] == '\0');
}

static void
check_decide(const struct http_request *req)
{
	static const uint64_t totals[] = { 0, 1, 106398, UINT64_MAX };
	int has_range = count(req, "Range") > 0;
	int has_412 = count(req, "If-Match") > 0 || count(req, "If-Unmodified-Since") > 0;
	int has_304 = count(req, "If-None-Match") > 0 || count(req, "If-Modified-Since") > 0;
	uint64_t first, last;
	int base;
	size_t i;

	/* HEAD, or a representation without ranges: the validators alone */
	base = cache_decide(req, 1, etag, last_modified, 0, 0, &first, &last);
	CHECK("decide-status", base == 200 || base == 304 || base == 412);
	if (base == 304)
		CHECK("decide-304", has_304);
	if (base == 412)
		CHECK("decide-412", has_412);

	for (i = 0; i < sizeof(totals) / sizeof(totals[0]); i++) {
		uint64_t total = totals[i];
		int is_head, ranges;

		for (is_head = 0; is_head <= 1; is_head++) {
			for (ranges = 0; ranges <= 1; ranges++) {
				int c;

				first = 7;
				last = 5;
				c = cache_decide(req, is_head, etag, last_modified, total, ranges,
				    &first, &last);
				CHECK("decide-status", c == 200 || c == 206 || c == 304 ||
				    c == 412 || c == 416);
				if (c == 206)
					CHECK("decide-206", total > 0 && first <= last && last < total);
				if (c == 206 || c == 416)
					CHECK("decide-ranges", ranges && !is_head && has_range &&
					    base == 200);
				else	/* validators depend on neither length nor method */
					CHECK("decide-validators", c == base);
			}
		}
	}
}

/* --- the client address ------------------------------------------------------ */

/* a and b are the same address, IPv4 also as IPv4-mapped IPv6 */
static int
addr_eq(const char *a, const char *b)
{
	unsigned char x[16], y[16];
	const char *s[2] = { a, b };
	unsigned char *d[2] = { x, y };
	int i;

	for (i = 0; i < 2; i++) {
		memset(d[i], 0, 16);
		if (inet_pton(AF_INET, s[i], d[i] + 12) == 1) {
			d[i][10] = d[i][11] = 0xff;
		} else if (inet_pton(AF_INET6, s[i], d[i]) != 1) {
			return 0;
		}
	}
	return memcmp(x, y, 16) == 0;
}

static void
check_proxy(const struct http_request *req)
{
	static const char *const peers[] = { "127.0.0.1", "::1", "10.0.0.2" };
	char out[64], small[8], buf[16];
	size_t i, k;

	CHECK("proxy-untrusted", proxy_client("192.0.2.1", trusted, req, out, sizeof(out)) == 0);
	CHECK("proxy-untrusted", proxy_client("127.0.0.1", NULL, req, out, sizeof(out)) == 0);
	for (i = 0; i < sizeof(peers) / sizeof(peers[0]); i++) {
		int r = proxy_client(peers[i], trusted, req, out, sizeof(out));
		int found = 0;

		CHECK("proxy-status", r == 0 || r == 1);
		if (r != 1)
			continue;
		CHECK("proxy-out", memchr(out, '\0', sizeof(out)) != NULL);
		CHECK("proxy-out", inet_pton(AF_INET, out, buf) == 1 ||
		    inet_pton(AF_INET6, out, buf) == 1);
		CHECK("proxy-not-trusted", !addr_eq(out, "127.0.0.1") && !addr_eq(out, "::1") &&
		    !addr_eq(out, "10.0.0.2"));
		for (k = 0; k < req->nheaders; k++) {
			const struct http_header *h = &req->headers[k];
			size_t olen = strlen(out), j;

			if (!same_name(h, "X-Forwarded-For"))
				continue;
			for (j = 0; j + olen <= h->value_len && !found; j++)
				found = memcmp(h->value + j, out, olen) == 0;
		}
		CHECK("proxy-from-field", found);
		r = proxy_client(peers[i], trusted, req, small, sizeof(small));
		if (r == 1)
			CHECK("proxy-size", strlen(small) < sizeof(small) && strcmp(small, out) == 0);
	}
}

/* --- entry points --------------------------------------------------------------- */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char bad[64];

	if (proxy_list_valid(trusted, bad, sizeof(bad)) != 0) {
		fprintf(stderr, "fuzz_request: bad trusted list at %s\n", bad);
		abort();
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct http_request req, untouched;
	char method[METHOD_MAX + 1], target[TARGET_MAX + 1];
	size_t i;
	int r;

	/* the date parser sees the raw input too, not only header values */
	check_date(buf, size > 64 ? 64 : size);

	memset(&req, 0xa5, sizeof(req));
	memcpy(&untouched, &req, sizeof(req));
	r = http_parse_request(buf, size, &req);
	check_statuses(r);
	check_prefixes(buf, size, r);
	if (r <= 0) {
		CHECK("untouched", memcmp(&req, &untouched, sizeof(req)) == 0);
		return 0;
	}
	check_head(buf, size, r, &req);
	if (req.method_len > METHOD_MAX || req.target_len > TARGET_MAX ||
	    req.nheaders > HEADERS_MAX)
		return 0;	/* ignored with FUZZ_IGNORE: do not overflow below */
	check_absolute(buf, r, &req);

	/* what main() does next */
	memcpy(method, req.method, req.method_len);
	method[req.method_len] = '\0';
	memcpy(target, req.target, req.target_len);
	target[req.target_len] = '\0';
	check_route(req.target, req.target_len);
	check_link(req.target, req.target_len);
	check_decide(&req);
	check_proxy(&req);
	for (i = 0; i < req.nheaders; i++)
		check_date(req.headers[i].value, req.headers[i].value_len);
	return 0;
}
