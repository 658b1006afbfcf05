/* cache: ETag, Last-Modified, conditional requests, byte ranges. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cache.h"

/* --- ETag ------------------------------------------------------------------ */

typedef unsigned __int128 u128;

struct fnv {
	u128 h;
};

static void
fnv_init(struct fnv *f)
{
	f->h = ((u128)0x6c62272e07bb0142ULL << 64) | 0x62b821756295c58dULL;
}

static void
fnv_bytes(struct fnv *f, const void *p, size_t len)
{
	const u128 prime = ((u128)1 << 88) | 0x13b;
	const unsigned char *b = p;

	while (len-- > 0) {
		f->h ^= *b++;
		f->h *= prime;
	}
}

static void
fnv_u64(struct fnv *f, uint64_t v)
{
	unsigned char b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	fnv_bytes(f, b, sizeof(b));
}

void
cache_etag(const struct album *a, const char *variant, enum cache_etag_mode mode,
    char out[CACHE_ETAG_MAX])
{
	static const char portable[] = "portable";
	struct fnv f;
	size_t i;

	fnv_init(&f);
	/* STRICT hashes exactly what it always did (ETags stay valid across
	 * an upgrade); PORTABLE starts with a tag, so the two never meet. */
	if (mode == CACHE_ETAG_PORTABLE)
		fnv_bytes(&f, portable, sizeof(portable));
	fnv_u64(&f, CACHE_LAYOUT_VERSION);
	fnv_bytes(&f, variant, strlen(variant) + 1);
	fnv_u64(&f, a->n);
	for (i = 0; i < a->n; i++) {
		const struct album_entry *e = &a->entries[i];

		fnv_bytes(&f, e->path, e->path_len + 1);
		fnv_u64(&f, (uint64_t)e->is_dir);
		fnv_u64(&f, e->size);
		fnv_u64(&f, (uint64_t)e->mtime);
		fnv_u64(&f, (uint64_t)e->mtime_nsec);
		if (mode == CACHE_ETAG_PORTABLE)
			continue;	/* what differs between copies */
		fnv_u64(&f, (uint64_t)e->ctime);
		fnv_u64(&f, (uint64_t)e->ctime_nsec);
		fnv_u64(&f, (uint64_t)e->ino);
	}
	snprintf(out, CACHE_ETAG_MAX, "\"%016llx%016llx\"",
	    (unsigned long long)(f.h >> 64), (unsigned long long)f.h);
}

int64_t
cache_last_modified(const struct album *a, enum cache_etag_mode mode)
{
	return mode == CACHE_ETAG_PORTABLE ? a->newest_mtime : a->newest_change;
}

/* --- dates ------------------------------------------------------------------ */

static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const longdays[7] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"
};
static const char months[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

void
cache_format_date(int64_t t, char out[CACHE_DATE_MAX])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL) {
		tt = 0;
		gmtime_r(&tt, &tm);
	}
	snprintf(out, CACHE_DATE_MAX, "%s, %02d %s %04d %02d:%02d:%02d GMT",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* A little cursor over the field value. */
struct cur {
	const char *p, *end;
};

static int
lit(struct cur *c, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n) != 0)
		return 0;
	c->p += n;
	return 1;
}

/* exactly n digits (n > 0), or with n == -2 one or two digits */
static int
digits(struct cur *c, int n, int *v)
{
	int i = 0, max = n < 0 ? -n : n;

	*v = 0;
	while (i < max && c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		*v = *v * 10 + (*c->p++ - '0');
		i++;
	}
	return n < 0 ? i >= 1 : i == n;
}

static int
month(struct cur *c, int *m)
{
	int i;

	for (i = 0; i < 12; i++)
		if (lit(c, months[i])) {
			*m = i;
			return 1;
		}
	return 0;
}

static int
hms(struct cur *c, struct tm *tm)
{
	return digits(c, 2, &tm->tm_hour) && lit(c, ":") && digits(c, 2, &tm->tm_min) &&
	    lit(c, ":") && digits(c, 2, &tm->tm_sec);
}

int
cache_parse_date(const char *s, size_t len, int64_t *t)
{
	struct cur c = { s, s + len };
	struct tm tm, want, back;
	int wday = -1, i, year = 0, rfc850 = 0;
	time_t tt;

	memset(&tm, 0, sizeof(tm));
	for (i = 0; i < 7 && wday < 0; i++) {
		if (lit(&c, longdays[i])) {
			wday = i;
			rfc850 = 1;
		} else if (lit(&c, days[i]))
			wday = i;
	}
	if (wday < 0)
		return -EINVAL;
	if (rfc850) {
		/* Sunday, 06-Nov-94 08:49:37 GMT */
		if (!(lit(&c, ", ") && digits(&c, 2, &tm.tm_mday) && lit(&c, "-") &&
		    month(&c, &tm.tm_mon) && lit(&c, "-") && digits(&c, 2, &year) &&
		    lit(&c, " ") && hms(&c, &tm) && lit(&c, " GMT")))
			return -EINVAL;
		/* RFC 9110 5.6.7: a two-digit year more than 50 years in the
		 * future is the most recent past year with those digits */
		{
			time_t now = time(NULL);
			struct tm nt;
			int cy;

			gmtime_r(&now, &nt);
			cy = nt.tm_year + 1900;
			year += cy - cy % 100;
			if (year > cy + 50)
				year -= 100;
			else if (year + 100 <= cy + 50)
				year += 100;
		}
	} else if (lit(&c, ", ")) {
		/* Sun, 06 Nov 1994 08:49:37 GMT */
		if (!(digits(&c, 2, &tm.tm_mday) && lit(&c, " ") && month(&c, &tm.tm_mon) &&
		    lit(&c, " ") && digits(&c, 4, &year) && lit(&c, " ") && hms(&c, &tm) &&
		    lit(&c, " GMT")))
			return -EINVAL;
	} else {
		/* Sun Nov  6 08:49:37 1994 */
		if (!(lit(&c, " ") && month(&c, &tm.tm_mon) && lit(&c, " ")))
			return -EINVAL;
		if (lit(&c, " ")) {
			if (!digits(&c, 1, &tm.tm_mday))
				return -EINVAL;
		} else if (!digits(&c, 2, &tm.tm_mday))
			return -EINVAL;
		if (!(lit(&c, " ") && hms(&c, &tm) && lit(&c, " ") && digits(&c, 4, &year)))
			return -EINVAL;
	}
	if (c.p != c.end || tm.tm_mday < 1 || tm.tm_hour > 23 || tm.tm_min > 59 ||
	    tm.tm_sec > 60)
		return -EINVAL;
	if (tm.tm_sec == 60)
		tm.tm_sec = 59;	/* a leap second: close enough for a validator */
	tm.tm_year = year - 1900;
	want = tm;		/* timegm() normalises its argument */
	tt = timegm(&tm);
	/* no 31 Feb: the date must come back as written, weekday included
	 * (this also tells 23:59:59 on 31 Dec 1969, -1, from an error) */
	if (gmtime_r(&tt, &back) == NULL || back.tm_year != want.tm_year ||
	    back.tm_mon != want.tm_mon || back.tm_mday != want.tm_mday ||
	    back.tm_hour != want.tm_hour || back.tm_min != want.tm_min ||
	    back.tm_sec != want.tm_sec || back.tm_wday != wday)
		return -EINVAL;
	*t = (int64_t)tt;
	return 0;
}

/* --- fields ------------------------------------------------------------------ */

static int
name_is(const struct http_header *h, const char *name)
{
	return h->name_len == strlen(name) && strncasecmp(h->name, name, h->name_len) == 0;
}

/* How many times the field occurs; *ret the last one. */
static int
field(const struct http_request *req, const char *name, const struct http_header **ret)
{
	size_t i;
	int n = 0;

	for (i = 0; i < req->nheaders; i++)
		if (name_is(&req->headers[i], name)) {
			*ret = &req->headers[i];
			n++;
		}
	return n;
}

static int
ows(int ch)
{
	return ch == ' ' || ch == '\t';
}

/* Does the entity-tag list in any occurrence of field `name' hold `etag'?
 * weak: weak comparison (W/ ignored), else strong (W/ never matches).
 * "*" matches. A malformed list matches nothing. */
static int
etag_listed(const struct http_request *req, const char *name, const char *etag, int weak)
{
	size_t i, elen = strlen(etag);
	int found = 0;

	for (i = 0; i < req->nheaders; i++) {
		const struct http_header *h = &req->headers[i];
		const char *p = h->value, *end = h->value + h->value_len;
		int match = 0;

		if (!name_is(h, name))
			continue;
		if (h->value_len == 1 && *p == '*')
			return 1;
		/* 1#entity-tag: the whole field must parse, or it matches nothing */
		for (;;) {
			const char *q;
			int is_weak = 0;

			while (p < end && (ows(*p) || *p == ','))
				p++;
			if (p == end)
				break;
			if (end - p >= 2 && p[0] == 'W' && p[1] == '/') {
				is_weak = 1;
				p += 2;
			}
			if (p == end || *p != '"' ||
			    (q = memchr(p + 1, '"', (size_t)(end - p - 1))) == NULL) {
				match = 0;
				break;
			}
			q++;
			if ((size_t)(q - p) == elen && memcmp(p, etag, elen) == 0 &&
			    (weak || !is_weak))
				match = 1;
			p = q;
			while (p < end && ows(*p))
				p++;
			if (p < end && *p != ',') {
				match = 0;
				break;
			}
		}
		found |= match;
	}
	return found;
}

/* A field that must occur once and hold an HTTP-date. */
static int
date_field(const struct http_request *req, const char *name, int64_t *t)
{
	const struct http_header *h = NULL;

	return field(req, name, &h) == 1 && cache_parse_date(h->value, h->value_len, t) == 0;
}

/* --- ranges ------------------------------------------------------------------ */

/* Digits, saturating at UINT64_MAX. Returns the number of digits read. */
static size_t
number(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;

	*v = 0;
	while (*p < end && **p >= '0' && **p <= '9') {
		unsigned d = (unsigned)(**p - '0');

		*v = *v > (UINT64_MAX - d) / 10 ? UINT64_MAX : *v * 10 + d;
		(*p)++;
	}
	return (size_t)(*p - s);
}

/* Range: bytes=... Returns 200 (ignore: invalid, or several ranges of which
 * one is satisfiable), 206 with *first..*last, or 416. */
static int
ranges_decide(const char *v, size_t len, uint64_t total, uint64_t *first, uint64_t *last)
{
	const char *p = v, *end = v + len;
	unsigned specs = 0, sat = 0;
	uint64_t f = 0, l = 0;

	if (len < 6 || strncasecmp(p, "bytes=", 6) != 0)
		return 200;	/* another unit: RFC 9110 14.2 says ignore */
	p += 6;
	while (p < end) {
		uint64_t a, b;
		int has_a, has_b;

		while (p < end && (ows(*p) || *p == ','))
			p++;
		if (p == end)
			break;
		has_a = number(&p, end, &a) > 0;
		if (p == end || *p != '-')
			return 200;
		p++;
		has_b = number(&p, end, &b) > 0;
		while (p < end && ows(*p))
			p++;
		if (p < end && *p != ',')
			return 200;
		if (!has_a && !has_b)
			return 200;
		if (has_a && has_b && b < a)
			return 200;	/* invalid: the whole field is ignored */
		specs++;
		if (has_a) {
			if (a >= total)
				continue;	/* unsatisfiable */
			b = has_b && b < total ? b : total - 1;
		} else {
			if (b == 0)
				continue;	/* bytes=-0 */
			if (total == 0)
				return 200;	/* RFC 9110 14.1.1: satisfiable, but no 206 for 0 bytes */
			a = b >= total ? 0 : total - b;
			b = total - 1;
		}
		if (sat++ == 0) {
			f = a;
			l = b;
		}
	}
	if (specs == 0)
		return 200;
	if (sat == 0)
		return 416;
	if (specs > 1)
		return 200;	/* several ranges: the whole thing (documented) */
	*first = f;
	*last = l;
	return 206;
}

int
cache_decide(const struct http_request *req, int is_head, const char *etag,
    int64_t last_modified, uint64_t total, int ranges, uint64_t *first, uint64_t *last)
{
	const struct http_header *h = NULL, *ir = NULL;
	int64_t t;
	int n;

	/* RFC 9110 13.2.2, in this order */
	if (field(req, "If-Match", &h) > 0) {
		if (!etag_listed(req, "If-Match", etag, 0))
			return 412;
	} else if (date_field(req, "If-Unmodified-Since", &t) && last_modified > t) {
		return 412;
	}
	if (field(req, "If-None-Match", &h) > 0) {
		if (etag_listed(req, "If-None-Match", etag, 1))
			return 304;
	} else if (date_field(req, "If-Modified-Since", &t) && last_modified <= t) {
		return 304;
	}

	if (is_head || !ranges || field(req, "Range", &h) != 1)
		return 200;
	n = field(req, "If-Range", &ir);
	if (n > 1)
		return 200;
	if (n == 1) {
		/* RFC 9110 13.1.5: an entity-tag has a DQUOTE in its first three
		 * characters ("Wed, ..." is a date) */
		if (memchr(ir->value, '"', ir->value_len < 3 ? ir->value_len : 3) != NULL) {
			/* strong comparison: a weak tag never matches */
			if (ir->value_len != strlen(etag) || memcmp(ir->value, etag, ir->value_len) != 0)
				return 200;
		} else if (cache_parse_date(ir->value, ir->value_len, &t) < 0 || t != last_modified) {
			return 200;
		}
	}
	return ranges_decide(h->value, h->value_len, total, first, last);
}
