/* Store conformance for comment policies (issue 11): a held comment's
 * hold_reason as inserted, listed in the queue and cleared by a decision; an edit a
 * policy holds; an author's approved comments counted up to a limit; the admins'
 * site settings, changed all or nothing with their audit entries. Runs as
 * test_edits.c does: SQLite, PostgreSQL with --pg, and through a pool with --pool. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/arena.h"
#include "store/store.h"

#include "suite.h"

#include <stdlib.h>
#include <string.h>

#define REASON "policy: banned word"

/* A migrated store with one open story and two readers. */
struct fx {
    struct suite_fx db;
    const char *slug;
    int64_t story_id;
    int64_t author;
    const char *author_name;
    int64_t other;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (f == NULL || suite_fx_open(&f->db) != 0) {
        free(f);
        return -1;
    }
    *state = f;
    f->slug = suite_uniq(f->db.a, "policies");
    f->story_id = suite_add_story(&f->db, f->slug);
    f->author_name = suite_uniq(f->db.a, "writer");
    f->author = suite_add_user(&f->db, f->author_name, ROLE_READER);
    f->other = suite_add_user(&f->db, suite_uniq(f->db.a, "other"), ROLE_READER);
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    suite_fx_close(&f->db);
    free(f);
    return 0;
}

static int64_t add(struct fx *f, enum comment_status status, const char *hold_reason)
{
    struct comment c = {
        .story_id = f->story_id,
        .author_id = f->author,
        .body_src = "cheap pills",
        .body_html = "<p>cheap pills</p>",
        .created_at = 1700000100,
        .status = status,
        .hold_reason = hold_reason,
    };
    int64_t id = 0, seq = 0;
    assert_int_equal(store_comment_insert(f->db.st, &c, &id, &seq), 0);
    return id;
}

/* The reason goes in with the comment, comes back from a find and from the queue,
 * and a moderator's approval clears it. */
static void test_hold_reason_round_trip(void **state)
{
    struct fx *f = *state;
    int64_t held = add(f, COMMENT_HELD, REASON);
    int64_t plain = add(f, COMMENT_VISIBLE, NULL);
    assert_string_equal(suite_comment_of(&f->db, held).hold_reason, REASON);
    assert_null(suite_comment_of(&f->db, plain).hold_reason);

    const struct store_page pg = {.limit = 10};
    struct comment *rows;
    size_t n;
    assert_int_equal(store_moderation_queue(f->db.a, f->db.st, &pg, &rows, &n), 0);
    bool seen = false;
    for (size_t i = 0; i < n; i++) {
        if (rows[i].id == held) {
            assert_string_equal(rows[i].hold_reason, REASON);
            seen = true;
        }
    }
    assert_true(seen);

    struct comment out;
    int64_t seq;
    assert_int_equal(
        store_comment_set_status(f->db.a, f->db.st, held, COMMENT_VISIBLE, NULL, &out, &seq), 0);
    assert_null(out.hold_reason);
    assert_null(suite_comment_of(&f->db, held).hold_reason);
}

/* An edit a policy holds: the comment leaves its story's page in the same
 * transaction (one fewer, a live event, a new content version), with the reason. */
static void test_edit_held_by_policy(void **state)
{
    struct fx *f = *state;
    int64_t id = add(f, COMMENT_VISIBLE, NULL);
    struct story before = suite_story_of(&f->db, f->slug);
    int64_t seq = -1;
    struct store_comment_revision rev = {.body_src = "spam",
                                         .body_html = "<p>spam</p>",
                                         .edited_at = 1700000200,
                                         .hold_reason = REASON};
    assert_int_equal(store_comment_edit(f->db.st, id, &rev, &seq), 0);
    struct story after = suite_story_of(&f->db, f->slug);
    assert_int_equal(seq, before.event_seq + 1);
    assert_int_equal(after.n_comments, before.n_comments - 1);
    assert_true(after.content_version > before.content_version);
    struct comment c = suite_comment_of(&f->db, id);
    assert_int_equal(c.status, COMMENT_HELD);
    assert_string_equal(c.hold_reason, REASON);
    assert_string_equal(c.body_src, "spam");

    /* Held already: the reason changes, the story does not. */
    rev = (struct store_comment_revision){.body_src = "spam 2",
                                          .body_html = "<p>spam 2</p>",
                                          .edited_at = 1700000300,
                                          .hold_reason = "policy: too many links"};
    assert_int_equal(store_comment_edit(f->db.st, id, &rev, &seq), 0);
    assert_int_equal(seq, 0);
    assert_int_equal(suite_story_of(&f->db, f->slug).content_version, after.content_version);
    assert_string_equal(suite_comment_of(&f->db, id).hold_reason, "policy: too many links");
}

/* Only the author's visible comments count, and never beyond the limit. */
static void test_count_approved(void **state)
{
    struct fx *f = *state;
    int64_t n = -1;
    assert_int_equal(store_comment_count_approved(f->db.st, f->author, 3, &n), 0);
    assert_int_equal(n, 0);
    add(f, COMMENT_VISIBLE, NULL);
    add(f, COMMENT_VISIBLE, NULL);
    add(f, COMMENT_HELD, REASON);
    int64_t rejected = add(f, COMMENT_HELD, NULL);
    int64_t seq;
    assert_int_equal(
        store_comment_set_status(f->db.a, f->db.st, rejected, COMMENT_REJECTED, NULL, NULL, &seq),
        0);
    suite_add_comment(&f->db, f->story_id, f->other, COMMENT_VISIBLE);
    assert_int_equal(store_comment_count_approved(f->db.st, f->author, 3, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(store_comment_count_approved(f->db.st, f->author, 1, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(store_comment_count_approved(f->db.st, f->author, 0, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_comment_count_approved(f->db.st, f->other, 3, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(store_comment_count_approved(f->db.st, f->author, -1, &n), STET_EINVAL);
}

/* ---- site settings (settings.c): the admins' policies ---- */

/* The stored setting `key` of the list, or NULL. Keys are unique per test, so cases
 * sharing a database (PostgreSQL) see only their own. */
static const struct store_setting *setting(struct fx *f, const char *key)
{
    struct store_setting *rows;
    size_t n;
    assert_int_equal(store_setting_list(f->db.a, f->db.st, &rows, &n), 0);
    assert_true(n <= STORE_SETTINGS_MAX);
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i].key, key) == 0)
            return &rows[i];
    return NULL;
}

static struct store_setting_change change(const char *key, const char *value, int64_t actor,
                                          const char *note)
{
    return (struct store_setting_change){key, value,
                                         (struct store_audit){.at = 1700000500,
                                                              .actor_id = actor,
                                                              .action = "policy.change",
                                                              .target = "policy:test",
                                                              .note = note}};
}

static void test_settings_round_trip(void **state)
{
    struct fx *f = *state;
    const char *k1 = suite_uniq(f->db.a, "k1"), *k2 = suite_uniq(f->db.a, "k2");
    assert_null(setting(f, k1)); /* read once, so a pool has it memoized */
    struct store_setting_change ch[] = {change(k1, "all", f->author, "k1: none → all"),
                                        change(k2, "spam\neggs", 0, "k2: → spam, eggs")};
    assert_int_equal(store_settings_change(f->db.st, ch, 2, f->author, 1700000500), 0);
    const struct store_setting *s1 = setting(f, k1), *s2 = setting(f, k2);
    assert_non_null(s1);
    assert_string_equal(s1->value, "all");
    assert_int_equal(s1->changed_at, 1700000500);
    assert_string_equal(s1->changed_by, f->author_name);
    assert_non_null(s2);
    assert_string_equal(s2->value, "spam\neggs");
    /* Each change left its audit entry, in order. */
    struct store_audit *es;
    size_t n;
    struct store_page pg = {.limit = 2};
    assert_int_equal(store_audit_list(f->db.a, f->db.st, &pg, &es, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(es[0].note, "k2: → spam, eggs");
    assert_string_equal(es[1].note, "k1: none → all");
    assert_string_equal(es[1].action, "policy.change");
    /* A change replaces the value; NULL deletes the key. */
    struct store_setting_change again[] = {change(k1, "new", 0, "k1: all → new"),
                                           change(k2, NULL, 0, "k2: back to the file's")};
    assert_int_equal(store_settings_change(f->db.st, again, 2, 0, 1700000600), 0);
    s1 = setting(f, k1);
    assert_string_equal(s1->value, "new");
    assert_int_equal(s1->changed_at, 1700000600);
    assert_null(s1->changed_by);
    assert_null(setting(f, k2));
}

static void test_settings_all_or_nothing(void **state)
{
    struct fx *f = *state;
    const char *k = suite_uniq(f->db.a, "k");
    struct store_setting_change bad_key[] = {change(k, "1", 0, "ok"), change("", "2", 0, "no")};
    assert_int_equal(store_settings_change(f->db.st, bad_key, 2, 0, 1700000500), STET_EINVAL);
    assert_null(setting(f, k));
    /* The second audit entry names no account: the first change goes back too. */
    struct store_setting_change bad_audit[] = {change(k, "1", 0, "ok"),
                                               change(k, "2", 987654321, "unknown actor")};
    assert_int_not_equal(store_settings_change(f->db.st, bad_audit, 2, 0, 1700000500), 0);
    assert_null(setting(f, k));
    assert_int_equal(store_settings_change(f->db.st, bad_key, 0, 0, 1700000500), STET_EINVAL);
}

int main(int argc, char **argv)
{
    int exit_code;
    if (!suite_start(argc, argv, "policies suite", "stet_policies", &exit_code))
        return exit_code;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hold_reason_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edit_held_by_policy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_count_approved, setup, teardown),
        cmocka_unit_test_setup_teardown(test_settings_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_settings_all_or_nothing, setup, teardown),
    };
    return suite_end(cmocka_run_group_tests(tests, NULL, NULL));
}
