/* Every limit of archive-handler, with the reason for its value.
 * Each one is tested at limit-1, limit and limit+1 (tests/unit, tests/e2e). */
#ifndef AH_LIMITS_H
#define AH_LIMITS_H

/* Request head (request line + header fields + empty line). 8 KiB is what
 * OpenBSD httpd and most proxies accept; our clients send one short GET. */
#define HEAD_MAX		8192

/* Header fields per request. Browsers send about 15; 64 leaves room for
 * proxies without letting a client make us scan thousands of fields. */
#define HEADERS_MAX		64

/* Request target, in bytes as sent. "/archive/" + 128 hash bytes, each
 * possibly percent-encoded (3 bytes), + "/" + a query, fits in 1024. */
#define TARGET_MAX		1024

/* Method token. The longest registered method is 17 bytes. */
#define METHOD_MAX		32

/* Album name ("hash") after percent-decoding: 1 to 128 bytes of
 * [A-Za-z0-9_-]. The CMS uses 32 hex digits; 128 leaves room for longer
 * hashes (SHA-512 in hex) without unbounded names. */
#define HASH_MAX		128

/* Whole request head must arrive within this many seconds (absolute, not
 * per read: a client trickling one byte per second cannot hold a process).
 * Option --request-timeout. */
#define REQUEST_TIMEOUT_SEC	10

/* A write that makes no progress for this many seconds ends the download
 * (client stopped reading). Option --send-timeout. */
#define SEND_TIMEOUT_SEC	60

/* After the response, read and discard what the client still sends for at
 * most this long, so that closing does not turn into a RST that destroys
 * the response in flight (RFC 9112, section 9.6). */
#define LINGER_MSEC		1000

/* Entries (files + folders) in one album. libarchive keeps about 94 bytes
 * + name per entry in memory for the central directory, we keep about the
 * same: 200,000 entries stay below 64 MiB. */
#define ALBUM_ENTRIES_MAX	200000

/* Folder nesting below the album folder. Deep enough for any real album,
 * shallow enough that recursion and path lengths stay small. */
#define ALBUM_DEPTH_MAX		16

/* Length of an entry's path inside the archive, in bytes (the ZIP field is
 * 16 bits; Linux PATH_MAX is 4096; common unzip tools cope with 1024). */
#define ALBUM_PATH_MAX		1024

/* A photo is mapped and handed to libarchive this many bytes at a time.
 * Mapped pages count in the resident set: this bounds what a large file
 * adds to it (tests/bench/bench.sh, peak RSS). */
#define IO_WINDOW		(512 * 1024)

/* Before a larger file's local header, its CRC is computed from pieces of
 * this size read(2) into a buffer that stays in the L2 cache. */
#define CRC_PIECE		(128 * 1024)

/* The CRC thread reads at most this far ahead of the file being sent (and
 * always the next file): far enough to keep a disk busy and the sender
 * from waiting, near enough that what it read is still in the page cache
 * when it is sent, also to a slow client. */
#define AHEAD_BYTES		(64 * 1024 * 1024)

/* Files up to this size are read(2) into a buffer instead: for them a
 * mapping costs more system time than the copy. */
#define SMALL_FILE		(64 * 1024)

/* Response pieces below SINK_PIECE bytes (the head, ZIP headers, small
 * files) are gathered in a buffer of SINK_BUF and sent together. */
#define SINK_PIECE		(16 * 1024)
#define SINK_BUF		(64 * 1024)

/* With --delay, the response is sent in pieces of this size, one second
 * apart: the two 100 KB sample albums take 3 to 4 seconds. */
#define DELAY_CHUNK		(32 * 1024)

/* Signed links (--link-key): the key file is read whole into a buffer of
 * this size; more is refused. Keys are a few dozen bytes: 4 KiB holds the
 * LINK_KEYS_MAX of them with room to spare, and a file that is larger was
 * named by mistake (a certificate bundle, a log). */
#define LINK_KEY_FILE_MAX	4096

/* Keys in the file: the first signs, every one verifies. Rotation needs
 * two or three; each costs one HMAC per signed request. */
#define LINK_KEYS_MAX		8

/* The shortest key accepted, in bytes: HMAC-SHA256 keys shorter than its
 * 32-byte output weaken it (RFC 2104, section 3). */
#define LINK_KEY_MIN		32

#endif
