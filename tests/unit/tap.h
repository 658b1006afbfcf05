/* tap: a tiny header-only TAP 13 producer for the unit tests.
 *
 *	plan(n);			optional: "1..n" up front
 *	ok(cond, fmt, ...);		one test point
 *	is_int(got, expected, fmt, ...);
 *	is_str(got, expected, fmt, ...);	NUL-terminated strings
 *	is_mem(got, got_len, expected, expected_len, fmt, ...);
 *	diag(fmt, ...);			"# ..." comment line
 *	return done_testing();		prints "1..N" if there was no plan,
 *					returns the exit status
 *
 * The exit status is 0 only when every test point passed and, with a
 * plan, exactly the planned number of points ran. Everything goes to
 * stdout, so automake's tap-driver.sh sees the diagnostics in order. */
#ifndef TAP_H
#define TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__)
#define TAP_PRINTF(f, a)	__attribute__((format(printf, f, a)))
#else
#define TAP_PRINTF(f, a)
#endif

static struct {
	unsigned long run;	/* test points so far */
	unsigned long failed;
	long planned;		/* -1: no plan yet */
	int started;		/* "TAP version 13" printed */
} tap_state = { 0, 0, -1, 0 };

static inline void
tap_start(void)
{
	if (!tap_state.started) {
		tap_state.started = 1;
		/* unbuffered-ish: a crash must not eat earlier results */
		setvbuf(stdout, NULL, _IOLBF, 0);
		printf("TAP version 13\n");
	}
}

static inline void TAP_PRINTF(1, 0)
tap_vdiag(const char *fmt, va_list ap)
{
	char line[1024];
	const char *p, *nl;

	tap_start();
	vsnprintf(line, sizeof(line), fmt, ap);
	/* every output line of a diagnostic starts with "# " */
	for (p = line;; p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl == NULL) {
			printf("# %s\n", p);
			break;
		}
		printf("# %.*s\n", (int)(nl - p), p);
	}
}

static inline void TAP_PRINTF(1, 2)
diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vdiag(fmt, ap);
	va_end(ap);
}

static inline void
plan(unsigned long n)
{
	tap_start();
	tap_state.planned = (long)n;
	printf("1..%lu\n", n);
}

/* Print "ok N - desc" or "not ok N - desc"; returns cond (0 or 1). */
static inline int TAP_PRINTF(4, 0)
tap_vok(int cond, const char *file, int line, const char *fmt, va_list ap)
{
	char desc[512];
	char *p;

	tap_start();
	vsnprintf(desc, sizeof(desc), fmt, ap);
	/* a description must stay on one line and must not start a
	 * directive: replace newlines and '#' */
	for (p = desc; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
		else if (*p == '#')
			*p = '_';
	tap_state.run++;
	printf("%sok %lu - %s\n", cond ? "" : "not ", tap_state.run, desc);
	if (!cond) {
		tap_state.failed++;
		printf("#   Failed test at %s line %d.\n", file, line);
	}
	return cond;
}

static inline int TAP_PRINTF(4, 5)
tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = tap_vok(cond, file, line, fmt, ap);
	va_end(ap);
	return r;
}

static inline int TAP_PRINTF(5, 6)
tap_is_int(long long got, long long expected, const char *file, int line,
    const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = tap_vok(got == expected, file, line, fmt, ap);
	va_end(ap);
	if (!r)
		diag("got %lld expected %lld", got, expected);
	return r;
}

/* Write buf[0..len) as a C-ish quoted string into out (always
 * NUL-terminated, truncated with "..." when too long). */
static inline void
tap_quote(char *out, size_t outsz, const char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	if (buf == NULL) {
		snprintf(out, outsz, "NULL");
		return;
	}
	out[o++] = '"';
	for (i = 0; i < len && o + 8 < outsz; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\r') {
			out[o++] = '\\';
			out[o++] = 'r';
		} else if (c == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (c == '\t') {
			out[o++] = '\\';
			out[o++] = 't';
		} else if (c == '\\' || c == '"') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			out[o++] = (char)c;
		}
	}
	out[o++] = '"';
	if (i < len) {
		out[o++] = '.';
		out[o++] = '.';
		out[o++] = '.';
	}
	out[o] = '\0';
}

static inline int TAP_PRINTF(7, 8)
tap_is_mem(const char *got, size_t got_len, const char *expected,
    size_t expected_len, const char *file, int line, const char *fmt, ...)
{
	char g[200], e[200];
	va_list ap;
	int cond, r;

	if (got == NULL || expected == NULL)
		cond = got == expected;
	else
		cond = got_len == expected_len &&
		    memcmp(got, expected, got_len) == 0;
	va_start(ap, fmt);
	r = tap_vok(cond, file, line, fmt, ap);
	va_end(ap);
	if (!r) {
		tap_quote(g, sizeof(g), got, got_len);
		tap_quote(e, sizeof(e), expected, expected_len);
		diag("got %s (%zu bytes) expected %s (%zu bytes)",
		    g, got_len, e, expected_len);
	}
	return r;
}

static inline int TAP_PRINTF(5, 6)
tap_is_str(const char *got, const char *expected, const char *file,
    int line, const char *fmt, ...)
{
	char g[200], e[200];
	va_list ap;
	int cond, r;

	if (got == NULL || expected == NULL)
		cond = got == expected;
	else
		cond = strcmp(got, expected) == 0;
	va_start(ap, fmt);
	r = tap_vok(cond, file, line, fmt, ap);
	va_end(ap);
	if (!r) {
		tap_quote(g, sizeof(g), got, got ? strlen(got) : 0);
		tap_quote(e, sizeof(e), expected,
		    expected ? strlen(expected) : 0);
		diag("got %s expected %s", g, e);
	}
	return r;
}

/* Exit status for main(): 0 when all points passed (and match the plan). */
static inline int
done_testing(void)
{
	tap_start();
	if (tap_state.planned < 0) {
		printf("1..%lu\n", tap_state.run);
	} else if ((unsigned long)tap_state.planned != tap_state.run) {
		diag("planned %ld tests but ran %lu",
		    tap_state.planned, tap_state.run);
		return 1;
	}
	if (tap_state.failed > 0) {
		diag("failed %lu of %lu tests",
		    tap_state.failed, tap_state.run);
		return 1;
	}
	return 0;
}

#define ok(cond, ...) \
	tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, expected, ...) \
	tap_is_int((long long)(got), (long long)(expected), \
	    __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, expected, ...) \
	tap_is_str((got), (expected), __FILE__, __LINE__, __VA_ARGS__)
#define is_mem(got, got_len, expected, expected_len, ...) \
	tap_is_mem((got), (got_len), (expected), (expected_len), \
	    __FILE__, __LINE__, __VA_ARGS__)

#endif
