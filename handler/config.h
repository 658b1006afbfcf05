/* config: the options and the environment, checked, into struct config;
 * the link keys it names. Writes no log line: main decides. */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "cache.h"
#include "link.h"

struct config {
	const char *path;
	int logging;
	int delay;
	int request_timeout;
	int send_timeout;
	int deflate;		/* --compression deflate */
	enum cache_etag_mode etag;	/* --etag strict|portable */
	const char *trusted_proxy;	/* comma-separated addresses, or NULL */
	const char *link_key;	/* --link-key FILE: links must be signed, or NULL */
	const char *sign;	/* --sign HASH: print a signed link and exit */
	int64_t expires_in;	/* --expires-in SECONDS, for --sign */
};

/* Fill cfg from the environment, then argv (command line beats environment
 * beats default). Returns 0 to go on, 1 after --help/--version (printed on
 * stdout), -EINVAL with a message in err. */
int config_parse(int argc, char **argv, struct config *cfg, char *err, size_t errsize);

/* Load the link keys named by cfg (or the systemd credential). Returns 1
 * with keys loaded, 0 without a key file, -EINVAL with a message in err. */
int config_keys(struct config *cfg, struct link_keys *keys, char *err, size_t errsize);

#endif
