/* album: listing and opening files of one album, never outside it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "album.h"
#include "path.h"

/* Where openat2(2) is missing or filtered (seccomp filters answer ENOSYS:
 * systemd's RestrictSUIDSGID= does, since it cannot inspect struct
 * open_how), open one component at a time with O_NOFOLLOW. Our paths are
 * a validated hash or come from our own listing, which never holds "." or
 * "..", so this is as strict as RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS; any
 * other path is refused with -EXDEV, as RESOLVE_BENEATH would. */
int
album_open_nofollow(int dirfd, const char *path, int flags, int *ret_fd)
{
	char comp[NAME_MAX + 1];
	const char *p = path, *slash;
	int fd = dirfd, nfd;
	size_t len;

	for (;;) {
		slash = strchr(p, '/');
		len = slash != NULL ? (size_t)(slash - p) : strlen(p);
		if (len == 0 || len > NAME_MAX || (p[0] == '.' && (len == 1 ||
		    (len == 2 && p[1] == '.')))) {
			nfd = -1;
			errno = len > NAME_MAX ? ENAMETOOLONG : EXDEV;
		} else {
			memcpy(comp, p, len);
			comp[len] = '\0';
			nfd = openat(fd, comp, O_CLOEXEC | O_NOFOLLOW |
			    (slash != NULL ? O_RDONLY | O_DIRECTORY : flags));
			/* a symlink where a folder should be: ELOOP, as openat2 says */
			if (nfd < 0 && errno == ENOTDIR) {
				struct stat st;

				if (fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
				    S_ISLNK(st.st_mode))
					errno = ELOOP;
				else
					errno = ENOTDIR;
			}
		}
		if (fd != dirfd) {
			int e = errno;

			close(fd);
			errno = e;
		}
		if (nfd < 0)
			return -errno;
		if (slash == NULL) {
			*ret_fd = nfd;
			return 0;
		}
		fd = nfd;
		p = slash + 1;
	}
}

static int
openat2_beneath(int dirfd, const char *path, int flags, int *ret_fd)
{
	static int no_openat2;
	struct open_how how = {
		.flags = (uint64_t)flags | O_CLOEXEC | O_NOFOLLOW,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	if (!no_openat2) {
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		if (fd >= 0) {
			*ret_fd = (int)fd;
			return 0;
		}
		if (errno != ENOSYS && errno != EPERM)
			return -errno;
		no_openat2 = 1;
	}
	return album_open_nofollow(dirfd, path, flags, ret_fd);
}

int
album_open(int root_fd, const char *hash, int *ret_fd)
{
	struct stat st;
	int fd = -1, r;

	r = openat2_beneath(root_fd, hash, O_RDONLY | O_DIRECTORY, &fd);
	if (r == -ELOOP || r == -ENOTDIR || r == -EXDEV || r == -ENOENT)
		return -ENOENT;
	if (r < 0)
		return r;
	if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)) {
		close(fd);
		return -ENOENT;
	}
	*ret_fd = fd;
	return 0;
}

static int
valid_name(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return 0;
	return path_utf8_valid(name, len);
}

/* Last-Modified: the newest mtime or ctime of the album folder and of
 * everything in it. ctime too, because mtime can be set back (cp -p,
 * rsync -t) and a deleted file shows only in its folder's times. The
 * newest mtime alone is kept too: copies on other hosts (cp -a, rsync -a)
 * share it, but not the ctimes (--etag portable, cache.h). */
static void
note_change(struct album *a, const struct stat *st)
{
	if (st->st_mtim.tv_sec > a->newest_mtime)
		a->newest_mtime = st->st_mtim.tv_sec;
	if (st->st_mtim.tv_sec > a->newest_change)
		a->newest_change = st->st_mtim.tv_sec;
	if (st->st_ctim.tv_sec > a->newest_change)
		a->newest_change = st->st_ctim.tv_sec;
}

/* A block of names; a name never spans two. */
struct album_names {
	struct album_names *next;
	size_t used, cap;
	char buf[];
};

#define NAMES_BLOCK	(64 * 1024 - 64)

_Static_assert(ALBUM_PATH_MAX <= UINT16_MAX, "album_entry.path_len is 16 bits");

static char *
names_copy(struct album *a, const char *s, size_t len)
{
	struct album_names *b = a->names;
	char *p;

	if (b == NULL || b->cap - b->used < len + 1) {
		size_t cap = len + 1 > NAMES_BLOCK ? len + 1 : NAMES_BLOCK;

		b = malloc(sizeof(*b) + cap);
		if (b == NULL)
			return NULL;
		b->next = a->names;
		b->used = 0;
		b->cap = cap;
		a->names = b;
	}
	p = b->buf + b->used;
	memcpy(p, s, len);
	p[len] = '\0';
	b->used += len + 1;
	return p;
}

static int
add_entry(struct album *a, const char *path, size_t len, const struct stat *st, int is_dir)
{
	struct album_entry *e;

	if (a->n == ALBUM_ENTRIES_MAX)
		return -E2BIG;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		struct album_entry *p = realloc(a->entries, cap * sizeof(*p));

		if (p == NULL)
			return -ENOMEM;
		a->entries = p;
		a->cap = cap;
	}
	e = &a->entries[a->n];
	e->path = names_copy(a, path, len);
	if (e->path == NULL)
		return -ENOMEM;
	e->path_len = (uint16_t)len;	/* len <= ALBUM_PATH_MAX, checked */
	e->is_dir = (uint8_t)is_dir;
	e->crc = 0;		/* a folder's, an empty file's; others: zipstream.c */
	e->size = is_dir ? 0 : (uint64_t)st->st_size;
	e->mtime = st->st_mtim.tv_sec;
	e->mtime_nsec = (int32_t)st->st_mtim.tv_nsec;
	e->ctime = st->st_ctim.tv_sec;
	e->ctime_nsec = (int32_t)st->st_ctim.tv_nsec;
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	note_change(a, st);
	a->n++;
	if (is_dir)
		a->dirs++;
	else
		a->files++;
	return 0;
}

static void
set_err(char *err_path, size_t err_size, const char *path, size_t len)
{
	if (err_size == 0)
		return;
	if (len >= err_size)
		len = err_size - 1;
	memcpy(err_path, path, len);
	err_path[len] = '\0';
}

/* Scan folder dfd (taken over), whose entries get the prefix path[0..len).
 * path has room for ALBUM_PATH_MAX + 1 bytes. */
static int
scan_dir(struct album *a, int dfd, char *path, size_t len, int depth,
    char *err_path, size_t err_size)
{
	DIR *d;
	struct dirent *de;
	int r = 0;

	d = fdopendir(dfd);
	if (d == NULL) {
		r = -errno;
		close(dfd);
		set_err(err_path, err_size, path, len);
		return r;
	}
	for (;;) {
		struct stat st;
		size_t nlen, plen;
		int fd, is_dir;

		errno = 0;
		de = readdir(d);
		if (de == NULL) {
			if (errno != 0) {
				r = -errno;
				set_err(err_path, err_size, path, len);
			}
			break;
		}
		if (de->d_name[0] == '.')
			continue;	/* hidden, ".", "..": never sent */
		if (de->d_type != DT_REG && de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;	/* symlinks, FIFOs, sockets, devices */

		nlen = strlen(de->d_name);
		plen = len + nlen + (de->d_type == DT_DIR ? 1 : 0);
		if (plen > ALBUM_PATH_MAX) {
			set_err(err_path, err_size, path, len);
			r = -ENAMETOOLONG;
			break;
		}
		memcpy(path + len, de->d_name, nlen);
		if (!valid_name(de->d_name, nlen)) {
			set_err(err_path, err_size, path, len + nlen);
			r = -EILSEQ;
			break;
		}

		/* O_NONBLOCK: a FIFO swapped in after readdir must not hang us;
		 * O_NOFOLLOW: a symlink swapped in fails with ELOOP. */
		fd = openat(dirfd(d), de->d_name,
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
		if (fd < 0) {
			if (errno == ELOOP || errno == ENOENT || errno == ENXIO)
				continue;	/* symlink, vanished, socket */
			r = -errno;
			set_err(err_path, err_size, path, len + nlen);
			break;
		}
		if (fstat(fd, &st) < 0) {
			r = -errno;
			close(fd);
			set_err(err_path, err_size, path, len + nlen);
			break;
		}
		is_dir = S_ISDIR(st.st_mode);
		if (!is_dir && !S_ISREG(st.st_mode)) {
			close(fd);
			continue;
		}
		if (is_dir) {
			path[len + nlen] = '/';
			plen = len + nlen + 1;
			if (plen > ALBUM_PATH_MAX) {
				close(fd);
				set_err(err_path, err_size, path, plen);
				r = -ENAMETOOLONG;
				break;
			}
			if (depth + 1 > ALBUM_DEPTH_MAX) {
				close(fd);
				set_err(err_path, err_size, path, plen);
				r = -ELOOP;
				break;
			}
			r = add_entry(a, path, plen, &st, 1);
			if (r < 0) {
				close(fd);
				set_err(err_path, err_size, path, plen);
				break;
			}
			r = scan_dir(a, fd, path, plen, depth + 1, err_path, err_size);
			if (r < 0)
				break;
		} else {
			close(fd);
			r = add_entry(a, path, len + nlen, &st, 0);
			if (r < 0) {
				set_err(err_path, err_size, path, len + nlen);
				break;
			}
		}
	}
	closedir(d);
	return r;
}

static int
entry_cmp(const void *x, const void *y)
{
	const struct album_entry *a = x, *b = y;

	return strcmp(a->path, b->path);
}

int
album_scan(int fd, struct album *ret_album, char *err_path, size_t err_size)
{
	char path[ALBUM_PATH_MAX + 1];
	struct stat st;
	int dfd, r;

	memset(ret_album, 0, sizeof(*ret_album));
	ret_album->fd = fd;
	if (fstat(fd, &st) < 0) {
		set_err(err_path, err_size, ".", 1);
		return -errno;
	}
	note_change(ret_album, &st);
	/* fdopendir() takes over its fd and moves its offset: give it a copy */
	dfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (dfd < 0) {
		set_err(err_path, err_size, ".", 1);
		return -errno;
	}
	r = scan_dir(ret_album, dfd, path, 0, 0, err_path, err_size);
	if (r < 0)
		return r;
	if (ret_album->n > 1)
		qsort(ret_album->entries, ret_album->n, sizeof(*ret_album->entries), entry_cmp);
	return 0;
}

int
album_entry_same(const struct album_entry *e, const struct stat *st)
{
	return (uint64_t)st->st_size == e->size &&
	    st->st_mtim.tv_sec == e->mtime && st->st_mtim.tv_nsec == e->mtime_nsec &&
	    st->st_ctim.tv_sec == e->ctime && st->st_ctim.tv_nsec == e->ctime_nsec;
}

int
album_open_entry(const struct album *a, const struct album_entry *e, int *ret_fd)
{
	struct stat st;
	int fd = -1, r;

	r = openat2_beneath(a->fd, e->path, O_RDONLY | O_NONBLOCK | O_NOCTTY, &fd);
	if (r == -ELOOP || r == -ENOENT || r == -EXDEV || r == -ENOTDIR)
		return -ESTALE;
	if (r < 0)
		return r;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	if (!S_ISREG(st.st_mode) || st.st_dev != e->dev || st.st_ino != e->ino ||
	    !album_entry_same(e, &st)) {
		close(fd);
		return -ESTALE;
	}
	*ret_fd = fd;
	return 0;
}

void
album_free(struct album *a)
{
	while (a->names != NULL) {
		struct album_names *b = a->names;

		a->names = b->next;
		free(b);
	}
	free(a->entries);
	if (a->fd >= 0)
		close(a->fd);
	memset(a, 0, sizeof(*a));
	a->fd = -1;
}
