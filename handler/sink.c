/* sink: send the part of the archive asked for, framed, in few writes. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>

#include "ah_limits.h"
#include "log.h"
#include "response.h"
#include "sink.h"

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

int
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

void
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
int
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
