/* serve: the answers to a routed request: an album's archive, the index
 * page. Each fills the request's log record and returns the exit status. */
#ifndef SERVE_H
#define SERVE_H

#include "config.h"
#include "conn.h"
#include "http.h"
#include "log.h"

/* Exit status: 0 the request was answered (whatever the status, also when
 * the client went away), 1 the server failed (500 sent, or a download cut
 * short by a server-side error), 2 usage or configuration error. */
enum { EXIT_ANSWERED = 0, EXIT_SERVER = 1, EXIT_USAGE = 2 };

/* Answer GET/HEAD /archive/<hash>/ (hash checked by path_route()):
 * 404, 304, 412, 416, 200 or 206 with the archive, 500. Fills lr (which
 * may keep pointers to static buffers of this module until logged);
 * returns EXIT_ANSWERED or EXIT_SERVER. */
int serve_archive(const struct conn *c, const struct config *cfg, const struct http_request *req,
    const char *hash, int head_only, struct log_request *lr);

/* Answer GET/HEAD / with the test page (the one for signed links if
 * signed_links). Fills lr; returns EXIT_ANSWERED. */
int serve_index(const struct conn *c, int signed_links, int head_only, struct log_request *lr);

#endif
