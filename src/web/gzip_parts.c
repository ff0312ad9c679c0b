/* Deflate stored blocks are a 3-bit block header padded to a byte, then LEN and its
 * complement (16 bits each, little-endian), then at most 65535 bytes as they are:
 * framing a reader's few kilobytes costs a copy and a CRC, no compression. */
#include "web/gzip_parts.h"

#include "base/xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define STORED_MAX 65535u
#define GZIP_LEVEL 6

char *gzip_whole(const char *in, size_t len, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (deflateInit2(&z, GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    size_t cap = deflateBound(&z, (uLong)len);
    char *out = xmalloc(cap);
    z.next_in = (Bytef *)(uintptr_t)in; /* zlib's API is not const-correct */
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    *out_len = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END || *out_len >= len) {
        free(out);
        return NULL;
    }
    return out;
}

bool deflate_part(const char *in, size_t len, struct deflated_part *out)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    /* Raw deflate (negative window bits): no zlib or gzip wrapper of its own. */
    if (deflateInit2(&z, GZIP_LEVEL, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return false;
    /* deflateBound covers a finished stream; a sync flush adds at most 5 bytes more. */
    size_t cap = deflateBound(&z, (uLong)len) + 16;
    char *data = xmalloc(cap);
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)data;
    z.avail_out = (uInt)cap;
    /* A sync flush ends the blocks on a byte boundary without marking the last one
     * final, so other blocks may follow. */
    int rc = deflate(&z, Z_SYNC_FLUSH);
    bool ok = rc == Z_OK && z.avail_in == 0;
    size_t n = z.total_out;
    deflateEnd(&z);
    if (!ok) {
        free(data);
        return false;
    }
    *out = (struct deflated_part){data, n, (uint32_t)crc32(0, (const Bytef *)in, (uInt)len), len};
    return true;
}

/* Bytes that `len` bytes take as stored blocks. */
static size_t stored_size(size_t len)
{
    size_t blocks = len == 0 ? 1 : (len + STORED_MAX - 1) / STORED_MAX;
    return len + 5 * blocks;
}

/* Writes `s` as stored blocks at `p`, the last one final when `final`; returns the
 * end. An empty `s` still writes one (empty) block, so a final one always exists. */
static unsigned char *put_stored(unsigned char *p, struct str s, bool final)
{
    size_t done = 0;
    do {
        size_t n = s.len - done > STORED_MAX ? STORED_MAX : s.len - done;
        bool last = done + n == s.len;
        *p++ = final && last ? 1 : 0; /* BFINAL, BTYPE 00, padding */
        p[0] = (unsigned char)(n & 0xff);
        p[1] = (unsigned char)(n >> 8);
        p[2] = (unsigned char)(~n & 0xff);
        p[3] = (unsigned char)((~n >> 8) & 0xff);
        p += 4;
        if (n > 0)
            memcpy(p, s.ptr + done, n);
        p += n;
        done += n;
    } while (done < s.len);
    return p;
}

static unsigned char *put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        *p++ = (unsigned char)(v >> (8 * i));
    return p;
}

void gzip_around(struct arena *a, struct str head, const struct deflated_part *mid, struct str tail,
                 struct str out[3])
{
    /* ID1 ID2, CM = deflate, no flags, no mtime, no extra flags, OS = Unix. */
    static const unsigned char gzip_header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
    unsigned char *h = arena_alloc(a, sizeof(gzip_header) + stored_size(head.len));
    memcpy(h, gzip_header, sizeof(gzip_header));
    unsigned char *h_end =
        head.len > 0 ? put_stored(h + sizeof(gzip_header), head, false) : h + sizeof(gzip_header);

    uLong crc = crc32(0, (const Bytef *)head.ptr, (uInt)head.len);
    crc = crc32_combine(crc, mid->crc, (z_off_t)mid->raw_len);
    crc = crc32_combine(crc, crc32(0, (const Bytef *)tail.ptr, (uInt)tail.len), (z_off_t)tail.len);
    size_t total = head.len + mid->raw_len + tail.len;

    unsigned char *t = arena_alloc(a, stored_size(tail.len) + 8);
    unsigned char *t_end = put_stored(t, tail, true);
    t_end = put_le32(t_end, (uint32_t)crc);
    t_end = put_le32(t_end, (uint32_t)total); /* ISIZE: the length modulo 2^32 */

    out[0] = (struct str){(const char *)h, (size_t)(h_end - h)};
    out[1] = (struct str){mid->data, mid->len};
    out[2] = (struct str){(const char *)t, (size_t)(t_end - t)};
}

const char *gzip_lib_version(void)
{
    return zlibVersion();
}
