/* web/gzip_parts: a page assembled from stored head and tail blocks around a
 * precompressed fragment inflates (with zlib, as a browser would) to exactly
 * head + fragment + tail, for empty parts, parts over one stored block's 65535
 * bytes and binary bytes; a stream cut short fails to inflate; gzip_whole round-trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/arena.h"
#include "web/gzip_parts.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Inflates a gzip stream; returns the bytes (heap) or NULL when it is not one
 * complete, valid stream. */
static char *gunzip(const char *in, size_t len, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
    size_t cap = 1u << 22;
    char *out = malloc(cap);
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    int rc = inflate(&z, Z_FINISH);
    *out_len = z.total_out;
    bool whole = rc == Z_STREAM_END && z.avail_in == 0;
    inflateEnd(&z);
    if (!whole) {
        free(out);
        return NULL;
    }
    return out;
}

static char *joined(const struct str parts[3], size_t *len)
{
    *len = parts[0].len + parts[1].len + parts[2].len;
    char *all = malloc(*len + 1);
    size_t at = 0;
    for (int i = 0; i < 3; i++) {
        memcpy(all + at, parts[i].ptr, parts[i].len);
        at += parts[i].len;
    }
    return all;
}

static void check_around(struct str head, const char *mid, size_t mid_len, struct str tail)
{
    struct arena *a = arena_new(1024);
    struct deflated_part part;
    assert_true(deflate_part(mid, mid_len, &part));
    assert_int_equal(part.raw_len, mid_len);
    struct str parts[3];
    gzip_around(a, head, &part, tail, parts);
    assert_ptr_equal(parts[1].ptr, part.data);

    size_t len, plain_len;
    char *gz = joined(parts, &len);
    char *plain = gunzip(gz, len, &plain_len);
    assert_non_null(plain);
    assert_int_equal(plain_len, head.len + mid_len + tail.len);
    assert_memory_equal(plain, head.ptr, head.len);
    if (mid_len > 0)
        assert_memory_equal(plain + head.len, mid, mid_len);
    assert_memory_equal(plain + head.len + mid_len, tail.ptr, tail.len);
    free(plain);

    /* Cut short anywhere that matters (inside the tail, the trailer): no stream. */
    assert_null(gunzip(gz, len - 1, &plain_len));
    assert_null(gunzip(gz, parts[0].len + parts[1].len, &plain_len));
    free(gz);
    free(part.data);
    arena_free(a);
}

static void page_around_fragment(void **state)
{
    (void)state;
    static const char frag[] = "<article class=\"comment\"><p>Hello, world.</p></article>\n";
    size_t n = 2000 * (sizeof(frag) - 1);
    char *mid = malloc(n);
    for (size_t i = 0; i < 2000; i++)
        memcpy(mid + i * (sizeof(frag) - 1), frag, sizeof(frag) - 1);
    check_around(STR_LIT("<!DOCTYPE html><header>Signed in as ann</header>"), mid, n,
                 STR_LIT("<form><input name=\"csrf\" value=\"abc\"></form></html>\n"));
    check_around(STR_LIT(""), mid, n, STR_LIT(""));
    check_around(STR_LIT("head"), "", 0, STR_LIT("tail"));
    free(mid);
}

static void parts_over_one_stored_block(void **state)
{
    (void)state;
    size_t big = 150000; /* three stored blocks */
    char *head = malloc(big), *tail = malloc(big), *mid = malloc(70000);
    for (size_t i = 0; i < big; i++) {
        head[i] = (char)(i * 7);
        tail[i] = (char)(i * 13 + 1);
    }
    for (size_t i = 0; i < 70000; i++)
        mid[i] = (char)((i * i) >> 3); /* binary, barely compressible */
    check_around((struct str){head, big}, mid, 70000, (struct str){tail, 65535});
    check_around((struct str){head, 65536}, mid, 10, (struct str){tail, big});
    free(head);
    free(tail);
    free(mid);
}

static void whole_page(void **state)
{
    (void)state;
    char page[8192];
    for (size_t i = 0; i < sizeof(page); i++)
        page[i] = "stet comments "[i % 14];
    size_t gz_len, plain_len;
    char *gz = gzip_whole(page, sizeof(page), &gz_len);
    assert_non_null(gz);
    assert_true(gz_len < sizeof(page));
    char *plain = gunzip(gz, gz_len, &plain_len);
    assert_non_null(plain);
    assert_int_equal(plain_len, sizeof(page));
    assert_memory_equal(plain, page, sizeof(page));
    free(plain);
    free(gz);
    assert_null(gzip_whole("x", 1, &gz_len)); /* would grow: not kept */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(page_around_fragment),
        cmocka_unit_test(parts_over_one_stored_block),
        cmocka_unit_test(whole_page),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
