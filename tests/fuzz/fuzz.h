/* fuzz: what the fuzz targets and the corpus replay share.
 *
 * Each target (fuzz_request.c, fuzz_route.c) defines the two libFuzzer entry
 * points below. Built with clang -fsanitize=fuzzer they are fuzzers; linked
 * with replay.c (any compiler, no libFuzzer) they replay a corpus directory
 * as a TAP test, so that every input ever found stays a test.
 *
 * A broken invariant calls abort(): libFuzzer saves the input as a crash,
 * the replay reports "not ok". FUZZ_IGNORE (a comma-separated list of
 * invariant names) lets a long fuzzing run get past a finding that is
 * already known and reported; the replay in "make check" never sets it. */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Called once before the first input (optional in libFuzzer). */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Called for every input: data[0..size) is all there is (no NUL after it). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline int
fuzz_ignored(const char *name)
{
	const char *list = getenv("FUZZ_IGNORE"), *p;
	size_t n = strlen(name);

	for (p = list; p != NULL && *p != '\0'; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return 1;
	return 0;
}

static inline void
fuzz_fail(const char *name, const char *expr, const char *file, int line)
{
	if (fuzz_ignored(name))
		return;
	fprintf(stderr, "%s:%d: invariant \"%s\" broken: %s\n", file, line, name, expr);
	abort();
}

/* CHECK("name", cond): the invariant `name' holds, or abort. */
#define CHECK(name, cond) \
	((cond) ? (void)0 : fuzz_fail((name), #cond, __FILE__, __LINE__))

/* A routed hash: 1 to max bytes of [0-9A-Za-z_-], NUL-terminated within
 * max + 1 bytes (both targets check what path_route() returns). */
static inline void
fuzz_check_hash(const char *hash, size_t max)
{
	size_t i, hlen = strnlen(hash, max + 1);

	CHECK("route-hash", hlen >= 1 && hlen <= max);
	for (i = 0; i < hlen && i <= max; i++)
		CHECK("route-hash", (hash[i] >= '0' && hash[i] <= '9') ||
		    (hash[i] >= 'a' && hash[i] <= 'z') || (hash[i] >= 'A' && hash[i] <= 'Z') ||
		    hash[i] == '-' || hash[i] == '_');
}

#endif
