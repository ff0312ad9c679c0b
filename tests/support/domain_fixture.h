/* Test support: what every domain test starts from. An arena, a migrated in-memory
 * store (test_store.h), a domain context over both at a fixed time, an environment
 * the test may change, and a record of what the domain published to live pages;
 * helpers add a user, a story and a comment straight through the store, so that a
 * test's setup names only what is particular to it. */
#ifndef STET_TESTS_DOMAIN_FIXTURE_H
#define STET_TESTS_DOMAIN_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/arena.h"
#include "domain/context.h"
#include "test_store.h"

#include <stdlib.h>

/* The fixture's clock: ctx.now until a test moves it. */
#define DOMAIN_FIXTURE_NOW 1700000000

/* What the domain told the live hub (env.published): how often, and the last
 * story and event sequence number. */
struct domain_published {
    int calls;
    int64_t story_id, seq;
};

/* A test's own fixture struct opens with this one, as its first member, so that
 * domain_fixture_teardown can release both. */
struct domain_fixture {
    struct arena *a;
    struct store *st;
    struct err_detail err;
    struct domain_env env; /* ctx.env points here; tests set limits and windows */
    struct dctx ctx;
    struct domain_published published;
};

/* The domain does not depend on the real Markdown renderer: wrap the text in <p>. */
static inline int domain_fixture_markdown(struct arena *a, const char *src, size_t len, char **out)
{
    *out = arena_printf(a, "<p>%.*s</p>", (int)len, src);
    return 0;
}

static inline void domain_fixture_on_published(void *ctx, int64_t story_id, int64_t seq)
{
    struct domain_published *p = ctx;
    p->calls++;
    p->story_id = story_id;
    p->seq = seq;
}

/* Allocates the test's fixture of `size` bytes, zeroed, whose first member is a
 * struct domain_fixture, and opens that: no limits, no edit window, the fake
 * Markdown, publications recorded. domain_fixture_teardown frees it all. */
static inline void *domain_fixture_new(size_t size)
{
    assert_true(size >= sizeof(struct domain_fixture));
    struct domain_fixture *f = calloc(1, size);
    assert_non_null(f);
    f->a = arena_new(4096);
    f->st = test_store_new();
    f->env = (struct domain_env){.markdown = domain_fixture_markdown,
                                 .story_markdown = domain_fixture_markdown,
                                 .published = domain_fixture_on_published,
                                 .published_ctx = &f->published};
    f->ctx = (struct dctx){
        .a = f->a, .st = f->st, .env = &f->env, .now = DOMAIN_FIXTURE_NOW, .err = &f->err};
    return f;
}

/* A cmocka teardown for any fixture made by domain_fixture_new. */
static inline int domain_fixture_teardown(void **state)
{
    struct domain_fixture *f = *state;
    store_close(f->st);
    arena_free(f->a);
    free(f);
    return 0;
}

/* A stored account NAME with email NAME@example.com and the given role. */
static inline struct user domain_fixture_user(struct domain_fixture *f, const char *name,
                                              enum role role)
{
    struct user u = {.username = name,
                     .display_name = name,
                     .email = arena_printf(f->a, "%s@example.com", name),
                     .role = role,
                     .created_at = 1};
    assert_int_equal(store_user_insert(f->st, &u, "hash", &u.id), 0);
    return u;
}

/* A published story with an empty body, open for comments; returns its id. */
static inline int64_t domain_fixture_story(struct domain_fixture *f, const char *slug,
                                           const char *title)
{
    struct story s = {.slug = slug,
                      .title = title,
                      .body_src = "",
                      .body_html = "",
                      .published_at = 1,
                      .created_at = 1,
                      .comments_open = true};
    int64_t id;
    assert_int_equal(store_story_insert(f->st, &s, &id), 0);
    return id;
}

/* A comment by `author_id` on `story_id` in `status`; returns its id, and its event
 * sequence number in *seq unless seq is NULL. */
static inline int64_t domain_fixture_comment(struct domain_fixture *f, int64_t story_id,
                                             int64_t author_id, enum comment_status status,
                                             int64_t *seq)
{
    struct comment c = {.story_id = story_id,
                        .author_id = author_id,
                        .body_src = "w",
                        .body_html = "<p>w</p>",
                        .created_at = 1,
                        .status = status};
    int64_t id, event_seq;
    assert_int_equal(store_comment_insert(f->st, &c, &id, &event_seq), 0);
    if (seq != NULL)
        *seq = event_seq;
    return id;
}

#endif
