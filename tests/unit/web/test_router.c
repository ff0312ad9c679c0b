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

/* The shapes moderation added (src/cli/routes.c): a capture followed by literal
 * actions, one path under several methods, and a path that is another's prefix. */
static const struct route mod_routes[] = {
    {HTTP_POST, "/api/v1/comments/{id}/approve", h, 0, NULL},
    {HTTP_POST, "/api/v1/comments/{id}/reject", h, 0, NULL},
    {HTTP_PATCH, "/api/v1/comments/{id}", h, 0, NULL},
    {HTTP_DELETE, "/api/v1/comments/{id}", h, 0, NULL},
    {HTTP_POST, "/moderation/users/{name}/suspension", h, 0, NULL},
    {HTTP_POST, "/moderation/users/{name}/suspension/delete", h, 0, NULL},
    {HTTP_GET, "/static/{file}", h, 0, NULL},
    {HTTP_GET, "/static/you/{username}", h, 0, NULL},
};
#define MOD_N (sizeof(mod_routes) / sizeof(mod_routes[0]))

static void test_moderation_shapes(void **state)
{
    (void)state;
    struct arena *a = arena_new(1024);
    const struct route *r;
    struct kvs p;
    unsigned allowed;
    struct str v;
    struct {
        enum http_method method;
        const char *path;
        size_t route; /* index in mod_routes */
        const char *key, *value;
    } hits[] = {
        {HTTP_POST, "/api/v1/comments/42/approve", 0, "id", "42"},
        {HTTP_POST, "/api/v1/comments/42/reject", 1, "id", "42"},
        {HTTP_PATCH, "/api/v1/comments/7", 2, "id", "7"},
        {HTTP_DELETE, "/api/v1/comments/7", 3, "id", "7"},
        {HTTP_POST, "/moderation/users/ann/suspension", 4, "name", "ann"},
        {HTTP_POST, "/moderation/users/ann/suspension/delete", 5, "name", "ann"},
        {HTTP_GET, "/static/stet.css", 6, "file", "stet.css"},
        {HTTP_GET, "/static/you/ann", 7, "username", "ann"},
    };
    for (size_t i = 0; i < sizeof(hits) / sizeof(hits[0]); i++) {
        assert_int_equal(router_match(a, mod_routes, MOD_N, hits[i].method, str_from(hits[i].path),
                                      &r, &p, &allowed),
                         0);
        assert_ptr_equal(r, &mod_routes[hits[i].route]);
        assert_true(kvs_get(&p, hits[i].key, false, &v));
        assert_true(str_eq_cstr(v, hits[i].value));
    }
    /* The actions are POST only; the comment itself is PATCH and DELETE. */
    assert_int_equal(router_match(a, mod_routes, MOD_N, HTTP_GET,
                                  str_from("/api/v1/comments/42/approve"), &r, &p, &allowed),
                     STET_EMETHOD);
    assert_int_equal(allowed, HTTP_POST);
    assert_int_equal(router_match(a, mod_routes, MOD_N, HTTP_POST, str_from("/api/v1/comments/7"),
                                  &r, &p, &allowed),
                     STET_EMETHOD);
    assert_int_equal(allowed, HTTP_PATCH | HTTP_DELETE);
    /* No action past the known ones, and no capture that spans segments. */
    assert_int_equal(router_match(a, mod_routes, MOD_N, HTTP_POST,
                                  str_from("/api/v1/comments/42/approve/now"), &r, &p, &allowed),
                     STET_ENOTFOUND);
    assert_int_equal(
        router_match(a, mod_routes, MOD_N, HTTP_GET, str_from("/static/you/a/b"), &r, &p, &allowed),
        STET_ENOTFOUND);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_matches),
                                       cmocka_unit_test(test_misses),
                                       cmocka_unit_test(test_moderation_shapes)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
