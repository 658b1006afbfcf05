/* log: journald with fields, stderr, or syslog; never the client. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "log.h"

enum sink { SINK_NONE, SINK_STDERR, SINK_JOURNAL, SINK_SYSLOG };

static enum sink sink = SINK_STDERR;

static int
stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (e == NULL || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
		return 0;
	if (fstat(2, &st) < 0)
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void
log_init(const struct conn *c)
{
	struct stat st;

	if (stderr_is_journal())
		sink = SINK_JOURNAL;
	else if (fstat(2, &st) == 0 && (c == NULL || !conn_is_client(c, 2)))
		sink = SINK_STDERR;
	else if (access("/run/systemd/journal/socket", W_OK) == 0)
		sink = SINK_JOURNAL;
	else {
		openlog("archive-handler", LOG_PID, LOG_DAEMON);
		sink = SINK_SYSLOG;
	}
}

/* The journal refused an entry: keep the line if stderr can take it. */
static void
journal_failed(int prio, const char *line)
{
	if (stderr_is_journal())
		fprintf(stderr, "<%d>%s\n", prio, line);
}

static void __attribute__((format(printf, 2, 0)))
vlog(int prio, const char *fmt, va_list ap)
{
	char line[2048];

	vsnprintf(line, sizeof(line), fmt, ap);
	switch (sink) {
	case SINK_JOURNAL:
		if (sd_journal_send("MESSAGE=%s", line, "PRIORITY=%d", prio,
		    "SYSLOG_IDENTIFIER=archive-handler", NULL) < 0)
			journal_failed(prio, line);
		break;
	case SINK_SYSLOG:
		syslog(prio, "%s", line);
		break;
	case SINK_STDERR:
		fprintf(stderr, "archive-handler[%ld]: %s\n", (long)getpid(), line);
		break;
	case SINK_NONE:
		break;
	}
}

void
log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(prio, fmt, ap);
	va_end(ap);
}

static const char *
request_id(const struct log_request *r)
{
	if (r->interrupted)
		return r->status == 500 ? LOG_ID_SERVER_ERROR : LOG_ID_INTERRUPTED;
	if (r->status == 404)
		return LOG_ID_NOT_FOUND;
	if (r->status == 500)
		return LOG_ID_SERVER_ERROR;
	if (r->status >= 400 || r->status == 0)
		return LOG_ID_BAD_REQUEST;
	return LOG_ID_COMPLETED;
}

/* Log-safe copy of client-supplied text: no control bytes, bounded. */
static void
clean(char *dst, size_t size, const char *src)
{
	size_t i = 0;

	for (; src != NULL && *src != '\0' && i + 1 < size; src++)
		dst[i++] = ((unsigned char)*src < 0x20 || *src == 0x7f || *src == '"') ? '?' : *src;
	dst[i] = '\0';
	if (i == 0 && size > 1) {
		dst[0] = '-';
		dst[1] = '\0';
	}
}

void
log_request(const struct log_request *r)
{
	char method[40], target[256], line[1024], length[24];
	const char *what;
	int prio;

	clean(method, sizeof(method), r->method);
	clean(target, sizeof(target), r->target);
	if (r->interrupted)
		what = "download interrupted";
	else if (r->status == 500)
		what = "server error";	/* ours; a 505 is the client's */
	else if (r->status >= 400 || r->status == 0)
		what = "refused";
	else
		what = "completed";
	prio = r->status == 500 ? LOG_ERR : r->interrupted ? LOG_WARNING : LOG_INFO;

	if (r->length_unknown)
		snprintf(length, sizeof(length), "-");
	else
		snprintf(length, sizeof(length), "%" PRIu64, r->content_length);
	snprintf(line, sizeof(line),
	    "%s \"%s %s HTTP/1.%d\" %d %" PRIu64 "/%s %s%s%s%s%s files=%" PRIu64
	    " %" PRIu64 "ms%s%s%s%s",
	    r->remote, method, target, r->minor_version, r->status,
	    r->bytes_sent, length, what,
	    r->hash ? " hash=" : "", r->hash ? r->hash : "",
	    r->range ? " range=" : "", r->range ? r->range : "", r->files,
	    r->duration_usec / 1000,
	    r->proxy ? " via " : "", r->proxy ? r->proxy : "",
	    r->error ? ": " : "", r->error ? r->error : "");

	if (sink != SINK_JOURNAL) {
		log_msg(prio, "%s", line);
		return;
	}

	/* One entry with fields to filter on; fields without a value are left out. */
	char msg[sizeof(line) + 8], f[20][300];
	struct iovec iov[20];
	int n = 0;

#define FIELD(...) do { \
		int l_ = snprintf(f[n], sizeof(f[n]), __VA_ARGS__); \
		iov[n].iov_base = f[n]; \
		iov[n].iov_len = l_ < (int)sizeof(f[n]) ? (size_t)l_ : sizeof(f[n]) - 1; \
		n++; \
	} while (0)
	snprintf(msg, sizeof(msg), "MESSAGE=%s", line);
	iov[n].iov_base = msg;
	iov[n++].iov_len = strlen(msg);
	FIELD("PRIORITY=%d", prio);
	FIELD("MESSAGE_ID=%s", request_id(r));
	FIELD("SYSLOG_IDENTIFIER=archive-handler");
	FIELD("REMOTE_ADDR=%s", r->remote);
	if (r->proxy != NULL)
		FIELD("PROXY_ADDR=%s", r->proxy);
	if (r->method != NULL)
		FIELD("HTTP_METHOD=%s", method);
	if (r->target != NULL)
		FIELD("HTTP_TARGET=%s", target);
	if (r->status != 0)
		FIELD("HTTP_STATUS=%d", r->status);
	if (r->hash != NULL) {
		FIELD("ARCHIVE_HASH=%s", r->hash);
		FIELD("ARCHIVE_FILES=%" PRIu64, r->files);
	}
	if (r->range != NULL)
		FIELD("CONTENT_RANGE=bytes %s", r->range);
	if (r->status != 0) {
		if (!r->length_unknown)
			FIELD("CONTENT_LENGTH=%" PRIu64, r->content_length);
		FIELD("BYTES_SENT=%" PRIu64, r->bytes_sent);
	}
	FIELD("DURATION_USEC=%" PRIu64, r->duration_usec);
	if (r->error != NULL)
		FIELD("ARCHIVE_ERROR=%.280s", r->error);
	if (r->link_error != NULL)
		FIELD("LINK_ERROR=%s", r->link_error);
#undef FIELD
	if (sd_journal_sendv(iov, n) < 0)
		journal_failed(prio, line);
}
