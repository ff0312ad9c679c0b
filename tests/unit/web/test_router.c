/* Route matching: literal and captured segments, methods, HEAD as GET, no match. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "web/router.h"

static int h(struct req *req)
{
    (void)req;
    return 0;
}

static const struct route routes[] = {
    {HTTP_GET, "/", h, 0, NULL},
    {HTTP_GET, "/stories/{slug}", h, 0, NULL},
    {HTTP_POST, "/stories/{slug}/comments", h, 0, NULL},
    {HTTP_GET, "/a/{x}/b/{y}", h, 0, NULL},
    {HTTP_DELETE, "/things", h, 0, NULL},
    {HTTP_PUT, "/things", h, 0, NULL},
};
#define N (sizeof(routes) / sizeof(routes[0]))

static int match(struct arena *a, enum http_method m, const char *path, const struct route **r,
                 struct kvs *p, unsigned *allowed)
{
    return router_match(a, routes, N, m, str_from(path), r, p, allowed);
}

static void test_matches(void **state)
{
    (void)state;
    struct arena *a = arena_new(1024);
    const struct route *r;
    struct kvs p;
    unsigned allowed;
    struct str v;
    assert_int_equal(match(a, HTTP_GET, "/", &r, &p, &allowed), 0);
    assert_ptr_equal(r, &routes[0]);
    assert_int_equal(match(a, HTTP_HEAD, "/stories/x-1", &r, &p, &allowed), 0);
    assert_ptr_equal(r, &routes[1]);
    assert_true(kvs_get(&p, "slug", false, &v));
    assert_true(str_eq_cstr(v, "x-1"));
    assert_int_equal(match(a, HTTP_POST, "/stories/s/comments", &r, &p, &allowed), 0);
    assert_ptr_equal(r, &routes[2]);
    assert_int_equal(match(a, HTTP_GET, "/a/1/b/2", &r, &p, &allowed), 0);
    assert_true(kvs_get(&p, "y", false, &v));
    assert_true(str_eq_cstr(v, "2"));
    assert_int_equal(p.n, 2);
    arena_free(a);
}

static void test_misses(void **state)
{
    (void)state;
    struct arena *a = arena_new(1024);
    const struct route *r;
    struct kvs p;
    unsigned allowed;
    assert_int_equal(match(a, HTTP_GET, "/stories/", &r, &p, &allowed), STET_ENOTFOUND);
    assert_int_equal(match(a, HTTP_GET, "/stories/x/", &r, &p, &allowed), STET_ENOTFOUND);
    assert_int_equal(match(a, HTTP_GET, "/stories", &r, &p, &allowed), STET_ENOTFOUND);
    assert_int_equal(match(a, HTTP_GET, "/stories/x/comments/y", &r, &p, &allowed), STET_ENOTFOUND);
    assert_int_equal(match(a, HTTP_GET, "//", &r, &p, &allowed), STET_ENOTFOUND);
    assert_int_equal(match(a, HTTP_POST, "/stories/x", &r, &p, &allowed), STET_EMETHOD);
    assert_int_equal(allowed, HTTP_GET);
    assert_int_equal(match(a, HTTP_GET, "/things", &r, &p, &allowed), STET_EMETHOD);
    assert_int_equal(allowed, HTTP_DELETE | HTTP_PUT);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_matches),
                                       cmocka_unit_test(test_misses)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
