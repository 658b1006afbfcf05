/* path: strict percent-decoding and routing of the request target. */
#include <errno.h>
#include <string.h>

#include "path.h"

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int
is_hash_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
	    c == '-' || c == '_';
}

int
path_route(const char *target, size_t len, char ret_hash[HASH_MAX + 1])
{
	/* The decoded path is never longer than the target; anything longer
	 * than this cannot be a route of ours, but must still be decoded to
	 * tell 400 from 404. */
	static const char prefix[] = "/archive/";
	const size_t plen = sizeof(prefix) - 1;
	char dec[sizeof(prefix) + HASH_MAX + 1];
	size_t i, n = 0, hlen;
	int overflow = 0;

	for (i = 0; i < len && target[i] != '?'; i++) {
		unsigned char c = (unsigned char)target[i];

		if (c == '%') {
			int hi, lo;

			if (len - i < 3)
				return -EINVAL;
			hi = hexval((unsigned char)target[i + 1]);
			lo = hexval((unsigned char)target[i + 2]);
			if (hi < 0 || lo < 0)
				return -EINVAL;
			c = (unsigned char)(hi << 4 | lo);
			if (c == 0)
				return -EINVAL;
			i += 2;
		}
		if (n < sizeof(dec))
			dec[n++] = (char)c;
		else
			overflow = 1;
	}
	if (overflow)
		return -ENOENT;

	if (n == 1 && dec[0] == '/')
		return ROUTE_INDEX;
	if (n <= plen || memcmp(dec, prefix, plen) != 0)
		return -ENOENT;
	hlen = n - plen;
	if (dec[n - 1] == '/')
		hlen--;
	if (hlen == 0 || hlen > HASH_MAX)
		return -ENOENT;
	for (i = plen; i < plen + hlen; i++)
		if (!is_hash_char((unsigned char)dec[i]))
			return -ENOENT;
	memcpy(ret_hash, dec + plen, hlen);
	ret_hash[hlen] = '\0';
	return ROUTE_ARCHIVE;
}

int
path_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		unsigned char c = *p;
		unsigned int cp, min;
		int n, k;

		if (c < 0x80) {
			p++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			n = 1; cp = c & 0x1f; min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2; cp = c & 0x0f; min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3; cp = c & 0x07; min = 0x10000;
		} else {
			return 0;	/* continuation byte, 0xc0, 0xc1, 0xf5.. */
		}
		if (end - p <= n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((p[k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		p += n + 1;
	}
	return 1;
}
