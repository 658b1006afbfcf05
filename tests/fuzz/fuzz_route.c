/* fuzz_route: from a request target to the files of an album, never
 * anything outside it.
 *
 * LLVMFuzzerInitialize() builds a storage folder once, under a mkdtemp()
 * folder in $TMPDIR (or /tmp), removed at exit:
 *
 *	secret                  a file outside the storage folder
 *	outside/secret2         a folder outside, with a file
 *	photos/                 the storage folder (root_fd)
 *	photos/secret           a file next to the albums
 *	photos/notadir          a file with a name that passes as a hash
 *	photos/outlink -> ../outside, photos/abslink -> TMP/outside,
 *	photos/selflink -> .    symlinks where albums are
 *	photos/empty/           an empty album
 *	photos/af1ad8c76fda2e48ea9aed2937e972ea/   1.jpg 2.jpg
 *	photos/3bea29ccabbbf64bdebcc055319c5745/   the album (album_fd):
 *	    1.jpg 2.jpg .hidden .hiddendir/x.jpg fifo
 *	    sub/3.jpg "sub/\xc3\x96l \xe2\x80\x93 \xe6\x97\xa5\xe6\x9c\xac.jpg" (UTF-8)
 *	    sub/deeper/4.jpg sub/deeper/deepest/5.jpg
 *	    up -> .., escape -> ../../secret, abs -> TMP/secret,
 *	    sub/outdir -> ../../../outside, sub/next -> ../secret,
 *	    sub/deeper/root -> ../../..
 *	photos/Bad_name/        an album holding a name with a control byte
 *
 * For every input:
 *  - as a request target: path_route(); a hash must be 1..HASH_MAX bytes of
 *    [A-Za-z0-9_-]; album_open() must succeed exactly when photos/<hash> is
 *    a real folder (not a symlink), and open that folder; the fallback
 *    album_open_nofollow() must agree. album_scan() must list exactly what
 *    an independent walk (lstat, no symlinks, no hidden names) finds: every
 *    path relative, without "", "." or ".." components, and no entry, nor
 *    any file album_open_entry() opens, is one of the outside files;
 *  - as a relative path (NUL-terminated copy): album_open_nofollow()
 *    beneath the album folder must open nothing but a file or folder found
 *    in the album by the walk, and only what openat2(RESOLVE_BENEATH |
 *    RESOLVE_NO_SYMLINKS) opens too. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* asprintf, mkfifoat; configure passes it too */
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "album.h"
#include "path.h"
#include "fuzz.h"

#define ALBUM "3bea29ccabbbf64bdebcc055319c5745"

struct node {
	char *path;		/* relative to the album; folders end in '/' */
	int is_dir;
	uint64_t size;
	dev_t dev;
	ino_t ino;
};

struct listing {
	struct node *v;
	size_t n, cap;
};

static char tmpdir[256];
static int root_fd = -1, album_fd = -1;
static struct stat forbidden[8];	/* outside the albums */
static size_t nforbidden;
static struct listing walked;		/* everything in ALBUM, hidden names too */
static int have_openat2 = 1;

static void
die(const char *what)
{
	perror(what);
	abort();
}

static void
put(int dirfd, const char *path, const char *text)
{
	int fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die(path);
	close(fd);
}

static void
mkdirs(int dirfd, const char *const *paths)
{
	for (; *paths != NULL; paths++)
		if (mkdirat(dirfd, *paths, 0755) < 0)
			die(*paths);
}

static void
links(int dirfd, const char *const *pairs)
{
	for (; *pairs != NULL; pairs += 2)
		if (symlinkat(pairs[0], dirfd, pairs[1]) < 0)
			die(pairs[1]);
}

static void
forbid(const char *path)
{
	if (lstat(path, &forbidden[nforbidden++]) < 0)
		die(path);
}

static int
is_forbidden(const struct stat *st)
{
	size_t i;

	for (i = 0; i < nforbidden; i++)
		if (st->st_dev == forbidden[i].st_dev && st->st_ino == forbidden[i].st_ino)
			return 1;
	return 0;
}

static int
node_cmp(const void *x, const void *y)
{
	return strcmp(((const struct node *)x)->path, ((const struct node *)y)->path);
}

/* Walk folder dfd (taken over) with lstat only. all: everything there is,
 * else what an album lists: no hidden names, only files and folders. */
static void
walk(struct listing *l, int dfd, const char *prefix, int all)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;

	if (d == NULL)
		die("fdopendir");
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		struct node *nd;
		char *p;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (!all && de->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			die(de->d_name);
		if (!all && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
			continue;
		if (asprintf(&p, "%s%s%s", prefix, de->d_name, S_ISDIR(st.st_mode) ? "/" : "") < 0)
			die("asprintf");
		if (l->n == l->cap) {
			l->cap = l->cap ? 2 * l->cap : 32;
			l->v = realloc(l->v, l->cap * sizeof(*l->v));
			if (l->v == NULL)
				die("realloc");
		}
		nd = &l->v[l->n++];
		nd->path = p;
		nd->is_dir = S_ISDIR(st.st_mode);
		nd->size = nd->is_dir ? 0 : (uint64_t)st.st_size;
		nd->dev = st.st_dev;
		nd->ino = st.st_ino;
		if (nd->is_dir) {
			int sub = openat(dirfd(d), de->d_name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub < 0)
				die(de->d_name);
			walk(l, sub, p, all);
		}
	}
	closedir(d);
}

static void
listing_free(struct listing *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int
walked_has(const struct stat *st)
{
	size_t i;

	for (i = 0; i < walked.n; i++)
		if (walked.v[i].dev == st->st_dev && walked.v[i].ino == st->st_ino)
			return 1;
	return 0;
}

static int
rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path);
}

static void
cleanup(void)
{
	if (tmpdir[0] != '\0')
		nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const dirs[] = {
		"outside", "photos", "photos/empty", "photos/af1ad8c76fda2e48ea9aed2937e972ea",
		"photos/" ALBUM, "photos/" ALBUM "/.hiddendir", "photos/" ALBUM "/sub",
		"photos/" ALBUM "/sub/deeper", "photos/" ALBUM "/sub/deeper/deepest",
		"photos/Bad_name", NULL
	};
	static const char *const rel_links[] = {
		"../outside", "photos/outlink",
		".", "photos/selflink",
		"..", "photos/" ALBUM "/up",
		"../../secret", "photos/" ALBUM "/escape",
		"../../../outside", "photos/" ALBUM "/sub/outdir",
		"../secret", "photos/" ALBUM "/sub/next",
		"../../..", "photos/" ALBUM "/sub/deeper/root",
		NULL
	};
	static const char *const files[] = {
		"secret", "outside/secret2", "photos/secret", "photos/notadir",
		"photos/af1ad8c76fda2e48ea9aed2937e972ea/1.jpg",
		"photos/af1ad8c76fda2e48ea9aed2937e972ea/2.jpg",
		"photos/" ALBUM "/1.jpg", "photos/" ALBUM "/2.jpg", "photos/" ALBUM "/.hidden",
		"photos/" ALBUM "/.hiddendir/x.jpg", "photos/" ALBUM "/sub/3.jpg",
		"photos/" ALBUM "/sub/deeper/4.jpg", "photos/" ALBUM "/sub/deeper/deepest/5.jpg",
		"photos/" ALBUM "/sub/\303\226l \342\200\223 \346\227\245\346\234\254.jpg",
		"photos/Bad_name/ok.jpg", "photos/Bad_name/b\001d.jpg", NULL
	};
	/* what no answer may ever reach, below the fixture's folder */
	static const char *const outside[] = {
		"", "/secret", "/outside", "/outside/secret2", "/photos", "/photos/secret",
		"/photos/notadir",
	};
	const char *t = getenv("TMPDIR");
	char path[512];
	size_t i;
	int tfd, fd;

	if (t == NULL || *t == '\0')
		t = "/tmp";
	snprintf(tmpdir, sizeof(tmpdir), "%s/fuzz_route.XXXXXX", t);
	if (mkdtemp(tmpdir) == NULL)
		die(tmpdir);
	atexit(cleanup);
	tfd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tfd < 0)
		die(tmpdir);
	mkdirs(tfd, dirs);
	for (i = 0; files[i] != NULL; i++)
		put(tfd, files[i], files[i]);	/* each file its own content and size */
	links(tfd, rel_links);
	snprintf(path, sizeof(path), "%s/outside", tmpdir);
	if (symlinkat(path, tfd, "photos/abslink") < 0)
		die("abslink");
	snprintf(path, sizeof(path), "%s/secret", tmpdir);
	if (symlinkat(path, tfd, "photos/" ALBUM "/abs") < 0)
		die("abs");
	if (mkfifoat(tfd, "photos/" ALBUM "/fifo", 0644) < 0)
		die("fifo");

	for (i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", tmpdir, outside[i]);
		forbid(path);
	}

	root_fd = openat(tfd, "photos", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	album_fd = openat(tfd, "photos/" ALBUM, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0 || album_fd < 0)
		die("photos");
	close(tfd);
	/* a new open file description: a dup() would share the read offset */
	fd = openat(album_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		die("album");
	walk(&walked, fd, "", 1);

	/* Is openat2(2) there (Linux >= 5.6, not filtered) for the comparison? */
	{
		struct open_how how = { .flags = O_RDONLY | O_CLOEXEC,
		    .resolve = RESOLVE_BENEATH };
		long r = syscall(SYS_openat2, album_fd, "1.jpg", &how, sizeof(how));

		if (r < 0)
			have_openat2 = 0;
		else
			close((int)r);
	}
	return 0;
}

/* album_scan() of folder `hash' lists what walk() finds, and nothing else. */
static void
check_scan(int fd, const char *hash)
{
	struct album a;
	struct listing want = { 0 };
	char err[ALBUM_PATH_MAX + 1] = "";
	size_t i;
	int dfd, r;

	dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		die("album");
	walk(&want, dfd, "", 0);
	if (want.n > 1)
		qsort(want.v, want.n, sizeof(*want.v), node_cmp);

	r = album_scan(fd, &a, err, sizeof(err));	/* takes fd over */
	if (strcmp(hash, "Bad_name") == 0) {
		CHECK("scan-bad-name", r == -EILSEQ && strcmp(err, "b\001d.jpg") == 0);
		goto out;
	}
	CHECK("scan-ok", r == 0);
	if (r < 0)
		goto out;
	CHECK("scan-count", a.n == want.n && a.files + a.dirs == a.n);
	for (i = 0; i < a.n; i++) {
		const struct album_entry *e = &a.entries[i];
		const char *p = e->path, *c;
		struct stat st;
		int efd;

		CHECK("entry-relative", e->path_len >= 1 && p[0] != '/' &&
		    strlen(p) == e->path_len);
		CHECK("entry-dir-slash", (p[e->path_len - 1] == '/') == !!e->is_dir);
		/* components: none empty, none "." or "..", none hidden */
		for (c = p; *c != '\0';) {
			size_t n = strcspn(c, "/");

			CHECK("entry-component", n > 0 && c[0] != '.');
			c += n;
			if (*c == '/')
				c++;
		}
		if (i > 0)
			CHECK("entry-sorted", strcmp(a.entries[i - 1].path, p) < 0);
		if (i < want.n)
			CHECK("entry-walk", strcmp(want.v[i].path, p) == 0 &&
			    want.v[i].is_dir == e->is_dir && want.v[i].dev == e->dev &&
			    want.v[i].ino == e->ino && want.v[i].size == e->size);
		st.st_dev = e->dev;
		st.st_ino = e->ino;
		CHECK("entry-outside", !is_forbidden(&st));
		if (e->is_dir)
			continue;
		r = album_open_entry(&a, e, &efd);
		CHECK("entry-open", r == 0);
		if (r < 0)
			continue;
		CHECK("entry-open", fstat(efd, &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_dev == e->dev && st.st_ino == e->ino && !is_forbidden(&st));
		close(efd);
	}
out:
	album_free(&a);
	listing_free(&want);
}

static void
check_album(const char *hash)
{
	struct stat want, st;
	int fd = -1, fd2 = -1, r, r2, is_album;

	is_album = fstatat(root_fd, hash, &want, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(want.st_mode);
	r = album_open(root_fd, hash, &fd);
	CHECK("open-status", r == 0 || r == -ENOENT);
	CHECK("open-exactly-albums", (r == 0) == is_album);
	r2 = album_open_nofollow(root_fd, hash, O_RDONLY | O_DIRECTORY, &fd2);
	CHECK("open-fallback-agrees", (r2 == 0) == (r == 0));
	if (r2 == 0) {
		CHECK("open-fallback", fstat(fd2, &st) == 0 && st.st_dev == want.st_dev &&
		    st.st_ino == want.st_ino);
		close(fd2);
	}
	if (r < 0)
		return;
	CHECK("open-that-folder", fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) &&
	    st.st_dev == want.st_dev && st.st_ino == want.st_ino && !is_forbidden(&st));
	check_scan(fd, hash);
}

/* album_open_nofollow() beneath the album: only the album's own files. */
static void
check_nofollow(const char *path)
{
	struct stat st, st2;
	int fd = -1, r, r2 = -1;

	r = album_open_nofollow(album_fd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY, &fd);
	CHECK("nofollow-errno", r <= 0);
	if (r < 0)
		return;
	CHECK("nofollow-inside", fstat(fd, &st) == 0 && walked_has(&st) && !is_forbidden(&st));
	/* nothing openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) would refuse */
	if (have_openat2) {
		struct open_how how = {
			.flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW,
			.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
		};
		long fd2 = syscall(SYS_openat2, album_fd, path, &how, sizeof(how));

		if (fd2 >= 0) {
			r2 = fstat((int)fd2, &st2);
			close((int)fd2);
		}
		CHECK("nofollow-openat2", fd2 >= 0 && r2 == 0 && st2.st_dev == st.st_dev &&
		    st2.st_ino == st.st_ino);
	}
	close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char hash[HASH_MAX + 2], *path;
	size_t hlen;
	int r;

	memset(hash, 'Z', sizeof(hash));
	r = path_route((const char *)data, size, hash);
	CHECK("route-status", r == ROUTE_INDEX || r == ROUTE_ARCHIVE || r == -EINVAL ||
	    r == -ENOENT);
	CHECK("route-guard", hash[HASH_MAX + 1] == 'Z');
	if (r == ROUTE_ARCHIVE) {
		fuzz_check_hash(hash, HASH_MAX);
		hlen = strnlen(hash, HASH_MAX + 1);
		if (hlen >= 1 && hlen <= HASH_MAX)
			check_album(hash);
	}

	path = malloc(size + 1);
	if (path == NULL)
		abort();
	memcpy(path, data, size);
	path[size] = '\0';
	check_nofollow(path);
	free(path);
	return 0;
}
