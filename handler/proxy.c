/* proxy: X-Forwarded-For from trusted proxies only. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

#include "proxy.h"

#define ADDR_MAX 64

/* Parse one address of len bytes (no spaces) into a comparable form:
 * IPv4 as an IPv4-mapped IPv6 address. Returns 0 or -EINVAL. */
static int
addr_parse(const char *s, size_t len, struct in6_addr *a)
{
	char buf[ADDR_MAX];
	struct in_addr v4;

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, &v4) == 1) {
		memset(a, 0, sizeof(*a));
		a->s6_addr[10] = 0xff;
		a->s6_addr[11] = 0xff;
		memcpy(&a->s6_addr[12], &v4, 4);
		return 0;
	}
	return inet_pton(AF_INET6, buf, a) == 1 ? 0 : -EINVAL;
}

static int
space(int ch)
{
	return ch == ' ' || ch == '\t';
}

/* Next comma-separated item of [*p, end), trimmed; 0 when none is left. */
static int
item(const char **p, const char *end, const char **s, size_t *len)
{
	const char *q;

	while (*p < end && (space(**p) || **p == ','))
		(*p)++;
	if (*p == end)
		return 0;
	q = *p;
	while (*p < end && **p != ',')
		(*p)++;
	*s = q;
	*len = (size_t)(*p - q);
	while (*len > 0 && space(q[*len - 1]))
		(*len)--;
	return 1;
}

int
proxy_list_valid(const char *list, char *bad, size_t badsize)
{
	const char *p = list, *end = list + strlen(list), *s;
	struct in6_addr a;
	size_t len;
	int n = 0;

	while (item(&p, end, &s, &len)) {
		if (addr_parse(s, len, &a) < 0) {
			if (badsize > 0) {
				size_t k = len < badsize ? len : badsize - 1;

				memcpy(bad, s, k);
				bad[k] = '\0';
			}
			return -EINVAL;
		}
		n++;
	}
	if (n == 0) {
		if (badsize > 0)
			bad[0] = '\0';
		return -EINVAL;
	}
	return 0;
}

static int
trusted_has(const char *trusted, const struct in6_addr *a)
{
	const char *p = trusted, *end = trusted + strlen(trusted), *s;
	struct in6_addr t;
	size_t len;

	while (item(&p, end, &s, &len))
		if (addr_parse(s, len, &t) == 0 && memcmp(&t, a, sizeof(t)) == 0)
			return 1;
	return 0;
}

int
proxy_client(const char *peer, const char *trusted, const struct http_request *req,
    char *out, size_t size)
{
	const char *items[HEADERS_MAX * 4];
	size_t lens[HEADERS_MAX * 4], n = 0, i;
	struct in6_addr a;

	if (trusted == NULL || addr_parse(peer, strlen(peer), &a) < 0 || !trusted_has(trusted, &a))
		return 0;
	/* all X-Forwarded-For items, left to right, over every field */
	for (i = 0; i < req->nheaders; i++) {
		const struct http_header *h = &req->headers[i];
		const char *p = h->value, *end = h->value + h->value_len, *s;
		size_t len;

		if (h->name_len != 15 || strncasecmp(h->name, "X-Forwarded-For", 15) != 0)
			continue;
		while (item(&p, end, &s, &len)) {
			if (n == sizeof(items) / sizeof(items[0]))
				return 0;	/* absurdly many: trust none */
			items[n] = s;
			lens[n++] = len;
		}
	}
	while (n-- > 0) {
		if (addr_parse(items[n], lens[n], &a) < 0)
			return 0;	/* garbage: do not guess */
		if (trusted_has(trusted, &a))
			continue;	/* another proxy of ours */
		if (lens[n] >= size)
			return 0;
		memcpy(out, items[n], lens[n]);
		out[lens[n]] = '\0';
		return 1;
	}
	return 0;
}
