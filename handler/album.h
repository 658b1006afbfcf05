/* album: the only code that touches the photo tree.
 * Albums are opened beneath the storage root without following symlinks;
 * every file is opened once while scanning, so that a file that cannot be
 * read is found before the response starts. */
#ifndef ALBUM_H
#define ALBUM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ah_limits.h"

/* 64 bytes: an album of 70,000 files lists in 4.4 MB plus its names
 * (tests/bench/bench.sh reports it). */
struct album_entry {
	char *path;		/* relative, '/'-separated; folders end in '/' */
	uint64_t size;		/* 0 for folders */
	int64_t mtime;		/* seconds since the epoch */
	int64_t ctime;		/* for the ETag: catches rewrites that keep mtime */
	dev_t dev;		/* identity at scan time, checked when sent */
	ino_t ino;
	int32_t mtime_nsec;
	int32_t ctime_nsec;
	uint32_t crc;		/* CRC-32, set by zipstream_write() (STORE) */
	uint16_t path_len;	/* <= ALBUM_PATH_MAX */
	uint8_t is_dir;
};

/* The names, packed one after another in blocks (no malloc(3) per name). */
struct album_names;

struct album {
	int fd;			/* the album folder, O_RDONLY|O_DIRECTORY */
	struct album_entry *entries;	/* sorted by path, bytewise */
	size_t n, cap;
	size_t files, dirs;
	int64_t newest_change;	/* newest mtime or ctime, folder included */
	int64_t newest_mtime;	/* newest mtime, folder included */
	struct album_names *names;	/* where the paths live */
};

/* Open folder `hash' (one validated name) beneath root_fd, refusing
 * symlinks anywhere (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS).
 * Returns 0 and sets *ret_fd, -ENOENT if there is no such folder (also
 * for a symlink or a non-folder), or another negative errno. */
int album_open(int root_fd, const char *hash, int *ret_fd);

/* List the album folder fd (taken over by *ret_album, also on failure)
 * recursively: regular files and folders, hidden names (leading '.') and
 * everything else left out, sorted. Every file is opened once.
 * Returns 0, or a negative errno with the offending relative path copied
 * into err_path (size err_size): -EACCES/-EIO/... a file or folder that
 * cannot be opened or read, -E2BIG more than ALBUM_ENTRIES_MAX entries,
 * -ELOOP deeper than ALBUM_DEPTH_MAX, -ENAMETOOLONG a path longer than
 * ALBUM_PATH_MAX, -EILSEQ a name that is not UTF-8 or has control bytes.
 * Call album_free() in every case. */
int album_scan(int fd, struct album *ret_album, char *err_path, size_t err_size);

/* Is st (of the same inode) unchanged since e was listed: same size, and
 * same mtime and ctime to the nanosecond? ctime catches a rewrite in place
 * that set the mtime back (exiftool -P, touch -r); it also changes with
 * chmod, which then counts as a change too. */
struct stat;
int album_entry_same(const struct album_entry *e, const struct stat *st);

/* Open entry e (a file) of album a for reading and check that it is the
 * file that was listed: same device and inode, and album_entry_same().
 * Returns 0 and sets *ret_fd, -ESTALE if it changed, or a negative errno. */
int album_open_entry(const struct album *a, const struct album_entry *e, int *ret_fd);

void album_free(struct album *a);

/* The fallback for kernels or seccomp filters without openat2(2): open a
 * relative path one component at a time, refusing symlinks, "." and ".."
 * (-ELOOP, -EXDEV). Exposed for the tests. */
int album_open_nofollow(int dirfd, const char *path, int flags, int *ret_fd);

#endif
