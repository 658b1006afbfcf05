/* replay: run a fuzz target over its corpus without libFuzzer, as a TAP
 * test, so that every input in the corpus (seeds and past findings) is
 * checked by every "make check", with any compiler.
 *
 *	replay_request [DIR|FILE]...
 *
 * Linked with one fuzz target (fuzz_request.c or fuzz_route.c). Without
 * arguments it replays $top_srcdir/REPLAY_CORPUS (top_srcdir defaults to
 * "."; REPLAY_CORPUS is set per program at build time). Files are run in
 * name order, hidden names skipped, each as an exact-size malloc'ed copy
 * (so that a read past the end shows under ASan or valgrind) and in a
 * child process of its own: an abort() or a sanitizer report fails that
 * input ("not ok N - corpus/request/xyz") and the others still run. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* asprintf, strsignal; configure passes it too */
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz.h"

#ifndef REPLAY_CORPUS
#define REPLAY_CORPUS	"."
#endif

/* libFuzzer makes LLVMFuzzerInitialize() optional: so do we. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

struct list {
	char **v;
	size_t n, cap;
};

static void
add(struct list *l, const char *dir, const char *name)
{
	char *p;
	size_t len = strlen(dir) + 1 + strlen(name) + 1;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (l->v == NULL) {
			perror("realloc");
			exit(99);
		}
	}
	p = malloc(len);
	if (p == NULL) {
		perror("malloc");
		exit(99);
	}
	if (dir[0] != '\0')
		snprintf(p, len, "%s/%s", dir, name);
	else
		snprintf(p, len, "%s", name);
	l->v[l->n++] = p;
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collect arg: a file, or the regular files of a folder (not recursive). */
static int
collect(struct list *l, const char *arg)
{
	struct stat st;
	struct dirent *de;
	DIR *d;

	if (stat(arg, &st) < 0) {
		printf("Bail out! %s: %s\n", arg, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		add(l, "", arg);
		return 0;
	}
	d = opendir(arg);
	if (d == NULL) {
		printf("Bail out! %s: %s\n", arg, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		char *p;

		if (de->d_name[0] == '.')
			continue;
		if (asprintf(&p, "%s/%s", arg, de->d_name) < 0) {
			perror("asprintf");
			exit(99);
		}
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
			add(l, arg, de->d_name);
		free(p);
	}
	closedir(d);
	return 0;
}

/* Read file path into an exact-size buffer. Returns 0 or -errno. */
static int
slurp(const char *path, uint8_t **ret, size_t *ret_len)
{
	size_t len = 0, cap = 4096;
	uint8_t *buf = malloc(cap), *exact;
	int fd = open(path, O_RDONLY | O_CLOEXEC), e;
	ssize_t n;

	if (fd < 0 || buf == NULL) {
		e = errno ? errno : EIO;
		free(buf);
		if (fd >= 0)
			close(fd);
		return -e;
	}
	for (;;) {
		if (len == cap) {
			uint8_t *nb = realloc(buf, cap *= 2);

			if (nb == NULL) {
				e = errno;
				goto fail;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = errno;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	exact = malloc(len ? len : 1);
	if (exact == NULL) {
		free(buf);
		return -ENOMEM;
	}
	memcpy(exact, buf, len);
	free(buf);
	*ret = exact;
	*ret_len = len;
	return 0;
fail:
	free(buf);
	close(fd);
	return -(e ? e : EIO);
}

/* Run one input in a child. Returns 0 when it passed. */
static int
run(const char *path)
{
	uint8_t *data = NULL;
	size_t len = 0;
	pid_t pid;
	int r, status;

	r = slurp(path, &data, &len);
	if (r < 0) {
		printf("# %s: %s\n", path, strerror(-r));
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		printf("# fork: %s\n", strerror(errno));
		free(data);
		return -1;
	}
	if (pid == 0) {
		LLVMFuzzerTestOneInput(data, len);
		free(data);
		/* _exit: the fixture and its atexit() cleanup belong to the parent */
		fflush(stdout);
		fflush(stderr);
		_exit(0);
	}
	free(data);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			printf("# waitpid: %s\n", strerror(errno));
			return -1;
		}
	if (WIFSIGNALED(status)) {
		printf("# %s: killed by signal %d (%s)\n", path, WTERMSIG(status),
		    strsignal(WTERMSIG(status)));
		return -1;
	}
	if (WEXITSTATUS(status) != 0) {
		printf("# %s: exit status %d\n", path, WEXITSTATUS(status));
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct list l = { 0 };
	const char *top = getenv("top_srcdir");
	char *def = NULL;
	size_t i, failed = 0;
	int k;

	/* unbuffered-ish: a crash must not eat earlier results */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1) {
		for (k = 1; k < argc; k++)
			if (collect(&l, argv[k]) < 0)
				return 99;
	} else {
		if (asprintf(&def, "%s/%s", top != NULL && *top != '\0' ? top : ".",
		    REPLAY_CORPUS) < 0) {
			perror("asprintf");
			return 99;
		}
		if (collect(&l, def) < 0)
			return 99;
		free(def);
	}
	if (l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), cmp);

	printf("TAP version 13\n");
	if (l.n == 0) {
		printf("1..0 # SKIP empty corpus\n");
		return 0;
	}
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	printf("1..%zu\n", l.n);
	for (i = 0; i < l.n; i++) {
		/* name the input as it is in the repository: corpus/<target>/<file> */
		char *name = strstr(l.v[i], "corpus/"), *p;
		int ok = run(l.v[i]) == 0;

		if (name == NULL)
			name = l.v[i];
		/* a description must not start a TAP directive or a new line */
		for (p = name; *p != '\0'; p++)
			if (*p == '#' || *p == '\n' || *p == '\r')
				*p = '_';
		failed += !ok;
		printf("%sok %zu - %s\n", ok ? "" : "not ", i + 1, name);
		free(l.v[i]);
	}
	free(l.v);
	return failed > 0 ? 1 : 0;
}
