/* link: signed, expiring download links (--link-key).
 *
 * A link is /archive/<hash>/?expires=<unix seconds>&sig=<s>, where <s> is
 * the unpadded base64url (RFC 4648, section 5) of
 * HMAC-SHA256(key, <hash> "\n" <expires>). The key file holds one key per
 * line; the first signs, every one verifies. */
#ifndef LINK_H
#define LINK_H

#include <stddef.h>
#include <stdint.h>

#include "ah_limits.h"

/* HMAC-SHA256 output, and its unpadded base64url length. */
#define LINK_MAC_LEN	32
#define LINK_SIG_LEN	43

/* --expires-in: the default (a day) and the largest value (10 years). */
#define LINK_EXPIRES_IN		86400
#define LINK_EXPIRES_IN_MAX	(10 * 366 * 86400)

/* "/archive/" hash "/?expires=" int64 "&sig=" sig, and a NUL. */
#define LINK_PATH_MAX	(9 + HASH_MAX + 10 + 19 + 5 + LINK_SIG_LEN + 1)

struct link_keys {
	unsigned char buf[LINK_KEY_FILE_MAX];	/* the file's bytes: secret */
	size_t n;				/* keys found, 0 to LINK_KEYS_MAX */
	struct { size_t off, len; } key[LINK_KEYS_MAX];	/* into buf */
};

/* The parameters of a link's query, as parsed (not yet verified). */
struct link_query {
	int64_t expires;
	unsigned char mac[LINK_MAC_LEN];	/* sig, decoded */
};

/* Base64url without padding: encode in[0..len) into out (4 * len / 3
 * rounded up bytes, and a NUL). Returns the length written. Pure. */
size_t link_b64url_encode(const unsigned char *in, size_t len, char *out);

/* Decode s[0..len) strictly: only [A-Za-z0-9_-], no padding, no length
 * that base64 cannot produce (len % 4 == 1), and the unused low bits of
 * the last character zero, so that every byte string has exactly one
 * encoding. Returns the number of bytes decoded into ret[0..size), or
 * -EINVAL (malformed) or -ENOBUFS (longer than size). ret may be written
 * on failure. Pure. */
int link_b64url_decode(const char *s, size_t len, unsigned char *ret, size_t size);

/* Parse the query of a request target (what follows its first '?',
 * q[0..len), without the '?'). Exactly the two parameters "expires" and
 * "sig", each once, in either order, names as written (no percent-escapes);
 * expires: 1 to 19 decimal digits, no sign, no leading zero, at most
 * INT64_MAX; sig: LINK_SIG_LEN characters of strict base64url.
 * Returns 0 and fills *ret; -ENOENT when the query is empty or lacks one of
 * the two (a link without a signature); -EINVAL for anything else (another
 * or a repeated parameter, a malformed value). *ret is untouched on
 * failure. Pure. */
int link_query_parse(const char *q, size_t len, struct link_query *ret);

/* Split buf[0..len) (already in k->buf) into keys: one per line, the line's
 * bytes without the "\n", empty lines ignored. Returns 0; -ENODATA when
 * there is no key; -E2BIG when there are more than LINK_KEYS_MAX; -EMSGSIZE
 * when a key is shorter than LINK_KEY_MIN bytes, with its line number
 * (from 1) in *ret_line. Pure. */
int link_keys_parse(struct link_keys *k, size_t len, size_t *ret_line);

/* Read the key file at path once and parse it (above). Returns 0, or
 * -errno from open(2)/read(2), -EFBIG when it is larger than
 * LINK_KEY_FILE_MAX, or link_keys_parse()'s errors. On failure the buffer
 * is wiped. */
int link_keys_load(const char *path, struct link_keys *k, size_t *ret_line);

/* Wipe the keys (explicit_bzero): call when they are no longer needed. */
void link_keys_wipe(struct link_keys *k);

/* The link for hash, valid until expires, signed with the first key:
 * "/archive/<hash>/?expires=<expires>&sig=<s>" into ret (LINK_PATH_MAX
 * bytes). Returns 0, -EINVAL for a bad hash or a negative expires, or -EIO
 * when the crypto library fails. */
int link_sign(const struct link_keys *k, const char *hash, int64_t expires,
    char ret[LINK_PATH_MAX]);

/* Verify the link in target[0..len) (a request target whose path routed
 * to hash) at time now (unix seconds). Every key's MAC is computed and
 * compared in constant time, whichever matches. Returns 0 when it is valid
 * (signed with one of the keys and now <= expires), -ENOENT no signature,
 * -EINVAL a malformed query, -EACCES a bad signature, -ETIME expired (and
 * correctly signed), -EIO the crypto library failed. */
int link_verify(const struct link_keys *k, const char *hash, const char *target,
    size_t len, int64_t now);

/* The reason for the log (journal field LINK_ERROR) of a link_verify()
 * error: "missing", "malformed", "bad signature", "expired" or "error". */
const char *link_reason(int err);

#endif
