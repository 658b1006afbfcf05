/* Unit tests of handler/cache.c against the contract in handler/cache.h
 * and RFC 9110 (5.6.7 HTTP-date, 8.8.3 ETag, 13 conditional requests,
 * 14 range requests).
 *
 * Table-driven. Dates are checked against a reference calendar written
 * here (days from the civil date and back), not against the C library,
 * so that the test and the code under test do not share a mistake.
 * cache_decide is fed requests parsed by http_parse_request from real
 * request heads, so the fields are exactly what the handler sees. Every
 * buffer handed to a parser is a malloc'ed copy of exactly the given
 * length, so that an over-read shows up under ASan or valgrind. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "album.h"
#include "cache.h"
#include "http.h"
#include "tap.h"

/* a string literal and its length (without the terminating NUL) */
#define B(s)	(s), sizeof(s) - 1

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* the example instant of RFC 9110 5.6.7 */
#define T1994	INT64_C(784111777)

/* what *t holds when the parser must not have written it */
#define UNTOUCHED	INT64_C(0x5a5a5a5a5a5a5a5a)

static const char *const wdays[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const longwdays[7] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"
};
static const char *const mons[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

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

static int
time_t_is_64bit(void)
{
	return sizeof(time_t) >= 8;
}

/* --- reference calendar ---------------------------------------------------- */

/* Proleptic Gregorian calendar (H. Hinnant's days_from_civil and
 * civil_from_days): day 0 is 1970-01-01, a Thursday. */
struct civil {
	int64_t year;
	int mon;	/* 1..12 */
	int day;	/* 1..31 */
	int hour, min, sec;
	int wday;	/* 0 = Sunday */
};

static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_time(int64_t t, struct civil *c)
{
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t secs = t - days * 86400, z, era, doe, yoe, doy, mp;

	c->hour = (int)(secs / 3600);
	c->min = (int)(secs / 60 % 60);
	c->sec = (int)(secs % 60);
	c->wday = (int)(((days + 4) % 7 + 7) % 7);
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	c->day = (int)(doy - (153 * mp + 2) / 5 + 1);
	c->mon = (int)(mp < 10 ? mp + 3 : mp - 9);
	c->year = yoe + era * 400 + (c->mon <= 2);
}

static int64_t
time_from_civil(int64_t y, int m, int d, int hh, int mm, int ss)
{
	return days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss;
}

static void
ref_imf(int64_t t, char *out, size_t size)
{
	struct civil c;

	civil_from_time(t, &c);
	snprintf(out, size, "%s, %02d %s %04lld %02d:%02d:%02d GMT", wdays[c.wday], c.day,
	    mons[c.mon - 1], (long long)c.year, c.hour, c.min, c.sec);
}

static void
ref_rfc850(int64_t t, char *out, size_t size)
{
	struct civil c;

	civil_from_time(t, &c);
	snprintf(out, size, "%s, %02d-%s-%02d %02d:%02d:%02d GMT", longwdays[c.wday], c.day,
	    mons[c.mon - 1], (int)(c.year % 100), c.hour, c.min, c.sec);
}

static void
ref_asctime(int64_t t, char *out, size_t size)
{
	struct civil c;

	civil_from_time(t, &c);
	snprintf(out, size, "%s %s %2d %02d:%02d:%02d %04lld", wdays[c.wday], mons[c.mon - 1],
	    c.day, c.hour, c.min, c.sec, (long long)c.year);
}

static int64_t
current_year(void)
{
	struct civil c;

	civil_from_time((int64_t)time(NULL), &c);
	return c.year;
}

/* RFC 9110 5.6.7: a two-digit year that appears to be more than 50 years
 * in the future is the most recent past year with those digits. So the
 * year is the largest one with these last two digits that is not more
 * than 50 years after the current year. */
static int64_t
rfc850_year(int yy, int64_t cy)
{
	return cy + 50 - (((cy + 50 - yy) % 100) + 100) % 100;
}

/* Sanity of the reference itself, against dates checked with date(1). */
static void
reference_calendar(void)
{
	char buf[64];

	ref_imf(T1994, buf, sizeof(buf));
	is_str(buf, "Sun, 06 Nov 1994 08:49:37 GMT", "reference calendar: RFC 9110 example");
	ref_imf(-1, buf, sizeof(buf));
	is_str(buf, "Wed, 31 Dec 1969 23:59:59 GMT", "reference calendar: 1 s before the epoch");
	ref_asctime(T1994, buf, sizeof(buf));
	is_str(buf, "Sun Nov  6 08:49:37 1994", "reference calendar: asctime");
	ref_rfc850(T1994, buf, sizeof(buf));
	is_str(buf, "Sunday, 06-Nov-94 08:49:37 GMT", "reference calendar: RFC 850");
	is_int(time_from_civil(2000, 2, 29, 0, 0, 0), 951782400, "reference calendar: 29 Feb 2000");
	is_int(time_from_civil(1900, 1, 1, 0, 0, 0), INT64_C(-2208988800),
	    "reference calendar: 1 Jan 1900");
	is_int(rfc850_year(94, 2026), 1994, "reference year rule: 94 in 2026 is 1994");
	is_int(rfc850_year(76, 2026), 2076, "reference year rule: 76 in 2026 is 2076");
	is_int(rfc850_year(77, 2026), 1977, "reference year rule: 77 in 2026 is 1977");
	is_int(rfc850_year(5, 2060), 2105, "reference year rule: 05 in 2060 is 2105");
	is_int(rfc850_year(11, 2060), 2011, "reference year rule: 11 in 2060 is 2011");
}

/* --- cache_format_date --------------------------------------------------- */

static const struct {
	const char *name;
	int64_t t;
	const char *want;
	int needs64;		/* only where time_t has 64 bits */
} format_rows[] = {
	{ "the epoch", 0, "Thu, 01 Jan 1970 00:00:00 GMT", 0 },
	{ "RFC 9110 example", T1994, "Sun, 06 Nov 1994 08:49:37 GMT", 0 },
	{ "leap day 2000", 951782400, "Tue, 29 Feb 2000 00:00:00 GMT", 0 },
	{ "leap day 2024 noon", 1709208000, "Thu, 29 Feb 2024 12:00:00 GMT", 0 },
	{ "day after leap day 2000", 951868800, "Wed, 01 Mar 2000 00:00:00 GMT", 0 },
	{ "1 s before the epoch", -1, "Wed, 31 Dec 1969 23:59:59 GMT", 0 },
	{ "last 32-bit second", 2147483647, "Tue, 19 Jan 2038 03:14:07 GMT", 0 },
	{ "1 Jan 1900", INT64_C(-2208988800), "Mon, 01 Jan 1900 00:00:00 GMT", 1 },
	{ "first second after 2038", INT64_C(2147483648), "Tue, 19 Jan 2038 03:14:08 GMT", 1 },
	{ "1 Jan 2100", INT64_C(4102444800), "Fri, 01 Jan 2100 00:00:00 GMT", 1 },
	{ "last second of 9999", INT64_C(253402300799), "Fri, 31 Dec 9999 23:59:59 GMT", 1 },
};

static void
format_date(void)
{
	char out[CACHE_DATE_MAX + 8];
	size_t i;

	for (i = 0; i < NELEM(format_rows); i++) {
		if (format_rows[i].needs64 && !time_t_is_64bit()) {
			diag("skipped: format %s (32-bit time_t)", format_rows[i].name);
			continue;
		}
		memset(out, 'X', sizeof(out));
		cache_format_date(format_rows[i].t, out);
		is_str(out, format_rows[i].want, "format_date: %s (%lld)",
		    format_rows[i].name, (long long)format_rows[i].t);
	}
}

/* --- cache_parse_date ---------------------------------------------------- */

struct parse_row {
	const char *name;
	const char *s;
	size_t len;
	int ret;		/* 0 or -EINVAL */
	int64_t t;		/* when ret == 0 */
	int needs64;
	int64_t until;		/* 0, or the last current year for which the
				 * two-digit year of an RFC 850 row means it */
};

#define OK(t)		0, (t), 0, 0
#define OK64(t)		0, (t), 1, 0
#define REJECT		-EINVAL, 0, 0, 0

static const struct parse_row parse_rows[] = {
	/* RFC 9110 5.6.7: the same instant in the three formats */
	{ "IMF-fixdate", B("Sun, 06 Nov 1994 08:49:37 GMT"), OK(T1994) },
	{ "RFC 850", B("Sunday, 06-Nov-94 08:49:37 GMT"), 0, T1994, 0, 2043 },
	{ "asctime", B("Sun Nov  6 08:49:37 1994"), OK(T1994) },
	/* date3 = month SP ( 2DIGIT / ( SP DIGIT ) ) */
	{ "asctime, zero-padded day", B("Sun Nov 06 08:49:37 1994"), OK(T1994) },
	{ "asctime, two-digit day", B("Wed Nov 16 08:49:37 1994"), OK(784975777) },
	{ "IMF-fixdate, another weekday", B("Wed, 09 Nov 1994 08:49:37 GMT"), OK(784370977) },
	{ "the epoch", B("Thu, 01 Jan 1970 00:00:00 GMT"), OK(0) },
	{ "the epoch, asctime", B("Thu Jan  1 00:00:00 1970"), OK(0) },
	{ "1 s before the epoch", B("Wed, 31 Dec 1969 23:59:59 GMT"), OK(-1) },
	{ "2 s before the epoch", B("Wed, 31 Dec 1969 23:59:58 GMT"), OK(-2) },
	{ "leap day 2000", B("Tue, 29 Feb 2000 00:00:00 GMT"), OK(951782400) },
	{ "leap day 2000, asctime", B("Tue Feb 29 00:00:00 2000"), OK(951782400) },
	{ "leap day 2024 noon", B("Thu, 29 Feb 2024 12:00:00 GMT"), OK(1709208000) },
	{ "last second of a day", B("Sat, 31 Dec 2016 23:59:59 GMT"), OK(1483228799) },
	{ "last 32-bit second", B("Tue, 19 Jan 2038 03:14:07 GMT"), OK(2147483647) },
	{ "1 Jan 1900", B("Mon, 01 Jan 1900 00:00:00 GMT"), OK64(INT64_C(-2208988800)) },
	{ "first second after 2038", B("Tue, 19 Jan 2038 03:14:08 GMT"),
	    OK64(INT64_C(2147483648)) },
	{ "1 Jan 2100", B("Fri, 01 Jan 2100 00:00:00 GMT"), OK64(INT64_C(4102444800)) },
	{ "last second of 9999", B("Fri, 31 Dec 9999 23:59:59 GMT"),
	    OK64(INT64_C(253402300799)) },

	/* weekday must be the one of the date */
	{ "wrong weekday", B("Mon, 06 Nov 1994 08:49:37 GMT"), REJECT },
	{ "wrong weekday, RFC 850", B("Monday, 06-Nov-94 08:49:37 GMT"), REJECT },
	{ "wrong weekday, asctime", B("Mon Nov  6 08:49:37 1994"), REJECT },
	/* impossible days, with the weekday of the day they would roll over
	 * to, so that only the day check can reject them */
	{ "31 Feb (weekday of 3 Mar)", B("Thu, 31 Feb 1994 00:00:00 GMT"), REJECT },
	{ "30 Feb (weekday of 2 Mar)", B("Wed, 30 Feb 1994 00:00:00 GMT"), REJECT },
	{ "29 Feb of a common year", B("Tue, 29 Feb 1994 00:00:00 GMT"), REJECT },
	{ "29 Feb 1900, not a leap year", B("Thu, 29 Feb 1900 00:00:00 GMT"), REJECT },
	{ "31 Apr (weekday of 1 May)", B("Sun, 31 Apr 1994 00:00:00 GMT"), REJECT },
	{ "31 Feb, asctime", B("Thu Feb 31 00:00:00 1994"), REJECT },
	{ "day 00 (weekday of 31 Oct)", B("Mon, 00 Nov 1994 08:49:37 GMT"), REJECT },
	{ "day 32 (weekday of 1 Jan)", B("Sun, 32 Dec 1994 00:00:00 GMT"), REJECT },
	{ "hour 24", B("Sun, 06 Nov 1994 24:00:00 GMT"), REJECT },
	{ "minute 60 (same day)", B("Sun, 06 Nov 1994 08:60:00 GMT"), REJECT },
	{ "second 61", B("Sun, 06 Nov 1994 08:49:61 GMT"), REJECT },
	{ "hour 99", B("Sun, 06 Nov 1994 99:49:37 GMT"), REJECT },
	/* the zone is the literal "GMT" */
	{ "missing GMT", B("Sun, 06 Nov 1994 08:49:37"), REJECT },
	{ "missing GMT, trailing space", B("Sun, 06 Nov 1994 08:49:37 "), REJECT },
	{ "missing GMT, RFC 850", B("Sunday, 06-Nov-94 08:49:37"), REJECT },
	{ "numeric zone +0000", B("Sun, 06 Nov 1994 08:49:37 +0000"), REJECT },
	{ "GMT+0000", B("Sun, 06 Nov 1994 08:49:37 GMT+0000"), REJECT },
	{ "UTC", B("Sun, 06 Nov 1994 08:49:37 UTC"), REJECT },
	{ "lowercase gmt", B("Sun, 06 Nov 1994 08:49:37 gmt"), REJECT },
	{ "asctime with GMT", B("Sun Nov  6 08:49:37 1994 GMT"), REJECT },
	/* nothing before or after */
	{ "trailing space", B("Sun, 06 Nov 1994 08:49:37 GMT "), REJECT },
	{ "trailing garbage", B("Sun, 06 Nov 1994 08:49:37 GMTx"), REJECT },
	{ "trailing NUL", B("Sun, 06 Nov 1994 08:49:37 GMT\0"), REJECT },
	{ "trailing CRLF", B("Sun, 06 Nov 1994 08:49:37 GMT\r\n"), REJECT },
	{ "trailing garbage, RFC 850", B("Sunday, 06-Nov-94 08:49:37 GMT;"), REJECT },
	{ "trailing garbage, asctime", B("Sun Nov  6 08:49:37 19945"), REJECT },
	{ "leading space", B(" Sun, 06 Nov 1994 08:49:37 GMT"), REJECT },
	{ "leading garbage", B("xSun, 06 Nov 1994 08:49:37 GMT"), REJECT },
	{ "leading NUL", B("\0Sun, 06 Nov 1994 08:49:37 GMT"), REJECT },
	/* HTTP-date is case-sensitive */
	{ "lowercase month", B("Sun, 06 nov 1994 08:49:37 GMT"), REJECT },
	{ "uppercase month", B("Sun, 06 NOV 1994 08:49:37 GMT"), REJECT },
	{ "lowercase month, RFC 850", B("Sunday, 06-nov-94 08:49:37 GMT"), REJECT },
	{ "lowercase month, asctime", B("Sun nov  6 08:49:37 1994"), REJECT },
	{ "lowercase weekday", B("sun, 06 Nov 1994 08:49:37 GMT"), REJECT },
	{ "lowercase weekday, RFC 850", B("sunday, 06-Nov-94 08:49:37 GMT"), REJECT },
	/* empty and blank */
	{ "empty", B(""), REJECT },
	{ "one space", B(" "), REJECT },
	{ "weekday only", B("Sunday"), REJECT },
	/* spacing */
	{ "extra space after comma", B("Sun,  06 Nov 1994 08:49:37 GMT"), REJECT },
	{ "extra space before month", B("Sun, 06  Nov 1994 08:49:37 GMT"), REJECT },
	{ "extra space before year", B("Sun, 06 Nov  1994 08:49:37 GMT"), REJECT },
	{ "extra space before time", B("Sun, 06 Nov 1994  08:49:37 GMT"), REJECT },
	{ "extra space before GMT", B("Sun, 06 Nov 1994 08:49:37  GMT"), REJECT },
	{ "tab for a space", B("Sun, 06 Nov 1994\t08:49:37 GMT"), REJECT },
	{ "no space after comma", B("Sun,06 Nov 1994 08:49:37 GMT"), REJECT },
	{ "extra space, RFC 850", B("Sunday,  06-Nov-94 08:49:37 GMT"), REJECT },
	{ "asctime, three spaces before day", B("Sun Nov   6 08:49:37 1994"), REJECT },
	{ "asctime, one space before one-digit day", B("Sun Nov 6 08:49:37 1994"), REJECT },
	{ "asctime, two spaces after weekday", B("Sun  Nov  6 08:49:37 1994"), REJECT },
	{ "asctime, two spaces before year", B("Sun Nov  6 08:49:37  1994"), REJECT },
	/* mixed-up formats and fields */
	{ "one-digit day, IMF-fixdate", B("Sun, 6 Nov 1994 08:49:37 GMT"), REJECT },
	{ "two-digit year, IMF-fixdate", B("Sun, 06 Nov 94 08:49:37 GMT"), REJECT },
	{ "five-digit year, IMF-fixdate", B("Sun, 06 Nov 19940 08:49:37 GMT"), REJECT },
	{ "four-digit year, RFC 850", B("Sunday, 06-Nov-1994 08:49:37 GMT"), REJECT },
	{ "short weekday, RFC 850", B("Sun, 06-Nov-94 08:49:37 GMT"), REJECT },
	{ "long weekday, IMF-fixdate", B("Sunday, 06 Nov 1994 08:49:37 GMT"), REJECT },
	{ "long weekday, asctime", B("Sunday Nov  6 08:49:37 1994"), REJECT },
	{ "spaces for dashes, RFC 850", B("Sunday, 06 Nov 94 08:49:37 GMT"), REJECT },
	{ "weekday without comma", B("Sun 06 Nov 1994 08:49:37 GMT"), REJECT },
	{ "one-digit hour", B("Sun, 06 Nov 1994 8:49:37 GMT"), REJECT },
	{ "no seconds", B("Sun, 06 Nov 1994 08:49 GMT"), REJECT },
	{ "unknown month", B("Sun, 06 Nox 1994 08:49:37 GMT"), REJECT },
	{ "numeric month", B("Sun, 06 11 1994 08:49:37 GMT"), REJECT },
	{ "ISO 8601", B("1994-11-06T08:49:37Z"), REJECT },
	{ "seconds since the epoch", B("784111777"), REJECT },
	{ "NUL inside", B("Sun, 06 Nov 1994\0008:49:37 GMT"), REJECT },
	{ "negative day", B("Sun, -6 Nov 1994 08:49:37 GMT"), REJECT },
};

/* Every proper prefix of a valid date is invalid and leaves *t alone. */
static void
parse_prefixes(const struct parse_row *r)
{
	size_t n, bad_n = 0;
	int64_t t;
	int bad = 0, rv = 0;
	char *p;

	for (n = 0; n < r->len && !bad; n++) {
		p = copy(r->s, n);
		t = UNTOUCHED;
		rv = cache_parse_date(p, n, &t);
		free(p);
		if (rv != -EINVAL || t != UNTOUCHED) {
			bad = 1;
			bad_n = n;
		}
	}
	if (!ok(!bad, "parse_date: %s: all %zu proper prefixes rejected", r->name, r->len))
		diag("prefix of length %zu returned %d", bad_n, rv);
}

static void
parse_date(int64_t cy)
{
	const struct parse_row *r;
	size_t i;
	int64_t t;
	char *p;
	int rv;

	for (i = 0; i < NELEM(parse_rows); i++) {
		r = &parse_rows[i];
		if (r->needs64 && !time_t_is_64bit()) {
			diag("skipped: parse %s (32-bit time_t)", r->name);
			continue;
		}
		if (r->until != 0 && cy > r->until) {
			diag("skipped: parse %s (its two-digit year means another "
			    "century after %lld)", r->name, (long long)r->until);
			continue;
		}
		p = copy(r->s, r->len);
		t = UNTOUCHED;
		rv = cache_parse_date(p, r->len, &t);
		free(p);
		if (r->ret == 0) {
			if (is_int(rv, 0, "parse_date: %s: accepted", r->name))
				is_int(t, r->t, "parse_date: %s: is %lld", r->name,
				    (long long)r->t);
			parse_prefixes(r);
		} else {
			if (is_int(rv, -EINVAL, "parse_date: %s: rejected", r->name))
				ok(t == UNTOUCHED, "parse_date: %s: *t untouched", r->name);
		}
	}
}

/* RFC 9110 5.6.7 allows a leap second (23:59:60); what instant it stands
 * for is the parser's choice, within a second. */
static void
parse_leap_second(void)
{
	static const char s[] = "Sat, 31 Dec 2016 23:59:60 GMT";
	int64_t t = UNTOUCHED;
	int rv;

	rv = cache_parse_date(s, sizeof(s) - 1, &t);
	if (!ok(rv == 0 && (t == 1483228799 || t == 1483228800),
	    "parse_date: leap second 23:59:60 accepted, within a second"))
		diag("got %d, t %lld", rv, (long long)t);
}

/* Each two-digit year of the RFC 850 format, on 1 January (so that the
 * rule gives the same year whether it is read per year or per instant). */
static void
parse_rfc850_years(int64_t cy)
{
	char s[64];
	int64_t y, want, t;
	struct civil c;
	int yy, rv;

	for (yy = 0; yy < 100; yy++) {
		y = rfc850_year(yy, cy);
		want = time_from_civil(y, 1, 1, 0, 0, 0);
		if (!time_t_is_64bit() && (want < INT32_MIN || want > INT32_MAX))
			continue;
		civil_from_time(want, &c);
		snprintf(s, sizeof(s), "%s, 01-Jan-%02d 00:00:00 GMT", longwdays[c.wday], yy);
		t = UNTOUCHED;
		rv = cache_parse_date(s, strlen(s), &t);
		if (!ok(rv == 0 && t == want, "parse_date: RFC 850 year %02d in %lld is %lld",
		    yy, (long long)cy, (long long)y))
			diag("\"%s\": got %d, t %lld expected %lld", s, rv, (long long)t,
			    (long long)want);
	}
}

/* Pseudo-random (fixed seed) and notable instants: format matches the
 * reference, and each of the three formats parses back to the instant. */
static uint64_t
lcg(uint64_t *state)
{
	*state = *state * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
	return *state >> 11;
}

static void
round_trip(int64_t cy)
{
	static const int64_t notable[] = {
		0, 1, 59, 60, 3599, 3600, 86399, 86400, -2, -86400, -86401, T1994,
		951782399, 951782400, 951868800, 1709208000, 2147483647,
		INT64_C(-2208988800), INT64_C(2147483648), INT64_C(4102444800),
		INT64_C(4107542400), INT64_C(253402300799),
	};
	const int n = 20000;
	int64_t lo, hi, t, got, rfc850_lo, rfc850_hi;
	int fmt_bad = 0, imf_bad = 0, asc_bad = 0, rfc_bad = 0, rfc_n = 0, i, total = 0;
	char want[64], out[CACHE_DATE_MAX], s[64];
	uint64_t state = 20260101;

	lo = time_t_is_64bit() ? INT64_C(-2208988800) : INT32_MIN;	/* 1900 */
	hi = time_t_is_64bit() ? INT64_C(253402300799) : INT32_MAX;	/* 9999 */
	rfc850_lo = time_from_civil(cy - 49, 1, 1, 0, 0, 0);
	rfc850_hi = time_from_civil(cy + 50, 1, 1, 0, 0, 0);

	for (i = 0; i < n + (int)NELEM(notable); i++) {
		if (i < (int)NELEM(notable)) {
			t = notable[i];
			if (t < lo || t > hi)
				continue;
		} else {
			t = lo + (int64_t)(lcg(&state) % (uint64_t)(hi - lo + 1));
		}
		total++;

		ref_imf(t, want, sizeof(want));
		cache_format_date(t, out);
		if (strcmp(out, want) != 0 && fmt_bad++ == 0)
			diag("format %lld: got \"%s\" expected \"%s\"", (long long)t, out, want);

		got = UNTOUCHED;
		if ((cache_parse_date(want, strlen(want), &got) != 0 || got != t) &&
		    imf_bad++ == 0)
			diag("parse \"%s\": got %lld expected %lld", want, (long long)got,
			    (long long)t);

		ref_asctime(t, s, sizeof(s));
		got = UNTOUCHED;
		if ((cache_parse_date(s, strlen(s), &got) != 0 || got != t) && asc_bad++ == 0)
			diag("parse \"%s\": got %lld expected %lld", s, (long long)got,
			    (long long)t);

		if (t >= rfc850_lo && t < rfc850_hi) {
			rfc_n++;
			ref_rfc850(t, s, sizeof(s));
			got = UNTOUCHED;
			if ((cache_parse_date(s, strlen(s), &got) != 0 || got != t) &&
			    rfc_bad++ == 0)
				diag("parse \"%s\": got %lld expected %lld", s, (long long)got,
				    (long long)t);
		}
	}
	is_int(fmt_bad, 0, "round trip: format_date matches the reference for %d instants", total);
	is_int(imf_bad, 0, "round trip: IMF-fixdate parses back for %d instants", total);
	is_int(asc_bad, 0, "round trip: asctime parses back for %d instants", total);
	is_int(rfc_bad, 0, "round trip: RFC 850 parses back for %d instants within "
	    "the 100-year window", rfc_n);
}

/* --- cache_etag ---------------------------------------------------------- */

static const struct {
	const char *path;
	int is_dir;
	uint64_t size;
	int64_t mtime;
	long mtime_nsec;
	int64_t ctime;
	long ctime_nsec;
	ino_t ino;
} base_entries[] = {
	{ "2024/", 1, 0, 1700000000, 1, 1700000001, 2, 1000 },
	{ "2024/a.jpg", 0, 2345678, 1700000100, 123456789, 1700000200, 987654321, 1001 },
	{ "2024/b.jpg", 0, 3456789, 1700000300, 500000000, 1700000400, 0, 1002 },
	{ "c.png", 0, 99, 1600000000, 0, 1600000500, 7, 77 },
};

/* A heap copy of the first n base entries (n + 1 allocated, so that an
 * entry can be added), paths heap-allocated too. */
static void
album_make(struct album *a, size_t n)
{
	size_t i;

	memset(a, 0, sizeof(*a));
	a->fd = -1;
	a->cap = n + 1;
	a->entries = calloc(a->cap, sizeof(*a->entries));
	if (a->entries == NULL) {
		perror("calloc");
		exit(99);
	}
	for (i = 0; i < n + 1 && i < NELEM(base_entries); i++) {
		struct album_entry *e = &a->entries[i];

		e->path_len = strlen(base_entries[i].path);
		e->path = copy(base_entries[i].path, e->path_len + 1);
		e->is_dir = base_entries[i].is_dir;
		e->size = base_entries[i].size;
		e->mtime = base_entries[i].mtime;
		e->mtime_nsec = base_entries[i].mtime_nsec;
		e->ctime = base_entries[i].ctime;
		e->ctime_nsec = base_entries[i].ctime_nsec;
		e->ino = base_entries[i].ino;
	}
	a->n = n;
	for (i = 0; i < n; i++)
		if (a->entries[i].is_dir)
			a->dirs++;
		else
			a->files++;
}

static void
album_unmake(struct album *a)
{
	size_t i;

	for (i = 0; i < a->cap; i++)
		free(a->entries[i].path);
	free(a->entries);
	memset(a, 0, sizeof(*a));
}

static void
set_path(struct album_entry *e, const char *path)
{
	free(e->path);
	e->path_len = strlen(path);
	e->path = copy(path, e->path_len + 1);
}

static void
m_path_byte(struct album_entry *e)
{
	e->path[e->path_len - 1] ^= 0x01;
}

static void
m_path_case(struct album_entry *e)
{
	e->path[0] ^= 0x20;
}

static void
m_path_longer(struct album_entry *e)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%sx", e->path);
	set_path(e, buf);
}

static void
m_path_shorter(struct album_entry *e)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.*s", (int)e->path_len - 1, e->path);
	set_path(e, buf);
}

static void
m_is_dir(struct album_entry *e)
{
	e->is_dir = !e->is_dir;
}

static void
m_size(struct album_entry *e)
{
	e->size++;
}

static void
m_size_high(struct album_entry *e)
{
	e->size ^= UINT64_C(1) << 40;
}

static void
m_mtime(struct album_entry *e)
{
	e->mtime++;
}

static void
m_mtime_high(struct album_entry *e)
{
	e->mtime += INT64_C(1) << 32;
}

static void
m_mtime_nsec(struct album_entry *e)
{
	e->mtime_nsec++;
}

static void
m_ctime(struct album_entry *e)
{
	e->ctime++;
}

static void
m_ctime_high(struct album_entry *e)
{
	e->ctime += INT64_C(1) << 32;
}

static void
m_ctime_nsec(struct album_entry *e)
{
	e->ctime_nsec++;
}

static void
m_ino(struct album_entry *e)
{
	e->ino++;
}

static void
m_ino_high(struct album_entry *e)
{
	e->ino ^= (ino_t)1 << (sizeof(ino_t) * 8 - 2);
}

static void
m_mtime_to_ctime(struct album_entry *e)
{
	/* each field has its own place (mtime != ctime in every base entry) */
	int64_t s = e->mtime;
	long ns = e->mtime_nsec;

	e->mtime = e->ctime;
	e->mtime_nsec = e->ctime_nsec;
	e->ctime = s;
	e->ctime_nsec = ns;
}

static const struct {
	const char *name;
	void (*mutate)(struct album_entry *);
} mutations[] = {
	{ "path, one byte", m_path_byte },
	{ "path, case of the first letter", m_path_case },
	{ "path, one byte longer", m_path_longer },
	{ "path, one byte shorter", m_path_shorter },
	{ "is_dir", m_is_dir },
	{ "size + 1", m_size },
	{ "size, bit 40", m_size_high },
	{ "mtime + 1", m_mtime },
	{ "mtime + 2^32", m_mtime_high },
	{ "mtime_nsec + 1", m_mtime_nsec },
	{ "ctime + 1", m_ctime },
	{ "ctime + 2^32", m_ctime_high },
	{ "ctime_nsec + 1", m_ctime_nsec },
	{ "ino + 1", m_ino },
	{ "ino, high bit", m_ino_high },
	{ "mtime and ctime swapped", m_mtime_to_ctime },
};

/* Every ETag computed here, to check they are all different. */
static char seen[256][CACHE_ETAG_MAX];
static const char *seen_name[256];
static size_t nseen;

static void
remember(const char *etag, const char *name)
{
	if (nseen < NELEM(seen)) {
		memcpy(seen[nseen], etag, CACHE_ETAG_MAX);
		seen_name[nseen++] = name;
	}
}

/* "\"" + 32 hex digits + "\"", NUL-terminated */
static int
etag_well_formed(const char *e)
{
	size_t i;

	if (strlen(e) != 34 || e[0] != '"' || e[33] != '"')
		return 0;
	for (i = 1; i < 33; i++)
		if (!((e[i] >= '0' && e[i] <= '9') || (e[i] >= 'a' && e[i] <= 'f') ||
		    (e[i] >= 'A' && e[i] <= 'F')))
			return 0;
	return 1;
}

static void
etag_of(const struct album *a, const char *variant, char out[CACHE_ETAG_MAX])
{
	memset(out, 'X', CACHE_ETAG_MAX);
	out[CACHE_ETAG_MAX - 1] = '\0';
	cache_etag(a, variant, CACHE_ETAG_STRICT, out);
}

static void
portable_of(const struct album *a, const char *variant, char out[CACHE_ETAG_MAX])
{
	memset(out, 'X', CACHE_ETAG_MAX);
	out[CACHE_ETAG_MAX - 1] = '\0';
	cache_etag(a, variant, CACHE_ETAG_PORTABLE, out);
}

static void
etag(void)
{
	static const char *const names[] = { "first", "second", "third", "last" };
	struct album a, b;
	char base[CACHE_ETAG_MAX], e[CACHE_ETAG_MAX], e2[CACHE_ETAG_MAX];
	const size_t n = NELEM(base_entries);
	size_t i, j, dup_i = 0, dup_j = 0;
	int dup = 0;

	album_make(&a, n);
	etag_of(&a, "store", base);
	if (!ok(etag_well_formed(base), "etag: a quoted string of 32 hex digits"))
		diag("got %s", base);
	remember(base, "base album, store");

	/* stable: the same listing, again and at other addresses */
	etag_of(&a, "store", e);
	is_str(e, base, "etag: same album twice, same ETag");
	album_make(&b, n);
	b.fd = 42;
	etag_of(&b, "store", e);
	is_str(e, base, "etag: a copy of the album (other memory, other fd), same ETag");
	b.entries[n].size = 1;	/* beyond n: not part of the album */
	etag_of(&b, "store", e);
	is_str(e, base, "etag: memory beyond entries[n - 1] is not read");
	album_unmake(&b);

	/* every hashed field of every entry */
	for (i = 0; i < NELEM(mutations); i++)
		for (j = 0; j < n; j++) {
			album_make(&b, n);
			mutations[i].mutate(&b.entries[j]);
			etag_of(&b, "store", e);
			if (!ok(strcmp(e, base) != 0 && etag_well_formed(e),
			    "etag: changes with %s of the %s entry", mutations[i].name, names[j]))
				diag("got %s for both", e);
			remember(e, mutations[i].name);
			album_unmake(&b);
		}

	/* a byte moved from the end of one path to the start of the next */
	album_make(&b, 2);
	set_path(&b.entries[0], "ab");
	set_path(&b.entries[1], "c");
	etag_of(&b, "store", e);
	set_path(&b.entries[0], "a");
	set_path(&b.entries[1], "bc");
	etag_of(&b, "store", e2);
	ok(strcmp(e, e2) != 0, "etag: paths \"ab\",\"c\" and \"a\",\"bc\" differ");
	remember(e, "paths ab,c");
	remember(e2, "paths a,bc");
	album_unmake(&b);

	/* variants */
	etag_of(&a, "deflate", e);
	ok(strcmp(e, base) != 0 && etag_well_formed(e), "etag: \"deflate\" differs from \"store\"");
	remember(e, "base album, deflate");
	etag_of(&a, "stor", e);
	ok(strcmp(e, base) != 0, "etag: \"stor\" differs from \"store\"");
	remember(e, "base album, stor");
	etag_of(&a, "", e);
	ok(strcmp(e, base) != 0 && etag_well_formed(e),
	    "etag: empty variant differs from \"store\"");
	remember(e, "base album, empty variant");

	/* entries added and removed */
	album_make(&b, n - 1);
	etag_of(&b, "store", e);
	ok(strcmp(e, base) != 0, "etag: one entry fewer differs");
	remember(e, "one entry fewer");
	b.n = n;	/* album_make filled entries[n - 1] too */
	etag_of(&b, "store", e);
	is_str(e, base, "etag: adding that entry back gives the ETag again");
	album_unmake(&b);
	album_make(&b, n);
	b.n = n + 1;
	b.entries[n] = b.entries[n - 1];
	b.entries[n].path = copy("d.png", 6);
	b.entries[n].path_len = 5;
	etag_of(&b, "store", e);
	ok(strcmp(e, base) != 0, "etag: one entry more differs");
	remember(e, "one entry more");
	album_unmake(&b);

	/* the empty album, as album_scan leaves it: no entries array */
	memset(&b, 0, sizeof(b));
	b.fd = -1;
	etag_of(&b, "store", e);
	if (!ok(etag_well_formed(e), "etag: empty album has a well-formed ETag"))
		diag("got %s", e);
	ok(strcmp(e, base) != 0, "etag: empty album differs from a full one");
	remember(e, "empty album, store");
	etag_of(&b, "deflate", e2);
	ok(strcmp(e, e2) != 0, "etag: empty album, \"store\" and \"deflate\" differ");
	remember(e2, "empty album, deflate");
	etag_of(&b, "store", e2);
	is_str(e2, e, "etag: empty album, stable");

	/* one empty folder vs one empty file of the same name */
	album_make(&b, 1);
	etag_of(&b, "store", e);
	remember(e, "one folder");
	b.entries[0].is_dir = 0;
	etag_of(&b, "store", e2);
	ok(strcmp(e, e2) != 0, "etag: a folder and a file with the same fields differ");
	album_unmake(&b);

	album_unmake(&a);

	/* "differs from the base" is not enough: no two albums above share
	 * an ETag */
	for (i = 0; i < nseen && !dup; i++)
		for (j = i + 1; j < nseen && !dup; j++)
			if (strcmp(seen[i], seen[j]) == 0) {
				dup = 1;
				dup_i = i;
				dup_j = j;
			}
	if (!ok(!dup, "etag: all %zu ETags computed are different", nseen))
		diag("\"%s\" and \"%s\" both %s", seen_name[dup_i], seen_name[dup_j],
		    seen[dup_i]);
}

/* --- cache_etag, portable ------------------------------------------------ */

/* What tells copies apart (inode, ctime) is left out; everything that
 * shapes the archive's bytes (path, type, size, mtime) is in. */
static const struct {
	const char *name;
	void (*mutate)(struct album_entry *);
	int changes;		/* the portable ETag must change */
} portable_mutations[] = {
	{ "path, one byte", m_path_byte, 1 },
	{ "path, case of the first letter", m_path_case, 1 },
	{ "path, one byte longer", m_path_longer, 1 },
	{ "path, one byte shorter", m_path_shorter, 1 },
	{ "is_dir", m_is_dir, 1 },
	{ "size + 1", m_size, 1 },
	{ "size, bit 40", m_size_high, 1 },
	{ "mtime + 1", m_mtime, 1 },
	{ "mtime + 2^32", m_mtime_high, 1 },
	{ "mtime_nsec + 1", m_mtime_nsec, 1 },
	{ "mtime and ctime swapped", m_mtime_to_ctime, 1 },
	{ "ctime + 1", m_ctime, 0 },
	{ "ctime + 2^32", m_ctime_high, 0 },
	{ "ctime_nsec + 1", m_ctime_nsec, 0 },
	{ "ino + 1", m_ino, 0 },
	{ "ino, high bit", m_ino_high, 0 },
};

/* A copy as cp -a or rsync -a makes it on another host: same paths, sizes
 * and mtimes; other inodes and ctimes (the time of the copy). */
static void
as_copy(struct album *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		b->entries[i].ino += 5000000;
		b->entries[i].ctime = 1800000000 + (int64_t)i;
		b->entries[i].ctime_nsec = 1234567 * (int32_t)(i + 1);
	}
	b->newest_change = 1800000000 + (int64_t)b->n;
}

static void
etag_portable(void)
{
	static const char *const names[] = { "first", "second", "third", "last" };
	struct album a, b;
	char base[CACHE_ETAG_MAX], strict[CACHE_ETAG_MAX], e[CACHE_ETAG_MAX], e2[CACHE_ETAG_MAX];
	const size_t n = NELEM(base_entries);
	size_t i, j;

	album_make(&a, n);
	portable_of(&a, "store", base);
	if (!ok(etag_well_formed(base), "portable etag: a quoted string of 32 hex digits"))
		diag("got %s", base);
	etag_of(&a, "store", strict);
	ok(strcmp(base, strict) != 0, "portable etag: differs from the strict one");
	portable_of(&a, "store", e);
	is_str(e, base, "portable etag: same album twice, same ETag");

	/* the point of it: a copy on another host */
	album_make(&b, n);
	as_copy(&b);
	portable_of(&b, "store", e);
	is_str(e, base, "portable etag: a copy (other inodes and ctimes) has the same ETag");
	etag_of(&b, "store", e);
	ok(strcmp(e, strict) != 0, "strict etag: a copy (other inodes and ctimes) differs");
	album_unmake(&b);

	for (i = 0; i < NELEM(portable_mutations); i++)
		for (j = 0; j < n; j++) {
			album_make(&b, n);
			portable_mutations[i].mutate(&b.entries[j]);
			portable_of(&b, "store", e);
			if (portable_mutations[i].changes) {
				if (!ok(strcmp(e, base) != 0 && etag_well_formed(e),
				    "portable etag: changes with %s of the %s entry",
				    portable_mutations[i].name, names[j]))
					diag("got %s for both", e);
			} else if (!ok(strcmp(e, base) == 0,
			    "portable etag: the same with %s of the %s entry",
			    portable_mutations[i].name, names[j])) {
				diag("got %s, want %s", e, base);
			}
			etag_of(&b, "store", e2);
			if (!ok(strcmp(e2, strict) != 0,
			    "strict etag: still changes with %s of the %s entry",
			    portable_mutations[i].name, names[j]))
				diag("got %s for both", e2);
			album_unmake(&b);
		}

	portable_of(&a, "deflate", e);
	ok(strcmp(e, base) != 0 && etag_well_formed(e),
	    "portable etag: \"deflate\" differs from \"store\"");
	etag_of(&a, "deflate", e2);
	ok(strcmp(e, e2) != 0, "portable etag: \"deflate\" differs from the strict one");

	memset(&b, 0, sizeof(b));
	b.fd = -1;
	portable_of(&b, "store", e);
	etag_of(&b, "store", e2);
	ok(etag_well_formed(e) && strcmp(e, e2) != 0 && strcmp(e, base) != 0,
	    "portable etag: the empty album's is well-formed, not the strict one, not a full one's");

	/* Last-Modified: newest mtime or ctime (strict), newest mtime (portable) */
	a.newest_change = 1700000400;
	a.newest_mtime = 1700000300;
	ok(cache_last_modified(&a, CACHE_ETAG_STRICT) == 1700000400,
	    "last-modified: strict is the newest mtime or ctime");
	ok(cache_last_modified(&a, CACHE_ETAG_PORTABLE) == 1700000300,
	    "last-modified: portable is the newest mtime");
	album_make(&b, n);
	as_copy(&b);
	b.newest_mtime = a.newest_mtime;
	ok(cache_last_modified(&b, CACHE_ETAG_PORTABLE) == cache_last_modified(&a, CACHE_ETAG_PORTABLE),
	    "last-modified: portable, a copy has the same");
	ok(cache_last_modified(&b, CACHE_ETAG_STRICT) != cache_last_modified(&a, CACHE_ETAG_STRICT),
	    "last-modified: strict, a copy made later differs");
	album_unmake(&b);
	album_unmake(&a);
}

/* --- cache_decide -------------------------------------------------------- */

#define ET	"\"0123456789abcdef0123456789abcdef\""
#define ET2	"\"0123456789abcdef0123456789abcdee\""	/* another one */
#define LM	T1994
#define LMS	"Sun, 06 Nov 1994 08:49:37 GMT"		/* LM */
#define EARLIER	"Sun, 06 Nov 1994 08:49:36 GMT"		/* LM - 1 */
#define LATER	"Sun, 06 Nov 1994 08:49:38 GMT"		/* LM + 1 */
#define TOTAL	1000
#define HUGE	"999999999999999999999999999999"	/* 30 digits */
#define U64MAX	"18446744073709551615"
#define U64MAX1	"18446744073709551616"			/* 2^64 */

struct decide_row {
	const char *name;
	const char *fields;	/* field lines ending in CRLF; "{LM}" stands for
				 * cache_format_date(lm) */
	int is_head;
	int ranges;
	uint64_t total;
	int64_t lm;
	int status;
	uint64_t first, last;	/* when status is 206 */
};

#define GET		0, 1, TOTAL, LM
#define HEAD		1, 1, TOTAL, LM
#define NORANGES	0, 0, TOTAL, LM
#define EMPTY		0, 1, 0, LM	/* a representation of 0 bytes */
#define S(st)		(st), 0, 0
#define R(f, l)		206, (f), (l)

static const struct decide_row decide_rows[] = {
	/* no conditionals */
	{ "no conditional fields", "", GET, S(200) },
	{ "unrelated fields only", "Accept: */*\r\nUser-Agent: t/1\r\n", GET, S(200) },
	{ "HEAD, no conditional fields", "", HEAD, S(200) },

	/* If-None-Match: weak comparison (RFC 9110 13.1.2) */
	{ "INM exact", "If-None-Match: " ET "\r\n", GET, S(304) },
	{ "INM exact, HEAD", "If-None-Match: " ET "\r\n", HEAD, S(304) },
	{ "INM lowercase field name", "if-none-match: " ET "\r\n", GET, S(304) },
	{ "INM first in a list", "If-None-Match: " ET ", \"a\"\r\n", GET, S(304) },
	{ "INM middle of a list", "If-None-Match: \"a\", " ET ", \"b\"\r\n", GET, S(304) },
	{ "INM last in a list", "If-None-Match: \"a\", \"b\", " ET "\r\n", GET, S(304) },
	{ "INM list without spaces", "If-None-Match: \"a\"," ET ",\"b\"\r\n", GET, S(304) },
	{ "INM list with OWS around commas",
	    "If-None-Match: \"a\" ,\t" ET " ,  \"b\"\r\n", GET, S(304) },
	{ "INM list with empty elements", "If-None-Match: , ,\"a\",," ET ",\r\n", GET, S(304) },
	{ "INM weak W/ of ours", "If-None-Match: W/" ET "\r\n", GET, S(304) },
	{ "INM weak W/ in a list", "If-None-Match: W/\"a\", W/" ET "\r\n", GET, S(304) },
	{ "INM *", "If-None-Match: *\r\n", GET, S(304) },
	{ "INM * with OWS", "If-None-Match: \t * \t\r\n", GET, S(304) },
	{ "INM in a second field line",
	    "If-None-Match: \"a\", \"b\"\r\nIf-None-Match: " ET "\r\n", GET, S(304) },
	{ "INM in a second field line, other fields between",
	    "If-None-Match: \"a\"\r\nAccept: */*\r\nIf-None-Match: \"b\", " ET "\r\n",
	    GET, S(304) },
	{ "INM not matching", "If-None-Match: " ET2 "\r\n", GET, S(200) },
	{ "INM list not matching", "If-None-Match: \"a\", W/" ET2 ", \"b\"\r\n", GET, S(200) },
	{ "INM two lines not matching", "If-None-Match: \"a\"\r\nIf-None-Match: \"b\"\r\n",
	    GET, S(200) },
	{ "INM unquoted etag", "If-None-Match: 0123456789abcdef0123456789abcdef\r\n",
	    GET, S(200) },
	{ "INM missing closing quote", "If-None-Match: \"0123456789abcdef0123456789abcdef\r\n",
	    GET, S(200) },
	{ "INM prefix of ours", "If-None-Match: \"0123456789abcdef\"\r\n", GET, S(200) },
	{ "INM ours with a byte more",
	    "If-None-Match: \"0123456789abcdef0123456789abcdef0\"\r\n", GET, S(200) },
	{ "INM lowercase w/ (not a weak prefix)", "If-None-Match: w/" ET "\r\n", GET, S(200) },
	{ "INM space after W/", "If-None-Match: W/ " ET "\r\n", GET, S(200) },
	{ "INM malformed list: garbage before ours", "If-None-Match: garbage, " ET "\r\n",
	    GET, S(200) },
	{ "INM malformed list: no comma before ours", "If-None-Match: \"a\" " ET "\r\n",
	    GET, S(200) },
	{ "INM malformed list: * in a list", "If-None-Match: *, \"a\"\r\n", GET, S(200) },
	{ "INM empty value", "If-None-Match:\r\n", GET, S(200) },
	/* RFC 9110 13.2.2: If-Modified-Since only without If-None-Match */
	{ "INM not matching wins over IMS equal",
	    "If-None-Match: " ET2 "\r\nIf-Modified-Since: " LMS "\r\n", GET, S(200) },
	{ "INM not matching wins over IMS later",
	    "If-Modified-Since: " LATER "\r\nIf-None-Match: " ET2 "\r\n", GET, S(200) },
	{ "INM empty wins over IMS equal",
	    "If-None-Match:\r\nIf-Modified-Since: " LMS "\r\n", GET, S(200) },
	{ "INM matching, IMS earlier",
	    "If-None-Match: " ET "\r\nIf-Modified-Since: " EARLIER "\r\n", GET, S(304) },

	/* If-Modified-Since (RFC 9110 13.1.3) */
	{ "IMS equal", "If-Modified-Since: " LMS "\r\n", GET, S(304) },
	{ "IMS equal, HEAD", "If-Modified-Since: " LMS "\r\n", HEAD, S(304) },
	{ "IMS later by 1 s", "If-Modified-Since: " LATER "\r\n", GET, S(304) },
	{ "IMS much later", "If-Modified-Since: Fri, 01 Jan 2021 00:00:00 GMT\r\n", GET, S(304) },
	{ "IMS earlier by 1 s", "If-Modified-Since: " EARLIER "\r\n", GET, S(200) },
	{ "IMS the epoch", "If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT\r\n", GET, S(200) },
	{ "IMS equal, asctime", "If-Modified-Since: Sun Nov  6 08:49:37 1994\r\n", GET, S(304) },
	{ "IMS lowercase field name", "if-modified-since: " LMS "\r\n", GET, S(304) },
	{ "IMS invalid date", "If-Modified-Since: yesterday\r\n", GET, S(200) },
	{ "IMS wrong weekday", "If-Modified-Since: Mon, 06 Nov 1994 08:49:37 GMT\r\n",
	    GET, S(200) },
	{ "IMS with trailing garbage", "If-Modified-Since: " LMS "x\r\n", GET, S(200) },
	{ "IMS empty", "If-Modified-Since:\r\n", GET, S(200) },
	{ "IMS a list of two dates", "If-Modified-Since: " LMS ", " LMS "\r\n", GET, S(200) },
	{ "IMS two field lines", "If-Modified-Since: " LMS "\r\nIf-Modified-Since: " LMS "\r\n",
	    GET, S(200) },

	/* If-Match: strong comparison (RFC 9110 13.1.1) */
	{ "IM exact", "If-Match: " ET "\r\n", GET, S(200) },
	{ "IM in a list", "If-Match: \"a\", " ET "\r\n", GET, S(200) },
	{ "IM in a second field line", "If-Match: \"a\"\r\nIf-Match: " ET "\r\n", GET, S(200) },
	{ "IM *", "If-Match: *\r\n", GET, S(200) },
	{ "IM not matching", "If-Match: " ET2 "\r\n", GET, S(412) },
	{ "IM not matching, HEAD", "If-Match: " ET2 "\r\n", HEAD, S(412) },
	{ "IM list not matching", "If-Match: \"a\", \"b\"\r\n", GET, S(412) },
	{ "IM weak W/ of ours never matches", "If-Match: W/" ET "\r\n", GET, S(412) },
	{ "IM weak W/ of ours in a list", "If-Match: \"a\", W/" ET "\r\n", GET, S(412) },
	{ "IM unquoted", "If-Match: 0123456789abcdef0123456789abcdef\r\n", GET, S(412) },
	{ "IM empty value", "If-Match:\r\n", GET, S(412) },
	{ "IM not matching wins over INM matching",
	    "If-None-Match: " ET "\r\nIf-Match: " ET2 "\r\n", GET, S(412) },
	{ "IM matching, then INM matching",
	    "If-Match: " ET "\r\nIf-None-Match: " ET "\r\n", GET, S(304) },
	{ "IM not matching wins over Range",
	    "If-Match: " ET2 "\r\nRange: bytes=0-9\r\n", GET, S(412) },
	{ "IM matching with Range", "If-Match: " ET "\r\nRange: bytes=0-9\r\n", GET, R(0, 9) },

	/* If-Unmodified-Since (RFC 9110 13.1.4) */
	{ "IUS earlier", "If-Unmodified-Since: " EARLIER "\r\n", GET, S(412) },
	{ "IUS equal", "If-Unmodified-Since: " LMS "\r\n", GET, S(200) },
	{ "IUS later", "If-Unmodified-Since: " LATER "\r\n", GET, S(200) },
	{ "IUS invalid date", "If-Unmodified-Since: yesterday\r\n", GET, S(200) },
	{ "IUS a list of two dates", "If-Unmodified-Since: " EARLIER ", " EARLIER "\r\n",
	    GET, S(200) },
	{ "IUS two field lines", "If-Unmodified-Since: " EARLIER "\r\n"
	    "If-Unmodified-Since: " EARLIER "\r\n", GET, S(200) },
	{ "IUS ignored when If-Match is present",
	    "If-Match: " ET "\r\nIf-Unmodified-Since: " EARLIER "\r\n", GET, S(200) },
	{ "IUS earlier wins over INM matching",
	    "If-None-Match: " ET "\r\nIf-Unmodified-Since: " EARLIER "\r\n", GET, S(412) },
	{ "IUS equal, then IMS equal",
	    "If-Unmodified-Since: " LMS "\r\nIf-Modified-Since: " LMS "\r\n", GET, S(304) },

	/* Range (RFC 9110 14.1.2, 14.2) */
	{ "bytes=0-0", "Range: bytes=0-0\r\n", GET, R(0, 0) },
	{ "bytes=0-99", "Range: bytes=0-99\r\n", GET, R(0, 99) },
	{ "bytes=10-", "Range: bytes=10-\r\n", GET, R(10, TOTAL - 1) },
	{ "bytes=-10", "Range: bytes=-10\r\n", GET, R(TOTAL - 10, TOTAL - 1) },
	{ "bytes=-1", "Range: bytes=-1\r\n", GET, R(TOTAL - 1, TOTAL - 1) },
	{ "bytes=0- (the whole)", "Range: bytes=0-\r\n", GET, R(0, TOTAL - 1) },
	{ "bytes=0-999 (the whole)", "Range: bytes=0-999\r\n", GET, R(0, TOTAL - 1) },
	{ "last byte only", "Range: bytes=999-999\r\n", GET, R(999, 999) },
	{ "last byte, open", "Range: bytes=999-\r\n", GET, R(999, 999) },
	{ "lowercase field name", "range: bytes=5-6\r\n", GET, R(5, 6) },
	{ "bytes=-0 is unsatisfiable", "Range: bytes=-0\r\n", GET, S(416) },
	{ "suffix equal to total", "Range: bytes=-1000\r\n", GET, R(0, TOTAL - 1) },
	{ "suffix larger than total", "Range: bytes=-1001\r\n", GET, R(0, TOTAL - 1) },
	{ "last beyond the end, clamped", "Range: bytes=500-5000\r\n", GET, R(500, TOTAL - 1) },
	{ "last just beyond the end, clamped", "Range: bytes=0-1000\r\n", GET, R(0, TOTAL - 1) },
	{ "first == total", "Range: bytes=1000-\r\n", GET, S(416) },
	{ "first == last == total", "Range: bytes=1000-1000\r\n", GET, S(416) },
	{ "first beyond total", "Range: bytes=1001-2000\r\n", GET, S(416) },
	{ "first > last is invalid", "Range: bytes=5-4\r\n", GET, S(200) },
	{ "first > last beyond total is invalid", "Range: bytes=2000-1500\r\n", GET, S(200) },
	{ "bytes= alone", "Range: bytes=\r\n", GET, S(200) },
	{ "bytes without =", "Range: bytes\r\n", GET, S(200) },
	{ "bytes=- alone", "Range: bytes=-\r\n", GET, S(200) },
	{ "bytes=, alone", "Range: bytes=,\r\n", GET, S(200) },
	{ "letters for numbers", "Range: bytes=a-b\r\n", GET, S(200) },
	{ "trailing garbage", "Range: bytes=0-1x\r\n", GET, S(200) },
	{ "spaces inside a range", "Range: bytes=0 - 1\r\n", GET, S(200) },
	{ "negative first", "Range: bytes=-5-10\r\n", GET, S(200) },
	{ "empty value", "Range:\r\n", GET, S(200) },
	{ "other unit items=0-1", "Range: items=0-1\r\n", GET, S(200) },
	{ "unit prefix bytesx=0-1", "Range: bytesx=0-1\r\n", GET, S(200) },
	{ "uppercase BYTES=0-1", "Range: BYTES=0-1\r\n", GET, R(0, 1) },
	{ "mixed case Bytes=0-1", "Range: Bytes=0-1\r\n", GET, R(0, 1) },
	{ "one range, empty element after", "Range: bytes=0-9 ,\r\n", GET, R(0, 9) },
	{ "one range, empty element before", "Range: bytes=, 0-9\r\n", GET, R(0, 9) },
	{ "two ranges, spaces around comma", "Range: bytes=0-1 , 5-6\r\n", GET, S(200) },
	{ "two ranges, tab after comma", "Range: bytes=0-1,\t5-6\r\n", GET, S(200) },
	{ "several ranges, one satisfiable", "Range: bytes=2000-3000, 0-1, 5000-\r\n",
	    GET, S(200) },
	{ "several ranges, all satisfiable", "Range: bytes=0-1,10-20,-5\r\n", GET, S(200) },
	{ "several ranges, none satisfiable", "Range: bytes=1000-,2000-3000 , -0\r\n",
	    GET, S(416) },
	{ "several ranges, one invalid", "Range: bytes=0-1,5-4\r\n", GET, S(200) },
	{ "two Range fields", "Range: bytes=0-1\r\nRange: bytes=0-1\r\n", GET, S(200) },
	{ "huge first", "Range: bytes=" HUGE "-\r\n", GET, S(416) },
	{ "huge first and last", "Range: bytes=" HUGE "-" HUGE "\r\n", GET, S(416) },
	{ "first 2^64 - 1", "Range: bytes=" U64MAX "-\r\n", GET, S(416) },
	{ "first 2^64", "Range: bytes=" U64MAX1 "-\r\n", GET, S(416) },
	{ "huge last, clamped", "Range: bytes=0-" HUGE "\r\n", GET, R(0, TOTAL - 1) },
	{ "last 2^64, clamped", "Range: bytes=10-" U64MAX1 "\r\n", GET, R(10, TOTAL - 1) },
	{ "huge suffix, the whole", "Range: bytes=-" HUGE "\r\n", GET, R(0, TOTAL - 1) },
	{ "suffix 2^64, the whole", "Range: bytes=-" U64MAX1 "\r\n", GET, R(0, TOTAL - 1) },
	{ "Range with HEAD is ignored", "Range: bytes=0-0\r\n", HEAD, S(200) },
	{ "unsatisfiable Range with HEAD is ignored", "Range: bytes=5000-\r\n", HEAD, S(200) },
	{ "ranges=0: Range ignored", "Range: bytes=0-0\r\n", NORANGES, S(200) },
	{ "ranges=0: unsatisfiable Range ignored", "Range: bytes=5000-\r\n", NORANGES, S(200) },
	/* RFC 9110 14.1.1: of a representation of 0 bytes, an int-range is
	 * unsatisfiable (416); a suffix-range with a non-zero length is
	 * satisfiable, yet cannot be a 206 of first..last: the whole (200) */
	{ "0 bytes: bytes=0-", "Range: bytes=0-\r\n", EMPTY, S(416) },
	{ "0 bytes: bytes=0-0", "Range: bytes=0-0\r\n", EMPTY, S(416) },
	{ "0 bytes: bytes=-0", "Range: bytes=-0\r\n", EMPTY, S(416) },
	{ "0 bytes: suffix bytes=-5 is satisfiable", "Range: bytes=-5\r\n", EMPTY, S(200) },
	{ "1 byte: bytes=-5", "Range: bytes=-5\r\n", 0, 1, 1, LM, R(0, 0) },

	/* If-Range (RFC 9110 13.1.5) */
	{ "IR strong etag matching", "Range: bytes=0-9\r\nIf-Range: " ET "\r\n", GET, R(0, 9) },
	{ "IR before Range", "If-Range: " ET "\r\nRange: bytes=10-\r\n", GET, R(10, TOTAL - 1) },
	{ "IR etag different", "Range: bytes=0-9\r\nIf-Range: " ET2 "\r\n", GET, S(200) },
	{ "IR weak etag equal to ours", "Range: bytes=0-9\r\nIf-Range: W/" ET "\r\n",
	    GET, S(200) },
	{ "IR etag list", "Range: bytes=0-9\r\nIf-Range: " ET ", " ET "\r\n", GET, S(200) },
	{ "IR matching date", "Range: bytes=0-9\r\nIf-Range: {LM}\r\n", GET, R(0, 9) },
	{ "IR date earlier", "Range: bytes=0-9\r\nIf-Range: " EARLIER "\r\n", GET, S(200) },
	{ "IR date later (not an exact match)", "Range: bytes=0-9\r\nIf-Range: " LATER "\r\n",
	    GET, S(200) },
	{ "IR invalid", "Range: bytes=0-9\r\nIf-Range: yesterday\r\n", GET, S(200) },
	{ "IR empty", "Range: bytes=0-9\r\nIf-Range:\r\n", GET, S(200) },
	{ "IR date with wrong weekday",
	    "Range: bytes=0-9\r\nIf-Range: Mon, 06 Nov 1994 08:49:37 GMT\r\n", GET, S(200) },
	{ "IR two fields, both matching",
	    "Range: bytes=0-9\r\nIf-Range: " ET "\r\nIf-Range: " ET "\r\n", GET, S(200) },
	{ "IR matching, range unsatisfiable", "Range: bytes=5000-\r\nIf-Range: " ET "\r\n",
	    GET, S(416) },
	{ "IR not matching, range unsatisfiable", "Range: bytes=5000-\r\nIf-Range: " ET2 "\r\n",
	    GET, S(200) },
	{ "IR without Range", "If-Range: " ET "\r\n", GET, S(200) },
	{ "IR and Range with HEAD", "Range: bytes=0-9\r\nIf-Range: " ET "\r\n", HEAD, S(200) },

	/* conditionals before ranges (RFC 9110 13.2.2) */
	{ "INM match wins over Range", "Range: bytes=0-9\r\nIf-None-Match: " ET "\r\n",
	    GET, S(304) },
	{ "INM match wins over Range and If-Range",
	    "Range: bytes=0-9\r\nIf-Range: " ET "\r\nIf-None-Match: " ET "\r\n", GET, S(304) },
	{ "INM match wins over unsatisfiable Range",
	    "Range: bytes=5000-\r\nIf-None-Match: *\r\n", GET, S(304) },
	{ "IMS equal wins over Range", "Range: bytes=0-9\r\nIf-Modified-Since: " LMS "\r\n",
	    GET, S(304) },
	{ "INM not matching, Range served", "Range: bytes=0-9\r\nIf-None-Match: " ET2 "\r\n",
	    GET, R(0, 9) },
	{ "IMS earlier, Range served", "Range: bytes=0-9\r\nIf-Modified-Since: " EARLIER "\r\n",
	    GET, R(0, 9) },
};

/* buf := the request head for row r, "{LM}" replaced */
static size_t
build_head(char *buf, size_t size, const char *fields, int is_head, int64_t lm)
{
	char date[CACHE_DATE_MAX];
	const char *at;
	int len;

	at = strstr(fields, "{LM}");
	cache_format_date(lm, date);
	if (at == NULL)
		len = snprintf(buf, size, "%s /archive/abc/ HTTP/1.1\r\nHost: x\r\n%s\r\n",
		    is_head ? "HEAD" : "GET", fields);
	else
		len = snprintf(buf, size, "%s /archive/abc/ HTTP/1.1\r\nHost: x\r\n%.*s%s%s\r\n",
		    is_head ? "HEAD" : "GET", (int)(at - fields), fields, date, at + 4);
	if (len < 0 || (size_t)len >= size) {
		fprintf(stderr, "request head too long\n");
		exit(99);
	}
	return (size_t)len;
}

static void
decide_one(const struct decide_row *r)
{
	struct http_request req;
	char head[1024];
	uint64_t first = UINT64_MAX - 1, last = UINT64_MAX - 1;
	size_t len;
	char *buf;
	int rv, st;

	len = build_head(head, sizeof(head), r->fields, r->is_head, r->lm);
	buf = copy(head, len);
	rv = http_parse_request(buf, len, &req);
	if (rv != (int)len) {
		ok(0, "decide: %s: request parses", r->name);
		diag("http_parse_request returned %d for %zu bytes", rv, len);
		free(buf);
		return;
	}
	st = cache_decide(&req, r->is_head, ET, r->lm, r->total, r->ranges, &first, &last);
	is_int(st, r->status, "decide: %s: %d", r->name, r->status);
	if (r->status == 206 && st == 206) {
		if (!ok(first == r->first && last == r->last, "decide: %s: bytes %llu-%llu",
		    r->name, (unsigned long long)r->first, (unsigned long long)r->last))
			diag("got %llu-%llu", (unsigned long long)first,
			    (unsigned long long)last);
	} else if (r->status == 206) {
		ok(0, "decide: %s: bytes %llu-%llu", r->name, (unsigned long long)r->first,
		    (unsigned long long)r->last);
		diag("no range: the status was %d", st);
	}
	free(buf);
}

static void
decide(void)
{
	struct decide_row r;
	char name[96];
	size_t i;
	int d;

	for (i = 0; i < NELEM(decide_rows); i++)
		decide_one(&decide_rows[i]);

	/* If-Range with the Last-Modified date on each day of the week: an
	 * HTTP-date is told from an entity-tag by a DQUOTE in its first three
	 * characters (RFC 9110 13.1.5), not by its first letter */
	for (d = 0; d < 7; d++) {
		memset(&r, 0, sizeof(r));
		r.lm = LM + d * 86400;
		snprintf(name, sizeof(name), "IR matching date on a %s", longwdays[d]);
		r.name = name;
		r.fields = "Range: bytes=0-9\r\nIf-Range: {LM}\r\n";
		r.ranges = 1;
		r.total = TOTAL;
		r.status = 206;
		r.first = 0;
		r.last = 9;
		decide_one(&r);
	}
}

int
main(void)
{
	int64_t cy = current_year();

	reference_calendar();
	format_date();
	parse_date(cy);
	parse_leap_second();
	parse_rfc850_years(cy);
	round_trip(cy);
	etag();
	etag_portable();
	decide();
	return done_testing();
}
