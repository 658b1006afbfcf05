/* index: the test page served at "/". */
#ifndef INDEX_H
#define INDEX_H

extern const char index_html[];

#endif
