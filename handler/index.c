/* index: the test page at "/", like the original service's. It links to
 * the two sample albums shipped in photos/ and nothing else: listing the
 * real albums would defeat the unguessable names. */
#include "index.h"

/* What both pages start with. */
#define PAGE_TOP \
"<!DOCTYPE html>\n" \
"<html lang=\"en\">\n" \
"<head>\n" \
"<meta charset=\"utf-8\">\n" \
"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n" \
"<title>archive-handler</title>\n" \
"<style>body{font-family:sans-serif;max-width:40em;margin:2em auto;padding:0 1em;" \
"line-height:1.4}code{background:#eee;padding:0 .2em}</style>\n" \
"</head>\n" \
"<body>\n" \
"<h1>Photo album download</h1>\n" \
"<p>This service packs a photo album into a ZIP file while it is being sent: " \
"nothing is stored on the server"

const char index_html[] =
PAGE_TOP
". Ask for <code>/archive/&lt;album&gt;/</code> "
"to download an album; the album name is the secret link the CMS gives out.</p>\n"
"<p>Sample albums:</p>\n"
"<ul>\n"
"<li><a id=\"sample1\" href=\"/archive/3bea29ccabbbf64bdebcc055319c5745/\" download>"
"3bea29ccabbbf64bdebcc055319c5745.zip</a></li>\n"
"<li><a id=\"sample2\" href=\"/archive/af1ad8c76fda2e48ea9aed2937e972ea/\" download>"
"af1ad8c76fda2e48ea9aed2937e972ea.zip</a></li>\n"
"</ul>\n"
"</body>\n"
"</html>\n";

/* With --link-key every album needs a signed link: the sample links above
 * would all be refused, so this page has none. */
const char index_html_signed[] =
PAGE_TOP
".</p>\n"
"<p id=\"signed\">Download links are signed and expire: ask the site that "
"gave you the link for a new one if yours no longer works.</p>\n"
"</body>\n"
"</html>\n";
