/* Moderation rules (domain/moderation.c): who may decide, read the queue and the
 * audit log; what a note may be; when a decision is published to live streams; why a
 * comment waits; the queue's and the log's pages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "domain/moderation.h"
#include "domain_fixture.h"
#include "fake_store.h"

#include <string.h>

struct fixture {
    struct domain_fixture d; /* first: see domain_fixture_new */
    struct user reader, mod, admin;
    int64_t story_id;
};

static int64_t add_comment(struct fixture *f, enum comment_status status)
{
    return domain_fixture_comment(&f->d, f->story_id, f->reader.id, status, NULL);
}

static int setup(void **state)
{
    struct fixture *f = domain_fixture_new(sizeof(*f));
    f->reader = domain_fixture_user(&f->d, "reader", ROLE_READER);
    f->mod = domain_fixture_user(&f->d, "moddy", ROLE_MODERATOR);
    f->admin = domain_fixture_user(&f->d, "boss", ROLE_ADMIN);
    f->story_id = domain_fixture_story(&f->d, "one", "One");
    *state = f;
    return 0;
}

/* A reader or nobody is refused before the store is asked anything: the fake store
 * aborts on any call. */
static void test_readers_never_reach_the_store(void **state)
{
    struct fixture *f = *state;
    static struct store_ops none;
    fake_store_ops_init(&none);
    struct store fake = {.ops = &none};
    struct dctx ctx = f->d.ctx;
    ctx.st = &fake;
    struct comment out;
    struct comment *cs;
    struct store_audit *es;
    size_t n;
    const char *next;
    assert_int_equal(comment_reject(&ctx, &f->reader, 1, STR_NULL, &out), STET_EFORBIDDEN);
    assert_string_equal(f->d.err.message, "Only a moderator can do that.");
    assert_int_equal(comment_approve(&ctx, &f->reader, 1, STR_NULL, &out), STET_EFORBIDDEN);
    assert_int_equal(comment_approve(&ctx, NULL, 1, STR_NULL, &out), STET_EUNAUTH);
    assert_int_equal(moderation_queue_page(&ctx, &f->reader, false, 10, STR_NULL, &cs, &n, &next),
                     STET_EFORBIDDEN);
    assert_int_equal(moderation_queue_page(&ctx, NULL, false, 10, STR_NULL, &cs, &n, &next),
                     STET_EUNAUTH);
    assert_int_equal(audit_page(&ctx, &f->mod, 10, STR_NULL, &es, &n, &next), STET_EFORBIDDEN);
    assert_int_equal(audit_page(&ctx, &f->reader, 10, STR_NULL, &es, &n, &next), STET_EFORBIDDEN);
    assert_int_equal(audit_page(&ctx, NULL, 10, STR_NULL, &es, &n, &next), STET_EUNAUTH);
    /* A bad note is refused before the store too. */
    assert_int_equal(comment_reject(&ctx, &f->mod, 1, STR_LIT("two\nlines"), &out), STET_EINVAL);
    assert_string_equal(f->d.err.field, "note");
    assert_int_equal(f->d.published.calls, 0);
}

static void test_note_limit(void **state)
{
    struct fixture *f = *state;
    int64_t id = add_comment(f, COMMENT_VISIBLE);
    struct comment out;
    /* 500 characters of two bytes each pass; one more does not. */
    char note[2 * 501 + 1];
    for (int i = 0; i < 501; i++)
        memcpy(note + 2 * i, "\xc3\xa9", 2);
    assert_int_equal(comment_reject(&f->d.ctx, &f->mod, id, (struct str){note, 2 * 501}, &out),
                     STET_EINVAL);
    assert_string_equal(f->d.err.field, "note");
    assert_int_equal(comment_reject(&f->d.ctx, &f->mod, id, (struct str){note, 2 * 500}, &out), 0);
    struct store_page pg = {.limit = 1};
    struct store_audit *es;
    size_t n;
    assert_int_equal(store_audit_list(f->d.a, f->d.st, &pg, &es, &n), 0);
    assert_int_equal(strlen(es[0].note), 2 * 500);
    assert_string_equal(es[0].actor, "moddy");
}

/* A change a page shows is published once, after commit; one it does not show (a
 * held comment rejected) is not. */
static void test_publishes_page_changes_only(void **state)
{
    struct fixture *f = *state;
    int64_t shown = add_comment(f, COMMENT_VISIBLE), held = add_comment(f, COMMENT_HELD);
    struct comment out;
    assert_int_equal(comment_reject(&f->d.ctx, &f->mod, shown, STR_LIT("rude"), &out), 0);
    assert_int_equal(out.status, COMMENT_REJECTED);
    assert_int_equal(f->d.published.calls, 1);
    assert_int_equal(f->d.published.story_id, f->story_id);
    assert_int_equal(f->d.published.seq, out.event_seq);
    assert_int_equal(comment_reject(&f->d.ctx, &f->admin, held, STR_NULL, &out), 0);
    assert_int_equal(f->d.published.calls, 1);
    assert_int_equal(comment_approve(&f->d.ctx, &f->admin, shown, STR_NULL, &out), 0);
    assert_int_equal(out.status, COMMENT_VISIBLE);
    assert_int_equal(f->d.published.calls, 2);
    assert_int_equal(comment_approve(&f->d.ctx, &f->mod, 999999, STR_NULL, &out), STET_ENOTFOUND);
    assert_int_equal(comment_approve(&f->d.ctx, &f->mod, 0, STR_NULL, &out), STET_ENOTFOUND);
    assert_int_equal(f->d.published.calls, 2);
}

static int fail_set_status(struct arena *a, struct store *st, int64_t id,
                           enum comment_status status, const struct store_spam_sample *spam,
                           const struct store_audit *audit, struct comment *out, int64_t *event_seq)
{
    (void)a, (void)st, (void)id, (void)status, (void)spam, (void)audit, (void)out, (void)event_seq;
    return STET_EIO;
}

/* A store failure comes back as it is, and nothing is published. */
static void test_store_errors_pass_through(void **state)
{
    struct fixture *f = *state;
    static struct store_ops patched;
    test_store_patch(f->d.st, &patched)->comment_set_status = fail_set_status;
    struct comment out;
    assert_int_equal(comment_reject(&f->d.ctx, &f->mod, 1, STR_NULL, &out), STET_EIO);
    assert_int_equal(f->d.published.calls, 0);
}

static void test_queue_pages_and_reasons(void **state)
{
    struct fixture *f = *state;
    int64_t a = add_comment(f, COMMENT_HELD), b = add_comment(f, COMMENT_VISIBLE);
    add_comment(f, COMMENT_VISIBLE);
    int64_t c = add_comment(f, COMMENT_HELD);
    assert_int_equal(
        store_exec_sql(f->d.st, arena_printf(f->d.a,
                                             "UPDATE comments SET report_count = 4 WHERE id IN "
                                             "(%lld, %lld)",
                                             (long long)b, (long long)c)),
        0);
    struct comment *cs;
    size_t n;
    const char *next, *why[MODERATION_REASONS_MAX];
    assert_int_equal(moderation_queue_page(&f->d.ctx, &f->mod, false, 2, STR_NULL, &cs, &n, &next),
                     0);
    assert_int_equal(n, 2);
    assert_int_equal(cs[0].id, a);
    assert_int_equal(moderation_reasons(&cs[0], why), 1);
    assert_string_equal(why[0], "held");
    assert_int_equal(cs[1].id, b);
    assert_int_equal(moderation_reasons(&cs[1], why), 1);
    assert_string_equal(why[0], "reported");
    assert_non_null(next);
    assert_int_equal(
        moderation_queue_page(&f->d.ctx, &f->admin, false, 2, str_from(next), &cs, &n, &next), 0);
    assert_int_equal(n, 1);
    assert_int_equal(cs[0].id, c);
    assert_int_equal(moderation_reasons(&cs[0], why), 2);
    assert_string_equal(why[0], "held");
    assert_string_equal(why[1], "reported");
    assert_null(next);
    assert_int_equal(moderation_queue_page(&f->d.ctx, &f->mod, true, 1, STR_NULL, &cs, &n, &next),
                     0);
    assert_int_equal(cs[0].id, c);
    assert_int_equal(moderation_queue_page(&f->d.ctx, &f->mod, false, 0, STR_NULL, &cs, &n, &next),
                     STET_EBADREQ);
    assert_int_equal(moderation_queue_page(&f->d.ctx, &f->mod, false, MODERATION_PAGE_MAX + 1,
                                           STR_NULL, &cs, &n, &next),
                     STET_EBADREQ);
    assert_int_equal(
        moderation_queue_page(&f->d.ctx, &f->mod, false, 5, STR_LIT("x"), &cs, &n, &next),
        STET_EBADREQ);
    assert_string_equal(f->d.err.field, "cursor");
}

static void test_audit_page(void **state)
{
    struct fixture *f = *state;
    int64_t id = add_comment(f, COMMENT_VISIBLE);
    struct comment out;
    assert_int_equal(comment_reject(&f->d.ctx, &f->mod, id, STR_LIT("first"), &out), 0);
    assert_int_equal(comment_approve(&f->d.ctx, &f->admin, id, STR_LIT("second"), &out), 0);
    struct store_audit *es;
    size_t n;
    const char *next;
    assert_int_equal(audit_page(&f->d.ctx, &f->admin, 1, STR_NULL, &es, &n, &next), 0);
    assert_int_equal(n, 1);
    assert_string_equal(es[0].action, "comment.approve");
    assert_string_equal(es[0].actor, "boss");
    assert_string_equal(es[0].target, arena_printf(f->d.a, "comment:%lld", (long long)id));
    assert_int_equal(es[0].at, 1700000000);
    assert_non_null(next);
    assert_int_equal(audit_page(&f->d.ctx, &f->admin, 5, str_from(next), &es, &n, &next), 0);
    assert_int_equal(n, 1);
    assert_string_equal(es[0].note, "first");
    assert_string_equal(es[0].action, "comment.reject");
    assert_null(next);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_readers_never_reach_the_store, setup,
                                        domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_note_limit, setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_publishes_page_changes_only, setup,
                                        domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_store_errors_pass_through, setup,
                                        domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_queue_pages_and_reasons, setup,
                                        domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_audit_page, setup, domain_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
