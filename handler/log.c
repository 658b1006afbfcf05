/* log: journald with fields, stderr, or syslog; never the client. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

static void
vlog(int prio, const char *msgid, const char *fmt, va_list ap)
{
	char line[2048];

	vsnprintf(line, sizeof(line), fmt, ap);
	switch (sink) {
	case SINK_JOURNAL:
		if (msgid != NULL)
			sd_journal_send("MESSAGE=%s", line, "PRIORITY=%d", prio,
			    "MESSAGE_ID=%s", msgid,
			    "SYSLOG_IDENTIFIER=archive-handler", NULL);
		else
			sd_journal_send("MESSAGE=%s", line, "PRIORITY=%d", prio,
			    "SYSLOG_IDENTIFIER=archive-handler", NULL);
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
	vlog(prio, NULL, fmt, ap);
	va_end(ap);
}

static const char *
request_id(const struct log_request *r)
{
	if (r->interrupted)
		return r->status >= 500 ? LOG_ID_SERVER_ERROR : LOG_ID_INTERRUPTED;
	if (r->status == 404)
		return LOG_ID_NOT_FOUND;
	if (r->status >= 500)
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
	char method[40], target[256], line[1024];
	const char *what;
	int prio;

	clean(method, sizeof(method), r->method);
	clean(target, sizeof(target), r->target);
	if (r->interrupted)
		what = "download interrupted";
	else if (r->status >= 500)
		what = "server error";
	else if (r->status >= 400 || r->status == 0)
		what = "refused";
	else
		what = "completed";
	prio = r->status >= 500 ? LOG_ERR : r->interrupted ? LOG_WARNING : LOG_INFO;

	snprintf(line, sizeof(line),
	    "%s \"%s %s HTTP/1.%d\" %d %" PRIu64 "/%" PRIu64 " %s%s%s files=%" PRIu64
	    " %" PRIu64 "ms%s%s",
	    r->remote, method, target, r->minor_version, r->status,
	    r->bytes_sent, r->content_length, what,
	    r->hash ? " hash=" : "", r->hash ? r->hash : "", r->files,
	    r->duration_usec / 1000, r->error ? ": " : "", r->error ? r->error : "");

	if (sink != SINK_JOURNAL) {
		log_msg(prio, "%s", line);
		return;
	}
	sd_journal_send("MESSAGE=%s", line,
	    "PRIORITY=%d", prio,
	    "MESSAGE_ID=%s", request_id(r),
	    "SYSLOG_IDENTIFIER=archive-handler",
	    "REMOTE_ADDR=%s", r->remote,
	    "HTTP_METHOD=%s", method,
	    "HTTP_TARGET=%s", target,
	    "HTTP_STATUS=%d", r->status,
	    "ARCHIVE_HASH=%s", r->hash ? r->hash : "",
	    "ARCHIVE_FILES=%" PRIu64, r->files,
	    "CONTENT_LENGTH=%" PRIu64, r->content_length,
	    "BYTES_SENT=%" PRIu64, r->bytes_sent,
	    "DURATION_USEC=%" PRIu64, r->duration_usec,
	    "ARCHIVE_ERROR=%s", r->error ? r->error : "",
	    NULL);
}
