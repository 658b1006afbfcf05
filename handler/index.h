/* index: the test page served at "/". */
#ifndef INDEX_H
#define INDEX_H

extern const char index_html[];

/* The same page when links are signed (--link-key): no sample links. */
extern const char index_html_signed[];

#endif
