/* Unit tests of handler/link.c against the contract in handler/link.h:
 * base64url both ways (RFC 4648 vectors, every length, the strictness),
 * the query parser (a table of valid and hostile queries), the key file
 * (every limit at limit-1, limit and limit+1), and signing and verifying
 * against MACs computed by Python's hmac module (not by libgcrypt).
 * Inputs are malloc'ed copies of exactly their length (no NUL), so an
 * over-read shows under ASan and valgrind. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "link.h"
#include "tap.h"

static char *
copy(const char *s, size_t len)
{
	char *p = malloc(len ? len : 1);

	if (p == NULL)
		abort();
	memcpy(p, s, len);
	return p;
}

/* --- base64url ---------------------------------------------------------- */

static void
test_b64url(void)
{
	static const struct { const char *plain, *enc; } vec[] = {
		/* RFC 4648, section 10, without the padding */
		{ "", "" }, { "f", "Zg" }, { "fo", "Zm8" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg" }, { "fooba", "Zm9vYmE" }, { "foobar", "Zm9vYmFy" },
		/* the two characters that differ from standard base64 */
		{ "\xfb\xff", "-_8" }, { "\xff\xff\xff", "____" }, { "\xfb\xef\xbe", "----" },
	};
	static const char *const bad[] = {
		"Zg==", "Zg=", "Zm8=", "+/8", "Zm9v+", "Zm/v", "Z", "Zm9vY", "Zm 9v", "Zm9v%3D",
		"Zh", "Zm9", "-_9", "Zm8.", "\x80\x80",
	};
	unsigned char in[64], out[64];
	char enc[128];
	size_t i, len;
	int r, all = 1;

	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		char *s;

		len = link_b64url_encode((const unsigned char *)vec[i].plain, strlen(vec[i].plain), enc);
		is_str(enc, vec[i].enc, "encode \"%s\"", vec[i].enc);
		ok(len == strlen(vec[i].enc), "encode \"%s\": length %zu", vec[i].enc, len);
		s = copy(vec[i].enc, strlen(vec[i].enc));
		r = link_b64url_decode(s, strlen(vec[i].enc), out, sizeof(out));
		ok(r == (int)strlen(vec[i].plain) && memcmp(out, vec[i].plain, (size_t)r) == 0,
		    "decode \"%s\" (%d)", vec[i].enc, r);
		free(s);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *s = copy(bad[i], strlen(bad[i]));

		r = link_b64url_decode(s, strlen(bad[i]), out, sizeof(out));
		is_int(r, -EINVAL, "decode refuses \"%s\"", bad[i]);
		free(s);
	}
	/* every length, every byte value: decode(encode(x)) == x, and the
	 * encoding never has padding or characters outside the alphabet */
	for (len = 0; len <= sizeof(in); len++) {
		char *s;

		for (i = 0; i < len; i++)
			in[i] = (unsigned char)(len * 37 + i * 101 + 255 * (i & 1));
		link_b64url_encode(in, len, enc);
		s = copy(enc, strlen(enc));
		r = link_b64url_decode(s, strlen(enc), out, sizeof(out));
		if (r != (int)len || memcmp(in, out, len) != 0 ||
		    strspn(enc, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") !=
		    strlen(enc) || strlen(enc) != (len * 4 + 2) / 3)
			all = 0;
		free(s);
	}
	ok(all, "round trip of every length 0 to 64");
	is_int(link_b64url_decode("Zm9v", 4, out, 2), -ENOBUFS, "3 bytes do not fit in 2");
	is_int(link_b64url_decode("Zm9v", 4, out, 3), 3, "3 bytes fit in 3");
}

/* --- the query ------------------------------------------------------------ */

#define SIG	"avf7e1CpoZNhuYF30chBdYpyjJ2INJ05K3HE-tc2BoY"

struct qrow {
	const char *q;
	int ret;
	int64_t expires;	/* when ret == 0 */
};

static const struct qrow qrows[] = {
	{ "expires=1700000000&sig=" SIG, 0, 1700000000 },
	{ "sig=" SIG "&expires=1700000000", 0, 1700000000 },	/* either order */
	{ "expires=0&sig=" SIG, 0, 0 },
	{ "expires=9223372036854775807&sig=" SIG, 0, INT64_MAX },
	{ "expires=9223372036854775806&sig=" SIG, 0, INT64_MAX - 1 },
	/* no link */
	{ "", -ENOENT, 0 },
	{ "expires=1700000000", -ENOENT, 0 },
	{ "sig=" SIG, -ENOENT, 0 },
	/* expires */
	{ "expires=9223372036854775808&sig=" SIG, -EINVAL, 0 },	/* 2^63 */
	{ "expires=18446744073709551616&sig=" SIG, -EINVAL, 0 },	/* 2^64 */
	{ "expires=99999999999999999999&sig=" SIG, -EINVAL, 0 },
	{ "expires=01700000000&sig=" SIG, -EINVAL, 0 },
	{ "expires=00&sig=" SIG, -EINVAL, 0 },
	{ "expires=+1700000000&sig=" SIG, -EINVAL, 0 },
	{ "expires=-1&sig=" SIG, -EINVAL, 0 },
	{ "expires= 1700000000&sig=" SIG, -EINVAL, 0 },
	{ "expires=1700000000 &sig=" SIG, -EINVAL, 0 },
	{ "expires=&sig=" SIG, -EINVAL, 0 },
	{ "expires=0x10&sig=" SIG, -EINVAL, 0 },
	{ "expires=1e9&sig=" SIG, -EINVAL, 0 },
	{ "expires=1700000000.0&sig=" SIG, -EINVAL, 0 },
	{ "expires=%31700000000&sig=" SIG, -EINVAL, 0 },
	/* sig */
	{ "expires=1700000000&sig=" SIG "=", -EINVAL, 0 },		/* padded */
	{ "expires=1700000000&sig=avf7e1CpoZNhuYF30chBdYpyjJ2INJ05K3HE-tc2Bo", -EINVAL, 0 },
	{ "expires=1700000000&sig=avf7e1CpoZNhuYF30chBdYpyjJ2INJ05K3HE+tc2BoY", -EINVAL, 0 },
	{ "expires=1700000000&sig=avf7e1CpoZNhuYF30chBdYpyjJ2INJ05K3HE-tc2BoZ", -EINVAL, 0 },
	{ "expires=1700000000&sig=" SIG "A", -EINVAL, 0 },
	{ "expires=1700000000&sig=" SIG "AA", -EINVAL, 0 },
	{ "expires=1700000000&sig=6AF7FB7B50A9A19361B98177D1C841758A728C9D88349D392B71C4FAD7360686", -EINVAL, 0 },
	{ "expires=1700000000&sig=6af7fb7b50a9a19361b98177d1c841758a728c9d88349d392b71c4fad7360686", -EINVAL, 0 },
	{ "expires=1700000000&sig=", -EINVAL, 0 },
	{ "expires=1700000000&sig=avf7e1CpoZNhuYF30chBdYpyjJ2INJ05K3HE%2Dtc2BoY", -EINVAL, 0 },
	/* parameters */
	{ "expires=1700000000&sig=" SIG "&expires=1700000000", -EINVAL, 0 },
	{ "expires=1700000000&sig=" SIG "&sig=" SIG, -EINVAL, 0 },
	{ "expires=1700000000&expires=1700000000", -EINVAL, 0 },
	{ "expires=1700000000&sig=" SIG "&dl=1", -EINVAL, 0 },
	{ "dl=1&expires=1700000000&sig=" SIG, -EINVAL, 0 },
	{ "expires=1700000000&sig=" SIG "&", -EINVAL, 0 },
	{ "&expires=1700000000&sig=" SIG, -EINVAL, 0 },
	{ "expires=1700000000&&sig=" SIG, -EINVAL, 0 },
	{ "expires=1700000000;sig=" SIG, -EINVAL, 0 },
	{ "%65xpires=1700000000&sig=" SIG, -EINVAL, 0 },
	{ "expires=1700000000&%73ig=" SIG, -EINVAL, 0 },
	{ "Expires=1700000000&sig=" SIG, -EINVAL, 0 },
	{ "expires=1700000000&SIG=" SIG, -EINVAL, 0 },
	{ "expires =1700000000&sig=" SIG, -EINVAL, 0 },
	{ "expires==1700000000&sig=" SIG, -EINVAL, 0 },
	{ "expires=1700000000&sig=" SIG "#x", -EINVAL, 0 },
	{ "expires", -EINVAL, 0 },
	{ "=", -EINVAL, 0 },
	{ "&", -EINVAL, 0 },
	{ "x", -EINVAL, 0 },
	{ "sig", -EINVAL, 0 },
};

static void
test_query(void)
{
	size_t i;

	for (i = 0; i < sizeof(qrows) / sizeof(qrows[0]); i++) {
		const struct qrow *row = &qrows[i];
		struct link_query lq = { .expires = -42 };
		char *q = copy(row->q, strlen(row->q));
		int r = link_query_parse(q, strlen(row->q), &lq);

		if (row->ret == 0)
			ok(r == 0 && lq.expires == row->expires, "\"%s\": valid (%d)", row->q, r);
		else
			ok(r == row->ret && lq.expires == -42, "\"%s\": %s (%d)", row->q,
			    row->ret == -ENOENT ? "missing" : "malformed", r);
		free(q);
	}
}

/* --- the key file ------------------------------------------------------------- */

static struct link_keys keys;

static int
parse(const char *text, size_t len, size_t *line)
{
	memset(&keys, 0x5a, sizeof(keys));
	memcpy(keys.buf, text, len);
	*line = 0;
	return link_keys_parse(&keys, len, line);
}

static void
test_keys(void)
{
	char text[LINK_KEY_FILE_MAX + 2], path[] = "/tmp/test_link.XXXXXX";
	size_t line, i;
	int r, fd;

	/* LINK_KEY_MIN - 1, LINK_KEY_MIN, LINK_KEY_MIN + 1 bytes */
	memset(text, 'k', sizeof(text));
	r = parse(text, LINK_KEY_MIN - 1, &line);
	ok(r == -EMSGSIZE && line == 1, "a key of %d bytes is refused (%d, line %zu)",
	    LINK_KEY_MIN - 1, r, line);
	r = parse(text, LINK_KEY_MIN, &line);
	ok(r == 0 && keys.n == 1 && keys.key[0].len == LINK_KEY_MIN, "a key of %d bytes", LINK_KEY_MIN);
	r = parse(text, LINK_KEY_MIN + 1, &line);
	ok(r == 0 && keys.n == 1 && keys.key[0].len == LINK_KEY_MIN + 1, "a key of %d bytes",
	    LINK_KEY_MIN + 1);

	/* LINK_KEYS_MAX - 1, LINK_KEYS_MAX, LINK_KEYS_MAX + 1 keys */
	for (i = 0; i < sizeof(text); i += LINK_KEY_MIN + 1)
		if (i + LINK_KEY_MIN < sizeof(text))
			text[i + LINK_KEY_MIN] = '\n';
	r = parse(text, (LINK_KEYS_MAX - 1) * (LINK_KEY_MIN + 1), &line);
	ok(r == 0 && keys.n == LINK_KEYS_MAX - 1, "%d keys", LINK_KEYS_MAX - 1);
	r = parse(text, LINK_KEYS_MAX * (LINK_KEY_MIN + 1), &line);
	ok(r == 0 && keys.n == LINK_KEYS_MAX && keys.key[LINK_KEYS_MAX - 1].off ==
	    (LINK_KEYS_MAX - 1) * (LINK_KEY_MIN + 1), "%d keys", LINK_KEYS_MAX);
	r = parse(text, (LINK_KEYS_MAX + 1) * (LINK_KEY_MIN + 1), &line);
	is_int(r, -E2BIG, "%d keys are refused", LINK_KEYS_MAX + 1);

	/* lines: the bytes without "\n", empty lines ignored, CR and spaces kept */
	r = parse("\n\n0123456789abcdef0123456789abcdef \n\n0123456789abcdef0123456789abcdef\r", 70, &line);
	ok(r == 0 && keys.n == 2 && keys.key[0].off == 2 && keys.key[0].len == 33 &&
	    keys.key[1].off == 37 && keys.key[1].len == 33,
	    "empty lines skipped, the trailing space and CR are key bytes");
	r = parse("0123456789abcdef0123456789abcdef\nshort\n", 39, &line);
	ok(r == -EMSGSIZE && line == 2, "a short second key: its line number (%zu)", line);
	r = parse("", 0, &line);
	is_int(r, -ENODATA, "an empty file has no key");
	r = parse("\n\n\n", 3, &line);
	is_int(r, -ENODATA, "empty lines only: no key");

	/* the file: LINK_KEY_FILE_MAX - 1, LINK_KEY_FILE_MAX, + 1 bytes */
	memset(text, 'k', sizeof(text));
	for (i = 0; i < 3; i++) {
		size_t size = LINK_KEY_FILE_MAX - 1 + i;

		fd = mkstemp(path);
		if (fd < 0 || write(fd, text, size) != (ssize_t)size) {
			ok(0, "cannot write %s", path);
			return;
		}
		close(fd);
		r = link_keys_load(path, &keys, &line);
		if (i < 2)
			ok(r == 0 && keys.n == 1 && keys.key[0].len == size, "a file of %zu bytes", size);
		else
			ok(r == -EFBIG && keys.n == 0 && keys.buf[0] == 0,
			    "a file of %zu bytes is refused, the buffer wiped (%d)", size, r);
		unlink(path);
		strcpy(path, "/tmp/test_link.XXXXXX");
	}
	is_int(link_keys_load("/nonexistent/link-key", &keys, &line), -ENOENT, "no file: -ENOENT");
	is_int(link_keys_load("/", &keys, &line), -EISDIR, "a folder: -EISDIR");
}

/* --- signing and verifying ------------------------------------------------------- */

static void
load(const char *text)
{
	size_t line;

	memset(&keys, 0, sizeof(keys));
	memcpy(keys.buf, text, strlen(text));
	if (link_keys_parse(&keys, strlen(text), &line) != 0)
		abort();
}

static int
verify(const char *hash, const char *target, int64_t now)
{
	char *t = copy(target, strlen(target));
	int r = link_verify(&keys, hash, t, strlen(target), now);

	free(t);
	return r;
}

static void
test_sign_verify(void)
{
	char link[LINK_PATH_MAX], hash[HASH_MAX + 2];
	const char *second = "0123456789abcdef0123456789abcdef-second";
	int i;

	/* MACs from Python: base64.urlsafe_b64encode(hmac.new(key, msg,
	 * hashlib.sha256).digest()).rstrip(b"=") */
	load("kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n0123456789abcdef0123456789abcdef-second\n");
	is_int(link_sign(&keys, "abc", 1700000000, link), 0, "sign");
	is_str(link, "/archive/abc/?expires=1700000000&sig=" SIG, "the link Python's hmac makes");
	is_int(verify("abc", link, 1700000000), 0, "valid at its expiry second");
	is_int(verify("abc", link, 1699999999), 0, "valid before");
	is_int(verify("abc", link, 1700000001), -ETIME, "expired one second later");
	is_int(verify("abc", link, INT64_MAX), -ETIME, "expired at the end of time");
	is_int(verify("abd", link, 1600000000), -EACCES, "another album: bad signature");
	is_int(verify("ab", link, 1600000000), -EACCES, "a prefix of the album: bad signature");
	is_int(verify("abc", "/archive/abc/?expires=1700000001&sig=" SIG, 1600000000), -EACCES,
	    "another expiry: bad signature");
	is_int(verify("abc", "/archive/abc?sig=" SIG "&expires=1700000000", 1600000000), 0,
	    "parameters in the other order, no final slash");
	is_int(verify("abc", "/archive/abc/", 1600000000), -ENOENT, "no query: missing");
	is_int(verify("abc", "/archive/abc/?", 1600000000), -ENOENT, "empty query: missing");
	is_int(verify("abc", "/archive/abc/?expires=1700000000&sig=" SIG "=", 1600000000),
	    -EINVAL, "padded: malformed");
	is_int(verify("abc", "/archive/abc/?expires=1700000000&sig=weojmmzTBPewcziZJAbugKD3nRLwImhMnN4sWvGYxcI",
	    1600000000), 0, "signed with the second key");
	/* the same signature, but the second key is no longer in the file */
	load("kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n");
	is_int(verify("abc", "/archive/abc/?expires=1700000000&sig=weojmmzTBPewcziZJAbugKD3nRLwImhMnN4sWvGYxcI",
	    1600000000), -EACCES, "the second key removed: bad signature");
	/* rotated: the new key signs, the old one still verifies */
	load("0123456789abcdef0123456789abcdef-second\nkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n");
	is_int(link_sign(&keys, "abc", 1700000000, link), 0, "sign with the rotated file");
	ok(strstr(link, "weojmmzTBPewcziZJAbugKD3nRLwImhMnN4sWvGYxcI") != NULL,
	    "the first line signs (%s)", link);
	is_int(verify("abc", "/archive/abc/?expires=1700000000&sig=" SIG, 1600000000), 0,
	    "a link of the old key still works");
	(void)second;

	/* key bytes as they are: a CR at the end is part of the key */
	memset(&keys, 0, sizeof(keys));
	for (i = 0; i < 32; i++)
		keys.buf[i] = (unsigned char)(i + 1);
	keys.buf[32] = '\r';
	keys.n = 1;
	keys.key[0].off = 0;
	keys.key[0].len = 33;
	is_int(link_sign(&keys, "3bea29ccabbbf64bdebcc055319c5745", 0, link), 0, "sign with expires 0");
	is_str(link, "/archive/3bea29ccabbbf64bdebcc055319c5745/?expires=0&sig="
	    "bGtsyOigtTDIJNezHOrpgE06dQY9CWK9OV1Cb26237w", "binary key ending in CR, as Python");

	/* what --sign refuses */
	memset(hash, 'a', sizeof(hash));
	hash[HASH_MAX] = '\0';
	is_int(link_sign(&keys, hash, 1, link), 0, "a hash of %d bytes", HASH_MAX);
	hash[HASH_MAX] = 'a';
	hash[HASH_MAX + 1] = '\0';
	is_int(link_sign(&keys, hash, 1, link), -EINVAL, "a hash of %d bytes is refused", HASH_MAX + 1);
	is_int(link_sign(&keys, "", 1, link), -EINVAL, "an empty hash is refused");
	is_int(link_sign(&keys, "a/b", 1, link), -EINVAL, "a hash with a slash is refused");
	is_int(link_sign(&keys, "a%2f", 1, link), -EINVAL, "a hash with a percent is refused");
	is_int(link_sign(&keys, "abc", -1, link), -EINVAL, "a negative expiry is refused");
	is_int(link_sign(&keys, "abc", INT64_MAX, link), 0, "expires INT64_MAX");
	ok(strlen(link) < LINK_PATH_MAX, "the longest link fits (%zu bytes)", strlen(link));

	link_keys_wipe(&keys);
	ok(keys.n == 0 && keys.buf[0] == 0 && keys.buf[32] == 0, "wiped");
}

int
main(void)
{
	test_b64url();
	test_query();
	test_keys();
	test_sign_verify();
	return done_testing();
}
