/* zipstream: album -> ZIP (STORE) with libarchive, exact size up front. */
#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crc.h"
#include "zipstream.h"

#define Z32	0xffffffffULL
#define Z16	0xffffULL

/*
 * libarchive, loaded when the first archive is made (zipstream_load()),
 * not when the process starts: its dependencies (ICU, libxml2, libstdc++,
 * five compressors the ZIP writer never calls) cost each start about 4 ms
 * of dynamic linking, and most answers (404, 304, 412, 416, HEAD, the
 * index page, errors) need none of it. Debian's shared libarchive is kept
 * (it gets security updates), by its soname. Its calls to zlib's crc32()
 * still reach the executable's (crc32.c): the program exports crc32
 * (Makefile.am), and a library loaded later binds to the executable first.
 */
#define LA_FUNCS \
	X(archive_entry_clear) \
	X(archive_entry_free) \
	X(archive_entry_new) \
	X(archive_entry_set_filetype) \
	X(archive_entry_set_gid) \
	X(archive_entry_set_mtime) \
	X(archive_entry_set_pathname_utf8) \
	X(archive_entry_set_perm) \
	X(archive_entry_set_size) \
	X(archive_entry_set_uid) \
	X(archive_write_close) \
	X(archive_write_data) \
	X(archive_write_finish_entry) \
	X(archive_write_free) \
	X(archive_write_header) \
	X(archive_write_new) \
	X(archive_write_open2) \
	X(archive_write_set_bytes_in_last_block) \
	X(archive_write_set_bytes_per_block) \
	X(archive_write_set_format_zip) \
	X(archive_write_set_options)

static struct {
#define X(f) __typeof__(f) *f;
	LA_FUNCS
#undef X
} la;
static int la_loaded;

int
zipstream_load(char *err, size_t errsize)
{
	void *h;

	if (la_loaded)
		return 0;
	h = dlopen(LIBARCHIVE_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		snprintf(err, errsize, "%s", dlerror());
		return -ELIBACC;
	}
#define X(f) \
	if ((*(void **)&la.f = dlsym(h, #f)) == NULL) { \
		snprintf(err, errsize, "%s: no %s", LIBARCHIVE_SONAME, #f); \
		return -ELIBBAD; \
	}
	LA_FUNCS
#undef X
	la_loaded = 1;
	return 0;	/* h stays open until exit */
}

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
static uint64_t min32(uint64_t v) { return v < Z32 ? v : Z32; }

/*
 * Layout written by libarchive 3.6 for STORE entries with only mtime set
 * (archive_write_set_format_zip.c):
 *   local header  30 + name + UT(9) + ux(15) [+ zip64 extra 20], with
 *                 general-purpose bit 3 and CRC 0 for files
 *   file data     size
 *   descriptor    16, or 24 with the zip64 extra (files only)
 *   central entry 46 + name + UT(9) + ux(15) [+ zip64 extra 4 + 8 per field]
 *   end record    22 [+ zip64 end record 56 + locator 20]
 *
 * What we send (the STORE layout every reader accepts, as Python's
 * zipfile and nginx's mod_zip write it): no data descriptors, bit 3
 * clear, the CRC and the sizes in the local header; each local header
 * equal to its central entry in version needed, flags, method, time,
 * CRC, sizes, name and extras (but the zip64 extra, whose fields APPNOTE
 * 4.5.3 fixes differently for the two). We compute each file's CRC before
 * its local header goes out (crc_file()) and rewrite libarchive's stream
 * on the way (struct fix below).
 *
 * APPNOTE 4.4/4.5: a field set to its maximum (0xffffffff, 0xffff) means
 * "the value is in the zip64 record". libarchive uses the zip64 forms only
 * for values strictly above the maximum, so a file of exactly 0xffffffff
 * bytes, a local header or central directory at exactly offset 0xffffffff
 * or exactly 65535 entries would get the sentinel without its zip64
 * record. The rule of what we send is simply ">= the maximum":
 *   - a file of size >= 0xffffffff has the local zip64 extra (both sizes);
 *   - a central entry whose size or local-header offset is >= 0xffffffff
 *     has a zip64 extra with each such field (8 bytes each; sizes count
 *     twice: uncompressed and compressed), and then version needed 4.5 in
 *     the central entry and in the local header alike;
 *   - zip64 end records when the central directory's size or offset is
 *     >= 0xffffffff or there are >= 65535 entries.
 * One more, for Info-ZIP unzip 6.0 (Debian's): the central entry right
 * after a file of exactly 0xffffffff bytes has the sentinel in both size
 * fields and all three values in its zip64 extra (sizes, then offset).
 * unzip decides which zip64 fields are present by testing the size fields
 * of the entry it read last too, and that file's true size is the
 * sentinel itself: with only the offset in the next extra, unzip takes
 * the offset for the size ("extra field corrupt", "overlapped
 * components"). Both forms are APPNOTE's; tests/e2e/readers.sh shows it.
 * Returns the archive size; *ret_cd the central directory's offset.
 */
/* Entry i follows a file of exactly 0xffffffff bytes (see below). */
static int
after_sentinel(const struct album *a, size_t i)
{
	return i > 0 && a->entries[i - 1].size == Z32;
}

static uint64_t
layout(const struct album *a, uint64_t *ret_cd)
{
	uint64_t off = 0, cd = 0;
	size_t i;

	for (i = 0; i < a->n; i++) {
		const struct album_entry *e = &a->entries[i];
		uint64_t name = e->path_len, s = e->size;
		int all = after_sentinel(a, i);

		cd += 46 + name + 24;
		if (s >= Z32 || off >= Z32 || all)
			cd += 4 + 8 * ((s >= Z32 || all ? 2 : 0) + (off >= Z32 || all ? 1 : 0));
		off += 30 + name + 24 + (s >= Z32 ? 20 : 0) + s;
	}
	if (cd >= Z32 || off >= Z32 || a->n >= Z16)
		cd += 56 + 20;
	*ret_cd = off;
	return off + cd + 22;
}

uint64_t
zipstream_size(const struct album *a)
{
	uint64_t cd;

	return layout(a, &cd);
}

/*
 * The rewrite of libarchive's STORE stream, one region at a time, in
 * constant memory. For entry i, libarchive writes its local header
 * (collected whole, then rewritten and sent), the file data (passed
 * through), and for a file its descriptor (dropped); then one central
 * entry per entry (each collected and rebuilt for our offsets), then its
 * end records (dropped: ours are made at the end, fix_end()). Region
 * lengths follow from the layout above: libarchive's local header has a
 * zip64 extra for sizes > 0xffffffff, its descriptor is 24 bytes then.
 */
enum { P_LOCAL, P_DATA, P_DESC, P_CENTRAL, P_END };

/* The longest header libarchive writes for our entries: a central entry
 * with a name of ALBUM_PATH_MAX bytes, UT, ux and a zip64 extra. */
#define FIX_HDR_MAX	(46 + ALBUM_PATH_MAX + 9 + 15 + 28)

struct fix {
	const struct album *a;
	size_t i;		/* entry of the region */
	int phase;
	uint64_t left;		/* P_DATA, P_DESC: bytes left in the region */
	uint64_t off;		/* our offset of entry i's local header */
	uint64_t cd_size;	/* our central directory so far */
	unsigned char buf[FIX_HDR_MAX];	/* a header being collected */
	size_t len;
};

/* version needed to extract: 4.5 where the entry has zip64 fields */
static uint64_t
need_version(uint64_t libarchive_value, uint64_t size, uint64_t off)
{
	return size >= Z32 || off >= Z32 ? 45 : libarchive_value;
}

/* Entry i's local header, collected whole: bit 3 off, the CRC in, the
 * zip64 extra for a file of exactly 0xffffffff bytes. */
static int
fix_local(struct fix *f, zipstream_sink sink, void *ctx)
{
	const struct album_entry *e = &f->a->entries[f->i];
	unsigned char *h = f->buf;

	le16(h + 4, need_version(get16(h + 4), e->size, f->off));
	le16(h + 6, get16(h + 6) & ~8u);
	le32(h + 14, e->crc);
	if (e->size == Z32) {
		unsigned char *z = h + f->len;

		le16(h + 28, get16(h + 28) + 20);
		le16(z, 1);
		le16(z + 2, 16);
		le64(z + 4, Z32);
		le64(z + 12, Z32);
		f->len += 20;
	}
	return sink(ctx, h, f->len, NULL);
}

/* One central entry, collected whole: rebuilt for our offsets. */
static int
fix_central(struct fix *f, zipstream_sink sink, void *ctx)
{
	const struct album_entry *e = &f->a->entries[f->i];
	unsigned char *p = f->buf, rec[FIX_HDR_MAX + 28], z[28];
	uint64_t nl = get16(p + 28), xl = get16(p + 30), x;
	uint64_t s = e->size, off = f->off;
	const unsigned char *xp = p + 46 + nl;
	size_t len, zl = 4;
	int all = after_sentinel(f->a, f->i), r;

	if (get32(p) != 0x02014b50 || get16(p + 32) != 0 || nl != e->path_len ||
	    memcmp(p + 46, e->path, nl) != 0)
		return -EPROTO;
	memcpy(rec, p, 46 + nl);
	len = 46 + nl;
	/* the extras but libarchive's zip64 one, then ours */
	for (x = 0; x + 4 <= xl; x += 4 + get16(xp + x + 2)) {
		uint64_t sz = get16(xp + x + 2);

		if (x + 4 + sz > xl)
			return -EPROTO;
		if (get16(xp + x) != 1) {
			memcpy(rec + len, xp + x, 4 + sz);
			len += 4 + sz;
		}
	}
	if (s >= Z32 || all) {
		le64(z + zl, s);
		le64(z + zl + 8, s);
		zl += 16;
	}
	if (off >= Z32 || all) {
		le64(z + zl, off);
		zl += 8;
	}
	if (zl > 4) {
		le16(z, 1);
		le16(z + 2, zl - 4);
		memcpy(rec + len, z, zl);
		len += zl;
		if ((get16(rec + 4) & 0xff) < 45)
			le16(rec + 4, (get16(rec + 4) & 0xff00) | 45);
	}
	le16(rec + 6, need_version(get16(rec + 6), s, off));
	le16(rec + 8, get16(rec + 8) & ~8u);
	le32(rec + 16, e->crc);
	le32(rec + 20, all ? Z32 : min32(s));
	le32(rec + 24, all ? Z32 : min32(s));
	le16(rec + 30, len - 46 - nl);
	le32(rec + 42, min32(off));
	if ((r = sink(ctx, rec, len, NULL)) < 0)
		return r;
	f->cd_size += len;
	f->off += 30 + nl + 24 + (s >= Z32 ? 20 : 0) + s;
	return 0;
}

/* Our end records, after the last central entry. */
static int
fix_end(struct fix *f, zipstream_sink sink, void *ctx)
{
	uint64_t n = f->a->n, cd_off, cd_size = f->cd_size;
	unsigned char z[76];
	int r;

	if (f->phase != P_END)
		return -EPROTO;	/* libarchive wrote less than it should */
	cd_off = f->off;
	if (cd_size >= Z32 || cd_off >= Z32 || n >= Z16) {
		memset(z, 0, sizeof(z));
		le32(z, 0x06064b50);
		le64(z + 4, 44);
		le16(z + 12, 45);
		le16(z + 14, 45);
		le64(z + 24, n);
		le64(z + 32, n);
		le64(z + 40, cd_size);
		le64(z + 48, cd_off);
		le32(z + 56, 0x07064b50);
		le64(z + 64, cd_off + cd_size);
		le32(z + 72, 1);
		if ((r = sink(ctx, z, 76, NULL)) < 0)
			return r;
	}
	memset(z, 0, 22);
	le32(z, 0x06054b50);
	le16(z + 8, n < Z16 ? n : Z16);
	le16(z + 10, n < Z16 ? n : Z16);
	le32(z + 12, min32(cd_size));
	le32(z + 16, min32(cd_off));
	return sink(ctx, z, 22, NULL);
}

/* The phase after entry i's local header or data, or after the last
 * central entry. */
static void
fix_next(struct fix *f)
{
	const struct album_entry *e = &f->a->entries[f->i];

	switch (f->phase) {
	case P_LOCAL:
		f->phase = P_DATA;
		f->left = e->size;
		if (f->left > 0)
			break;
		/* FALLTHROUGH */
	case P_DATA:
		f->phase = P_DESC;
		f->left = e->is_dir ? 0 : e->size > Z32 ? 24 : 16;
		if (f->left > 0)
			break;
		/* FALLTHROUGH */
	case P_DESC:
		f->off += 30 + e->path_len + 24 + (e->size >= Z32 ? 20 : 0) + e->size;
		if (++f->i < f->a->n) {
			f->phase = P_LOCAL;
			break;
		}
		f->i = 0;
		f->off = 0;
		f->phase = f->a->n > 0 ? P_CENTRAL : P_END;
		break;
	case P_CENTRAL:
		f->phase = ++f->i < f->a->n ? P_CENTRAL : P_END;
		break;
	}
}

struct out {
	zipstream_sink sink;
	void *ctx;
	int err;		/* first sink error, latched: libarchive 3.6 does not */
	struct fix *fix;	/* NULL (deflate): pass everything through */
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

/* Collect up to want bytes of a header into f->buf; 1 when it is whole. */
static int
fix_collect(struct fix *f, const unsigned char **p, size_t *len, size_t want)
{
	size_t n = want - f->len < *len ? want - f->len : *len;

	memcpy(f->buf + f->len, *p, n);
	f->len += n;
	*p += n;
	*len -= n;
	return f->len == want;
}

static int
fix_write(struct out *o, const unsigned char *p, size_t len)
{
	struct fix *f = o->fix;
	struct zipstream_src src;
	size_t n;
	int r = 0;

	while (len > 0 && r == 0) {
		const struct album_entry *e = &f->a->entries[f->i];

		switch (f->phase) {
		case P_LOCAL:
			if (fix_collect(f, &p, &len,
			    30 + e->path_len + 24 + (e->size > Z32 ? 20 : 0))) {
				r = fix_local(f, o->sink, o->ctx);
				f->len = 0;
				fix_next(f);
			}
			break;
		case P_DATA:
		case P_DESC:	/* dropped */
			n = f->left < len ? (size_t)f->left : len;
			if (f->phase == P_DATA)
				r = o->sink(o->ctx, p, n, out_src(o, p, n, &src));
			f->left -= n;
			p += n;
			len -= n;
			if (f->left == 0)
				fix_next(f);
			break;
		case P_CENTRAL:
			if (f->len < 46) {
				fix_collect(f, &p, &len, 46);
				break;
			}
			n = 46 + get16(f->buf + 28) + get16(f->buf + 30) + get16(f->buf + 32);
			if (n > sizeof(f->buf))
				return -EPROTO;
			if (fix_collect(f, &p, &len, n)) {
				r = fix_central(f, o->sink, o->ctx);
				f->len = 0;
				fix_next(f);
			}
			break;
		default:	/* P_END: libarchive's end records, dropped */
			len = 0;
			break;
		}
	}
	return r;
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

/* la.archive_write_data() of a mapping (or of a buffer: then SIGBUS cannot
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
	if (la.archive_write_data(ar, m, n) != (la_ssize_t)n || o->err != 0)
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

/* e's CRC-32 (into e->crc), before its local header, which carries it:
 * a small file is read whole into buf (size SMALL_FILE), where
 * send_data() then takes it from; a larger one is read once, a piece at
 * a time (by one thread only: struct ahead, or this one if that could not
 * start). 0, -errno, or -ESTALE if the file is shorter than listed. */
static int
crc_file(int fd, struct album_entry *e, char *buf)
{
	static char piece[CRC_PIECE];
	uint32_t crc = 0;
	uint64_t off;
	int r;

	if (e->size <= SMALL_FILE) {
		if ((r = read_all(fd, buf, (size_t)e->size)) < 0)
			return r;
		e->crc = crc_update(0, buf, (size_t)e->size);
		return 0;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	for (off = 0; off < e->size; off += CRC_PIECE) {
		size_t n = e->size - off < CRC_PIECE ? (size_t)(e->size - off) : CRC_PIECE;
		ssize_t got = pread(fd, piece, n, (off_t)off);

		if (got < 0 && errno == EINTR) {
			off -= CRC_PIECE;
			continue;
		}
		if (got < 0)
			return -errno;
		if ((size_t)got < n)
			return -ESTALE;	/* shrank: the check after the send says so too */
		crc = crc_update(crc, piece, n);
	}
	e->crc = crc;
	return 0;
}

/* Hand exactly e->size bytes of fd to libarchive: a small file from buf
 * (read by crc_file(), or here for deflate), a larger one mapped a window
 * at a time. For STORE nothing in this process touches a mapping's pages
 * (libarchive's CRC is off, the sink sends with sendfile(2)) unless the
 * sink has to copy, so it is not populated. */
static int
send_data(struct archive *ar, struct out *o, int fd, const struct album_entry *e,
    char *buf, int deflate)
{
	struct stat st;
	uint64_t off;
	int r = 0;

	crc_libarchive_off = !deflate;
	if (e->size <= SMALL_FILE) {
		if (deflate)
			r = read_all(fd, buf, (size_t)e->size);
		if (r == 0 && e->size > 0)
			r = feed(ar, o, fd, 0, buf, (size_t)e->size);
	} else {
		for (off = 0; r == 0 && off < e->size; off += IO_WINDOW) {
			size_t n = e->size - off < IO_WINDOW ? (size_t)(e->size - off) : IO_WINDOW;
			char *m = mmap(NULL, n, PROT_READ, MAP_SHARED | (deflate ? MAP_POPULATE : 0),
			    fd, (off_t)off);

			if (m == MAP_FAILED) {
				r = -errno;
				break;
			}
			r = feed(ar, o, fd, off, m, n);
			munmap(m, n);
		}
	}
	crc_libarchive_off = 0;
	/* shrank, grew or was rewritten since it was listed (before or after
	 * its CRC was computed, or while it was sent): what we sent may mix
	 * old and new content, or not match the CRC in its header, so it must
	 * not look complete. Also the likely cause of a sink error
	 * (sendfile(2) found the end early). */
	if (fstat(fd, &st) < 0 || !album_entry_same(e, &st))
		return -ESTALE;
	return r;
}

/*
 * The CRC pass runs ahead: a second thread computes the CRCs of the large
 * files, in order, while this one sends the files before them, so that
 * sending waits for a CRC only at the first large file and the CRC and the
 * send are not in series on one core. Its reads are also the read-ahead
 * of a cold album. The thread only opens and reads album files (through
 * album_open_entry(), which checks that each is the file listed), never
 * touches the connection, blocks every signal, and is joined before
 * zipstream_write() returns. It stays at most AHEAD_BYTES ahead of the
 * file being sent (always one file), so what it read is still in the page
 * cache when it is sent. Small files are read whole anyway: their CRC is
 * computed from that buffer, inline.
 */
struct ahead {
	struct album *a;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	/* written by the thread */
	size_t done;		/* entries [0, done) have their CRC (if large) */
	int err;		/* entry `done' failed with err, if nonzero */
	/* written by the sender */
	size_t sending;		/* the large entry being sent */
	uint64_t sending_pos;	/* the file bytes before it */
	int stop;
};

static int
is_large(const struct album_entry *e)
{
	return !e->is_dir && e->size > SMALL_FILE;
}

static void *
ahead_run(void *arg)
{
	struct ahead *h = arg;
	uint64_t pos = 0;	/* file bytes before entry i */
	size_t i, last = SIZE_MAX;	/* the last large entry done */
	int r = 0;

	for (i = 0; i < h->a->n && r == 0; pos += h->a->entries[i].size, i++) {
		struct album_entry *e = &h->a->entries[i];
		int fd;

		if (is_large(e)) {
			pthread_mutex_lock(&h->lock);
			/* the next file after the one being sent at once, the
			 * ones after it within AHEAD_BYTES */
			while (!h->stop && last != SIZE_MAX && last > h->sending &&
			    pos - h->sending_pos > AHEAD_BYTES)
				pthread_cond_wait(&h->cond, &h->lock);
			r = h->stop;
			pthread_mutex_unlock(&h->lock);
			if (r)
				break;
			if ((r = album_open_entry(h->a, e, &fd)) == 0) {
				r = crc_file(fd, e, NULL);
				close(fd);
			}
			last = i;
		}
		pthread_mutex_lock(&h->lock);
		if (r < 0)
			h->err = r;
		else
			h->done = i + 1;
		pthread_cond_broadcast(&h->cond);
		pthread_mutex_unlock(&h->lock);
	}
	return NULL;
}

/* Wait for the CRC of large entry i, which starts after pos file bytes. */
static int
ahead_wait(struct ahead *h, size_t i, uint64_t pos)
{
	int r;

	pthread_mutex_lock(&h->lock);
	h->sending = i;
	h->sending_pos = pos;
	pthread_cond_broadcast(&h->cond);
	while (h->done <= i && h->err == 0)
		pthread_cond_wait(&h->cond, &h->lock);
	r = h->done > i ? 0 : h->err;
	pthread_mutex_unlock(&h->lock);
	return r;
}

/* Start the thread if album a has a large file; 0 if it runs. */
static int
ahead_start(struct ahead *h, pthread_t *ret_thread)
{
	sigset_t all, old;
	size_t i;
	int r;

	for (i = 0; i < h->a->n && !is_large(&h->a->entries[i]); i++)
		;
	if (i == h->a->n)
		return -ENOENT;
	(void)crc_method();	/* chosen here, before two threads use it */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(ret_thread, NULL, ahead_run, h);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return -r;
}

static void
ahead_stop(struct ahead *h, pthread_t thread)
{
	pthread_mutex_lock(&h->lock);
	h->stop = 1;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
	pthread_join(thread, NULL);
}

int
zipstream_write(struct album *a, int deflate, zipstream_sink sink, void *ctx,
    long *ret_failed)
{
	static char small[SMALL_FILE];
	struct out o = { sink, ctx, 0, NULL, NULL, 0, { -1, 0 } };
	struct fix fix = { .a = a, .phase = a->n > 0 ? P_LOCAL : P_END };
	struct ahead ahead = {
		.a = a, .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER,
	};
	pthread_t thread;
	int threaded = 0;
	uint64_t pos = 0;	/* file bytes before entry i */
	struct archive *ar;
	struct archive_entry *ae = NULL;
	struct sigaction sa = { .sa_handler = on_sigbus, .sa_flags = SA_NODEFER };
	long failed = -1;
	size_t i;
	int r = -EIO;

	if (!la_loaded) {
		*ret_failed = -1;
		return -ELIBACC;	/* zipstream_load() first */
	}
	if (!deflate) {
		o.fix = &fix;
		/* without the thread (it could not start), inline */
		threaded = ahead_start(&ahead, &thread) == 0;
	}
	(void)sigaction(SIGBUS, &sa, NULL);
	ar = la.archive_write_new();
	if (ar == NULL) {
		r = -ENOMEM;
		goto out;	/* the thread is joined there */
	}
	if (la.archive_write_set_format_zip(ar) != ARCHIVE_OK ||
	    la.archive_write_set_options(ar, deflate ?
	    "zip:compression=deflate,zip:hdrcharset=UTF-8" :
	    "zip:compression=store,zip:hdrcharset=UTF-8") != ARCHIVE_OK ||
	    /* no blocking: every piece goes straight to out_write(), file
	     * data as the very mapping send_data() passed in */
	    la.archive_write_set_bytes_per_block(ar, 0) != ARCHIVE_OK ||
	    la.archive_write_set_bytes_in_last_block(ar, 1) != ARCHIVE_OK ||
	    la.archive_write_open2(ar, &o, NULL, out_write, NULL, NULL) != ARCHIVE_OK)
		goto out;
	ae = la.archive_entry_new();
	if (ae == NULL) {
		r = -ENOMEM;
		goto out;
	}

	for (i = 0; i < a->n; pos += a->entries[i].size, i++) {
		struct album_entry *e = &a->entries[i];
		int fd = -1;

		if (!e->is_dir) {
			r = threaded && is_large(e) ? ahead_wait(&ahead, i, pos) : 0;
			if (r == 0)
				r = album_open_entry(a, e, &fd);
			if (r == 0 && !deflate && !(threaded && is_large(e)))
				r = crc_file(fd, e, small);
			if (r < 0) {
				if (fd >= 0)
					close(fd);
				failed = (long)i;
				goto out;
			}
		}
		la.archive_entry_clear(ae);
		la.archive_entry_set_pathname_utf8(ae, e->path);
		la.archive_entry_set_filetype(ae, e->is_dir ? AE_IFDIR : AE_IFREG);
		la.archive_entry_set_perm(ae, e->is_dir ? 0755 : 0644);
		la.archive_entry_set_uid(ae, 0);
		la.archive_entry_set_gid(ae, 0);
		la.archive_entry_set_mtime(ae, (time_t)e->mtime, 0);
		la.archive_entry_set_size(ae, (la_int64_t)e->size);
		/* ARCHIVE_WARN means a name was converted: not ours to accept */
		if (la.archive_write_header(ar, ae) != ARCHIVE_OK || o.err != 0) {
			if (fd >= 0)
				close(fd);
			r = o.err ? o.err : -EIO;
			failed = o.err ? -1 : (long)i;
			goto out;
		}
		if (fd >= 0) {
			r = send_data(ar, &o, fd, e, small, deflate);
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
		if (la.archive_write_finish_entry(ar) != ARCHIVE_OK || o.err != 0) {
			r = o.err ? o.err : -EIO;
			goto out;
		}
	}
	if (la.archive_write_close(ar) != ARCHIVE_OK || o.err != 0) {
		r = o.err ? o.err : -EIO;
		goto out;
	}
	if (o.fix != NULL && (r = fix_end(&fix, sink, ctx)) < 0)
		goto out;
	r = 0;
out:
	/* la.archive_write_free() closes the archive, writing the central
	 * directory, unless libarchive itself saw a fatal error: after our
	 * own failure the latch in struct out keeps that from reaching the
	 * client, whose download must stay visibly short. */
	if (r < 0 && o.err == 0)
		o.err = r;
	if (threaded)
		ahead_stop(&ahead, thread);
	la.archive_write_free(ar);
	la.archive_entry_free(ae);
	if (r < 0)
		*ret_failed = failed;
	return r;
}
