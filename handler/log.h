/* log: where diagnostics go. Never to the client: under inetd and xinetd
 * fd 2 is the connection, and a log line would end up inside a download.
 *   - stderr is the journal ($JOURNAL_STREAM matches fstat(2)): journald,
 *     with structured fields (sd_journal_send);
 *   - stderr is something else that is not the client (a terminal, a file,
 *     a pipe): plain lines on stderr;
 *   - otherwise the journal if its socket exists, else syslog(3). */
#ifndef LOG_H
#define LOG_H

#include <stdint.h>
#include <syslog.h>

#include "conn.h"

/* Stable MESSAGE_IDs, one per kind of request outcome (journalctl
 * MESSAGE_ID=...). Never change them: operators filter on them. */
#define LOG_ID_COMPLETED	"5b3bba1e0c5d4f2c9f6bfa2f0c0d4a71"
#define LOG_ID_INTERRUPTED	"8f6d0c3a4b0e4e4f9d4fd1c1a2b7e6c2"
#define LOG_ID_NOT_FOUND	"1c9e2f4b7a6d4c1e8b3a5d7f9e0c2b43"
#define LOG_ID_BAD_REQUEST	"e4a7c1d9b2f84a6c9e1d3b5f7a9c0e28"
#define LOG_ID_SERVER_ERROR	"a2d4f6b8c0e24d6f8a1c3e5b7d9f1a30"

/* Decide where logging goes; c may be NULL before the connection is known. */
void log_init(const struct conn *c);

/* One free-form line. prio is a syslog priority. */
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The one entry that ends every request. */
struct log_request {
	const char *remote;	/* client address */
	const char *proxy;	/* the trusted proxy it came through, or NULL */
	const char *method;	/* may be NULL when the request line was bad */
	const char *target;	/* as received, may be NULL */
	int minor_version;
	const char *hash;	/* album, or NULL */
	int status;		/* HTTP status sent, 0 if none */
	uint64_t files;
	uint64_t content_length;
	int length_unknown;	/* chunked or until close: no Content-Length */
	const char *range;	/* "first-last/total" of a 206, or NULL */
	uint64_t bytes_sent;	/* body bytes */
	uint64_t duration_usec;
	const char *error;	/* what went wrong, or NULL */
	const char *link_error;	/* why a signed link was refused, or NULL */
	int interrupted;	/* the body could not be completed */
};

void log_request(const struct log_request *r);

#endif
