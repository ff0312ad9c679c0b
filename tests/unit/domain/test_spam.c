/* The spam filter's pure parts (domain/spam.c): tokens (folded, distinct, sorted,
 * bounded; link hosts and shapes), the duplicate hash, the JSON the store takes, the
 * classifier learning from counts, and the verdict combining it with the signals;
 * then on a store (domain/spam_filter.c): scoring, and what a moderator's decision
 * trains on (the comment's text as it is when the decision commits). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "domain/moderation.h"
#include "domain/spam.h"
#include "domain/spam_filter.h"

#include "domain_fixture.h"
#include "test_store.h"

#include <stdio.h>
#include <string.h>

static int setup(void **state)
{
    *state = arena_new(1 << 16);
    return 0;
}

static int teardown(void **state)
{
    arena_free(*state);
    return 0;
}

/* How many spam (or ham) messages held `token`, as the store counts them. */
static int64_t count(const struct dctx *ctx, const char *token, bool spam)
{
    struct store_spam_count *c;
    size_t n;
    const char *json = arena_printf(ctx->a, "[\"%s\"]", token);
    assert_int_equal(store_spam_counts(ctx->a, ctx->st, json, &c, &n), 0);
    if (n == 0)
        return 0;
    return spam ? c[0].spam : c[0].ham;
}

static struct spam_text analyze(struct arena *a, const char *text, const char *html)
{
    struct spam_text t;
    spam_analyze(a, text, strlen(text), html != NULL ? html : "", &t);
    return t;
}

static bool has(const struct spam_text *t, const char *token)
{
    for (size_t i = 0; i < t->n_tokens; i++)
        if (strcmp(t->tokens[i], token) == 0)
            return true;
    return false;
}

static void test_words_folded_distinct_sorted(void **state)
{
    struct spam_text t = analyze(*state, "Buy CHEAP pills, cheap PILLS! Ü ÉCOLE a", "<p>x</p>");
    assert_true(has(&t, "buy"));
    assert_true(has(&t, "cheap"));
    assert_true(has(&t, "pills"));
    assert_true(has(&t, "école"));
    assert_false(has(&t, "CHEAP"));
    assert_false(has(&t, "a")); /* one byte says nothing */
    assert_true(has(&t, "shape:links:0"));
    assert_true(has(&t, "shape:words:6-20"));
    for (size_t i = 1; i < t.n_tokens; i++)
        assert_true(strcmp(t.tokens[i - 1], t.tokens[i]) < 0); /* sorted, no repeats */
    assert_int_equal(t.n_words, 8);
    assert_int_equal(t.n_links, 0);
}

static void test_link_hosts_and_shapes(void **state)
{
    const char *html = "<p><a href=\"https://WWW.Example.COM/buy?x=1\" rel=\"nofollow\">a</a> "
                       "<a href=\"http://user@pills.test:8080/\">b</a> "
                       "<a href=\"mailto:x@y.test\">c</a> "
                       "<a href=\"https://bad_host!.test/\">d</a></p>";
    struct spam_text t = analyze(*state, "LOOK AT THESE GREAT OFFERS NOW a b c d", html);
    assert_true(has(&t, "host:example.com"));
    assert_true(has(&t, "host:pills.test"));
    assert_int_equal(t.n_links, 4);
    assert_true(has(&t, "shape:links:3+"));
    assert_true(has(&t, "shape:caps"));
    for (size_t i = 0; i < t.n_tokens; i++) {
        assert_null(strstr(t.tokens[i], "mailto"));
        assert_null(strstr(t.tokens[i], "bad_host"));
    }
    char word[SPAM_TOKEN_MAX + 2];
    memset(word, 'x', sizeof(word) - 1);
    word[sizeof(word) - 1] = '\0';
    t = analyze(*state, word, NULL);
    assert_true(has(&t, "shape:longword"));
    assert_false(has(&t, word));
}

/* 500 distinct words keep the first ones up to the cap, the shapes always. */
static void test_tokens_bounded(void **state)
{
    char text[8000];
    size_t n = 0;
    for (int i = 0; i < 500; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "w%d ", i);
    struct spam_text t = analyze(*state, text, NULL);
    assert_int_equal(t.n_tokens, SPAM_TOKENS_MAX);
    assert_true(has(&t, "shape:words:100+"));
    assert_true(has(&t, "w0"));
    assert_false(has(&t, "w499"));
}

static void test_duplicate_hash(void **state)
{
    const char *a = "Great deals on watches today, visit my profile for more info";
    const char *b = "great DEALS on watches   today — visit my profile, for more info!";
    struct spam_text x = analyze(*state, a, NULL), y = analyze(*state, b, NULL);
    assert_true(x.hash != 0);
    assert_true(x.hash == y.hash);
    assert_true(
        analyze(*state, "Great deals on watches today, visit my page for more info", NULL).hash !=
        x.hash);
    assert_int_equal(analyze(*state, "Thanks, great article!", NULL).hash, 0);
}

static void test_json(void **state)
{
    const char *tokens[] = {"a\"b", "c\\d", "e\nf", "école"};
    assert_string_equal(spam_tokens_json(*state, tokens, 4),
                        "[\"a\\\"b\",\"c\\\\d\",\"e\\u000af\",\"école\"]");
    assert_string_equal(spam_tokens_json(*state, tokens, 0), "[]");
}

/* ---- the classifier, trained as the store would count ---- */

#define MAX_KNOWN 400

struct model {
    struct store_spam_count c[MAX_KNOWN];
    size_t n;
    int64_t n_spam, n_ham;
};

static void train(struct arena *a, struct model *m, const char *text, bool is_spam)
{
    struct spam_text t = analyze(a, text, NULL);
    for (size_t i = 0; i < t.n_tokens; i++) {
        size_t k = 0;
        while (k < m->n && strcmp(m->c[k].token, t.tokens[i]) != 0)
            k++;
        if (k == m->n) {
            assert_true(m->n < MAX_KNOWN);
            m->c[m->n++] = (struct store_spam_count){t.tokens[i], 0, 0};
        }
        if (is_spam)
            m->c[k].spam++;
        else
            m->c[k].ham++;
    }
    if (is_spam)
        m->n_spam++;
    else
        m->n_ham++;
}

static bool score(struct arena *a, const struct model *m, const char *text, double *p)
{
    struct spam_text t = analyze(a, text, NULL);
    struct store_spam_count known[SPAM_TOKENS_MAX];
    size_t n = 0;
    for (size_t i = 0; i < t.n_tokens; i++)
        for (size_t k = 0; k < m->n; k++)
            if (strcmp(m->c[k].token, t.tokens[i]) == 0)
                known[n++] = m->c[k];
    return spam_classify(known, n, m->n_spam, m->n_ham, 10, p);
}

static const char *const spam_texts[] = {
    "Cheap replica watches, best price online, buy now",
    "Buy cheap pills online without prescription, best price",
    "Earn money fast from home, click here to buy now",
    "Best casino bonus online, win cash now, click here",
    "Cheap loans online, fast cash today, apply now",
    "Buy followers cheap, best price, instant delivery now",
    "Hot singles online now, click here, best price",
    "Cheap viagra online, buy now, discreet delivery",
    "Work from home and earn cash fast, click here now",
    "Replica bags cheap, buy online now, best price",
};
static const char *const ham_texts[] = {
    "The council should publish the traffic survey before voting on the bridge",
    "I rode the ferry every day last winter and the timetable was unreliable",
    "Good reporting, but the article misses what the cyclists group said",
    "My grandmother remembers when the harbour bridge first opened",
    "The market traders were not consulted about the new parking rules",
    "Does anyone know whether the survey covered weekend traffic as well",
    "The bus lane has made my commute shorter, for what it is worth",
    "I disagree with the council here, the ramp was never safe for prams",
    "Thanks for the clear explanation of the budget numbers in this story",
    "The photo of the bridge at dawn is wonderful, who took it",
};

static void test_classifier_learns(void **state)
{
    struct arena *a = *state;
    static struct model m;
    memset(&m, 0, sizeof(m));
    double p = -1;
    for (size_t i = 0; i < 10; i++) {
        /* Abstains until both sides reach min_training (10). */
        assert_false(score(a, &m, spam_texts[0], &p));
        train(a, &m, spam_texts[i], true);
        train(a, &m, ham_texts[i], false);
    }
    assert_true(score(a, &m, "Buy cheap watches online now, best price, click here", &p));
    assert_true(p >= 0.9);
    assert_true(score(a, &m, "The council survey of bridge traffic was published last winter", &p));
    assert_true(p <= 0.1);
    /* Nothing known: neither. */
    assert_true(score(a, &m, "Zyx qwv plorb", &p));
    assert_true(p > 0.4 && p < 0.6);
}

/* A token counted more often than messages were trained (imported or edited data)
 * is clamped, never a probability outside [0, 1]. */
static void test_classifier_bounds(void **state)
{
    (void)state;
    const struct store_spam_count odd[] = {{"x", 1000, 0}, {"y", 0, 1000}, {"z", -5, -5}};
    double p = -1;
    assert_true(spam_classify(odd, 3, 10, 10, 10, &p));
    assert_true(p >= 0.0 && p <= 1.0);
    assert_false(spam_classify(odd, 3, 10, 9, 10, &p));
    assert_true(spam_classify(odd, 3, 1, 1, 0, &p)); /* min 0 reads as 1 */
}

/* ---- the verdict ---- */

static const struct spam_settings on = {
    .enabled = true, .hold_at = 0.9, .min_training = 10, .burst = 5, .link_density = 0.5};

static struct spam_verdict judge(struct arena *a, const struct spam_settings *s,
                                 struct spam_signals sig)
{
    struct spam_verdict v;
    spam_judge(a, s, &sig, &v);
    return v;
}

static void test_judge(void **state)
{
    struct arena *a = *state;
    struct spam_verdict v = judge(a, &on, (struct spam_signals){.n_recent = 1, .n_words = 5});
    assert_false(v.is_held);
    assert_false(v.has_score); /* nothing known: stored as NULL */

    v = judge(a, &on, (struct spam_signals){.has_p = true, .p = 0.97, .n_recent = 1, .n_words = 9});
    assert_true(v.is_held);
    assert_int_equal(v.score, 970);
    assert_string_equal(v.reason, "spam: 0.97 (like rejected spam)");

    v = judge(a, &on, (struct spam_signals){.has_p = true, .p = 0.899, .n_words = 9});
    assert_false(v.is_held);
    assert_true(v.has_score);
    assert_int_equal(v.score, 899);

    v = judge(a, &on, (struct spam_signals){.has_p = true, .p = 0.1, .duplicate = true});
    assert_true(v.is_held);
    assert_int_equal(v.score, 990);
    assert_string_equal(v.reason, SPAM_REASON_DUPLICATE);

    v = judge(a, &on, (struct spam_signals){.n_recent = 5, .n_words = 9});
    assert_string_equal(v.reason, "spam: 5 comments in a minute");
    assert_int_equal(v.score, 980);
    assert_false(judge(a, &on, (struct spam_signals){.n_recent = 4, .n_words = 9}).is_held);

    /* Links: more than 0.5 per word, two at least. */
    v = judge(a, &on, (struct spam_signals){.n_links = 2, .n_words = 3});
    assert_string_equal(v.reason, "spam: 2 links in 3 words");
    assert_false(judge(a, &on, (struct spam_signals){.n_links = 2, .n_words = 4}).is_held);
    assert_false(judge(a, &on, (struct spam_signals){.n_links = 1, .n_words = 1}).is_held);

    /* The first reason is named; the score is the highest weight. */
    v = judge(a, &on,
              (struct spam_signals){
                  .has_p = true, .p = 0.995, .duplicate = true, .n_recent = 9, .n_links = 9});
    assert_string_equal(v.reason, SPAM_REASON_DUPLICATE);
    assert_int_equal(v.score, 995);

    struct spam_settings off = on;
    off.enabled = false;
    v = judge(a, &off, (struct spam_signals){.has_p = true, .p = 1, .duplicate = true});
    assert_false(v.is_held);
    assert_false(v.has_score);
    off = on;
    off.burst = 0;
    off.link_density = 0;
    assert_false(
        judge(a, &off, (struct spam_signals){.n_recent = 99, .n_links = 9, .n_words = 1}).is_held);
}

/* ---- on a store (domain/spam_filter.c) ---- */

/* The importer's training reaches the counts; assessing exempts staff and legacy
 * comments and does nothing while the filter is off. */
static void test_filter_on_a_store(void **state)
{
    struct arena *a = *state;
    struct domain_env env = {.spam = on};
    env.spam.duplicate_window = 86400;
    env.spam.min_training = 1;
    struct dctx ctx = {.a = a, .st = test_store_new(), .env = &env, .now = 1700000000};
    const struct str text = str_from("Cheap replica watches online");
    assert_int_equal(spam_filter_train(&ctx, text, "", true), 0);
    assert_int_equal(spam_filter_train(&ctx, text, NULL, true), 0);
    assert_int_equal(spam_filter_train(&ctx, str_from("The bridge reopened"), "", false), 0);
    assert_int_equal(count(&ctx, "replica", true), 2);
    assert_int_equal(count(&ctx, "replica", false), 0);
    assert_int_equal(count(&ctx, "bridge", true), 0);
    assert_int_equal(count(&ctx, "bridge", false), 1);

    static const struct user reader = {.id = 7, .username = "anna"};
    static const struct user mod = {.id = 8, .username = "mo", .role = ROLE_MODERATOR};
    struct spam_assessment out;
    assert_int_equal(spam_filter_assess(&ctx, &reader, 1, text, "<p>x</p>", SPAM_FILTER_POST, &out),
                     0);
    assert_true(out.verdict.has_score);
    assert_true(out.verdict.is_held);
    const struct user *exempt[] = {&mod, NULL};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(
            spam_filter_assess(&ctx, exempt[i], 1, text, "<p>x</p>", SPAM_FILTER_POST, &out), 0);
        assert_false(out.verdict.has_score);
        assert_false(out.verdict.is_held);
    }
    env.spam.enabled = false;
    assert_int_equal(spam_filter_assess(&ctx, &reader, 1, text, "<p>x</p>", SPAM_FILTER_POST, &out),
                     0);
    assert_false(out.verdict.has_score);
    store_close(ctx.st);
}

/* ---- a moderator's decision trains on the comment's text (domain/moderation.c) ---- */

struct decide_fx {
    struct domain_fixture d; /* first: see domain_fixture_new */
    struct user reader, mod;
    int64_t story;
};

static int decide_setup(void **state)
{
    struct decide_fx *f = domain_fixture_new(sizeof(*f));
    f->d.env.spam = on;
    f->reader = domain_fixture_user(&f->d, "reader", ROLE_READER);
    f->mod = domain_fixture_user(&f->d, "moddy", ROLE_MODERATOR);
    f->story = domain_fixture_story(&f->d, "one", "One");
    *state = f;
    return 0;
}

/* A held comment by `author` saying `text` (its HTML a paragraph of it). */
static int64_t said(struct decide_fx *f, const struct user *author, const char *text)
{
    struct comment c = {.story_id = f->story,
                        .author_id = author->id,
                        .body_src = text,
                        .body_html = arena_printf(f->d.a, "<p>%s</p>", text),
                        .created_at = 1,
                        .status = COMMENT_HELD};
    int64_t id, seq;
    assert_int_equal(store_comment_insert(f->d.st, &c, &id, &seq), 0);
    return id;
}

/* A reader's rejected comment trains its words as spam, its approval moves them to
 * ham; a moderator's own comment, and any decision while the filter is off, train
 * nothing. */
static void test_decisions_train_on_the_text(void **state)
{
    struct decide_fx *f = *state;
    struct dctx *ctx = &f->d.ctx;
    struct comment out;
    int64_t id = said(f, &f->reader, "Cheap replica watches online");
    assert_int_equal(comment_reject(ctx, &f->mod, id, STR_NULL, &out), 0);
    assert_int_equal(count(ctx, "replica", true), 1);
    assert_int_equal(comment_approve(ctx, &f->mod, id, STR_NULL, &out), 0);
    assert_int_equal(count(ctx, "replica", true), 0);
    assert_int_equal(count(ctx, "replica", false), 1);

    int64_t staff = said(f, &f->mod, "Staff write about casinos");
    assert_int_equal(comment_reject(ctx, &f->mod, staff, STR_NULL, &out), 0);
    assert_int_equal(count(ctx, "casinos", true), 0);

    f->d.env.spam.enabled = false;
    assert_int_equal(comment_reject(ctx, &f->mod, id, STR_NULL, &out), 0);
    assert_int_equal(out.status, COMMENT_REJECTED);
    assert_int_equal(count(ctx, "replica", true), 0);
    assert_int_equal(count(ctx, "replica", false), 1);
}

/* The store's own decision, and how often it was asked with a sample. */
static const struct store_ops *real_ops;
static int n_sampled;

/* The author edits the comment between the moderator's read and the decision, the
 * first time only. */
static int edit_first(struct arena *a, struct store *st, int64_t id, enum comment_status status,
                      const struct store_spam_sample *spam, const struct store_audit *audit,
                      struct comment *out, int64_t *event_seq)
{
    static const struct store_comment_revision rev = {
        .body_src = "Buy cheap pills", .body_html = "<p>Buy cheap pills</p>", .edited_at = 2};
    int64_t seq;
    if (spam != NULL && n_sampled++ == 0)
        assert_int_equal(real_ops->comment_edit(st, id, &rev, &seq), 0);
    return real_ops->comment_set_status(a, st, id, status, spam, audit, out, event_seq);
}

/* The author edits it every time. */
static int edit_always(struct arena *a, struct store *st, int64_t id, enum comment_status status,
                       const struct store_spam_sample *spam, const struct store_audit *audit,
                       struct comment *out, int64_t *event_seq)
{
    (void)a, (void)st, (void)id, (void)status, (void)audit, (void)out, (void)event_seq;
    n_sampled += spam != NULL;
    return STET_ECONFLICT;
}

/* An edit that overtakes the decision: the decision reads the text again and trains
 * on the words the comment has now; an author who keeps editing gets the moderator
 * a conflict, after a bounded number of tries. */
static void test_decision_overtaken_by_an_edit(void **state)
{
    struct decide_fx *f = *state;
    struct dctx *ctx = &f->d.ctx;
    struct comment out;
    static struct store_ops patched;
    real_ops = f->d.st->ops;
    n_sampled = 0;
    test_store_patch(f->d.st, &patched)->comment_set_status = edit_first;
    int64_t id = said(f, &f->reader, "Cheap replica watches online");
    assert_int_equal(comment_reject(ctx, &f->mod, id, STR_NULL, &out), 0);
    assert_int_equal(n_sampled, 2);
    assert_string_equal(out.body_src, "Buy cheap pills");
    assert_int_equal(count(ctx, "pills", true), 1);
    assert_int_equal(count(ctx, "replica", true), 0);

    patched.comment_set_status = edit_always;
    n_sampled = 0;
    assert_int_equal(comment_approve(ctx, &f->mod, id, STR_NULL, &out), STET_ECONFLICT);
    assert_int_equal(n_sampled, 3);
    assert_non_null(strstr(f->d.err.message, "edited"));
    assert_int_equal(count(ctx, "pills", true), 1);
    f->d.st->ops = real_ops;
}

/* ---- the remote check (spam_filter_ask_remote) ---- */

struct remote_fake {
    enum spam_remote_answer answer;
    int calls;
    struct spam_remote_comment seen;
};

static enum spam_remote_answer remote(void *ctx, const struct spam_remote_comment *c,
                                      const char *rid)
{
    struct remote_fake *r = ctx;
    (void)rid;
    r->calls++;
    r->seen = *c;
    return r->answer;
}

/* Only a reader's comment the local checks let through is sent; "spam" holds it
 * with the remote reason, no answer or "ham" leaves the verdict as it was. */
static void test_ask_remote(void **state)
{
    struct arena *a = *state;
    struct remote_fake r = {.answer = SPAM_REMOTE_SPAM};
    struct domain_env env = {.spam = on, .spam_remote = remote, .spam_remote_ctx = &r};
    struct dctx ctx = {.a = a,
                       .env = &env,
                       .now = 1700000000,
                       .client = str_from("203.0.113.7"),
                       .user_agent = str_from("UA"),
                       .referrer = str_from("https://ref.example/")};
    static const struct user reader = {
        .id = 7, .username = "anna", .display_name = "Anna M", .email = "anna@example.org"};
    static const struct user mod = {.id = 8, .username = "mo", .role = ROLE_MODERATOR};
    static const struct story story = {.id = 1, .slug = "bridge"};
    const struct str text = str_from("Nice words");

    struct spam_assessment s = {0};
    spam_filter_ask_remote(&ctx, &reader, &story, text, false, &s);
    assert_int_equal(r.calls, 1);
    assert_true(s.verdict.is_held);
    assert_string_equal(s.verdict.reason, SPAM_REASON_REMOTE);
    assert_true(str_eq_cstr(r.seen.user_ip, "203.0.113.7"));
    assert_true(str_eq_cstr(r.seen.user_agent, "UA"));
    assert_true(str_eq_cstr(r.seen.referrer, "https://ref.example/"));
    assert_true(str_eq_cstr(r.seen.story_slug, "bridge"));
    assert_true(str_eq_cstr(r.seen.author, "Anna M"));
    assert_true(str_eq_cstr(r.seen.author_email, "anna@example.org"));
    assert_true(str_eq_cstr(r.seen.content, "Nice words"));
    assert_int_equal(r.seen.date, 1700000000);

    /* Not sent: held already (by a policy or by the filter), staff, filter off. */
    s = (struct spam_assessment){0};
    spam_filter_ask_remote(&ctx, &reader, &story, text, true, &s);
    s.verdict.is_held = true;
    s.verdict.reason = "spam: same text on another story";
    spam_filter_ask_remote(&ctx, &reader, &story, text, false, &s);
    assert_string_equal(s.verdict.reason, "spam: same text on another story");
    s = (struct spam_assessment){0};
    spam_filter_ask_remote(&ctx, &mod, &story, text, false, &s);
    spam_filter_ask_remote(&ctx, NULL, &story, text, false, &s);
    env.spam.enabled = false;
    spam_filter_ask_remote(&ctx, &reader, &story, text, false, &s);
    assert_int_equal(r.calls, 1);
    assert_false(s.verdict.is_held);

    /* Asked, but no answer or "not spam": the local verdict stands. */
    env.spam.enabled = true;
    const enum spam_remote_answer quiet[] = {SPAM_REMOTE_NONE, SPAM_REMOTE_HAM};
    for (size_t i = 0; i < 2; i++) {
        r.answer = quiet[i];
        s = (struct spam_assessment){.verdict = {.has_score = true, .score = 420}};
        spam_filter_ask_remote(&ctx, &reader, &story, text, false, &s);
        assert_false(s.verdict.is_held);
        assert_null(s.verdict.reason);
        assert_int_equal(s.verdict.score, 420);
    }
    assert_int_equal(r.calls, 3);
    /* Not configured: nothing to call. */
    env.spam_remote = NULL;
    spam_filter_ask_remote(&ctx, &reader, &story, text, false, &s);
    assert_int_equal(r.calls, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_words_folded_distinct_sorted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_link_hosts_and_shapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tokens_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_hash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_classifier_learns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_classifier_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_judge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filter_on_a_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ask_remote, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decisions_train_on_the_text, decide_setup,
                                        domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_decision_overtaken_by_an_edit, decide_setup,
                                        domain_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
