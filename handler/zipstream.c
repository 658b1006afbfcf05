/* zipstream: album -> ZIP (STORE) with libarchive, exact size up front. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "zipstream.h"

#define Z32	0xffffffffULL
#define Z16	0xffffULL

void
zipstream_init(void)
{
	setenv("TZ", "UTC0", 1);
	tzset();
}

static void le16(unsigned char *p, uint64_t v) { p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); }
static void le32(unsigned char *p, uint64_t v) { le16(p, v); le16(p + 2, v >> 16); }
static void le64(unsigned char *p, uint64_t v) { le32(p, v); le32(p + 4, v >> 32); }
static uint64_t get16(const unsigned char *p) { return p[0] | (uint64_t)p[1] << 8; }
static uint64_t get32(const unsigned char *p) { return get16(p) | get16(p + 2) << 16; }
static uint64_t get64(const unsigned char *p) { return get32(p) | get32(p + 4) << 32; }
static uint64_t min32(uint64_t v) { return v < Z32 ? v : Z32; }

/*
 * Layout written by libarchive 3.6 for STORE entries with only mtime set
 * (archive_write_set_format_zip.c):
 *   local header  30 + name + UT(9) + ux(15) [+ zip64 extra 20]
 *   file data     size
 *   descriptor    16, or 24 with the zip64 extra (files only: bit 3 is set)
 *   central entry 46 + name + UT(9) + ux(15) [+ zip64 extra 4 + 8 per field]
 *   end record    22 [+ zip64 end record 56 + locator 20]
 *
 * APPNOTE 4.4/4.5: a field set to its maximum (0xffffffff, 0xffff) means
 * "the value is in the zip64 record". libarchive uses the zip64 forms only
 * for values strictly above the maximum, so a file of exactly 0xffffffff
 * bytes, a local header or central directory at exactly offset 0xffffffff
 * or exactly 65535 entries get the sentinel without its zip64 record. We
 * correct those archives on the way out (struct fix below); the rule of the
 * result, which this function computes, is simply ">= the maximum":
 *   - a file of size >= 0xffffffff has the local zip64 extra and a 24-byte
 *     descriptor;
 *   - a central entry whose size or local-header offset is >= 0xffffffff
 *     has a zip64 extra with each such field (8 bytes each; sizes count
 *     twice: uncompressed and compressed);
 *   - zip64 end records when the central directory's size or offset is
 *     >= 0xffffffff or there are >= 65535 entries.
 * Returns the archive size; *ret_cd the central directory's offset, *ret_fix
 * whether libarchive's output needs correcting.
 */
static uint64_t
layout(const struct album *a, uint64_t *ret_cd, int *ret_fix)
{
	uint64_t off = 0, cd = 0;
	int fix = 0;
	size_t i;

	for (i = 0; i < a->n; i++) {
		const struct album_entry *e = &a->entries[i];
		uint64_t name = e->path_len, s = e->size;
		int z64 = s >= Z32;

		cd += 46 + name + 24;
		if (s >= Z32 || off >= Z32)
			cd += 4 + 8 * ((s >= Z32 ? 2 : 0) + (off >= Z32 ? 1 : 0));
		if (s == Z32 || off == Z32)
			fix = 1;
		off += 30 + name + 24 + (z64 ? 20 : 0);
		if (!e->is_dir)
			off += s + (z64 ? 24 : 16);
	}
	if (cd >= Z32 || off >= Z32 || a->n >= Z16) {
		if (cd == Z32 || off == Z32 || a->n == Z16)
			fix = 1;
		cd += 56 + 20;
	}
	*ret_cd = off;
	*ret_fix = fix;
	return off + cd + 22;
}

uint64_t
zipstream_size(const struct album *a)
{
	uint64_t cd;
	int fix;

	return layout(a, &cd, &fix);
}

/*
 * The correction. Only for the rare albums layout() flags; everything else
 * passes through untouched. In libarchive's output stream we rewrite:
 *   - the local header of each file of exactly 0xffffffff bytes: + zip64
 *     extra (sizes), version needed 4.5;
 *   - its 16-byte data descriptor: the 24-byte zip64 form;
 *   - the central directory and end records, from libarchive's central
 *     directory: every entry's zip64 extra rebuilt for the offsets after the
 *     insertions above, by the rule of layout(); the end records likewise.
 * Regions are found by their offsets in libarchive's output, which we know
 * from the same arithmetic.
 */
enum { EDIT_LOCAL, EDIT_DESC, EDIT_TAIL };

struct edit {
	uint64_t at;		/* offset in libarchive's output */
	uint64_t len;		/* bytes replaced (EDIT_TAIL: to the end) */
	int kind;
};

struct fix {
	struct edit *edits;
	size_t n, next;
	uint64_t pos;		/* libarchive's output so far */
	unsigned char *buf;	/* the region being collected */
	size_t len, cap;
	uint64_t out_cd;	/* the central directory's offset in our output */
};

static int
fix_plan(const struct album *a, struct fix *f)
{
	uint64_t off = 0;	/* libarchive's offsets */
	size_t i, k = 0, big = 0;

	for (i = 0; i < a->n; i++)
		if (a->entries[i].size == Z32)
			big++;
	f->edits = calloc(2 * big + 1, sizeof(*f->edits));
	if (f->edits == NULL)
		return -ENOMEM;
	for (i = 0; i < a->n; i++) {
		const struct album_entry *e = &a->entries[i];
		uint64_t hdr = 30 + e->path_len + 24 + (e->size > Z32 ? 20 : 0);

		if (e->size == Z32) {
			f->edits[k++] = (struct edit){ off, hdr, EDIT_LOCAL };
			f->edits[k++] = (struct edit){ off + hdr + e->size, 16, EDIT_DESC };
		}
		off += hdr;
		if (!e->is_dir)
			off += e->size + (e->size > Z32 ? 24 : 16);
	}
	f->edits[k++] = (struct edit){ off, UINT64_MAX, EDIT_TAIL };
	f->n = k;
	return 0;
}

static int
fix_keep(struct fix *f, const void *buf, size_t len)
{
	if (f->len + len > f->cap) {
		size_t cap = f->cap ? f->cap : 4096;
		unsigned char *p;

		while (cap < f->len + len)
			cap *= 2;
		p = realloc(f->buf, cap);
		if (p == NULL)
			return -ENOMEM;
		f->buf = p;
		f->cap = cap;
	}
	memcpy(f->buf + f->len, buf, len);
	f->len += len;
	return 0;
}

/* A local header of a 0xffffffff-byte file: add the zip64 extra. */
static int
fix_local(struct fix *f, zipstream_sink sink, void *ctx)
{
	unsigned char z[20];

	le16(f->buf + 4, 45);
	le16(f->buf + 28, get16(f->buf + 28) + sizeof(z));
	le16(z, 1);
	le16(z + 2, 16);
	le64(z + 4, Z32);
	le64(z + 12, Z32);
	return fix_keep(f, z, sizeof(z)) < 0 ? -ENOMEM : sink(ctx, f->buf, f->len, NULL);
}

/* Its descriptor: signature, CRC, 8-byte sizes. */
static int
fix_desc(struct fix *f, zipstream_sink sink, void *ctx)
{
	unsigned char d[24];

	memcpy(d, f->buf, 8);
	le64(d + 8, get32(f->buf + 8));
	le64(d + 16, get32(f->buf + 12));
	return sink(ctx, d, sizeof(d), NULL);
}

/* Rebuild the central directory and the end records. */
static int
fix_tail(struct fix *f, const struct album *a, zipstream_sink sink, void *ctx)
{
	const unsigned char *p = f->buf, *end = f->buf + f->len;
	uint64_t off = 0, cd_size = 0, n = 0;	/* our offsets */
	unsigned char rec[46 + 65535 + 32], z[76];
	size_t i = 0;
	int r;

	while (end - p >= 46 && get32(p) == 0x02014b50) {
		uint64_t nl = get16(p + 28), xl = get16(p + 30), cl = get16(p + 32);
		uint64_t usize = get32(p + 24), csize = get32(p + 20), x = 0;
		const unsigned char *xp = p + 46 + nl;
		size_t len = 0, zl;

		if (i >= a->n || (uint64_t)(end - p) < 46 + nl + xl + cl || cl != 0)
			return -EPROTO;
		/* the true sizes: libarchive's zip64 extra if it wrote one */
		while (x + 4 <= xl) {
			uint64_t id = get16(xp + x), sz = get16(xp + x + 2);

			if (x + 4 + sz > xl)
				return -EPROTO;
			if (id == 1) {
				const unsigned char *q = xp + x + 4, *qe = q + sz;

				if (usize == Z32 && q + 8 <= qe)
					usize = get64(q), q += 8;
				if (csize == Z32 && q + 8 <= qe)
					csize = get64(q);
			}
			x += 4 + sz;
		}
		if (usize != a->entries[i].size || csize != usize)
			return -EPROTO;
		memcpy(rec, p, 46 + nl);
		len = 46 + nl;
		/* copy the extras but the zip64 one */
		for (x = 0; x + 4 <= xl; x += 4 + get16(xp + x + 2))
			if (get16(xp + x) != 1) {
				memcpy(rec + len, xp + x, 4 + get16(xp + x + 2));
				len += 4 + get16(xp + x + 2);
			}
		zl = 4;
		if (usize >= Z32) {
			le64(z + zl, usize);
			le64(z + zl + 8, csize);
			zl += 16;
		}
		if (off >= Z32) {
			le64(z + zl, off);
			zl += 8;
		}
		if (zl > 4) {
			le16(z, 1);
			le16(z + 2, zl - 4);
			memcpy(rec + len, z, zl);
			len += zl;
			if (get16(rec + 6) < 45)
				le16(rec + 6, 45);
			if ((get16(rec + 4) & 0xff) < 45)
				le16(rec + 4, (get16(rec + 4) & 0xff00) | 45);
		}
		le32(rec + 20, min32(csize));
		le32(rec + 24, min32(usize));
		le32(rec + 42, min32(off));
		le16(rec + 30, len - 46 - nl);
		if ((r = sink(ctx, rec, len, NULL)) < 0)
			return r;
		cd_size += len;
		n++;
		off += 30 + nl + 24 + (usize >= Z32 ? 20 : 0);
		if (!a->entries[i].is_dir)
			off += usize + (usize >= Z32 ? 24 : 16);
		p += 46 + nl + xl;
		i++;
	}
	if (i != a->n || off != f->out_cd)
		return -EPROTO;
	if (cd_size >= Z32 || off >= Z32 || n >= Z16) {
		memset(z, 0, sizeof(z));
		le32(z, 0x06064b50);
		le64(z + 4, 44);
		le16(z + 12, 45);
		le16(z + 14, 45);
		le64(z + 24, n);
		le64(z + 32, n);
		le64(z + 40, cd_size);
		le64(z + 48, off);
		le32(z + 56, 0x07064b50);
		le64(z + 64, off + cd_size);
		le32(z + 72, 1);
		if ((r = sink(ctx, z, 76, NULL)) < 0)
			return r;
	}
	memset(z, 0, 22);
	le32(z, 0x06054b50);
	le16(z + 8, n < Z16 ? n : Z16);
	le16(z + 10, n < Z16 ? n : Z16);
	le32(z + 12, min32(cd_size));
	le32(z + 16, min32(off));
	return sink(ctx, z, 22, NULL);
}

struct out {
	zipstream_sink sink;
	void *ctx;
	int err;		/* first sink error, latched: libarchive 3.6 does not */
	struct fix *fix;	/* NULL: pass everything through */
	/* The file data being handed to libarchive: with STORE and no
	 * blocking, libarchive passes the same pointer on to out_write(),
	 * and the sink learns where in the file those bytes are. */
	const char *data;
	size_t data_len;
	struct zipstream_src src;	/* fd -1: none */
};

/* src for the piece p of len bytes, if it lies in the file data */
static const struct zipstream_src *
out_src(struct out *o, const unsigned char *p, size_t len, struct zipstream_src *ret)
{
	const char *c = (const char *)p;

	if (o->src.fd < 0 || c < o->data || len > o->data_len ||
	    (size_t)(c - o->data) > o->data_len - len)
		return NULL;
	ret->fd = o->src.fd;
	ret->off = o->src.off + (uint64_t)(c - o->data);
	return ret;
}

static int
fix_write(struct out *o, const unsigned char *p, size_t len)
{
	struct fix *f = o->fix;
	int r;

	while (len > 0) {
		struct edit *e = &f->edits[f->next];
		size_t n;

		if (f->pos < e->at) {
			/* up to the next edit: as it is */
			struct zipstream_src src;

			n = e->at - f->pos < len ? (size_t)(e->at - f->pos) : len;
			if ((r = o->sink(o->ctx, p, n, out_src(o, p, n, &src))) < 0)
				return r;
		} else {
			n = e->len - f->len < len ? (size_t)(e->len - f->len) : len;
			if ((r = fix_keep(f, p, n)) < 0)
				return r;
			if (e->kind != EDIT_TAIL && f->len == e->len) {
				r = e->kind == EDIT_LOCAL ? fix_local(f, o->sink, o->ctx) :
				    fix_desc(f, o->sink, o->ctx);
				if (r < 0)
					return r;
				f->len = 0;
				f->next++;
			}
		}
		f->pos += n;
		p += n;
		len -= n;
	}
	return 0;
}

static la_ssize_t
out_write(struct archive *ar, void *data, const void *buf, size_t len)
{
	struct out *o = data;
	int r;

	/* After the first error every byte is swallowed, and zipstream_write()
	 * checks o->err after each libarchive call: were we to return -1,
	 * libarchive 3.6.2 would turn fatal, skip its close and leak its
	 * output state (LeakSanitizer, tests/e2e/abort.sh). */
	(void)ar;
	if (o->err != 0)
		return (la_ssize_t)len;
	if (o->fix != NULL) {
		r = fix_write(o, buf, len);
	} else {
		struct zipstream_src src;

		r = o->sink(o->ctx, buf, len, out_src(o, buf, len, &src));
	}
	if (r < 0)
		o->err = r;
	return (la_ssize_t)len;
}

/*
 * A file is mapped IO_WINDOW bytes at a time and the mapping handed to
 * libarchive, which passes it on to out_write() (the sink sends it with
 * sendfile(2) from the page cache) and computes the CRC over it: the data
 * is never copied into this process. A file that shrinks while mapped
 * raises SIGBUS when a page past its new end is touched; the handler
 * below turns that into -ESTALE ("changed while being sent") instead of
 * a silent death.
 */
static sigjmp_buf bus_jmp;
static volatile sig_atomic_t bus_armed;

static void
on_sigbus(int sig)
{
	if (bus_armed) {
		bus_armed = 0;
		siglongjmp(bus_jmp, 1);
	}
	signal(sig, SIG_DFL);	/* not ours: die of it */
	raise(sig);
}

/* archive_write_data() of a mapping (or of a buffer: then SIGBUS cannot
 * come), with SIGBUS caught (nothing in this frame changes after
 * sigsetjmp(), so nothing can be clobbered). */
static int
write_window(struct archive *ar, const struct out *o, const char *m, size_t n)
{
	int r = 0;

	/* 0: no sigprocmask(2) per window; SA_NODEFER keeps SIGBUS
	 * unblocked after the jump */
	if (sigsetjmp(bus_jmp, 0) != 0)
		return -ESTALE;	/* SIGBUS: the file shrank under us */
	bus_armed = 1;
	if (archive_write_data(ar, m, n) != (la_ssize_t)n || o->err != 0)
		r = -EPIPE;	/* the sink's error is in struct out */
	bus_armed = 0;
	return r;
}

/* Hand n bytes at p, which are fd's bytes from off, to libarchive. */
static int
feed(struct archive *ar, struct out *o, int fd, uint64_t off, const char *p, size_t n)
{
	int r;

	o->data = p;
	o->data_len = n;
	o->src.fd = fd;
	o->src.off = off;
	r = write_window(ar, o, p, n);
	o->src.fd = -1;
	return r;
}

/* Read exactly size bytes of fd into buf: 0, -errno, or -ESTALE if the
 * file ended early (it shrank since it was listed). */
static int
read_all(int fd, char *buf, size_t size)
{
	size_t got = 0;

	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -ESTALE;
		got += (size_t)n;
	}
	return 0;
}

/* Copy exactly e->size bytes of fd into the archive: a small file read
 * whole (a mapping costs more than the copy), a larger one mapped a window
 * at a time. */
static int
copy_data(struct archive *ar, struct out *o, int fd, const struct album_entry *e)
{
	static char small[SMALL_FILE];
	struct stat st;
	uint64_t off;
	int r = 0;

	if (e->size <= SMALL_FILE) {
		if ((r = read_all(fd, small, (size_t)e->size)) == 0 && e->size > 0)
			r = feed(ar, o, fd, 0, small, (size_t)e->size);
	} else {
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
		for (off = 0; r == 0 && off < e->size; off += IO_WINDOW) {
			size_t n = e->size - off < IO_WINDOW ? (size_t)(e->size - off) : IO_WINDOW;
			char *m = mmap(NULL, n, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, (off_t)off);

			if (m == MAP_FAILED)
				return -errno;
			r = feed(ar, o, fd, off, m, n);
			munmap(m, n);
		}
	}
	/* shrank, grew or was rewritten while we sent it: what we sent may
	 * mix old and new content, so it must not look complete. Also the
	 * likely cause of a sink error (sendfile(2) found the end early). */
	if (fstat(fd, &st) < 0 || !album_entry_same(e, &st))
		return -ESTALE;
	return r;
}

int
zipstream_write(const struct album *a, int deflate, zipstream_sink sink, void *ctx,
    long *ret_failed)
{
	struct out o = { sink, ctx, 0, NULL, NULL, 0, { -1, 0 } };
	struct fix fix = { 0 };
	struct archive *ar;
	struct archive_entry *ae = NULL;
	struct sigaction sa = { .sa_handler = on_sigbus, .sa_flags = SA_NODEFER };
	long failed = -1;
	size_t i;
	int r = -EIO;

	if (!deflate) {
		uint64_t cd;
		int need;

		(void)layout(a, &cd, &need);
		if (need) {
			if (fix_plan(a, &fix) < 0)
				return -ENOMEM;
			fix.out_cd = cd;
			o.fix = &fix;
		}
	}
	(void)sigaction(SIGBUS, &sa, NULL);
	ar = archive_write_new();
	if (ar == NULL) {
		free(fix.edits);
		return -ENOMEM;
	}
	if (archive_write_set_format_zip(ar) != ARCHIVE_OK ||
	    archive_write_set_options(ar, deflate ?
	    "zip:compression=deflate,zip:hdrcharset=UTF-8" :
	    "zip:compression=store,zip:hdrcharset=UTF-8") != ARCHIVE_OK ||
	    /* no blocking: every piece goes straight to out_write(), file
	     * data as the very mapping copy_data() passed in */
	    archive_write_set_bytes_per_block(ar, 0) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(ar, 1) != ARCHIVE_OK ||
	    archive_write_open2(ar, &o, NULL, out_write, NULL, NULL) != ARCHIVE_OK)
		goto out;
	ae = archive_entry_new();
	if (ae == NULL) {
		r = -ENOMEM;
		goto out;
	}

	for (i = 0; i < a->n; i++) {
		const struct album_entry *e = &a->entries[i];
		int fd = -1;

		if (!e->is_dir) {
			r = album_open_entry(a, e, &fd);
			if (r < 0) {
				failed = (long)i;
				goto out;
			}
		}
		archive_entry_clear(ae);
		archive_entry_set_pathname_utf8(ae, e->path);
		archive_entry_set_filetype(ae, e->is_dir ? AE_IFDIR : AE_IFREG);
		archive_entry_set_perm(ae, e->is_dir ? 0755 : 0644);
		archive_entry_set_uid(ae, 0);
		archive_entry_set_gid(ae, 0);
		archive_entry_set_mtime(ae, (time_t)e->mtime, 0);
		archive_entry_set_size(ae, (la_int64_t)e->size);
		/* ARCHIVE_WARN means a name was converted: not ours to accept */
		if (archive_write_header(ar, ae) != ARCHIVE_OK || o.err != 0) {
			if (fd >= 0)
				close(fd);
			r = o.err ? o.err : -EIO;
			failed = o.err ? -1 : (long)i;
			goto out;
		}
		if (fd >= 0) {
			r = copy_data(ar, &o, fd, e);
			close(fd);
			if (r < 0) {
				/* a changed file is the cause, whatever the sink says */
				if (r == -ESTALE || o.err == 0)
					failed = (long)i;
				else
					r = o.err;
				goto out;
			}
		}
		if (archive_write_finish_entry(ar) != ARCHIVE_OK || o.err != 0) {
			r = o.err ? o.err : -EIO;
			goto out;
		}
	}
	if (archive_write_close(ar) != ARCHIVE_OK || o.err != 0) {
		r = o.err ? o.err : -EIO;
		goto out;
	}
	if (o.fix != NULL && (r = fix_tail(&fix, a, sink, ctx)) < 0)
		goto out;
	r = 0;
out:
	/* archive_write_free() closes the archive, writing the central
	 * directory, unless libarchive itself saw a fatal error: after our
	 * own failure the latch in struct out keeps that from reaching the
	 * client, whose download must stay visibly short. */
	if (r < 0 && o.err == 0)
		o.err = r;
	archive_write_free(ar);
	archive_entry_free(ae);
	free(fix.edits);
	free(fix.buf);
	if (r < 0)
		*ret_failed = failed;
	return r;
}
