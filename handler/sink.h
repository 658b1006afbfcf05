/* sink: the body of a response on the connection: the part of the archive
 * asked for, gathered into few writes, framed (chunks, --delay), counted. */
#ifndef SINK_H
#define SINK_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "conn.h"
#include "zipstream.h"

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

/* Queue the response head (len < SINK_BUF): it goes out with the first
 * body bytes. */
void sink_head(struct sink *s, const char *head, size_t len);

/* Write what is gathered, with p[0..len) after it (len may be 0).
 * 0 or -errno from conn.c. */
int sink_flush(struct sink *s, const char *p, size_t len);

/* zipstream_sink for zipstream_write(): ctx is a struct sink. Sends the
 * bytes of [first, last] among the archive's; -ECANCELED once past last
 * (done), -EOVERFLOW if more than announced would go out, or -errno. */
int sink_write(void *ctx, const void *buf, size_t len, const struct zipstream_src *src);

#endif
