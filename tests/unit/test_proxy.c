/* proxy: X-Forwarded-For is believed only from trusted peers, read from the
 * right, trusted hops skipped, garbage never guessed at. */
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "proxy.h"
#include "tap.h"

static const struct {
	const char *name, *peer, *trusted, *fields;	/* fields: "Name: value\r\n"... */
	const char *expect;	/* forwarded client, or NULL: the peer is the client */
} cases[] = {
	{ "no trusted list", "10.0.0.1", NULL, "X-Forwarded-For: 1.2.3.4\r\n", NULL },
	{ "peer not trusted", "10.0.0.9", "10.0.0.1", "X-Forwarded-For: 1.2.3.4\r\n", NULL },
	{ "trusted peer, one hop", "10.0.0.1", "10.0.0.1", "X-Forwarded-For: 1.2.3.4\r\n", "1.2.3.4" },
	{ "trusted peer, no field", "10.0.0.1", "10.0.0.1", "", NULL },
	{ "field name in any case", "10.0.0.1", "10.0.0.1", "x-forwarded-FOR: 1.2.3.4\r\n", "1.2.3.4" },
	{ "rightmost entry wins (client forged the left one)", "10.0.0.1", "10.0.0.1",
	  "X-Forwarded-For: 6.6.6.6, 1.2.3.4\r\n", "1.2.3.4" },
	{ "trusted hops skipped", "10.0.0.1", "10.0.0.1, 10.0.0.2",
	  "X-Forwarded-For: 6.6.6.6, 1.2.3.4, 10.0.0.2\r\n", "1.2.3.4" },
	{ "two fields are one list, in order", "10.0.0.1", "10.0.0.1",
	  "X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-For: 1.2.3.4\r\n", "1.2.3.4" },
	{ "IPv6 client", "10.0.0.1", "10.0.0.1", "X-Forwarded-For: 2001:db8::7\r\n", "2001:db8::7" },
	{ "IPv6 proxy", "::1", "::1", "X-Forwarded-For: 1.2.3.4\r\n", "1.2.3.4" },
	{ "IPv4 peer matches IPv4-mapped trusted entry", "127.0.0.1", "::ffff:127.0.0.1",
	  "X-Forwarded-For: 1.2.3.4\r\n", "1.2.3.4" },
	{ "garbage rightmost: believe nothing", "10.0.0.1", "10.0.0.1",
	  "X-Forwarded-For: 1.2.3.4, evil\r\n", NULL },
	{ "port appended: not an address", "10.0.0.1", "10.0.0.1",
	  "X-Forwarded-For: 1.2.3.4:5678\r\n", NULL },
	{ "header injection attempt", "10.0.0.1", "10.0.0.1",
	  "X-Forwarded-For: 1.2.3.4\" evil=\"1\r\n", NULL },
	{ "only trusted entries: the peer is the client", "10.0.0.1", "10.0.0.1",
	  "X-Forwarded-For: 10.0.0.1\r\n", NULL },
	{ "empty items ignored", "10.0.0.1", "10.0.0.1", "X-Forwarded-For: ,, 1.2.3.4 ,\r\n", "1.2.3.4" },
	{ "unknown peer text", "-", "10.0.0.1", "X-Forwarded-For: 1.2.3.4\r\n", NULL },
	{ "X-Real-IP is not used", "10.0.0.1", "10.0.0.1", "X-Real-IP: 1.2.3.4\r\n", NULL },
};

int
main(void)
{
	static const struct {
		const char *list;
		int ok;
	} lists[] = {
		{ "127.0.0.1", 1 }, { "127.0.0.1,::1", 1 }, { " 10.0.0.1 , 10.0.0.2 ", 1 },
		{ "", 0 }, { ",", 0 }, { "localhost", 0 }, { "10.0.0.1,x", 0 }, { "10.0.0.0/8", 0 },
		{ "256.0.0.1", 0 },
	};
	char buf[2048], out[64], bad[64];
	struct http_request req;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: h\r\n%s\r\n", cases[i].fields);
		int r = http_parse_request(buf, (size_t)n, &req);

		if (r <= 0) {
			ok(0, "%s: request parses (%d)", cases[i].name, r);
			continue;
		}
		out[0] = '\0';
		r = proxy_client(cases[i].peer, cases[i].trusted, &req, out, sizeof(out));
		if (cases[i].expect == NULL)
			ok(r == 0, "%s: the peer is the client (got %d '%s')", cases[i].name, r, out);
		else
			ok(r == 1 && strcmp(out, cases[i].expect) == 0, "%s: %s (got %d '%s')",
			    cases[i].name, cases[i].expect, r, out);
	}
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		is_int(proxy_list_valid(lists[i].list, bad, sizeof(bad)) == 0, lists[i].ok,
		    "trusted list \"%s\" is %s", lists[i].list, lists[i].ok ? "valid" : "refused");
	return done_testing();
}
