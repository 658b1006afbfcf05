/* conn: every system call on the client connection.
 * The connection is fd 0 (requests) and fd 1 (responses), as inetd,
 * xinetd and systemd's StandardInput=socket hand it over, or fd 3 for both
 * when systemd passes it with LISTEN_FDS=1. fd 0/1 may also be a file or a
 * pipe: the request is then read from a file and the response written to
 * one. */
#ifndef CONN_H
#define CONN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "http.h"

struct conn {
	int in, out;
	int is_socket;		/* out is a socket: shutdown and linger apply */
	dev_t dev;		/* identity of out, to recognise it elsewhere */
	ino_t ino;
};

/* Find the connection. Returns 0, or -EBADF when fd 0/1 are not open. */
int conn_init(struct conn *c);

/* Is fd the client connection (same file as c->out)? 1 or 0. */
int conn_is_client(const struct conn *c, int fd);

/* Set the send timeout: a write that makes no progress for sec seconds
 * fails with -ETIMEDOUT. No-op unless the connection is a socket. */
void conn_set_send_timeout(const struct conn *c, int sec);

/* Read and parse one request head into buf (cap bytes: the head limit),
 * within timeout_ms counted from the call (an absolute deadline).
 * Returns the head length (> 0) and fills *ret_req; 0 when the client
 * closed or reset the connection before sending anything; or a negative
 * HTTP status to answer: -408 deadline passed, -431 head longer than cap,
 * -400 connection closed mid-head, or the parser's error (http.h). */
int conn_read_head(const struct conn *c, char *buf, size_t cap, int timeout_ms,
    struct http_request *ret_req);

/* Write all of buf. Returns 0, -EPIPE / -ECONNRESET when the client is
 * gone, -ETIMEDOUT when the send timeout passed, or another -errno. */
int conn_write(const struct conn *c, const void *buf, size_t len);

/* Write all of iov[0..n) (modified: what was written is dropped). Returns
 * as conn_write(). */
struct iovec;
int conn_writev(const struct conn *c, struct iovec *iov, int n);

/* Send len bytes of file fd from offset off with sendfile(2). Returns 0,
 * -EOPNOTSUPP if nothing was sent because the output cannot take
 * sendfile (e.g. a file opened with O_APPEND), -ENODATA with *ret_done
 * set if the file ended early (it shrank), or as conn_write(). *ret_done:
 * the bytes sent. */
int conn_sendfile(const struct conn *c, int fd, uint64_t off, size_t len, size_t *ret_done);

/* End the response: shut down our sending side and read what the client
 * still sends for at most LINGER_MSEC, so the response is not lost to a
 * RST (RFC 9112 section 9.6). No-op for files and pipes. */
void conn_finish(const struct conn *c);

/* The client's address as text ("-" if unknown): $REMOTE_ADDR (systemd),
 * $REMOTE_HOST (xinetd), else getpeername(). */
void conn_peer(const struct conn *c, char *buf, size_t size);

#endif
