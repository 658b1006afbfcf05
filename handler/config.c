/* config: command line and environment into struct config, the link keys. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ah_limits.h"
#include "config.h"
#include "proxy.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0"
#endif

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
int
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
int
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
