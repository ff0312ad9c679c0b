/* Editing and deleting one's own comment: who may, until when, what the refusals
 * say, that a refusal changes nothing, and that open pages are told (published). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "domain/comment_edit.h"
#include "domain/comments.h"
#include "domain/desk.h"
#include "domain/spam.h"
#include "domain/stories.h"
#include "domain/users.h"
#include "domain_fixture.h"

#include <string.h>

#define T0 DOMAIN_FIXTURE_NOW

struct fixture {
    struct domain_fixture d; /* first: see domain_fixture_new */
    struct user anna, bob, mod;
    struct comment c; /* anna's, posted at T0 on "one" */
};

static int setup(void **state)
{
    struct fixture *f = domain_fixture_new(sizeof(*f));
    f->d.env.comment_max_chars = 20;
    f->d.env.edit_window = 900;
    f->anna = domain_fixture_user(&f->d, "anna", ROLE_READER);
    f->bob = domain_fixture_user(&f->d, "bob", ROLE_READER);
    f->mod = domain_fixture_user(&f->d, "mod", ROLE_MODERATOR);
    domain_fixture_story(&f->d, "one", "One");
    assert_int_equal(comment_post(&f->d.ctx, &f->anna, STR_LIT("one"), STR_LIT("first"), 0, &f->c),
                     0);
    f->d.published = (struct domain_published){0};
    *state = f;
    return 0;
}

static struct comment stored(struct fixture *f)
{
    struct comment c;
    assert_int_equal(store_comment_find(f->d.a, f->d.st, f->c.id, &c), 0);
    return c;
}

static void test_edit_until_the_window_closes(void **state)
{
    struct fixture *f = *state;
    struct comment out;
    f->d.ctx.now = T0 + 899; /* the last second of the window */
    assert_int_equal(comment_edit(&f->d.ctx, &f->anna, f->c.id, STR_LIT(" second\r\n"), &out), 0);
    assert_string_equal(out.body_src, "second");
    assert_string_equal(out.body_html, "<p>second</p>");
    assert_int_equal(out.edited_at, T0 + 899);
    assert_int_equal(out.created_at, T0);
    assert_string_equal(out.author_username, "anna");
    assert_string_equal(stored(f).body_src, "second");
    assert_int_equal(f->d.published.calls, 1);
    assert_int_equal(f->d.published.story_id, f->c.story_id);
    assert_int_equal(f->d.published.seq, out.event_seq);

    f->d.ctx.now = T0 + 900;
    assert_int_equal(comment_edit(&f->d.ctx, &f->anna, f->c.id, STR_LIT("third"), &out),
                     STET_EFORBIDDEN);
    assert_string_equal(f->d.err.message, "The edit window of 15 minutes has passed.");
    assert_string_equal(stored(f).body_src, "second");
    assert_int_equal(f->d.published.calls, 1);
}

static void test_edit_refusals_change_nothing(void **state)
{
    struct fixture *f = *state;
    struct comment out;
    assert_int_equal(comment_edit(&f->d.ctx, NULL, f->c.id, STR_LIT("x"), &out), STET_EUNAUTH);
    assert_int_equal(comment_edit(&f->d.ctx, &f->bob, f->c.id, STR_LIT("x"), &out),
                     STET_EFORBIDDEN);
    assert_string_equal(f->d.err.message, "You can edit only your own comments.");
    /* Moderators do not put words in someone's mouth either. */
    assert_int_equal(comment_edit(&f->d.ctx, &f->mod, f->c.id, STR_LIT("x"), &out),
                     STET_EFORBIDDEN);
    assert_int_equal(comment_edit(&f->d.ctx, &f->anna, 0, STR_LIT("x"), &out), STET_ENOTFOUND);
    assert_int_equal(comment_edit(&f->d.ctx, &f->anna, f->c.id + 100, STR_LIT("x"), &out),
                     STET_ENOTFOUND);
    assert_int_equal(comment_edit(&f->d.ctx, &f->anna, f->c.id, STR_LIT("   "), &out), STET_EINVAL);
    assert_string_equal(f->d.err.field, "body");
    assert_int_equal(
        comment_edit(&f->d.ctx, &f->anna, f->c.id, STR_LIT("twenty-one characters"), &out),
        STET_EINVAL);
    assert_int_equal(desk_story_set_open(&f->d.ctx, &user_operator, STR_LIT("one"), false), 0);
    assert_int_equal(comment_edit(&f->d.ctx, &f->anna, f->c.id, STR_LIT("x"), &out), STET_ECLOSED);

    struct domain_env off = f->d.env;
    off.edit_window = 0;
    f->d.ctx.env = &off;
    assert_int_equal(comment_edit(&f->d.ctx, &f->anna, f->c.id, STR_LIT("x"), &out),
                     STET_EFORBIDDEN);
    assert_string_equal(f->d.err.message, "Comments cannot be edited on this site.");
    struct comment c = stored(f);
    assert_string_equal(c.body_src, "first");
    assert_int_equal(c.edited_at, 0);
    assert_int_equal(f->d.published.calls, 0);
}

static void test_window_in_seconds(void **state)
{
    struct fixture *f = *state;
    struct domain_env short_window = f->d.env;
    short_window.edit_window = 90;
    f->d.ctx.env = &short_window;
    f->d.ctx.now = T0 + 90;
    struct comment out;
    assert_int_equal(comment_edit(&f->d.ctx, &f->anna, f->c.id, STR_LIT("x"), &out),
                     STET_EFORBIDDEN);
    assert_string_equal(f->d.err.message, "The edit window of 90 seconds has passed.");
}

static void test_delete_rules(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(comment_delete(&f->d.ctx, NULL, f->c.id), STET_EUNAUTH);
    assert_int_equal(comment_delete(&f->d.ctx, &f->bob, f->c.id), STET_EFORBIDDEN);
    assert_int_equal(stored(f).status, COMMENT_VISIBLE);
    assert_int_equal(f->d.published.calls, 0);
    /* Long after the edit window, the author still may. */
    f->d.ctx.now = T0 + 86400;
    assert_int_equal(comment_delete(&f->d.ctx, &f->anna, f->c.id), 0);
    assert_int_equal(stored(f).status, COMMENT_DELETED);
    assert_int_equal(f->d.published.calls, 1);
    /* Deleted: gone for everyone, the moderator too. */
    assert_int_equal(comment_delete(&f->d.ctx, &f->anna, f->c.id), STET_ENOTFOUND);
    assert_int_equal(comment_delete(&f->d.ctx, &f->mod, f->c.id), STET_ENOTFOUND);
    struct comment out;
    assert_int_equal(comment_edit(&f->d.ctx, &f->anna, f->c.id, STR_LIT("x"), &out),
                     STET_ENOTFOUND);
}

static void test_moderator_deletes(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(comment_delete(&f->d.ctx, &f->mod, f->c.id), 0);
    assert_int_equal(stored(f).status, COMMENT_DELETED);
    assert_int_equal(f->d.published.calls, 1);
}

/* The command line's operator (id 0) deletes with a note; a legacy comment (no
 * account: author 0 too) is not its own, so the deletion is audited, with no actor
 * and the note marked. A bad note refuses the deletion. */
static void test_operator_deletes_a_legacy_comment(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(store_exec_sql(f->d.st, "UPDATE comments SET author_id = NULL"), 0);
    assert_int_equal(comment_delete_with_note(&f->d.ctx, &user_operator, f->c.id, STR_LIT("a\nb")),
                     STET_EINVAL);
    assert_string_equal(f->d.err.field, "note");
    assert_int_equal(stored(f).status, COMMENT_VISIBLE);
    assert_int_equal(
        comment_delete_with_note(&f->d.ctx, &user_operator, f->c.id, STR_LIT(" Spam ")), 0);
    assert_int_equal(stored(f).status, COMMENT_DELETED);
    assert_int_equal(f->d.published.calls, 1);
    struct store_page pg = {.limit = 1};
    struct store_audit *es;
    size_t n;
    assert_int_equal(store_audit_list(f->d.a, f->d.st, &pg, &es, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(es[0].action, "comment.delete");
    assert_int_equal(es[0].actor_id, 0);
    assert_null(es[0].actor);
    assert_string_equal(es[0].note, "Spam, from the command line");
}

/* Someone else's comment that is not on the page does not exist for a reader. */
static void test_hidden_comments(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(store_exec_sql(f->d.st, "UPDATE comments SET status = 'held'"), 0);
    struct comment out;
    assert_int_equal(comment_edit(&f->d.ctx, &f->bob, f->c.id, STR_LIT("x"), &out), STET_ENOTFOUND);
    assert_int_equal(comment_delete(&f->d.ctx, &f->bob, f->c.id), STET_ENOTFOUND);
    /* Its author may still fix it while it waits; no page changes, nothing is sent. */
    assert_int_equal(comment_edit(&f->d.ctx, &f->anna, f->c.id, STR_LIT("fixed"), &out), 0);
    assert_int_equal(out.status, COMMENT_HELD);
    assert_int_equal(f->d.published.calls, 0);
    assert_int_equal(store_exec_sql(f->d.st, "UPDATE comments SET status = 'rejected'"), 0);
    assert_int_equal(comment_edit(&f->d.ctx, &f->anna, f->c.id, STR_LIT("again"), &out),
                     STET_EFORBIDDEN);
    assert_string_equal(stored(f).body_src, "fixed");
}

/* An edit meets the spam filter as a post does: its score and hash follow the new
 * text, and a text the filter holds takes the comment off the page with the
 * filter's reason. An edit is no new comment: the posting-speed signal, which a
 * second post within the minute would trip here, is not read for it. */
static void test_edit_meets_the_spam_filter(void **state)
{
    struct fixture *f = *state;
    struct comment out, theirs;
    f->d.env.comment_max_chars = 500;
    f->d.env.spam = (struct spam_settings){
        .enabled = true, .hold_at = 0.9, .min_training = 10, .duplicate_window = 3600, .burst = 2};
    domain_fixture_story(&f->d, "two", "Two");
    assert_int_equal(comment_post(&f->d.ctx, &f->bob, STR_LIT("two"),
                                  STR_LIT("Visit my profile for the best deals on watches today"),
                                  0, &theirs),
                     0);
    assert_int_equal(theirs.status, COMMENT_VISIBLE);
    f->d.published = (struct domain_published){0};

    f->d.ctx.now = T0 + 10;
    assert_int_equal(comment_edit(&f->d.ctx, &f->anna, f->c.id,
                                  STR_LIT("The ferry was late again this morning, as every day"),
                                  &out),
                     0);
    assert_int_equal(out.status, COMMENT_VISIBLE);
    assert_int_equal(stored(f).status, COMMENT_VISIBLE);
    assert_int_not_equal(out.spam_hash, 0);

    assert_int_equal(comment_edit(&f->d.ctx, &f->anna, f->c.id,
                                  STR_LIT("visit my PROFILE for the best deals, on watches today!"),
                                  &out),
                     0);
    assert_int_equal(out.status, COMMENT_HELD);
    assert_string_equal(out.hold_reason, SPAM_REASON_DUPLICATE);
    struct comment now = stored(f);
    assert_int_equal(now.status, COMMENT_HELD);
    assert_string_equal(now.hold_reason, SPAM_REASON_DUPLICATE);
    assert_true(now.has_spam_score);
    assert_int_equal(now.spam_score, 990);
    /* It left its page: the hub was told, twice in all. */
    assert_int_equal(f->d.published.calls, 2);
    assert_int_equal(f->d.published.seq, out.event_seq);
    struct story one;
    assert_int_equal(story_get(&f->d.ctx, STR_LIT("one"), &one), 0);
    assert_int_equal(one.n_comments, 0);
}

/* What the Actions page offers each reader: the same answers the actions' own
 * checks give, with no error detail left behind for a refused one. */
static void test_permissions(void **state)
{
    struct fixture *f = *state;
    struct comment c;
    struct comment_permissions may;
    assert_int_equal(comment_permissions_find(&f->d.ctx, NULL, f->c.id, &c, &may), STET_EUNAUTH);
    f->d.err = (struct err_detail){0};
    assert_int_equal(comment_permissions_find(&f->d.ctx, &f->anna, f->c.id, &c, &may), 0);
    assert_int_equal(c.id, f->c.id);
    assert_true(may.edit && may.del && !may.report && !may.moderate);
    assert_int_equal(comment_permissions_find(&f->d.ctx, &f->bob, f->c.id, &c, &may), 0);
    assert_true(!may.edit && !may.del && may.report && !may.moderate);
    assert_null(f->d.err.message);
    assert_int_equal(comment_permissions_find(&f->d.ctx, &f->mod, f->c.id, &c, &may), 0);
    assert_true(!may.edit && may.del && may.report && may.moderate);
    /* After the window, or on a closed story, Edit goes; Delete stays. */
    f->d.ctx.now = T0 + 900;
    assert_int_equal(comment_permissions_find(&f->d.ctx, &f->anna, f->c.id, &c, &may), 0);
    assert_true(!may.edit && may.del);
    f->d.ctx.now = T0;
    assert_int_equal(desk_story_set_open(&f->d.ctx, &user_operator, STR_LIT("one"), false), 0);
    assert_int_equal(comment_permissions_find(&f->d.ctx, &f->anna, f->c.id, &c, &may), 0);
    assert_true(!may.edit && may.del);
    /* Held: its author and moderators only, and nobody reports it. */
    assert_int_equal(store_exec_sql(f->d.st, "UPDATE comments SET status = 'held'"), 0);
    assert_int_equal(comment_permissions_find(&f->d.ctx, &f->bob, f->c.id, &c, &may),
                     STET_ENOTFOUND);
    assert_int_equal(comment_permissions_find(&f->d.ctx, &f->mod, f->c.id, &c, &may), 0);
    assert_true(may.del && !may.report && may.moderate);
    assert_int_equal(store_exec_sql(f->d.st, "UPDATE comments SET status = 'deleted'"), 0);
    assert_int_equal(comment_permissions_find(&f->d.ctx, &f->anna, f->c.id, &c, &may),
                     STET_ENOTFOUND);
    assert_int_equal(comment_permissions_find(&f->d.ctx, &f->anna, 0, &c, &may), STET_ENOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_edit_until_the_window_closes, setup,
                                        domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_edit_refusals_change_nothing, setup,
                                        domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_window_in_seconds, setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_delete_rules, setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_moderator_deletes, setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_operator_deletes_a_legacy_comment, setup,
                                        domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_hidden_comments, setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_permissions, setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_edit_meets_the_spam_filter, setup,
                                        domain_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
