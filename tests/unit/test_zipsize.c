/* test_zipsize: zipstream_size() against the bytes real libarchive writes,
 * for a matrix of albums, including the zip64 thresholds. If a libarchive
 * upgrade changes its layout, this fails loudly instead of clients getting
 * a wrong Content-Length. Output of the small cases is also read back with
 * libarchive and checked entry by entry. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "album.h"
#include "tap.h"
#include "zipstream.h"

struct counter {
	uint64_t n;
	unsigned char *mem;	/* kept when small, for reading back */
	size_t cap;
	unsigned char tail[98];	/* last 98 bytes: the end records */
	uint64_t src_bytes;	/* bytes that came with a file position */
	uint64_t src_checked;	/* ... of which compared with the file */
	int src_bad;		/* a file position that did not hold buf */
};

static int
count(void *ctx, const void *buf, size_t len, const struct zipstream_src *src)
{
	struct counter *c = ctx;

	if (src != NULL) {
		/* the sink may send these bytes from the file instead: they
		 * must be the file's bytes there (checked for the first 64 MiB) */
		c->src_bytes += len;
		if (c->src_checked < 64u << 20) {
			char *f = malloc(len);

			if (f == NULL || pread(src->fd, f, len, (off_t)src->off) != (ssize_t)len ||
			    memcmp(f, buf, len) != 0)
				c->src_bad++;
			free(f);
			c->src_checked += len;
		}
	}

	if (c->mem != NULL) {
		if (c->n + len > c->cap)
			return -ENOSPC;
		memcpy(c->mem + c->n, buf, len);
	}
	if (len >= sizeof(c->tail)) {
		memcpy(c->tail, (const char *)buf + len - sizeof(c->tail), sizeof(c->tail));
	} else {
		memmove(c->tail, c->tail + len, sizeof(c->tail) - len);
		memcpy(c->tail + sizeof(c->tail) - len, buf, len);
	}
	c->n += len;
	return 0;
}

static char root[] = "/tmp/test_zipsize.XXXXXX";

static void
mkfile(const char *rel, off_t size)
{
	char p[4096];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, size) < 0) {
		perror(p);
		exit(99);
	}
	/* a little real data so CRCs are not all of zeros */
	if (size > 0 && pwrite(fd, rel, strlen(rel) < (size_t)size ? strlen(rel) : (size_t)size, 0) < 0)
		exit(99);
	close(fd);
}

static void __attribute__((unused))
mkdir_rel(const char *rel)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (mkdir(p, 0755) < 0 && errno != EEXIST) {
		perror(p);
		exit(99);
	}
}

/* Read the archive back and compare names and sizes with the album. */
static int
read_back(const struct counter *c, const struct album *al)
{
	struct archive *ar = archive_read_new();
	struct archive_entry *ae;
	size_t i = 0;
	int ok = 1;

	/* the reader needs a UTF-8 locale to hand back UTF-8 names; the
	 * writer runs in the C locale, as in the handler */
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		diag("no C.UTF-8 locale");
	archive_read_support_format_zip_seekable(ar);
	if (al->n > 0 && archive_read_open_memory(ar, c->mem, c->n) != ARCHIVE_OK) {
		diag("read back: %s", archive_error_string(ar));
		archive_read_free(ar);
		setlocale(LC_CTYPE, "C");
		return 0;
	}
	if (al->n == 0) {
		/* libarchive does not recognise an empty ZIP: compare with the
		 * one valid empty archive, a bare end record */
		static const unsigned char empty[22] = "PK\005\006";

		archive_read_free(ar);
		setlocale(LC_CTYPE, "C");
		return c->n == 22 && memcmp(c->mem, empty, 22) == 0;
	}
	for (;;) {
		int r = archive_read_next_header(ar, &ae);

		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			diag("read back: %s", archive_error_string(ar));
			ok = 0;
			break;
		}
		const char *got = archive_entry_pathname_utf8(ae);

		if (got == NULL || i >= al->n || strcmp(got, al->entries[i].path) != 0 ||
		    (uint64_t)archive_entry_size(ae) != al->entries[i].size) {
			diag("entry %zu: got '%s' %lld, want '%s' %llu", i,
			    got ? got : "(null)", (long long)archive_entry_size(ae),
			    i < al->n ? al->entries[i].path : "(none)",
			    i < al->n ? (unsigned long long)al->entries[i].size : 0ULL);
			ok = 0;
		}
		i++;
	}
	archive_read_free(ar);
	setlocale(LC_CTYPE, "C");
	return ok && i == al->n;
}

static void
check(const char *name, int read_it)
{
	struct album al;
	struct counter c = { 0 };
	char err[ALBUM_PATH_MAX + 1];
	long failed = -1;
	uint64_t want;
	int fd, r;

	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = album_scan(fd, &al, err, sizeof(err));
	if (r < 0) {
		ok(0, "%s: scan failed: %s at %s", name, strerror(-r), err);
		album_free(&al);
		return;
	}
	want = zipstream_size(&al);
	if (read_it) {
		c.cap = (size_t)want + 65536;
		c.mem = malloc(c.cap);
	}
	r = zipstream_write(&al, 0, count, &c, &failed);
	ok(r == 0, "%s: stream ok (%s)", name, r ? strerror(-r) : "0");
	ok(c.n == want, "%s: %zu entries, size %llu == formula %llu", name, al.n,
	    (unsigned long long)c.n, (unsigned long long)want);
	{
		uint64_t data = 0;
		size_t i;

		for (i = 0; i < al.n; i++)
			data += al.entries[i].size;
		/* every stored byte comes with its file position, and the
		 * position holds those bytes */
		ok(c.src_bytes == data && c.src_bad == 0,
		    "%s: %llu of %llu file bytes came with their file position, "
		    "%llu compared, %d wrong", name, (unsigned long long)c.src_bytes,
		    (unsigned long long)data, (unsigned long long)c.src_checked, c.src_bad);
	}
	{
		/* APPNOTE 4.4.1.4: a field at its maximum means "see the zip64
		 * end record", which must then be there, with the true values */
		const unsigned char *e = c.tail + 76, *z = c.tail, *l = c.tail + 56;
		unsigned long long n = e[8] | e[9] << 8;
		unsigned long long sz = e[12] | e[13] << 8 | e[14] << 16 | (unsigned long long)e[15] << 24;
		unsigned long long of = e[16] | e[17] << 8 | e[18] << 16 | (unsigned long long)e[19] << 24;
		int sentinel = n == 0xffff || sz == 0xffffffff || of == 0xffffffff;

		ok(memcmp(e, "PK\005\006", 4) == 0, "%s: ends with the end record", name);
		if (c.n >= 98 && (sentinel || memcmp(l, "PK\006\007", 4) == 0))
			ok(memcmp(z, "PK\006\006", 4) == 0 && memcmp(l, "PK\006\007", 4) == 0,
			    "%s: end record sentinels (%llu entries, cd %llu at %llu) come with "
			    "the zip64 end record and locator", name, n, sz, of);
	}
	if (read_it)
		ok(read_back(&c, &al), "%s: libarchive reads back every entry", name);
	free(c.mem);
	album_free(&al);
}

#ifndef ZIP64_CASES
/* A sink that truncates the file it is sent from, on its first piece of
 * file data: libarchive computes the CRC after passing the data on, so it
 * then reads mapped pages past the new end of the file (SIGBUS). */
struct truncating {
	struct counter c;
	int done;
};

static int
truncate_first(void *ctx, const void *buf, size_t len, const struct zipstream_src *src)
{
	struct truncating *t = ctx;

	if (src != NULL && !t->done) {
		t->done = 1;
		if (ftruncate(src->fd, 0) < 0) {
			/* the album's fds are read-only: truncate by name */
			char p[4200];

			snprintf(p, sizeof(p), "%s/b.jpg", root);
			if (truncate(p, 0) < 0)
				return -errno;
		}
	}
	return count(&t->c, buf, len, src);
}

/* b.jpg shrinks to 0 while mapped: the stream must fail with -ESTALE
 * naming it, not die of SIGBUS. */
static void
check_shrink_while_mapped(void)
{
	struct truncating t = { { 0 }, 0 };
	struct counter c = { 0 };
	struct album al;
	char err[ALBUM_PATH_MAX + 1], p[4200];
	long failed = -1;
	int r;

	mkfile("b.jpg", 3 * 1024 * 1024);
	r = album_scan(open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), &al, err, sizeof(err));
	ok(r == 0 && al.n == 1, "shrink while mapped: scanned");
	r = zipstream_write(&al, 0, count, &c, &failed);
	ok(r == 0, "shrink while mapped: streams while unchanged (%s)", r ? strerror(-r) : "0");
	r = zipstream_write(&al, 0, truncate_first, &t, &failed);
	ok(r == -ESTALE && failed == 0 && t.done,
	    "shrink while mapped: -ESTALE for entry 0 (got %s, entry %ld), no SIGBUS death",
	    r ? strerror(-r) : "0", failed);
	album_free(&al);
	snprintf(p, sizeof(p), "%s/b.jpg", root);
	unlink(p);
}
#endif

static void
clean(void)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		diag("could not remove %s", root);
}

int
main(void)
{
	char name[300];
	int i __attribute__((unused));

	zipstream_init();
	{
		char err[256];

		if (zipstream_load(err, sizeof(err)) < 0) {
			fprintf(stderr, "zipstream_load: %s\n", err);
			return 99;
		}
	}
	if (mkdtemp(root) == NULL)
		return 99;
	atexit(clean);

#ifndef ZIP64_CASES
	check("empty album", 1);

	mkfile("a", 0);
	check("one empty file", 1);

	mkfile("b.jpg", 1);
	memset(name, 'n', 255);
	name[255] = '\0';
	mkfile(name, 12345);
	check("names of 1, 5 and 255 bytes", 1);

	mkfile("caf\xc3\xa9 \xe2\x98\x95.jpg", 100);
	mkfile("\xe5\x86\x99\xe7\x9c\x9f.jpg", 70000);
	mkfile("\xf0\x9f\x93\xb7.jpg", 3);
	check("UTF-8 names", 1);

	mkdir_rel("sub");
	mkdir_rel("sub/empty");
	mkdir_rel("sub/deeper");
	mkfile("sub/deeper/x.jpg", 200000);
	mkfile("sub/y.jpg", 131072);
	mkfile("sub/z.jpg", 131073);
	check("folders, empty folder, chunk-size files", 1);
	clean();
	if (mkdtemp(strcpy(root, "/tmp/test_zipsize.XXXXXX")) == NULL)
		return 99;
	check_shrink_while_mapped();
#else
	/* Built a second time as test_zipsize64 (make -j runs both at once):
	 * these cases read about 8 GiB of sparse files. */

	/* entry count around 65535: zip64 end records from 65536 on */
	for (i = 0; i < 65534; i++) {
		snprintf(name, sizeof(name), "%05d.jpg", i);
		mkfile(name, i % 7);
	}
	check("65534 entries", 0);
	mkfile("65534.jpg", 1);
	check("65535 entries", 0);
	mkfile("65535.jpg", 1);
	check("65536 entries (zip64 end record)", 0);
	clean();

	/* exactly at the thresholds: libarchive writes the 0xffffffff/0xffff
	 * sentinel without its zip64 record there; zipstream corrects it */
	if (mkdtemp(strcpy(root, "/tmp/test_zipsize.XXXXXX")) == NULL)
		return 99;
	/* "a": 30 + 1 + 24 + size + 16 = 0xffffffff: the central directory
	 * starts at exactly 0xffffffff */
	mkfile("a", (off_t)(0xffffffffLL - 71));
	check("central directory at offset 0xffffffff", 0);
	/* then "b" has its local header at exactly 0xffffffff */
	mkfile("b", 5);
	check("local header at offset 0xffffffff", 0);
	clean();

	/* sizes around 4 GiB, sparse: zip64 local/descriptor/central extras */
	if (mkdtemp(strcpy(root, "/tmp/test_zipsize.XXXXXX")) == NULL)
		return 99;
	mkfile("big", (off_t)0xffffffffLL);
	mkfile("small-after", 10);
	check("file of 0xffffffff bytes, then one at an offset > 4 GiB", 0);
	unlink(strcat(strcpy(name, root), "/small-after"));
	mkfile("big", (off_t)0x100000000LL);
	check("file of 4 GiB (zip64 entry)", 0);
#endif

	return done_testing();
}
