/* serve: an album's archive (validators, ranges, the body), the index page. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ah_limits.h"
#include "album.h"
#include "cache.h"
#include "index.h"
#include "path.h"
#include "response.h"
#include "serve.h"
#include "sink.h"
#include "zipstream.h"

/* A file name for the log: control bytes, backslashes and, in a name that
 * is not UTF-8, every byte >= 0x80 as \xHH, so the line is always text. */
static void
printable(const char *in, char *out, size_t size)
{
	int utf8 = path_utf8_valid(in, strlen(in));
	size_t o = 0;

	for (; *in != '\0' && o + 5 < size; in++) {
		unsigned char ch = (unsigned char)*in;

		if (ch < 0x20 || ch == 0x7f || ch == '\\' || (ch >= 0x80 && !utf8))
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", ch);
		else
			out[o++] = (char)ch;
	}
	out[o] = '\0';
	/* a log line is at most 1 KiB: keep both ends of a long path */
	if (o > 300 && size > 300) {
		memmove(out + 140, out + o - 140, 141);
		memcpy(out + 137, "...", 3);
	}
}

static int
client_gone(int err)
{
	return err == -EPIPE || err == -ECONNRESET || err == -ETIMEDOUT;
}

int
serve_archive(const struct conn *c, const struct config *cfg, const struct http_request *req,
    const char *hash, int head_only, struct log_request *lr)
{
	/* lr keeps pointers to errbuf and range until the request is logged,
	 * after we return: static (one request per process) */
	static char errbuf[4 * ALBUM_PATH_MAX + HASH_MAX + 256], range[80];
	char err_path[ALBUM_PATH_MAX + 1] = "", head[2048], extra[1024];
	char etag[CACHE_ETAG_MAX], lastmod[CACHE_DATE_MAX];
	char shown[4 * ALBUM_PATH_MAX + 1];
	uint64_t total, first = 0, last = 0;
	int code, n;
	struct album album = { .fd = -1 };
	static char pend[SINK_BUF];
	struct sink s = { .conn = c, .cfg = cfg, .hash = hash, .pend = pend };
	int root = -1, fd, r, hlen, status = EXIT_ANSWERED;
	long failed = -1;

	root = open(cfg->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0) {
		snprintf(errbuf, sizeof(errbuf), "storage path %s: %s", cfg->path, strerror(errno));
		lr->error = errbuf;
		goto server_error;
	}
	r = album_open(root, hash, &fd);
	if (r == -ENOENT) {
		lr->status = 404;
		response_error(c, 404, head_only);
		goto out;
	}
	if (r < 0) {
		snprintf(errbuf, sizeof(errbuf), "album %s: %s", hash, strerror(-r));
		lr->error = errbuf;
		goto server_error;
	}
	r = album_scan(fd, &album, err_path, sizeof(err_path));
	lr->files = album.files;
	if (r < 0) {
		const char *why = strerror(-r);

		if (r == -E2BIG)
			why = "more entries than the limit";
		else if (r == -ELOOP)
			why = "folders nested deeper than the limit";
		else if (r == -ENAMETOOLONG)
			why = "path longer than the limit";
		else if (r == -EILSEQ)
			why = "name is not valid UTF-8 or has control characters";
		printable(err_path, shown, sizeof(shown));
		snprintf(errbuf, sizeof(errbuf), "cannot read %s/%s: %s", hash, shown, why);
		lr->error = errbuf;
		goto server_error;
	}

	/* What to send: RFC 9110 validators, conditionals and ranges. */
	cache_etag(&album, cfg->deflate ? "deflate" : "store", cfg->etag, etag);
	cache_format_date(cache_last_modified(&album, cfg->etag), lastmod);
	total = cfg->deflate ? RESPONSE_NO_LENGTH : zipstream_size(&album);
	code = cache_decide(req, head_only, etag, cache_last_modified(&album, cfg->etag), total,
	    !cfg->deflate, &first, &last);
	lr->status = code;
	if (code == 412 || code == 416) {
		if (code == 416)
			snprintf(extra, sizeof(extra), "ETag: %s\r\nContent-Range: bytes */%" PRIu64
			    "\r\n", etag, total);
		r = response_error_extra(c, code, head_only, code == 416 ? extra : NULL);
		if (r < 0) {
			lr->interrupted = 1;
			lr->error = strerror(-r);
		}
		goto out;
	}
	n = snprintf(extra, sizeof(extra),
	    "Content-Disposition: attachment; filename=\"%s.zip\"; filename*=UTF-8''%s.zip\r\n"
	    "ETag: %s\r\n"
	    "Last-Modified: %s\r\n"
	    "Accept-Ranges: %s\r\n",
	    hash, hash, etag, lastmod, cfg->deflate ? "none" : "bytes");

	s.first = 0;
	s.last = UINT64_MAX;
	s.total = total;
	if (code == 206) {
		s.first = first;
		s.last = last;
		s.total = last - first + 1;
		snprintf(range, sizeof(range), "%" PRIu64 "-%" PRIu64 "/%" PRIu64, first, last, total);
		lr->range = range;
		snprintf(extra + n, sizeof(extra) - (size_t)n,
		    "Content-Range: bytes %s\r\n", range);
	} else if (cfg->deflate && req->minor_version == 1 && code == 200) {
		/* length unknown: chunks, so that a cut is still detectable */
		s.chunked = 1;
		snprintf(extra + n, sizeof(extra) - (size_t)n, "Transfer-Encoding: chunked\r\n");
	}
	lr->content_length = s.total == RESPONSE_NO_LENGTH || code == 304 ? 0 : s.total;
	lr->length_unknown = s.total == RESPONSE_NO_LENGTH && code != 304;
	hlen = response_head(head, sizeof(head), code, "application/zip", s.total, extra);
	if (hlen < 0) {
		lr->error = "response head too long";
		goto server_error;
	}
	if (head_only || code == 304) {
		r = conn_write(c, head, (size_t)hlen);
		if (r < 0) {
			lr->interrupted = 1;
			lr->error = strerror(-r);
		}
		goto out;
	}

	/* libarchive is loaded only for a body (zipstream.c): its failure is
	 * still a 500 */
	if ((r = zipstream_load(extra, sizeof(extra))) < 0) {
		snprintf(errbuf, sizeof(errbuf), "cannot load libarchive: %s", extra);
		lr->error = errbuf;
		goto server_error;
	}

	/* From here on the status line counts as sent (it goes out with the
	 * first body bytes): a failure can only show as a body shorter than
	 * Content-Length (or a missing last chunk), so the client knows it is
	 * broken. What is gathered is sent also after a failure: those bytes
	 * are right, only the rest is missing. */
	sink_head(&s, head, (size_t)hlen);
	r = zipstream_write(&album, cfg->deflate, sink_write, &s, &failed);
	if (r == -ECANCELED && failed < 0)
		r = 0;		/* the range is sent */
	if (!client_gone(r)) {
		int fr = sink_flush(&s, NULL, 0);

		if (r == 0)
			r = fr;
	}
	if (r == 0 && s.chunked)
		r = conn_write(c, "0\r\n\r\n", 5);
	lr->bytes_sent = s.sent;
	if (r < 0) {
		lr->interrupted = 1;
		if (failed >= 0) {
			snprintf(errbuf, sizeof(errbuf), "%s/%s: %s", hash,
			    album.entries[failed].path,
			    r == -ESTALE ? "file changed while being sent" : strerror(-r));
			lr->error = errbuf;
			status = EXIT_SERVER;
		} else if (client_gone(r)) {
			lr->error = r == -ETIMEDOUT ? "send timeout" : strerror(-r);
		} else {
			snprintf(errbuf, sizeof(errbuf), "archive writer: %s", strerror(-r));
			lr->error = errbuf;
			status = EXIT_SERVER;
		}
		if (status == EXIT_SERVER)
			lr->status = 500;	/* for the log: the 200 was a lie */
	} else if (s.total != RESPONSE_NO_LENGTH && s.sent != s.total) {
		/* the size formula no longer matches libarchive: a bug */
		snprintf(errbuf, sizeof(errbuf), "sent %" PRIu64 " bytes, announced %" PRIu64,
		    s.sent, s.total);
		lr->error = errbuf;
		lr->interrupted = 1;
		lr->status = 500;
		status = EXIT_SERVER;
	}
	goto out;

server_error:
	lr->status = 500;
	response_error(c, 500, head_only);
	status = EXIT_SERVER;
out:
	album_free(&album);
	if (root >= 0)
		close(root);
	return status;
}

int
serve_index(const struct conn *c, int signed_links, int head_only, struct log_request *lr)
{
	const char *page = signed_links ? index_html_signed : index_html;
	char head[512];
	size_t blen = strlen(page);
	int hlen = response_head(head, sizeof(head), 200, "text/html; charset=utf-8", blen, NULL);
	int r;

	lr->status = 200;
	lr->content_length = blen;
	r = conn_write(c, head, (size_t)hlen);
	if (r == 0 && !head_only) {
		r = conn_write(c, page, blen);
		if (r == 0)
			lr->bytes_sent = blen;
	}
	if (r < 0) {
		lr->interrupted = 1;
		lr->error = strerror(-r);
	}
	return EXIT_ANSWERED;
}
