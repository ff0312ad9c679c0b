/* Scoring a comment at post time, the sample a decision trains on, and training on
 * imported messages (spam_filter.h). */
#include "domain/spam_filter.h"

#include <string.h>

/* The window of the posting-speed signal. */
#define BURST_WINDOW 60

/* Staff decide; a legacy comment was decided by the system it came from. */
static bool is_exempt(const struct user *author)
{
    return author == NULL || author->role >= ROLE_MODERATOR;
}

int spam_filter_assess(const struct dctx *ctx, const struct user *author, int64_t story_id,
                       struct str text, const char *html, enum spam_filter_occasion occasion,
                       struct spam_assessment *out)
{
    const struct spam_settings *s = &ctx->env->spam;
    *out = (struct spam_assessment){0};
    if (!s->enabled || is_exempt(author))
        return 0;
    struct spam_text t;
    spam_analyze(ctx->a, text.ptr, text.len, html, &t);
    const struct store_spam_probe probe = {
        .story_id = story_id,
        .hash = s->duplicate_window > 0 ? t.hash : 0,
        .since = ctx->now - s->duplicate_window,
        .author_id = author->id,
        .recent_since = ctx->now - BURST_WINDOW,
        /* This comment is not stored yet: burst - 1 earlier ones make a burst. An
         * edit adds no comment to the author's pace: nothing to count. */
        .recent_limit = s->burst > 0 && occasion == SPAM_FILTER_POST ? s->burst - 1 : 0,
    };
    struct store_spam_signals sig;
    int rc = store_spam_signals(ctx->st, &probe, &sig);
    if (rc != 0)
        return rc;
    out->hash = t.hash;
    struct spam_signals in = {
        .duplicate = sig.duplicate_story != 0,
        .n_recent = occasion == SPAM_FILTER_POST ? sig.n_recent + 1 : 0,
        .n_links = t.n_links,
        .n_words = t.n_words,
    };
    /* Before the filter was trained enough the token counts are not read at all. */
    if (sig.n_spam >= s->min_training && sig.n_ham >= s->min_training) {
        struct store_spam_count *counts;
        size_t n;
        const char *tokens = spam_tokens_json(ctx->a, t.tokens, t.n_tokens);
        rc = store_spam_counts(ctx->a, ctx->st, tokens, &counts, &n);
        if (rc != 0)
            return rc;
        in.has_p = spam_classify(counts, n, sig.n_spam, sig.n_ham, s->min_training, &in.p);
    }
    spam_judge(ctx->a, s, &in, &out->verdict);
    return 0;
}

void spam_filter_ask_remote(const struct dctx *ctx, const struct user *author,
                            const struct story *story, struct str text, bool held,
                            struct spam_assessment *s)
{
    const struct domain_env *env = ctx->env;
    if (env->spam_remote == NULL || !env->spam.enabled || is_exempt(author) || held ||
        s->verdict.is_held)
        return;
    const char *name = author->display_name != NULL && author->display_name[0] != '\0'
                           ? author->display_name
                           : author->username;
    const struct spam_remote_comment c = {
        .user_ip = ctx->client,
        .user_agent = ctx->user_agent,
        .referrer = ctx->referrer,
        .story_slug = str_from(story->slug),
        .author = str_from(name),
        .author_email = str_from(author->email != NULL ? author->email : ""),
        .content = text,
        .date = ctx->now,
    };
    if (env->spam_remote(env->spam_remote_ctx, &c, ctx->request_id) != SPAM_REMOTE_SPAM)
        return;
    s->verdict.is_held = true;
    s->verdict.reason = SPAM_REASON_REMOTE;
}

void spam_filter_apply(const struct spam_assessment *s, struct comment *c)
{
    c->has_spam_score = s->verdict.has_score;
    c->spam_score = s->verdict.score;
    c->spam_hash = s->hash;
    if (s->verdict.is_held) {
        if (c->status != COMMENT_HELD)
            c->hold_reason = s->verdict.reason;
        c->status = COMMENT_HELD;
    }
}

bool spam_filter_sample(const struct dctx *ctx, const struct comment *c, enum comment_status status,
                        struct store_spam_sample *out)
{
    if (!ctx->env->spam.enabled || (status != COMMENT_VISIBLE && status != COMMENT_REJECTED))
        return false;
    if (c->is_legacy || c->author_id == 0 || c->author_role >= ROLE_MODERATOR)
        return false;
    struct spam_text t;
    spam_analyze(ctx->a, c->body_src, strlen(c->body_src), c->body_html, &t);
    *out = (struct store_spam_sample){
        .tokens_json = spam_tokens_json(ctx->a, t.tokens, t.n_tokens),
        .body_src = c->body_src,
    };
    return true;
}

int spam_filter_train(const struct dctx *ctx, struct str text, const char *html, bool is_spam)
{
    struct spam_text t;
    spam_analyze(ctx->a, text.ptr, text.len, html != NULL ? html : "", &t);
    return store_spam_train(ctx->st, spam_tokens_json(ctx->a, t.tokens, t.n_tokens), is_spam);
}
