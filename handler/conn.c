/* conn: the client connection. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "conn.h"
#include "ah_limits.h"

int
conn_init(struct conn *c)
{
	struct stat st;
	int n;

	memset(c, 0, sizeof(*c));
	/* systemd without StandardInput=socket: the connection is fd 3 */
	n = sd_listen_fds(1);
	if (n >= 1) {
		c->in = c->out = SD_LISTEN_FDS_START;
	} else {
		c->in = 0;
		c->out = 1;
	}
	if (fstat(c->in, &st) < 0 || fstat(c->out, &st) < 0)
		return -EBADF;
	c->is_socket = S_ISSOCK(st.st_mode);
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	return 0;
}

int
conn_is_client(const struct conn *c, int fd)
{
	struct stat st;

	if (fd == c->in || fd == c->out)
		return 1;
	if (fstat(fd, &st) < 0)
		return 0;
	return st.st_dev == c->dev && st.st_ino == c->ino;
}

void
conn_set_send_timeout(const struct conn *c, int sec)
{
	struct timeval tv = { .tv_sec = sec };

	if (c->is_socket && sec > 0)
		(void)setsockopt(c->out, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
conn_read_head(const struct conn *c, char *buf, size_t cap, int timeout_ms,
    struct http_request *ret_req)
{
	long long deadline = now_ms() + timeout_ms;
	size_t len = 0;

	for (;;) {
		struct pollfd pfd = { .fd = c->in, .events = POLLIN };
		long long left = deadline - now_ms();
		ssize_t n;
		int r;

		if (left <= 0)
			return -408;
		r = poll(&pfd, 1, (int)left);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -500;
		}
		if (r == 0)
			return -408;
		n = read(c->in, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			if (errno == ECONNRESET && len == 0)
				return 0;
			return -400;
		}
		if (n == 0)
			return len == 0 ? 0 : -400;
		len += (size_t)n;
		r = http_parse_request(buf, len, ret_req);
		if (r != 0)
			return r;
		if (len == cap)
			return -431;
	}
}

int
conn_write(const struct conn *c, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(c->out, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return -ETIMEDOUT;	/* SO_SNDTIMEO passed */
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
conn_writev(const struct conn *c, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(c->out, iov, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return -ETIMEDOUT;
			return -errno;
		}
		/* drop what was written, keep the rest */
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

int
conn_sendfile(const struct conn *c, int fd, uint64_t off, size_t len, size_t *ret_done)
{
	off_t o = (off_t)off;
	size_t done = 0;

	while (done < len) {
		ssize_t n = sendfile(c->out, fd, &o, len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			*ret_done = done;
			if ((errno == EINVAL || errno == ENOSYS) && done == 0)
				return -EOPNOTSUPP;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return -ETIMEDOUT;	/* SO_SNDTIMEO passed */
			return -errno;
		}
		if (n == 0) {
			*ret_done = done;
			return -ENODATA;
		}
		done += (size_t)n;
	}
	*ret_done = done;
	return 0;
}

void
conn_finish(const struct conn *c)
{
	long long deadline;
	char buf[4096];

	if (!c->is_socket)
		return;
	if (shutdown(c->out, SHUT_WR) < 0)
		return;
	deadline = now_ms() + LINGER_MSEC;
	for (;;) {
		struct pollfd pfd = { .fd = c->in, .events = POLLIN };
		long long left = deadline - now_ms();

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return;
		if (read(c->in, buf, sizeof(buf)) <= 0)
			return;
	}
}

void
conn_peer(const struct conn *c, char *buf, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	const char *env;

	env = getenv("REMOTE_ADDR");
	if (env == NULL || *env == '\0')
		env = getenv("REMOTE_HOST");
	if (env != NULL && *env != '\0') {
		snprintf(buf, size, "%s", env);
		return;
	}
	snprintf(buf, size, "-");
	if (!c->is_socket || getpeername(c->in, (struct sockaddr *)&ss, &sl) < 0)
		return;
	if (ss.ss_family == AF_INET) {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, buf, (socklen_t)size);
	} else if (ss.ss_family == AF_INET6) {
		const struct in6_addr *a = &((struct sockaddr_in6 *)&ss)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a))
			inet_ntop(AF_INET, &a->s6_addr[12], buf, (socklen_t)size);
		else
			inet_ntop(AF_INET6, a, buf, (socklen_t)size);
	}
}
