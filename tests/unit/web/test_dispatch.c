/* Dispatch and respond on their own: a hand-built request (http_req_detached_new)
 * goes through web_dispatch with a route table of this file's handlers and a store
 * that answers only what each test allows (tests/support/fake_store.h). What is
 * checked is the response as the transport would send it: status, headers, body,
 * and nothing at all when the request must run again on a worker. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/embedded.h"
#include "fake_store.h"
#include "http/server.h"
#include "web/respond.h"
#include "web/web.h"

#include <jansson.h>
#include <stdatomic.h>
#include <string.h>

/* A well-formed token (64 lowercase hex characters) for cookies and Bearer headers. */
#define TOKEN "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static struct app app;
static struct store_ops ops;
static int n_handled; /* handler calls since the test began */
static int find_rc;   /* what story_find answers on a waiting store */
static int n_story_find;

static int fake_story_find(struct arena *a, struct store *st, struct str slug, struct story *out)
{
    (void)a;
    n_story_find++;
    /* Like the pool: the non-waiting store has nothing in memory for this. */
    if (st == store_pool_store(app.pool, true))
        return STET_EAGAIN;
    if (find_rc != 0)
        return find_rc;
    memset(out, 0, sizeof(*out));
    out->id = 7;
    out->slug = "found";
    (void)slug;
    return 0;
}

static int fake_session_find(struct arena *a, struct store *st, const char *token_hash, int64_t now,
                             struct user *out)
{
    (void)a, (void)st, (void)token_hash, (void)now, (void)out;
    return STET_EUNAVAIL;
}

/* GET .../{slug}: one store read, its error passed on unchanged. */
static int show(struct req *req)
{
    struct str slug;
    struct story s;
    n_handled++;
    int rc = req_path_param(req, "slug", &slug);
    if (rc == 0)
        rc = store_story_find(req->arena, req_store(req), slug, &s);
    if (rc != 0)
        return respond_error(req, rc);
    return respond_bytes(req, 200, "text/plain; charset=utf-8", "ok", 2);
}

static int form_post(struct req *req)
{
    n_handled++;
    return respond_redirect(req, "/done");
}

static int silent(struct req *req)
{
    (void)req;
    n_handled++;
    return 0;
}

/* Fails with an internal error whose detail must stay in the logs. */
static int leak(struct req *req)
{
    n_handled++;
    req_err(req)->message = "disk I/O error in /var/lib/stet/stet.db";
    return respond_error(req, STET_EIO);
}

static const char *const form_fields[] = {"csrf", "text", NULL};

static const struct route routes[] = {
    {HTTP_GET, "/t/{slug}", show, 0, NULL},
    {HTTP_GET | HTTP_POST, "/both", silent, ROUTE_NOAUTH, NULL},
    {HTTP_POST, "/form", form_post, ROUTE_FORM | ROUTE_CSRF, form_fields},
    {HTTP_GET, "/silent", silent, ROUTE_NOAUTH, NULL},
    {HTTP_GET, "/api/v1/t/{slug}", show, ROUTE_API, NULL},
    {HTTP_GET, "/api/v1/leak", leak, ROUTE_API, NULL},
};

static int group_setup(void **state)
{
    (void)state;
    char err[256];
    app.cfg.site_name = "Test site";
    app.cfg.base_url = "http://site.example";
    app.routes = routes;
    app.n_routes = sizeof(routes) / sizeof(routes[0]);
    atomic_store(&app.env_now, &app.env);
    if (tmpl_set_new(embedded_templates, &app.templates, err, sizeof(err)) != 0 ||
        store_pool_new("sqlite::memory:", 1, 1, &app.pool) != 0)
        return -1;
    fake_store_ops_init(&ops);
    ops.story_find = fake_story_find;
    ops.session_find = fake_session_find;
    fake_store_install(app.pool, &ops);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    store_pool_free(app.pool);
    tmpl_set_free(app.templates);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    n_handled = 0;
    n_story_find = 0;
    find_rc = 0;
    return 0;
}

/* A request as the transport hands it over: `headers` alternate names and values,
 * NULL-terminated. */
static struct req *request(enum http_method m, const char *path, const char *body, bool may_block,
                           const char *const *headers)
{
    struct req *req = http_req_detached_new(&app);
    size_t n = 0;
    while (headers != NULL && headers[2 * n] != NULL)
        n++;
    req->method = m;
    req->path = str_from(path);
    req->body = str_from(body != NULL ? body : "");
    req->may_block = may_block;
    req->headers.items = ARENA_NEW_ARRAY(req->arena, struct kv, n + 1);
    req->headers.n = n;
    for (size_t i = 0; i < n; i++)
        req->headers.items[i] = (struct kv){str_from(headers[2 * i]), str_from(headers[2 * i + 1])};
    return req;
}

static const char *header(const struct req *req, const char *name)
{
    for (size_t i = 0; i < req->resp.n_headers; i++)
        if (str_eq_nocase(req->resp.headers[i].name, str_from(name)))
            return req->resp.headers[i].value.ptr;
    return NULL;
}

static bool body_has(const struct req *req, const char *needle)
{
    return memmem(req->resp.body, req->resp.body_len, needle, strlen(needle)) != NULL;
}

/* The API's error shape (SPEC section 5): {"error":{"code":..,"message":..}}. */
static void assert_api_error(const struct req *req, const char *code)
{
    assert_string_equal(req->resp.content_type, "application/json; charset=utf-8");
    json_error_t jerr;
    json_t *doc = json_loadb(req->resp.body, req->resp.body_len, 0, &jerr);
    assert_non_null(doc);
    json_t *e = json_object_get(doc, "error");
    assert_true(json_is_object(e));
    assert_string_equal(json_string_value(json_object_get(e, "code")), code);
    const char *message = json_string_value(json_object_get(e, "message"));
    assert_non_null(message);
    assert_true(strlen(message) > 0);
    json_decref(doc);
}

static void unknown_route_is_the_html_404(void **state)
{
    (void)state;
    struct req *req = request(HTTP_GET, "/nowhere", NULL, true, NULL);
    web_dispatch(req);
    assert_int_equal(req->resp.status, 404);
    assert_string_equal(req->resp.content_type, "text/html; charset=utf-8");
    assert_true(body_has(req, "Error 404"));
    assert_true(body_has(req, "There is nothing at this address."));
    /* Every HTML response carries the page policy. */
    assert_string_equal(header(req, "X-Content-Type-Options"), "nosniff");
    assert_non_null(header(req, "Content-Security-Policy"));
    assert_int_equal(n_handled, 0);
    http_req_detached_free(req);
}

static void wrong_method_is_405_with_allow(void **state)
{
    (void)state;
    struct req *req = request(HTTP_DELETE, "/both", NULL, true, NULL);
    web_dispatch(req);
    assert_int_equal(req->resp.status, 405);
    assert_string_equal(header(req, "Allow"), "GET, HEAD, POST");
    assert_int_equal(n_handled, 0);
    http_req_detached_free(req);

    req = request(HTTP_POST, "/t/x", NULL, true, NULL);
    web_dispatch(req);
    assert_int_equal(req->resp.status, 405);
    assert_string_equal(header(req, "Allow"), "GET, HEAD");
    http_req_detached_free(req);
}

static const char *const form_headers[] = {"Content-Type", "application/x-www-form-urlencoded",
                                           "Cookie", "stet_csrf=" TOKEN, NULL};

static void form_without_csrf_is_403_and_not_handled(void **state)
{
    (void)state;
    /* No token in the form, though the cookie has one. */
    struct req *req = request(HTTP_POST, "/form", "text=hi", true, form_headers);
    web_dispatch(req);
    assert_int_equal(req->resp.status, 403);
    assert_true(body_has(req, "This form has expired"));
    assert_int_equal(n_handled, 0);
    http_req_detached_free(req);

    /* The token of another site's page: refused the same way. */
    static const char *const cross[] = {"Content-Type",
                                        "application/x-www-form-urlencoded",
                                        "Cookie",
                                        "stet_csrf=" TOKEN,
                                        "Origin",
                                        "http://evil.example",
                                        NULL};
    req = request(HTTP_POST, "/form", "text=hi&csrf=" TOKEN, true, cross);
    web_dispatch(req);
    assert_int_equal(req->resp.status, 403);
    assert_int_equal(n_handled, 0);
    http_req_detached_free(req);

    /* With the cookie's token the same form reaches its handler. */
    req = request(HTTP_POST, "/form", "text=hi&csrf=" TOKEN, true, form_headers);
    web_dispatch(req);
    assert_int_equal(req->resp.status, 303);
    assert_int_equal(n_handled, 1);
    http_req_detached_free(req);
}

static void unavailable_store_is_503(void **state)
{
    (void)state;
    find_rc = STET_EUNAVAIL;
    struct req *req = request(HTTP_GET, "/t/x", NULL, true, NULL);
    web_dispatch(req);
    assert_int_equal(req->resp.status, 503);
    assert_string_equal(req->resp.content_type, "text/html; charset=utf-8");
    assert_true(body_has(req, "The database cannot be reached right now."));
    http_req_detached_free(req);

    req = request(HTTP_GET, "/api/v1/t/x", NULL, true, NULL);
    web_dispatch(req);
    assert_int_equal(req->resp.status, 503);
    assert_api_error(req, "unavailable");
    http_req_detached_free(req);
    assert_int_equal(n_story_find, 2);
}

static void unreadable_session_is_503_before_the_handler(void **state)
{
    (void)state;
    static const char *const bearer[] = {"Authorization", "Bearer " TOKEN, NULL};
    struct req *req = request(HTTP_GET, "/api/v1/t/x", NULL, true, bearer);
    web_dispatch(req);
    assert_int_equal(req->resp.status, 503);
    assert_api_error(req, "unavailable");
    assert_int_equal(n_handled, 0);
    http_req_detached_free(req);
}

static void internal_error_hides_its_detail(void **state)
{
    (void)state;
    struct req *req = request(HTTP_GET, "/api/v1/leak", NULL, true, NULL);
    web_dispatch(req);
    assert_int_equal(req->resp.status, 500);
    assert_api_error(req, "internal");
    assert_false(body_has(req, "/var/lib"));
    assert_true(body_has(req, "Something went wrong on our side."));
    http_req_detached_free(req);
    /* A handler that answers nothing: a 500 rather than an empty 0. */
    req = request(HTTP_GET, "/silent", NULL, true, NULL);
    web_dispatch(req);
    assert_int_equal(req->resp.status, 500);
    assert_int_equal(n_handled, 2);
    http_req_detached_free(req);
}

static void eagain_on_an_io_thread_sends_nothing(void **state)
{
    (void)state;
    struct req *req = request(HTTP_GET, "/t/x", NULL, false, NULL);
    web_dispatch(req);
    assert_true(req->rerun_on_worker);
    assert_int_equal(req->resp.status, 0);
    assert_null(req->resp.body);
    assert_int_equal(req->resp.n_headers, 0);
    http_req_detached_free(req);

    /* Run again from scratch on a worker, where the store may wait. */
    req = request(HTTP_GET, "/t/x", NULL, true, NULL);
    web_dispatch(req);
    assert_false(req->rerun_on_worker);
    assert_int_equal(req->resp.status, 200);
    http_req_detached_free(req);
    assert_int_equal(n_handled, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(unknown_route_is_the_html_404, setup),
        cmocka_unit_test_setup(wrong_method_is_405_with_allow, setup),
        cmocka_unit_test_setup(form_without_csrf_is_403_and_not_handled, setup),
        cmocka_unit_test_setup(unavailable_store_is_503, setup),
        cmocka_unit_test_setup(unreadable_session_is_503_before_the_handler, setup),
        cmocka_unit_test_setup(internal_error_hides_its_detail, setup),
        cmocka_unit_test_setup(eagain_on_an_io_thread_sends_nothing, setup),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
