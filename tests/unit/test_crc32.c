/* test_crc32: crc_update() (handler/crc.c) and the handler's crc32()
 * (handler/crc32.c) give zlib's result for every length up to 4 KiB at
 * every alignment, for large buffers, for any starting value and in
 * pieces; libarchive's ZIP writer calls crc32() (the interposition works),
 * writing the CRC zlib computes, and with crc_libarchive_off set the call
 * returns at once. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "crc.h"
#include "crc32.h"
#include "tap.h"

#define BIG	(3 * 1024 * 1024 + 13)

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 32);
}

/* Everything for the method in use: every length to 4 KiB at every
 * alignment, from 0 and from random starting values; large buffers of
 * random bytes, zeros and ones; pieces of random sizes. */
static void
check_method(const char *m, unsigned char *buf)
{
	size_t len, off, bad = 0, runs = 0, i;
	uint32_t init, want, got;

	for (len = 0; len <= 4096; len++)
		for (off = 0; off < 16; off++) {
			init = off & 1 ? rnd() : 0;
			want = (uint32_t)crc32_z(init, buf + off, len);
			if (crc32(init, buf + off, (uInt)len) != want ||
			    crc_update(init, buf + off, len) != want) {
				if (bad++ < 5)
					diag("%s: length %zu at offset %zu from %#x differs", m, len, off,
					    init);
			}
			runs++;
		}
	ok(bad == 0, "%s: %zu of %zu length/alignment/start cases differ from zlib", m, bad, runs);

	ok(crc_update(0, buf + 3, BIG) == crc32_z(0, buf + 3, BIG), "%s: %d random bytes", m, BIG);
	memset(buf, 0, BIG);
	ok(crc_update(0, buf, BIG) == crc32_z(0, buf, BIG), "%s: %d zero bytes", m, BIG);
	memset(buf, 0xff, BIG);
	ok(crc_update(0, buf, BIG) == crc32_z(0, buf, BIG), "%s: %d 0xff bytes", m, BIG);
	for (i = 0; i < BIG + 64; i++)
		buf[i] = (unsigned char)rnd();

	/* in pieces of random sizes, as libarchive feeds it */
	want = (uint32_t)crc32_z(0, buf, BIG);
	got = 0;
	for (off = 0; off < BIG; off += len) {
		len = rnd() % 70000;
		if (len > BIG - off)
			len = BIG - off;
		got = (uint32_t)crc32(got, buf + off, (uInt)len);
	}
	ok(got == want, "%s: in pieces: %#x, zlib %#x", m, got, want);
}

int
main(void)
{
	static const char *const methods[] = { "zlib", "pclmul", "vpclmul256", "vpclmul512" };
	unsigned char *buf = malloc(BIG + 64), *zip;
	const char *best;
	size_t used;
	unsigned long calls;
	struct archive *a;
	struct archive_entry *e;
	const unsigned char *d;
	uLong want;
	size_t i;

	if (buf == NULL)
		return 99;
	for (i = 0; i < BIG + 64; i++)
		buf[i] = (unsigned char)rnd();

	best = crc_method();
#if defined(__x86_64__)
	ok(strcmp(best, "zlib") != 0, "a folding method is used on this CPU: %s", best);
#else
	diag("not x86-64: crc32() is zlib's crc32_z()");
#endif
	ok(crc32(0, NULL, 0) == 0, "crc32(0, NULL, 0) is 0, as zlib's");
	ok(crc_use("crc64") == -EINVAL, "crc_use: an unknown method is refused");
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		int r = crc_use(methods[i]);

		if (r == -ENOTSUP) {
			diag("%s: not on this CPU", methods[i]);
			continue;
		}
		ok(r == 0 && strcmp(crc_method(), methods[i]) == 0, "%s: in use", methods[i]);
		check_method(methods[i], buf);
	}
	ok(crc_use(best) == 0, "back to %s", best);

	/* libarchive's ZIP writer calls this crc32() and writes its result */
	zip = malloc(BIG + 4096);
	a = archive_write_new();
	e = archive_entry_new();
	archive_write_set_format_zip(a);
	archive_write_set_options(a, "zip:compression=store");
	archive_write_open_memory(a, zip, BIG + 4096, &used);
	archive_entry_set_pathname(e, "a.jpg");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, 1000000);
	archive_write_header(a, e);
	calls = ah_crc32_calls;
	ok(archive_write_data(a, buf + 1, 1000000) == 1000000, "libarchive wrote 1000000 bytes");
	ok(ah_crc32_calls > calls, "libarchive's CRC went through this crc32() (%lu calls)",
	    ah_crc32_calls - calls);
	archive_write_finish_entry(a);
	archive_write_close(a);
	/* the data descriptor follows the data: "PK\7\10" CRC sizes */
	d = NULL;
	for (i = 0; i + 8 <= used; i++)
		if (memcmp(zip + i, "PK\007\010", 4) == 0) {
			d = zip + i;
			break;
		}
	want = crc32_z(0, buf + 1, 1000000);
	ok(d != NULL && (d[4] | d[5] << 8 | d[6] << 16 | (uLong)d[7] << 24) == want,
	    "the data descriptor has zlib's CRC %#lx", want);
	archive_entry_free(e);
	archive_write_free(a);

	/* switched off, libarchive's call costs nothing and changes nothing */
	crc_libarchive_off = 1;
	calls = ah_crc32_calls;
	ok(crc32(0x1234, buf, BIG) == 0x1234, "crc_libarchive_off: crc32() returns its argument");
	crc_libarchive_off = 0;
	ok(crc32(0x1234, buf, BIG) == crc32_z(0x1234, buf, BIG), "and computes again when reset");
	free(zip);
	free(buf);
	return done_testing();
}
