/* gzip for cached pages: a whole page compressed once, and a page assembled per
 * request around a fragment that was compressed once. The second works because a
 * raw deflate stream may be cut into pieces at byte boundaries (a sync flush) and
 * joined with others (RFC 1951): the reader's own head and tail go in as stored,
 * uncompressed blocks, the shared fragment as its precompressed blocks, and the
 * gzip trailer's CRC-32 is combined from the pieces' (zlib's crc32_combine). */
#ifndef STET_WEB_GZIP_PARTS_H
#define STET_WEB_GZIP_PARTS_H

#include "base/arena.h"
#include "base/str.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* gzip (RFC 1952) of `in` in a new heap buffer; NULL when it would not be smaller. */
char *gzip_whole(const char *in, size_t len, size_t *out_len);

/* A fragment as raw deflate blocks that end on a byte boundary and are not final,
 * with what the gzip trailer needs of it. `data` is on the heap (free it). */
struct deflated_part {
    char *data;
    size_t len;
    uint32_t crc;   /* CRC-32 of the uncompressed bytes */
    size_t raw_len; /* uncompressed length */
};
/* False when zlib fails (nothing to free then). */
bool deflate_part(const char *in, size_t len, struct deflated_part *out);

/* The gzip stream of head + mid + tail as three pieces to send in order:
 * out[0] = gzip header and `head` as stored blocks, out[1] = mid's blocks,
 * out[2] = `tail` as stored blocks (the last one final) and the trailer. out[0]
 * and out[2] are allocated in `a`; out[1] points into `mid`. */
void gzip_around(struct arena *a, struct str head, const struct deflated_part *mid, struct str tail,
                 struct str out[3]);

/* The zlib version running ("1.2.13"); static storage. */
const char *gzip_lib_version(void);

#endif
