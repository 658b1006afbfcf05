/* archive-handler: answer one HTTP request on stdin/stdout with a ZIP of a
 * photo album, packed while it is sent. Wires the modules together; the
 * only place that decides what is logged and the exit status. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ah_limits.h"
#include "config.h"
#include "conn.h"
#include "http.h"
#include "link.h"
#include "log.h"
#include "path.h"
#include "proxy.h"
#include "response.h"
#include "serve.h"
#include "zipstream.h"

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

static int
eq_method(const struct http_request *req, const char *m)
{
	return req->method_len == strlen(m) && memcmp(req->method, m, req->method_len) == 0;
}

/* A signed link is checked before the album is opened: the 403 is the
 * same whether the album exists or not, and whatever was wrong. Returns 0
 * for a good link; else answers (403, or 500 when no MAC could be made),
 * fills lr and returns the exit status plus 1. The keys are wiped. */
static int
link_refused(const struct conn *c, struct link_keys *keys, const char *hash,
    const struct http_request *req, int head_only, struct log_request *lr)
{
	static char why[64];
	int r;

	r = link_verify(keys, hash, req->target, req->target_len, (int64_t)time(NULL));
	link_keys_wipe(keys);
	if (r == 0)
		return 0;
	lr->link_error = link_reason(r);
	snprintf(why, sizeof(why), "signed link: %s", lr->link_error);
	lr->error = why;
	lr->status = r == -EIO ? 500 : 403;
	response_error(c, lr->status, head_only);
	return 1 + (r == -EIO ? EXIT_SERVER : EXIT_ANSWERED);
}

/* A valid request, to its answer; keys NULL when links are not signed.
 * Returns the exit status. */
static int
answer(const struct conn *c, const struct config *cfg, struct link_keys *keys,
    const struct http_request *req, int head_only, struct log_request *lr)
{
	static char hash[HASH_MAX + 1];	/* logged after we return */
	int r;

	if (!eq_method(req, "GET") && !head_only) {
		lr->status = 405;
		response_error(c, 405, 0);
		return EXIT_ANSWERED;
	}
	r = path_route(req->target, req->target_len, hash);
	if (r == -EINVAL) {
		lr->status = 400;
		lr->error = "malformed percent-encoding";
		response_error(c, 400, head_only);
		return EXIT_ANSWERED;
	}
	if (r < 0) {
		lr->status = 404;
		response_error(c, 404, head_only);
		return EXIT_ANSWERED;
	}
	if (r == ROUTE_INDEX)
		return serve_index(c, keys != NULL, head_only, lr);
	lr->hash = hash;
	if (keys != NULL && (r = link_refused(c, keys, hash, req, head_only, lr)) > 0)
		return r - 1;
	return serve_archive(c, cfg, req, hash, head_only, lr);
}

int
main(int argc, char **argv)
{
	static char buf[HEAD_MAX];
	char cfgerr[256] = "", remote[64], client[64], method[METHOD_MAX + 1] = "", target[TARGET_MAX + 1] = "";
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

	status = answer(&c, &cfg, signed_links ? &keys : NULL, &req, head_only, &lr);

done:
	link_keys_wipe(&keys);
	if (!lr.interrupted || lr.status >= 500)
		conn_finish(&c);
	lr.duration_usec = now_usec() - start;
	log_request(&lr);
	return status;
}
