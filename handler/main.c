/* archive-handler: answer one HTTP request on stdin/stdout with a ZIP of a
 * photo album, packed while it is sent. Wires the modules together; the
 * only place that decides what is logged and the exit status. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "album.h"
#include "cache.h"
#include "conn.h"
#include "http.h"
#include "index.h"
#include "link.h"
#include "ah_limits.h"
#include "log.h"
#include "path.h"
#include "proxy.h"
#include "response.h"
#include "zipstream.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0"
#endif

/* Exit status: 0 the request was answered (whatever the status, also when
 * the client went away), 1 the server failed (500 sent, or a download cut
 * short by a server-side error), 2 usage or configuration error. */
enum { EXIT_ANSWERED = 0, EXIT_SERVER = 1, EXIT_USAGE = 2 };

struct config {
	const char *path;
	int logging;
	int delay;
	int request_timeout;
	int send_timeout;
	int deflate;		/* --compression deflate */
	enum cache_etag_mode etag;	/* --etag strict|portable */
	const char *trusted_proxy;	/* comma-separated addresses, or NULL */
	const char *link_key;	/* --link-key FILE: links must be signed, or NULL */
	const char *sign;	/* --sign HASH: print a signed link and exit */
	int64_t expires_in;	/* --expires-in SECONDS, for --sign */
};

struct sink {
	const struct conn *conn;
	const struct config *cfg;
	const char *hash;
	uint64_t pos;		/* archive bytes packed so far */
	uint64_t first, last;	/* archive bytes to send, inclusive */
	uint64_t sent;		/* body bytes sent (chunk framing not counted) */
	uint64_t total;		/* body length announced, or RESPONSE_NO_LENGTH */
	int chunked;		/* Transfer-Encoding: chunked */
	unsigned long chunks;
	/* Small pieces (the response head, libarchive's headers and
	 * descriptors, small files) are gathered here and go out with the
	 * next large piece in one writev(2), or by sendfile(2) after it. */
	char *pend;		/* SINK_BUF bytes */
	size_t plen;		/* bytes in pend */
	size_t pbody;		/* ... of which body bytes (not the head) */
	int no_sendfile;	/* the output refused sendfile(2) once */
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "Usage: archive-handler [OPTION]...\n"
	    "Answer one HTTP request on stdin/stdout with a ZIP of a photo album.\n"
	    "Started per connection by systemd (Accept=yes), xinetd or inetd.\n"
	    "\n"
	    "  -p, --path PATH           album storage folder (env BASE_FILE_STORAGE_PATH,\n"
	    "                            default \"photos\")\n"
	    "  -l, --logging 0|1         log each request's progress (env ENABLE_LOGGING,\n"
	    "                            default 0); errors and one line per request are\n"
	    "                            always logged\n"
	    "  -d, --delay 0|1           pause 1 s between response chunks, for testing\n"
	    "                            slow downloads (env ENABLE_RESPONSE_DELAY, default 0)\n"
	    "  -c, --compression store|deflate\n"
	    "                            store (default; exact Content-Length, resumable)\n"
	    "                            or deflate (for compressible albums; chunked)\n"
	    "                            (env ARCHIVE_COMPRESSION)\n"
	    "      --etag strict|portable\n"
	    "                            what ETag and Last-Modified are made of: strict\n"
	    "                            (default; also inode numbers and ctimes) or\n"
	    "                            portable (equal on hosts with cp -a/rsync -a\n"
	    "                            copies) (env ARCHIVE_ETAG)\n"
	    "      --trusted-proxy ADDR[,ADDR]...\n"
	    "                            believe X-Forwarded-For on connections from these\n"
	    "                            addresses (env ARCHIVE_TRUSTED_PROXY)\n"
	    "      --request-timeout SEC whole request head must arrive within SEC seconds\n"
	    "                            (default %d)\n"
	    "      --send-timeout SEC    give up when the client takes nothing for SEC\n"
	    "                            seconds (default %d)\n"
	    "      --link-key FILE       serve only signed, unexpired links, checked with\n"
	    "                            the keys in FILE, one per line, the first signs\n"
	    "                            (env ARCHIVE_LINK_KEY_FILE; default\n"
	    "                            $CREDENTIALS_DIRECTORY/link-key if it exists)\n"
	    "      --sign HASH           print the path and query of a signed link to the\n"
	    "                            album HASH and exit\n"
	    "      --expires-in SECONDS  with --sign: valid for SECONDS (default %d)\n"
	    "  -h, --help                show this help and exit\n"
	    "      --version             show the version and exit\n"
	    "\n"
	    "Boolean values: 1, 0, yes, no, true, false, on, off.\n"
	    "Command line beats environment beats default.\n",
	    REQUEST_TIMEOUT_SEC, SEND_TIMEOUT_SEC, LINK_EXPIRES_IN);
}

static int
parse_bool(const char *s, int *ret)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*ret = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*ret = 0;
			return 0;
		}
	}
	return -EINVAL;
}

static int
parse_compression(const char *s, int *deflate)
{
	if (strcmp(s, "store") == 0)
		*deflate = 0;
	else if (strcmp(s, "deflate") == 0)
		*deflate = 1;
	else
		return -EINVAL;
	return 0;
}

static int
parse_etag(const char *s, enum cache_etag_mode *mode)
{
	if (strcmp(s, "strict") == 0)
		*mode = CACHE_ETAG_STRICT;
	else if (strcmp(s, "portable") == 0)
		*mode = CACHE_ETAG_PORTABLE;
	else
		return -EINVAL;
	return 0;
}

static int
parse_seconds(const char *s, int *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 || v > 3600)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

/* --expires-in: 1 second to 10 years; decimal digits only. */
static int
parse_expires_in(const char *s, int64_t *ret)
{
	int64_t v = 0;

	if (*s == '\0' || strlen(s) > 10)
		return -EINVAL;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (*s - '0');
	}
	if (v < 1 || v > LINK_EXPIRES_IN_MAX)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* Returns 0 to go on, 1 after --help/--version, -EINVAL with a message in
 * err. */
static int
config_parse(int argc, char **argv, struct config *cfg, char *err, size_t errsize)
{
	enum { OPT_VERSION = 256, OPT_REQUEST_TIMEOUT, OPT_SEND_TIMEOUT, OPT_TRUSTED_PROXY, OPT_ETAG,
		OPT_LINK_KEY, OPT_SIGN, OPT_EXPIRES_IN };
	static const struct option opts[] = {
		{ "path", required_argument, NULL, 'p' },
		{ "logging", required_argument, NULL, 'l' },
		{ "delay", required_argument, NULL, 'd' },
		{ "compression", required_argument, NULL, 'c' },
		{ "trusted-proxy", required_argument, NULL, OPT_TRUSTED_PROXY },
		{ "etag", required_argument, NULL, OPT_ETAG },
		{ "request-timeout", required_argument, NULL, OPT_REQUEST_TIMEOUT },
		{ "send-timeout", required_argument, NULL, OPT_SEND_TIMEOUT },
		{ "link-key", required_argument, NULL, OPT_LINK_KEY },
		{ "sign", required_argument, NULL, OPT_SIGN },
		{ "expires-in", required_argument, NULL, OPT_EXPIRES_IN },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	char bad[64];
	const char *e;
	int c, expires_in = 0;

	cfg->path = "photos";
	cfg->deflate = 0;
	cfg->etag = CACHE_ETAG_STRICT;
	cfg->trusted_proxy = NULL;
	cfg->logging = 0;
	cfg->delay = 0;
	cfg->request_timeout = REQUEST_TIMEOUT_SEC;
	cfg->send_timeout = SEND_TIMEOUT_SEC;
	cfg->link_key = NULL;
	cfg->sign = NULL;
	cfg->expires_in = LINK_EXPIRES_IN;

	if ((e = getenv("BASE_FILE_STORAGE_PATH")) != NULL && *e != '\0')
		cfg->path = e;
	if ((e = getenv("ENABLE_LOGGING")) != NULL && *e != '\0' &&
	    parse_bool(e, &cfg->logging) < 0) {
		snprintf(err, errsize, "invalid ENABLE_LOGGING=%s (expected 0 or 1)", e);
		return -EINVAL;
	}
	if ((e = getenv("ENABLE_RESPONSE_DELAY")) != NULL && *e != '\0' &&
	    parse_bool(e, &cfg->delay) < 0) {
		snprintf(err, errsize, "invalid ENABLE_RESPONSE_DELAY=%s (expected 0 or 1)", e);
		return -EINVAL;
	}

	if ((e = getenv("ARCHIVE_COMPRESSION")) != NULL && *e != '\0' &&
	    parse_compression(e, &cfg->deflate) < 0) {
		snprintf(err, errsize, "invalid ARCHIVE_COMPRESSION=%s (expected store or deflate)", e);
		return -EINVAL;
	}
	if ((e = getenv("ARCHIVE_ETAG")) != NULL && *e != '\0' && parse_etag(e, &cfg->etag) < 0) {
		snprintf(err, errsize, "invalid ARCHIVE_ETAG=%s (expected strict or portable)", e);
		return -EINVAL;
	}
	if ((e = getenv("ARCHIVE_TRUSTED_PROXY")) != NULL && *e != '\0') {
		if (proxy_list_valid(e, bad, sizeof(bad)) < 0) {
			snprintf(err, errsize, "invalid ARCHIVE_TRUSTED_PROXY address '%s'", bad);
			return -EINVAL;
		}
		cfg->trusted_proxy = e;
	}
	if ((e = getenv("ARCHIVE_LINK_KEY_FILE")) != NULL && *e != '\0')
		cfg->link_key = e;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:l:d:c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (*optarg == '\0') {
				snprintf(err, errsize, "empty --path");
				return -EINVAL;
			}
			cfg->path = optarg;
			break;
		case 'l':
			if (parse_bool(optarg, &cfg->logging) < 0) {
				snprintf(err, errsize, "invalid --logging '%s' (expected 0 or 1)", optarg);
				return -EINVAL;
			}
			break;
		case 'd':
			if (parse_bool(optarg, &cfg->delay) < 0) {
				snprintf(err, errsize, "invalid --delay '%s' (expected 0 or 1)", optarg);
				return -EINVAL;
			}
			break;
		case 'c':
			if (parse_compression(optarg, &cfg->deflate) < 0) {
				snprintf(err, errsize, "invalid --compression '%s' (expected store or deflate)",
				    optarg);
				return -EINVAL;
			}
			break;
		case OPT_ETAG:
			if (parse_etag(optarg, &cfg->etag) < 0) {
				snprintf(err, errsize, "invalid --etag '%s' (expected strict or portable)",
				    optarg);
				return -EINVAL;
			}
			break;
		case OPT_TRUSTED_PROXY:
			if (proxy_list_valid(optarg, bad, sizeof(bad)) < 0) {
				snprintf(err, errsize, "invalid --trusted-proxy address '%s'", bad);
				return -EINVAL;
			}
			cfg->trusted_proxy = optarg;
			break;
		case OPT_REQUEST_TIMEOUT:
			if (parse_seconds(optarg, &cfg->request_timeout) < 0) {
				snprintf(err, errsize, "invalid --request-timeout '%s' (1 to 3600)", optarg);
				return -EINVAL;
			}
			break;
		case OPT_SEND_TIMEOUT:
			if (parse_seconds(optarg, &cfg->send_timeout) < 0) {
				snprintf(err, errsize, "invalid --send-timeout '%s' (1 to 3600)", optarg);
				return -EINVAL;
			}
			break;
		case OPT_LINK_KEY:
			if (*optarg == '\0') {
				snprintf(err, errsize, "empty --link-key");
				return -EINVAL;
			}
			cfg->link_key = optarg;
			break;
		case OPT_SIGN:
			cfg->sign = optarg;
			break;
		case OPT_EXPIRES_IN:
			if (parse_expires_in(optarg, &cfg->expires_in) < 0) {
				snprintf(err, errsize, "invalid --expires-in '%s' (1 to %d seconds)",
				    optarg, LINK_EXPIRES_IN_MAX);
				return -EINVAL;
			}
			expires_in = 1;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case OPT_VERSION:
			printf("archive-handler %s\n", PACKAGE_VERSION);
			return 1;
		case ':':
			snprintf(err, errsize, "option '%s' needs a value", argv[optind - 1]);
			return -EINVAL;
		default:
			snprintf(err, errsize, "unknown option '%s'", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		snprintf(err, errsize, "unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (expires_in && cfg->sign == NULL) {
		snprintf(err, errsize, "--expires-in needs --sign");
		return -EINVAL;
	}
	return 0;
}

/* The key file: --link-key, ARCHIVE_LINK_KEY_FILE, or the systemd
 * credential "link-key" (LoadCredential=) when neither names one. Read
 * once, here. A key that cannot be used is an error, never a reason to
 * serve unsigned links. Returns 1 with keys loaded, 0 without a key file,
 * -EINVAL with a message in err. */
static int
config_keys(struct config *cfg, struct link_keys *keys, char *err, size_t errsize)
{
	static char cred[4096];
	const char *dir;
	size_t line = 0;
	int r;

	if (cfg->link_key == NULL && (dir = getenv("CREDENTIALS_DIRECTORY")) != NULL &&
	    *dir != '\0') {
		snprintf(cred, sizeof(cred), "%s/link-key", dir);
		/* only a credential that is not there means "no key": one that
		 * cannot be reached (EACCES, ENOTDIR) is an error, below */
		if (access(cred, F_OK) == 0 || errno != ENOENT)
			cfg->link_key = cred;
	}
	if (cfg->link_key == NULL)
		return 0;
	r = link_keys_load(cfg->link_key, keys, &line);
	if (r == 0)
		return 1;
	if (r == -ENODATA)
		snprintf(err, errsize, "link key file %s: no key in it (it is empty)", cfg->link_key);
	else if (r == -EMSGSIZE)
		snprintf(err, errsize, "link key file %s, line %zu: key shorter than %d bytes",
		    cfg->link_key, line, LINK_KEY_MIN);
	else if (r == -E2BIG)
		snprintf(err, errsize, "link key file %s: more than %d keys", cfg->link_key,
		    LINK_KEYS_MAX);
	else if (r == -EFBIG)
		snprintf(err, errsize, "link key file %s: larger than %d bytes", cfg->link_key,
		    LINK_KEY_FILE_MAX);
	else
		snprintf(err, errsize, "link key file %s: %s", cfg->link_key, strerror(-r));
	return -EINVAL;
}

/* --sign HASH: print the link. Returns the exit status. */
static int
sign_link(const struct config *cfg, const struct link_keys *keys, int have_keys)
{
	char link[LINK_PATH_MAX];
	int r;

	if (!have_keys) {
		log_msg(LOG_ERR, "--sign needs a key: --link-key FILE, ARCHIVE_LINK_KEY_FILE or "
		    "$CREDENTIALS_DIRECTORY/link-key");
		return EXIT_USAGE;
	}
	r = link_sign(keys, cfg->sign, (int64_t)time(NULL) + cfg->expires_in, link);
	if (r == -EINVAL) {
		log_msg(LOG_ERR, "invalid --sign '%s' (an album name: 1 to %d of A-Z a-z 0-9 - _)",
		    cfg->sign, HASH_MAX);
		return EXIT_USAGE;
	}
	if (r < 0) {
		log_msg(LOG_ERR, "cannot sign: HMAC-SHA256 from libgcrypt failed");
		return EXIT_SERVER;
	}
	if (printf("%s\n", link) < 0 || fflush(stdout) != 0) {
		log_msg(LOG_ERR, "cannot write the link: %s", strerror(errno));
		return EXIT_SERVER;
	}
	return EXIT_ANSWERED;
}

static uint64_t
now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Progress lines (-l 1). */
static void
sink_progress(const struct sink *s)
{
	if (!s->cfg->logging)
		return;
	if (s->total != RESPONSE_NO_LENGTH)
		log_msg(LOG_INFO, "sending archive %s: %" PRIu64 " of %" PRIu64 " bytes",
		    s->hash, s->sent, s->total);
	else
		log_msg(LOG_INFO, "sending archive %s: %" PRIu64 " of ? bytes (deflate)",
		    s->hash, s->sent);
}

/* Write what is gathered, with p[0..len) after it (len may be 0). */
static int
sink_flush(struct sink *s, const char *p, size_t len)
{
	struct iovec iov[2] = { { s->pend, s->plen }, { (void *)p, len } };
	int r;

	if (s->plen == 0 && len == 0)
		return 0;
	r = s->plen == 0 ? conn_write(s->conn, p, len) : conn_writev(s->conn, iov, 2);
	if (r < 0)
		return r;
	if (s->pbody + len > 0) {
		s->sent += s->pbody + len;
		s->chunks++;
		sink_progress(s);
	}
	s->plen = s->pbody = 0;
	return 0;
}

/* Queue the response head: it goes out with the first body bytes. */
static void
sink_head(struct sink *s, const char *head, size_t len)
{
	memcpy(s->pend, head, len);	/* len < sizeof(head) < SINK_BUF */
	s->plen = len;
}

/* Send len bytes of body, in --delay pieces, framed as chunks if asked.
 * src: where the bytes also lie in a file (zipstream.h), or NULL. */
static int
sink_send(struct sink *s, const char *p, size_t len, const struct zipstream_src *src)
{
	size_t done;
	int r;

	if (!s->chunked && !s->cfg->delay) {
		if (len < SINK_PIECE) {
			if (s->plen + len > SINK_BUF && (r = sink_flush(s, NULL, 0)) < 0)
				return r;
			memcpy(s->pend + s->plen, p, len);
			s->plen += len;
			s->pbody += len;
			return 0;
		}
		if (src == NULL || s->no_sendfile)
			return sink_flush(s, p, len);
		if ((r = sink_flush(s, NULL, 0)) < 0)
			return r;
		r = conn_sendfile(s->conn, src->fd, src->off, len, &done);
		s->sent += done;
		if (r == -EOPNOTSUPP) {	/* e.g. O_APPEND: write(2) from p */
			s->no_sendfile = 1;
			return sink_flush(s, p, len);
		}
		if (r == 0) {
			s->chunks++;
			sink_progress(s);
		}
		return r;
	}
	if ((r = sink_flush(s, NULL, 0)) < 0)
		return r;
	while (len > 0) {
		/* --delay: small pieces, a second apart, so that a download of
		 * even a small album is slow enough to watch or interrupt */
		size_t n = s->cfg->delay && len > DELAY_CHUNK ? DELAY_CHUNK : len;

		if (s->cfg->delay && s->chunks > 0) {
			struct timespec one = { .tv_sec = 1 };

			while (nanosleep(&one, &one) < 0 && errno == EINTR)
				;
		}
		if (s->chunked) {
			char size[24];
			struct iovec iov[3] = {
				{ size, (size_t)snprintf(size, sizeof(size), "%zx\r\n", n) },
				{ (void *)p, n },
				{ (void *)"\r\n", 2 },
			};

			r = conn_writev(s->conn, iov, 3);
		} else {
			r = conn_write(s->conn, p, n);
		}
		if (r < 0)
			return r;
		s->sent += n;
		s->chunks++;
		p += n;
		len -= n;
		sink_progress(s);
	}
	return 0;
}

/* The archive as libarchive packs it: send the part asked for. Bytes
 * before the range are packed (the CRCs in the headers after them need
 * them) but not sent; once the range is sent, stop packing. */
static int
sink_write(void *ctx, const void *buf, size_t len, const struct zipstream_src *src)
{
	struct sink *s = ctx;
	uint64_t start = s->pos, end = s->pos + len, from, to;
	struct zipstream_src part;

	s->pos = end;
	if (start > s->last)
		return -ECANCELED;	/* done: zipstream_write() stops here */
	if (end <= s->first)
		return 0;
	from = start < s->first ? s->first : start;
	to = end - 1 < s->last ? end : s->last + 1;
	/* Never send more than Content-Length announced. */
	if (s->total != RESPONSE_NO_LENGTH && to - from > s->total - s->sent - s->pbody)
		return -EOVERFLOW;
	if (src != NULL) {
		part.fd = src->fd;
		part.off = src->off + (from - start);
		src = &part;
	}
	return sink_send(s, (const char *)buf + (from - start), (size_t)(to - from), src);
}

/* A file name for the log: control bytes, backslashes and, in a name that
 * is not UTF-8, every byte >= 0x80 as \xHH, so the line is always text. */
static void
printable(const char *in, char *out, size_t size)
{
	int utf8 = path_utf8_valid(in, strlen(in));
	size_t o = 0;

	for (; *in != '\0' && o + 5 < size; in++) {
		unsigned char ch = (unsigned char)*in;

		if (ch < 0x20 || ch == 0x7f || ch == '\\' || (ch >= 0x80 && !utf8))
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", ch);
		else
			out[o++] = (char)ch;
	}
	out[o] = '\0';
	/* a log line is at most 1 KiB: keep both ends of a long path */
	if (o > 300 && size > 300) {
		memmove(out + 140, out + o - 140, 141);
		memcpy(out + 137, "...", 3);
	}
}

static int
client_gone(int err)
{
	return err == -EPIPE || err == -ECONNRESET || err == -ETIMEDOUT;
}

/* Answer GET/HEAD /archive/<hash>/. Fills lr; returns the exit status. */
static int
serve_archive(const struct conn *c, const struct config *cfg, const struct http_request *req,
    const char *hash, int head_only, struct log_request *lr)
{
	/* lr keeps pointers to errbuf and range until the request is logged,
	 * after we return: static (one request per process) */
	static char errbuf[4 * ALBUM_PATH_MAX + HASH_MAX + 256], range[80];
	char err_path[ALBUM_PATH_MAX + 1] = "", head[2048], extra[1024];
	char etag[CACHE_ETAG_MAX], lastmod[CACHE_DATE_MAX];
	char shown[4 * ALBUM_PATH_MAX + 1];
	uint64_t total, first = 0, last = 0;
	int code, n;
	struct album album = { .fd = -1 };
	static char pend[SINK_BUF];
	struct sink s = { .conn = c, .cfg = cfg, .hash = hash, .pend = pend };
	int root = -1, fd, r, hlen, status = EXIT_ANSWERED;
	long failed = -1;

	root = open(cfg->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0) {
		snprintf(errbuf, sizeof(errbuf), "storage path %s: %s", cfg->path, strerror(errno));
		lr->error = errbuf;
		goto server_error;
	}
	r = album_open(root, hash, &fd);
	if (r == -ENOENT) {
		lr->status = 404;
		response_error(c, 404, head_only);
		goto out;
	}
	if (r < 0) {
		snprintf(errbuf, sizeof(errbuf), "album %s: %s", hash, strerror(-r));
		lr->error = errbuf;
		goto server_error;
	}
	r = album_scan(fd, &album, err_path, sizeof(err_path));
	lr->files = album.files;
	if (r < 0) {
		const char *why = strerror(-r);

		if (r == -E2BIG)
			why = "more entries than the limit";
		else if (r == -ELOOP)
			why = "folders nested deeper than the limit";
		else if (r == -ENAMETOOLONG)
			why = "path longer than the limit";
		else if (r == -EILSEQ)
			why = "name is not valid UTF-8 or has control characters";
		printable(err_path, shown, sizeof(shown));
		snprintf(errbuf, sizeof(errbuf), "cannot read %s/%s: %s", hash, shown, why);
		lr->error = errbuf;
		goto server_error;
	}

	/* What to send: RFC 9110 validators, conditionals and ranges. */
	cache_etag(&album, cfg->deflate ? "deflate" : "store", cfg->etag, etag);
	cache_format_date(cache_last_modified(&album, cfg->etag), lastmod);
	total = cfg->deflate ? RESPONSE_NO_LENGTH : zipstream_size(&album);
	code = cache_decide(req, head_only, etag, cache_last_modified(&album, cfg->etag), total,
	    !cfg->deflate, &first, &last);
	lr->status = code;
	if (code == 412 || code == 416) {
		if (code == 416)
			snprintf(extra, sizeof(extra), "ETag: %s\r\nContent-Range: bytes */%" PRIu64
			    "\r\n", etag, total);
		r = response_error_extra(c, code, head_only, code == 416 ? extra : NULL);
		if (r < 0) {
			lr->interrupted = 1;
			lr->error = strerror(-r);
		}
		goto out;
	}
	n = snprintf(extra, sizeof(extra),
	    "Content-Disposition: attachment; filename=\"%s.zip\"; filename*=UTF-8''%s.zip\r\n"
	    "ETag: %s\r\n"
	    "Last-Modified: %s\r\n"
	    "Accept-Ranges: %s\r\n",
	    hash, hash, etag, lastmod, cfg->deflate ? "none" : "bytes");

	s.first = 0;
	s.last = UINT64_MAX;
	s.total = total;
	if (code == 206) {
		s.first = first;
		s.last = last;
		s.total = last - first + 1;
		snprintf(range, sizeof(range), "%" PRIu64 "-%" PRIu64 "/%" PRIu64, first, last, total);
		lr->range = range;
		snprintf(extra + n, sizeof(extra) - (size_t)n,
		    "Content-Range: bytes %s\r\n", range);
	} else if (cfg->deflate && req->minor_version == 1 && code == 200) {
		/* length unknown: chunks, so that a cut is still detectable */
		s.chunked = 1;
		snprintf(extra + n, sizeof(extra) - (size_t)n, "Transfer-Encoding: chunked\r\n");
	}
	lr->content_length = s.total == RESPONSE_NO_LENGTH || code == 304 ? 0 : s.total;
	lr->length_unknown = s.total == RESPONSE_NO_LENGTH && code != 304;
	hlen = response_head(head, sizeof(head), code, "application/zip", s.total, extra);
	if (hlen < 0) {
		lr->error = "response head too long";
		goto server_error;
	}
	if (head_only || code == 304) {
		r = conn_write(c, head, (size_t)hlen);
		if (r < 0) {
			lr->interrupted = 1;
			lr->error = strerror(-r);
		}
		goto out;
	}

	/* libarchive is loaded only for a body (zipstream.c): its failure is
	 * still a 500 */
	if ((r = zipstream_load(extra, sizeof(extra))) < 0) {
		snprintf(errbuf, sizeof(errbuf), "cannot load libarchive: %s", extra);
		lr->error = errbuf;
		goto server_error;
	}

	/* From here on the status line counts as sent (it goes out with the
	 * first body bytes): a failure can only show as a body shorter than
	 * Content-Length (or a missing last chunk), so the client knows it is
	 * broken. What is gathered is sent also after a failure: those bytes
	 * are right, only the rest is missing. */
	sink_head(&s, head, (size_t)hlen);
	r = zipstream_write(&album, cfg->deflate, sink_write, &s, &failed);
	if (r == -ECANCELED && failed < 0)
		r = 0;		/* the range is sent */
	if (!client_gone(r)) {
		int fr = sink_flush(&s, NULL, 0);

		if (r == 0)
			r = fr;
	}
	if (r == 0 && s.chunked)
		r = conn_write(c, "0\r\n\r\n", 5);
	lr->bytes_sent = s.sent;
	if (r < 0) {
		lr->interrupted = 1;
		if (failed >= 0) {
			snprintf(errbuf, sizeof(errbuf), "%s/%s: %s", hash,
			    album.entries[failed].path,
			    r == -ESTALE ? "file changed while being sent" : strerror(-r));
			lr->error = errbuf;
			status = EXIT_SERVER;
		} else if (client_gone(r)) {
			lr->error = r == -ETIMEDOUT ? "send timeout" : strerror(-r);
		} else {
			snprintf(errbuf, sizeof(errbuf), "archive writer: %s", strerror(-r));
			lr->error = errbuf;
			status = EXIT_SERVER;
		}
		if (status == EXIT_SERVER)
			lr->status = 500;	/* for the log: the 200 was a lie */
	} else if (s.total != RESPONSE_NO_LENGTH && s.sent != s.total) {
		/* the size formula no longer matches libarchive: a bug */
		snprintf(errbuf, sizeof(errbuf), "sent %" PRIu64 " bytes, announced %" PRIu64,
		    s.sent, s.total);
		lr->error = errbuf;
		lr->interrupted = 1;
		lr->status = 500;
		status = EXIT_SERVER;
	}
	goto out;

server_error:
	lr->status = 500;
	response_error(c, 500, head_only);
	status = EXIT_SERVER;
out:
	album_free(&album);
	if (root >= 0)
		close(root);
	return status;
}

int
main(int argc, char **argv)
{
	static char buf[HEAD_MAX];
	char cfgerr[256] = "", remote[64], client[64], method[METHOD_MAX + 1] = "", target[TARGET_MAX + 1] = "";
	char hash[HASH_MAX + 1];
	struct http_request req;
	struct log_request lr = { 0 };
	struct config cfg;
	struct conn c;
	/* secret: wiped as soon as the link is checked (link_keys_wipe) */
	static struct link_keys keys;
	uint64_t start = now_usec();
	int r, head_only = 0, status = EXIT_ANSWERED, cfgr, signed_links = 0;

	signal(SIGPIPE, SIG_IGN);	/* xinetd resets it; EPIPE is "client gone" */
	zipstream_init();

	if (conn_init(&c) < 0) {
		log_init(NULL);
		log_msg(LOG_ERR, "no connection on fd 0/1");
		return EXIT_SERVER;
	}
	log_init(&c);
	cfgr = config_parse(argc, argv, &cfg, cfgerr, sizeof(cfgerr));
	if (cfgr > 0)
		return EXIT_ANSWERED;
	if (cfgr < 0 && !c.is_socket) {
		log_msg(LOG_ERR, "%s (try --help)", cfgerr);
		return EXIT_USAGE;
	}
	if (cfgr == 0) {
		r = config_keys(&cfg, &keys, cfgerr, sizeof(cfgerr));
		if (r < 0 && !c.is_socket) {
			log_msg(LOG_ERR, "%s", cfgerr);
			return EXIT_USAGE;
		}
		if (r < 0)
			cfgr = r;
		signed_links = r > 0;
	}
	if (cfgr == 0 && cfg.sign != NULL) {
		status = sign_link(&cfg, &keys, signed_links);
		link_keys_wipe(&keys);
		return status;
	}

	conn_peer(&c, remote, sizeof(remote));
	lr.remote = remote;
	lr.minor_version = 1;

	r = conn_read_head(&c, buf, sizeof(buf),
	    (cfgr < 0 ? REQUEST_TIMEOUT_SEC : cfg.request_timeout) * 1000, &req);
	if (r > 0) {
		memcpy(method, req.method, req.method_len);
		method[req.method_len] = '\0';
		memcpy(target, req.target, req.target_len);
		target[req.target_len] = '\0';
		lr.method = method;
		lr.target = target;
		lr.minor_version = req.minor_version;
		head_only = strcmp(method, "HEAD") == 0;
	}

	if (cfgr < 0) {
		/* misconfigured: the client gets a 500, the log says why */
		log_msg(LOG_ERR, "%s", cfgerr);
		lr.status = 500;
		lr.error = cfgerr;
		response_error(&c, 500, head_only);
		status = EXIT_USAGE;
		goto done;
	}
	if (r == 0) {
		/* connected and closed without a request: nothing to answer */
		lr.error = "no request";
		goto done;
	}
	if (r < 0) {
		lr.status = -r;
		lr.error = "malformed or incomplete request";
		response_error(&c, -r, 0);
		goto done;
	}
	conn_set_send_timeout(&c, cfg.send_timeout);
	/* behind a reverse proxy we trust: log the client it forwards for */
	if (proxy_client(remote, cfg.trusted_proxy, &req, client, sizeof(client))) {
		lr.remote = client;
		lr.proxy = remote;
	}
	if (cfg.logging)
		log_msg(LOG_INFO, "request from %s: %s %s", lr.remote, method, target);

	if (strcmp(method, "GET") != 0 && !head_only) {
		lr.status = 405;
		response_error(&c, 405, 0);
		goto done;
	}
	r = path_route(req.target, req.target_len, hash);
	if (r == -EINVAL) {
		lr.status = 400;
		lr.error = "malformed percent-encoding";
		response_error(&c, 400, head_only);
	} else if (r < 0) {
		lr.status = 404;
		response_error(&c, 404, head_only);
	} else if (r == ROUTE_INDEX) {
		const char *page = signed_links ? index_html_signed : index_html;
		char head[512];
		size_t blen = strlen(page);
		int hlen = response_head(head, sizeof(head), 200, "text/html; charset=utf-8",
		    blen, NULL);

		lr.status = 200;
		lr.content_length = blen;
		r = conn_write(&c, head, (size_t)hlen);
		if (r == 0 && !head_only) {
			r = conn_write(&c, page, blen);
			if (r == 0)
				lr.bytes_sent = blen;
		}
		if (r < 0) {
			lr.interrupted = 1;
			lr.error = strerror(-r);
		}
	} else {
		lr.hash = hash;
		/* A signed link is checked before the album is opened: the 403 is
		 * the same whether it exists or not, and whatever was wrong. */
		if (signed_links) {
			static char why[64];

			r = link_verify(&keys, hash, req.target, req.target_len, (int64_t)time(NULL));
			link_keys_wipe(&keys);
			if (r < 0) {
				lr.link_error = link_reason(r);
				snprintf(why, sizeof(why), "signed link: %s", lr.link_error);
				lr.error = why;
				lr.status = r == -EIO ? 500 : 403;
				response_error(&c, lr.status, head_only);
				if (r == -EIO)
					status = EXIT_SERVER;
				goto done;
			}
		}
		status = serve_archive(&c, &cfg, &req, hash, head_only, &lr);
	}

done:
	link_keys_wipe(&keys);
	if (!lr.interrupted || lr.status >= 500)
		conn_finish(&c);
	lr.duration_usec = now_usec() - start;
	log_request(&lr);
	return status;
}
