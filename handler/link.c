/* link: signed, expiring download links. HMAC-SHA256 and its constant-time
 * comparison come from libgcrypt.
 *
 * Why libgcrypt and not nettle: libsystemd0 links libgcrypt already, so it
 * is mapped and relocated at every start anyway; nettle would be one more
 * library at every start, also for the 404s and the requests without a
 * key (libarchive, which would have brought nettle, is loaded only for an
 * archive body since it is dlopen()ed). Measured on the build machine (a
 * program linked like the handler, 15 x 300 starts, medians of CPU time):
 * nothing 1.55 ms; + libgcrypt, not called 1.50 ms; + libgcrypt, HMAC
 * computed 1.58 ms; + nettle, not called 1.68 ms; + nettle, HMAC computed
 * 1.71 ms. LD_DEBUG=statistics: nettle adds an object and 468 symbol
 * relocations to every start, libgcrypt 7 lazy ones. libgcrypt is
 * initialised only when a key is configured. */
#include <errno.h>
#include <fcntl.h>
#include <gcrypt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "link.h"

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int
b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

size_t
link_b64url_encode(const unsigned char *in, size_t len, char *out)
{
	size_t i, o = 0;

	for (i = 0; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = b64url[v >> 18];
		out[o++] = b64url[(v >> 12) & 63];
		out[o++] = b64url[(v >> 6) & 63];
		out[o++] = b64url[v & 63];
	}
	if (len - i == 1) {
		out[o++] = b64url[in[i] >> 2];
		out[o++] = b64url[(in[i] & 3) << 4];
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 8 | in[i + 1];

		out[o++] = b64url[v >> 10];
		out[o++] = b64url[(v >> 4) & 63];
		out[o++] = b64url[(v & 15) << 2];
	}
	out[o] = '\0';
	return o;
}

int
link_b64url_decode(const char *s, size_t len, unsigned char *ret, size_t size)
{
	uint32_t acc = 0;
	size_t i, n = 0;
	int bits = 0;

	if (len % 4 == 1)
		return -EINVAL;	/* 6 bits cannot make a byte */
	if (len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0) > size)
		return -ENOBUFS;
	for (i = 0; i < len; i++) {
		int v = b64url_value((unsigned char)s[i]);

		if (v < 0)
			return -EINVAL;	/* also '=', '+', '/', '%' */
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			ret[n++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* the bits left over must be zero: one encoding per byte string */
	if (acc != 0)
		return -EINVAL;
	return (int)n;
}

/* expires: 1*19DIGIT, no leading zero (but "0"), at most INT64_MAX. */
static int
parse_expires(const char *s, size_t len, int64_t *ret)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 19 || (len > 1 && s[0] == '0'))
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');	/* 19 digits fit in 64 bits */
	}
	if (v > INT64_MAX)
		return -EINVAL;
	*ret = (int64_t)v;
	return 0;
}

int
link_query_parse(const char *q, size_t len, struct link_query *ret)
{
	struct link_query lq;
	const char *p = q, *end = q + len;
	int have_expires = 0, have_sig = 0;

	if (len == 0)
		return -ENOENT;
	while (p <= end) {
		const char *amp = memchr(p, '&', (size_t)(end - p)), *eq, *v;
		const char *pe = amp != NULL ? amp : end;

		eq = memchr(p, '=', (size_t)(pe - p));
		if (eq == NULL)
			return -EINVAL;	/* also an empty parameter ("a&&b", "a&") */
		v = eq + 1;
		if (eq - p == 7 && memcmp(p, "expires", 7) == 0) {
			if (have_expires++ || parse_expires(v, (size_t)(pe - v), &lq.expires) < 0)
				return -EINVAL;
		} else if (eq - p == 3 && memcmp(p, "sig", 3) == 0) {
			if (have_sig++ || pe - v != LINK_SIG_LEN ||
			    link_b64url_decode(v, LINK_SIG_LEN, lq.mac, sizeof(lq.mac)) != LINK_MAC_LEN)
				return -EINVAL;
		} else {
			return -EINVAL;
		}
		if (amp == NULL)
			break;
		p = amp + 1;
	}
	if (!have_expires || !have_sig)
		return -ENOENT;
	*ret = lq;
	return 0;
}

int
link_keys_parse(struct link_keys *k, size_t len, size_t *ret_line)
{
	size_t off = 0, line = 0;

	k->n = 0;
	while (off < len) {
		const unsigned char *nl = memchr(k->buf + off, '\n', len - off);
		size_t klen = nl != NULL ? (size_t)(nl - (k->buf + off)) : len - off;

		line++;
		if (klen > 0) {
			if (klen < LINK_KEY_MIN) {
				*ret_line = line;
				return -EMSGSIZE;
			}
			if (k->n == LINK_KEYS_MAX)
				return -E2BIG;
			k->key[k->n].off = off;
			k->key[k->n].len = klen;
			k->n++;
		}
		off += klen + 1;
	}
	return k->n == 0 ? -ENODATA : 0;
}

int
link_keys_load(const char *path, struct link_keys *k, size_t *ret_line)
{
	size_t len = 0;
	ssize_t n;
	int fd, r;
	char more;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	/* one byte more than the buffer tells a file that is too large */
	for (;;) {
		if (len < sizeof(k->buf))
			n = read(fd, k->buf + len, sizeof(k->buf) - len);
		else
			n = read(fd, &more, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || len == sizeof(k->buf))
			break;
		len += (size_t)n;
	}
	r = n < 0 ? -errno : n > 0 ? -EFBIG : 0;
	close(fd);
	explicit_bzero(&more, sizeof(more));
	if (r == 0)
		r = link_keys_parse(k, len, ret_line);
	if (r < 0)
		link_keys_wipe(k);
	return r;
}

void
link_keys_wipe(struct link_keys *k)
{
	explicit_bzero(k, sizeof(*k));
}

/* libgcrypt must be initialised before its first use (its manual, "Initializing
 * the library"); only when a key is used, so that a start without one pays
 * nothing. */
static int
crypto_init(void)
{
	static int done;

	if (done)
		return 0;
	if (gcry_check_version(GCRYPT_VERSION) == NULL)
		return -EIO;
	gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
	done = 1;
	return 0;
}

static int
is_hash_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
	    c == '-' || c == '_';
}

/* The signed message: hash "\n" expires, as the link writes it. */
static size_t
message(const char *hash, int64_t expires, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s\n%" PRId64, hash, expires);

	return n < 0 || (size_t)n >= size ? 0 : (size_t)n;
}

/* A MAC handle keyed with key i and fed the message. */
static int
mac_open(const struct link_keys *k, size_t i, const char *msg, size_t len, gcry_mac_hd_t *ret)
{
	gcry_mac_hd_t h;

	if (gcry_mac_open(&h, GCRY_MAC_HMAC_SHA256, 0, NULL) != 0)
		return -EIO;
	if (gcry_mac_setkey(h, k->buf + k->key[i].off, k->key[i].len) != 0 ||
	    gcry_mac_write(h, msg, len) != 0) {
		gcry_mac_close(h);
		return -EIO;
	}
	*ret = h;
	return 0;
}

int
link_sign(const struct link_keys *k, const char *hash, int64_t expires, char ret[LINK_PATH_MAX])
{
	char msg[HASH_MAX + 32], sig[LINK_SIG_LEN + 1];
	unsigned char mac[LINK_MAC_LEN];
	size_t i, len = strlen(hash), mlen = sizeof(mac);
	gcry_mac_hd_t h;
	int r;

	if (len == 0 || len > HASH_MAX || expires < 0 || k->n == 0)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!is_hash_char((unsigned char)hash[i]))
			return -EINVAL;
	if ((r = crypto_init()) < 0)
		return r;
	len = message(hash, expires, msg, sizeof(msg));
	if ((r = mac_open(k, 0, msg, len, &h)) < 0)
		return r;
	r = gcry_mac_read(h, mac, &mlen) != 0 || mlen != sizeof(mac) ? -EIO : 0;
	gcry_mac_close(h);
	if (r == 0) {
		link_b64url_encode(mac, sizeof(mac), sig);
		snprintf(ret, LINK_PATH_MAX, "/archive/%s/?expires=%" PRId64 "&sig=%s",
		    hash, expires, sig);
	}
	explicit_bzero(mac, sizeof(mac));
	return r;
}

int
link_verify(const struct link_keys *k, const char *hash, const char *target,
    size_t len, int64_t now)
{
	const char *q = memchr(target, '?', len);
	struct link_query lq;
	char msg[HASH_MAX + 32];
	size_t i, mlen;
	int r, match = 0, failed = 0;

	if (q == NULL)
		return -ENOENT;
	q++;
	if ((r = link_query_parse(q, (size_t)(target + len - q), &lq)) < 0)
		return r;
	if (k->n == 0 || (r = crypto_init()) < 0)
		return -EIO;
	mlen = message(hash, lq.expires, msg, sizeof(msg));
	if (mlen == 0)
		return -EINVAL;
	/* Every key, whichever matches: the time taken does not say which
	 * key signed. gcry_mac_verify() compares with buf_eq_const(), in
	 * constant time, as many bytes as it is given: always the whole
	 * LINK_MAC_LEN here (link_query_parse() took exactly that many). */
	for (i = 0; i < k->n; i++) {
		gcry_mac_hd_t h;
		gcry_error_t e;

		if (mac_open(k, i, msg, mlen, &h) < 0) {
			failed = 1;
			continue;
		}
		e = gcry_mac_verify(h, lq.mac, sizeof(lq.mac));
		if (e == 0)
			match = 1;
		else if (gcry_err_code(e) != GPG_ERR_CHECKSUM)
			failed = 1;
		gcry_mac_close(h);
	}
	if (failed)
		return -EIO;
	if (!match)
		return -EACCES;
	if (now > lq.expires)
		return -ETIME;
	return 0;
}

const char *
link_reason(int err)
{
	switch (err) {
	case -ENOENT: return "missing";
	case -EINVAL: return "malformed";
	case -EACCES: return "bad signature";
	case -ETIME: return "expired";
	default: return "error";
	}
}
