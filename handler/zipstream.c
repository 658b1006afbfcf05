/* zipstream: album -> ZIP (STORE) with libarchive, exact size up front. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "zipstream.h"

#define Z32	0xffffffffULL

void
zipstream_init(void)
{
	setenv("TZ", "UTC0", 1);
	tzset();
}

/* Layout written by libarchive 3.6 for STORE entries with only mtime set
 * (archive_write_set_format_zip.c):
 *   local header  30 + name + UT(9) + ux(15) [+ zip64 extra 20 if size > 4G-1]
 *   file data     size
 *   descriptor    16, or 24 for zip64 entries (files only: bit 3 is set)
 *   central entry 46 + name + UT(9) + ux(15) [+ zip64 extra, see below]
 *   end record    22 [+ zip64 end record 56 + locator 20]
 * The central zip64 extra exists when size or local-header offset exceeds
 * 0xffffffff, and holds each field that is >= 0xffffffff (8 bytes each). */
uint64_t
zipstream_size(const struct album *a)
{
	uint64_t off = 0, cd = 0;
	size_t i;

	for (i = 0; i < a->n; i++) {
		const struct album_entry *e = &a->entries[i];
		uint64_t name = e->path_len, s = e->size;
		int zip64 = s > Z32;

		cd += 46 + name + 24;
		if (s > Z32 || off > Z32)
			cd += 4 + 8 * ((s >= Z32 ? 2 : 0) + (off >= Z32 ? 1 : 0));
		off += 30 + name + 24 + (zip64 ? 20 : 0);
		if (!e->is_dir)
			off += s + (zip64 ? 24 : 16);
	}
	if (cd > Z32 || off > Z32 || a->n > 0xffff)
		cd += 56 + 20;
	return off + cd + 22;
}

struct out {
	zipstream_sink sink;
	void *ctx;
	int err;	/* first sink error, latched: libarchive 3.6 does not */
};

static la_ssize_t
out_write(struct archive *ar, void *data, const void *buf, size_t len)
{
	struct out *o = data;
	int r;

	(void)ar;
	if (o->err != 0)
		return -1;
	r = o->sink(o->ctx, buf, len);
	if (r < 0) {
		o->err = r;
		return -1;
	}
	return (la_ssize_t)len;
}

/* Copy exactly e->size bytes of fd into the archive. */
static int
copy_data(struct archive *ar, int fd, const struct album_entry *e, char *buf)
{
	uint64_t left = e->size;
	struct stat st;

	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	while (left > 0) {
		size_t want = left < IO_CHUNK ? (size_t)left : IO_CHUNK;
		ssize_t n = read(fd, buf, want);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ESTALE;	/* shrank since it was listed */
		if (archive_write_data(ar, buf, (size_t)n) != n)
			return -EPIPE;	/* the sink's error is in struct out */
		left -= (uint64_t)n;
	}
	/* grew or was rewritten while we read it: what we sent may mix old
	 * and new content, so it must not look complete */
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_size != e->size ||
	    st.st_mtim.tv_sec != e->mtime)
		return -ESTALE;
	return 0;
}

int
zipstream_write(const struct album *a, int deflate, zipstream_sink sink, void *ctx,
    long *ret_failed)
{
	struct out o = { sink, ctx, 0 };
	struct archive *ar;
	struct archive_entry *ae = NULL;
	char *buf = NULL;
	long failed = -1;
	size_t i;
	int r = -EIO;

	ar = archive_write_new();
	if (ar == NULL)
		return -ENOMEM;
	if (archive_write_set_format_zip(ar) != ARCHIVE_OK ||
	    archive_write_set_options(ar, deflate ?
	    "zip:compression=deflate,zip:hdrcharset=UTF-8" :
	    "zip:compression=store,zip:hdrcharset=UTF-8") != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(ar, IO_CHUNK) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(ar, 1) != ARCHIVE_OK ||
	    archive_write_open2(ar, &o, NULL, out_write, NULL, NULL) != ARCHIVE_OK)
		goto out;
	ae = archive_entry_new();
	buf = malloc(IO_CHUNK);
	if (ae == NULL || buf == NULL) {
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
		if (archive_write_header(ar, ae) != ARCHIVE_OK) {
			if (fd >= 0)
				close(fd);
			r = o.err ? o.err : -EIO;
			failed = o.err ? -1 : (long)i;
			goto out;
		}
		if (fd >= 0) {
			r = copy_data(ar, fd, e, buf);
			close(fd);
			if (r < 0) {
				if (o.err) {
					r = o.err;
				} else {
					failed = (long)i;
				}
				goto out;
			}
		}
		if (archive_write_finish_entry(ar) != ARCHIVE_OK) {
			r = o.err ? o.err : -EIO;
			goto out;
		}
	}
	if (archive_write_close(ar) != ARCHIVE_OK) {
		r = o.err ? o.err : -EIO;
		goto out;
	}
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
	free(buf);
	if (r < 0)
		*ret_failed = failed;
	return r;
}
