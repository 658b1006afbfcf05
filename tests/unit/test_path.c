/* Unit tests of handler/path.c against the contract in handler/path.h.
 *
 * Table-driven: each row is a request target and the expected route (with
 * the decoded hash for ROUTE_ARCHIVE) or error. On errors ret_hash must be
 * untouched; every target is handed over as a malloc'ed copy of exactly
 * its length (no terminating NUL), so an over-read shows up under ASan or
 * valgrind. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"
#include "ah_limits.h"
#include "tap.h"

struct row {
	const char *target;
	size_t len;		/* 0: strlen(target) */
	int ret;		/* ROUTE_INDEX, ROUTE_ARCHIVE, -EINVAL or -ENOENT */
	const char *hash;	/* decoded hash for ROUTE_ARCHIVE */
};

#define INDEX(t)	{ (t), 0, ROUTE_INDEX, NULL }
#define ARCHIVE(t, h)	{ (t), 0, ROUTE_ARCHIVE, (h) }
#define EINVAL_(t)	{ (t), 0, -EINVAL, NULL }
#define ENOENT_(t)	{ (t), 0, -ENOENT, NULL }

static const struct row rows[] = {
	/* index */
	INDEX("/"),
	INDEX("/?x=1"),
	INDEX("/?"),
	INDEX("/?/archive/abc/"),
	/* the query is ignored, escapes in it too */
	INDEX("/?%zz%"),

	/* archives */
	ARCHIVE("/archive/3bea29ccabbbf64bdebcc055319c5745/", "3bea29ccabbbf64bdebcc055319c5745"),
	ARCHIVE("/archive/3bea29ccabbbf64bdebcc055319c5745", "3bea29ccabbbf64bdebcc055319c5745"),
	ARCHIVE("/archive/abc/?dl=1", "abc"),
	ARCHIVE("/archive/abc?dl=1", "abc"),
	ARCHIVE("/archive/abc/?", "abc"),
	ARCHIVE("/archive/abc/?%", "abc"),
	ARCHIVE("/archive/a-b_c/", "a-b_c"),
	ARCHIVE("/archive/-/", "-"),
	ARCHIVE("/archive/_", "_"),
	ARCHIVE("/archive/x", "x"),
	ARCHIVE("/archive/AZaz09-_/", "AZaz09-_"),
	ARCHIVE("/archive/%61bc/", "abc"),
	ARCHIVE("/archive/ab%63", "abc"),
	ARCHIVE("/archive/%4A%4a/", "JJ"),
	ARCHIVE("/archive/%2d%5F%5f/", "-__"),
	ARCHIVE("/archive/%41%42%43/", "ABC"),

	/* not an archive */
	ENOENT_(""),
	ENOENT_("?x=1"),
	ENOENT_("/archive"),
	ENOENT_("/archive?x=1"),
	ENOENT_("/archive/"),
	ENOENT_("/archive/?x=1"),
	ENOENT_("/archive//"),
	ENOENT_("/archive/.."),
	ENOENT_("/archive/."),
	ENOENT_("/archive/../"),
	ENOENT_("/archive/%2e%2e/"),
	ENOENT_("/archive/%2E%2e"),
	ENOENT_("/archive/..%2F"),
	ENOENT_("/archive/a%2Fb/"),
	ENOENT_("/archive/a%2fb"),
	ENOENT_("/archive/a/b/"),
	ENOENT_("/archive/a//"),
	ENOENT_("//archive/abc/"),
	ENOENT_("/archive/abc/../x"),
	ENOENT_("/archive/abc/.."),
	ENOENT_("/archive/%252e%252e/"),
	ENOENT_("/archive/%2561bc/"),
	ENOENT_("/archive/%c0%ae%c0%ae/"),
	ENOENT_("/archive/..\\x"),
	ENOENT_("/archive/abc\\"),
	ENOENT_("/archive/abc;x=1/"),
	ENOENT_("/archive/abc%3B/"),
	ENOENT_("/ARCHIVE/abc/"),
	ENOENT_("/Archive/abc/"),
	ENOENT_("/archive/abc.zip"),
	ENOENT_("/archive/abc/x"),
	ENOENT_("/archive/abc/index.html"),
	ENOENT_("/index.html"),
	ENOENT_("/x"),
	ENOENT_("archive/abc/"),
	ENOENT_("/archive/a%20b/"),
	ENOENT_("/archive/a b/"),
	ENOENT_("/archive/a+b/"),
	ENOENT_("/archive/%C3%A9/"),
	ENOENT_("/archive/caf\xc3\xa9/"),
	ENOENT_("/archive/abc#x"),
	ENOENT_("/archive/a~b/"),
	ENOENT_("/archive/a%7eb/"),
	ENOENT_("/%2F"),
	ENOENT_("/%3Fx=1"),
	ENOENT_("/archive/abc%3F"),

	/* malformed escapes */
	EINVAL_("/archive/%/"),
	EINVAL_("/archive/%4/"),
	EINVAL_("/archive/%zz/"),
	EINVAL_("/archive/%g0/"),
	EINVAL_("/archive/%0g/"),
	EINVAL_("/archive/%%/"),
	EINVAL_("/archive/%%41/"),
	EINVAL_("/archive/% 4/"),
	EINVAL_("/archive/%+4/"),
	EINVAL_("/archive/%-4/"),
	EINVAL_("/archive/abc%"),
	EINVAL_("/archive/abc%4"),
	EINVAL_("/archive/abc%?x"),
	EINVAL_("/archive/abc%4?x"),
	EINVAL_("/%"),
	EINVAL_("/%00"),
	EINVAL_("/archive/%00/"),
	EINVAL_("/archive/abc%00"),
	EINVAL_("/archive/abc/%00"),
	EINVAL_("/%00/archive/abc/"),
	EINVAL_("/x/%00"),
	EINVAL_("/x/%zz"),
};

/* Rows with an explicit length: the function must not look past it. */
static const struct row rows_len[] = {
	{ "/archive/abc/XYZ", 13, ROUTE_ARCHIVE, "abc" },
	{ "/archive/abc%zz", 12, ROUTE_ARCHIVE, "abc" },
	{ "/archive/abc", 9, -ENOENT, NULL },
	{ "/archive/a%41", 12, -EINVAL, NULL },
	{ "/?x", 1, ROUTE_INDEX, NULL },
	{ "/", 0, -ENOENT, NULL },
	{ "/archive/a\0b/", 13, -ENOENT, NULL },
};

/* strnlen without relying on POSIX feature macros */
static size_t
bounded_len(const char *s, size_t max)
{
	const char *nul = memchr(s, '\0', max);

	return nul != NULL ? (size_t)(nul - s) : max;
}

static void
run_row(const struct row *r)
{
	char hash[HASH_MAX + 1], pattern[HASH_MAX + 1];
	char q[120];
	const char *what;
	char *buf;
	int got;

	what = r->ret == ROUTE_INDEX ? "ROUTE_INDEX" :
	    r->ret == ROUTE_ARCHIVE ? "ROUTE_ARCHIVE" :
	    r->ret == -EINVAL ? "-EINVAL" : "-ENOENT";
	tap_quote(q, sizeof(q), r->target, r->len);
	buf = malloc(r->len ? r->len : 1);
	if (buf == NULL) {
		perror("malloc");
		exit(99);
	}
	memcpy(buf, r->target, r->len);
	memset(hash, 0xA5, sizeof(hash));
	memset(pattern, 0xA5, sizeof(pattern));
	got = path_route(buf, r->len, hash);
	if (is_int(got, r->ret, "%s (%zu bytes): %s", q, r->len, what) &&
	    r->ret == ROUTE_ARCHIVE)
		is_mem(hash, bounded_len(hash, sizeof(hash)), r->hash,
		    strlen(r->hash), "%s: hash", q);
	if (r->ret < 0)
		ok(memcmp(hash, pattern, sizeof(hash)) == 0,
		    "%s: hash untouched", q);
	free(buf);
}

/* A hash of n bytes, written plainly or percent-encoded. */
static void
limit_hash(size_t n, int encode, int ret)
{
	char target[16 + 3 * (HASH_MAX + 8)], h[HASH_MAX + 8 + 1];
	size_t i, o;
	struct row r;

	for (i = 0; i < n; i++)
		h[i] = "0123456789abcdef"[i % 16];
	h[n] = '\0';
	o = (size_t)sprintf(target, "/archive/");
	for (i = 0; i < n; i++)
		if (encode)
			o += (size_t)sprintf(target + o, "%%%02X", (unsigned char)h[i]);
		else
			target[o++] = h[i];
	target[o++] = '/';
	target[o] = '\0';
	r.target = target;
	r.len = o;
	r.ret = ret;
	r.hash = h;
	run_row(&r);
}

static const struct {
	const char *what;
	const char *s;
	size_t len;
	int valid;
} utf8[] = {
#define U(what, s, valid)	{ (what), (s), sizeof(s) - 1, (valid) }
	U("empty", "", 1),
	U("ASCII", "hello, world", 1),
	U("all ASCII controls", "\x01\x1f\x7f", 1),
	U("cafe with e-acute", "caf\xc3\xa9", 1),
	U("U+0080", "\xc2\x80", 1),
	U("U+07FF", "\xdf\xbf", 1),
	U("U+0800", "\xe0\xa0\x80", 1),
	U("U+D7FF", "\xed\x9f\xbf", 1),
	U("U+E000", "\xee\x80\x80", 1),
	U("U+FFFF", "\xef\xbf\xbf", 1),
	U("U+10000", "\xf0\x90\x80\x80", 1),
	U("emoji U+1F600", "\xf0\x9f\x98\x80", 1),
	U("U+10FFFF", "\xf4\x8f\xbf\xbf", 1),
	U("mixed", "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z", 1),
	U("lone continuation byte", "\x80", 0),
	U("continuation byte after ASCII", "a\xbf" "b", 0),
	U("two continuation bytes", "\xc3\xa9\xa9", 0),
	U("truncated 2-byte", "\xc3", 0),
	U("truncated 2-byte before ASCII", "\xc3" "a", 0),
	U("truncated 3-byte", "\xe2\x82", 0),
	U("truncated 4-byte", "\xf0\x9f\x98", 0),
	U("truncated 4-byte before ASCII", "\xf0\x9f\x98" "a", 0),
	U("overlong / as C0 AE", "\xc0\xae", 0),
	U("overlong C1 BF", "\xc1\xbf", 0),
	U("overlong E0 80 AF", "\xe0\x80\xaf", 0),
	U("overlong E0 9F BF", "\xe0\x9f\xbf", 0),
	U("overlong F0 80 80 AF", "\xf0\x80\x80\xaf", 0),
	U("overlong F0 8F BF BF", "\xf0\x8f\xbf\xbf", 0),
	U("surrogate U+D800", "\xed\xa0\x80", 0),
	U("surrogate U+DFFF", "\xed\xbf\xbf", 0),
	U("surrogate pair", "\xed\xa0\xbd\xed\xb8\x80", 0),
	U("U+110000", "\xf4\x90\x80\x80", 0),
	U("F5 lead", "\xf5\x80\x80\x80", 0),
	U("F8 lead", "\xf8\x88\x80\x80\x80", 0),
	U("FE", "\xfe", 0),
	U("FF", "\xff", 0),
	U("FF after valid text", "caf\xc3\xa9\xff", 0),
#undef U
};

static void
utf8_rows(void)
{
	size_t i;
	char *buf;

	for (i = 0; i < sizeof(utf8) / sizeof(utf8[0]); i++) {
		buf = malloc(utf8[i].len ? utf8[i].len : 1);
		if (buf == NULL) {
			perror("malloc");
			exit(99);
		}
		memcpy(buf, utf8[i].s, utf8[i].len);
		is_int(path_utf8_valid(buf, utf8[i].len), utf8[i].valid,
		    "path_utf8_valid: %s", utf8[i].what);
		free(buf);
	}
	/* the length is respected: a valid string cut inside a sequence */
	is_int(path_utf8_valid("caf\xc3\xa9", 4), 0,
	    "path_utf8_valid: cut inside a 2-byte sequence");
	is_int(path_utf8_valid("\xf0\x9f\x98\x80", 3), 0,
	    "path_utf8_valid: cut inside a 4-byte sequence");
	is_int(path_utf8_valid("ab\xff", 2), 1,
	    "path_utf8_valid: bad byte past the length is not looked at");
}

int
main(void)
{
	size_t i;
	struct row r;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		r = rows[i];
		r.len = strlen(r.target);
		run_row(&r);
	}
	for (i = 0; i < sizeof(rows_len) / sizeof(rows_len[0]); i++)
		run_row(&rows_len[i]);

	limit_hash(1, 0, ROUTE_ARCHIVE);
	limit_hash(HASH_MAX - 1, 0, ROUTE_ARCHIVE);
	limit_hash(HASH_MAX, 0, ROUTE_ARCHIVE);
	limit_hash(HASH_MAX + 1, 0, -ENOENT);
	limit_hash(HASH_MAX + 8, 0, -ENOENT);
	limit_hash(HASH_MAX - 1, 1, ROUTE_ARCHIVE);
	limit_hash(HASH_MAX, 1, ROUTE_ARCHIVE);
	limit_hash(HASH_MAX + 1, 1, -ENOENT);

	utf8_rows();

	return done_testing();
}
