/* The spam filter's tokenizer, classifier and verdict (spam.h). */
#include "domain/spam.h"

#include "base/buf.h"
#include "base/fold.h"
#include "base/hash.h"
#include "domain/policy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- tokens ---- */

/* Twice the most tokens kept, a power of two: the set never fills past half. */
#define SET_SLOTS 512

/* The distinct tokens of one comment, in the order first seen, at most
 * SPAM_TOKENS_MAX; later ones are dropped (a comment's first 200 distinct words
 * say enough, and the store's work stays bounded). */
struct token_set {
    struct arena *a;
    const char *v[SPAM_TOKENS_MAX];
    size_t n;
    int16_t slot[SET_SLOTS]; /* index into v plus one; 0: empty */
};

static void add_token(struct token_set *s, const char *p, size_t len)
{
    if (s->n == SPAM_TOKENS_MAX)
        return;
    size_t i = (size_t)hash_bytes(HASH_INIT, p, len) & (SET_SLOTS - 1);
    for (; s->slot[i] != 0; i = (i + 1) & (SET_SLOTS - 1)) {
        const char *t = s->v[s->slot[i] - 1];
        if (strlen(t) == len && memcmp(t, p, len) == 0)
            return;
    }
    s->v[s->n] = arena_strndup(s->a, p, len);
    s->slot[i] = (int16_t)++s->n;
}

static void add_cstr(struct token_set *s, const char *t)
{
    add_token(s, t, strlen(t));
}

/* The host of an http(s) URL as a token "host:example.com": lower case, without
 * user info, port or a leading "www.", only the characters a host name has; false
 * for other schemes and for anything that is not a plain host name. */
static bool host_token(const char *url, size_t len, char *out, size_t out_size)
{
    size_t skip = len >= 7 && strncasecmp(url, "http://", 7) == 0    ? 7
                  : len >= 8 && strncasecmp(url, "https://", 8) == 0 ? 8
                                                                     : 0;
    if (skip == 0)
        return false;
    const char *h = url + skip, *end = url + len;
    const char *stop = h;
    while (stop < end && strchr("/?#\"", *stop) == NULL)
        stop++;
    for (const char *at = h; at < stop; at++)
        if (*at == '@')
            h = at + 1; /* user info, then the host */
    if (stop - h > 4 && strncasecmp(h, "www.", 4) == 0)
        h += 4;
    size_t n = (size_t)snprintf(out, out_size, "host:");
    for (; h < stop && *h != ':' && n + 1 < out_size; h++) {
        char c = (char)(*h >= 'A' && *h <= 'Z' ? *h + 32 : *h);
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
            return false;
        out[n++] = c;
    }
    out[n] = '\0';
    return n > 5 && n - 5 <= SPAM_HOST_MAX;
}

/* The hosts the rendered HTML links to. The renderer writes every link as
 * `<a href="URL"` with the URL escaped for an attribute, so a quote ends it. */
static void add_hosts(struct token_set *s, const char *html)
{
    size_t n_hosts = 0;
    for (const char *p = html; p != NULL && n_hosts < SPAM_HOSTS_MAX;) {
        p = strstr(p, "<a href=\"");
        if (p == NULL)
            break;
        p += 9;
        const char *q = strchr(p, '"');
        size_t len = q != NULL ? (size_t)(q - p) : strlen(p);
        char host[SPAM_HOST_MAX + 8];
        if (host_token(p, len, host, sizeof(host))) {
            add_cstr(s, host);
            n_hosts++;
        }
        p += len;
    }
}

/* Runs of non-blank bytes: words as a reader counts them, a URL being one. */
static size_t count_words(const char *text, size_t len)
{
    size_t n = 0;
    bool in_word = false;
    for (size_t i = 0; i < len; i++) {
        bool blank = strchr(" \t\n\r\f\v", text[i]) != NULL && text[i] != '\0';
        if (!blank && !in_word)
            n++;
        in_word = !blank;
    }
    return n;
}

/* Shouting: at least 12 ASCII letters, 60 % or more of them capitals. */
static bool is_shouting(const char *text, size_t len)
{
    size_t letters = 0, upper = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c >= 'A' && c <= 'Z')
            upper++;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
            letters++;
    }
    return letters >= 12 && upper * 5 >= letters * 3;
}

static const char *words_bucket(size_t n)
{
    return n <= 5     ? "shape:words:1-5"
           : n <= 20  ? "shape:words:6-20"
           : n <= 100 ? "shape:words:21-100"
                      : "shape:words:100+";
}

static int cmp_token(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The folded text's words as tokens; the number of words folded. One-byte words
 * ("a", "5") say nothing and are skipped; a word longer than SPAM_TOKEN_MAX bytes
 * (a random string, base64) is one shape token rather than a token of its own. */
static size_t add_words(struct token_set *s, const char *folded, size_t len)
{
    size_t n_words = 0;
    for (size_t i = 1; i < len;) {
        const char *w = folded + i;
        const char *sp = memchr(w, ' ', len - i);
        size_t wlen = sp != NULL ? (size_t)(sp - w) : len - i;
        i += wlen + 1;
        if (wlen == 0)
            continue;
        n_words++;
        if (wlen > SPAM_TOKEN_MAX)
            add_cstr(s, "shape:longword");
        else if (wlen > 1)
            add_token(s, w, wlen);
    }
    return n_words;
}

void spam_analyze(struct arena *a, const char *text, size_t len, const char *html,
                  struct spam_text *out)
{
    struct token_set *s = arena_zalloc(a, sizeof(*s));
    s->a = a;
    out->n_words = count_words(text, len);
    out->n_links = policy_count_links(html);
    /* The shapes and hosts first: they are the strongest clues, so the cap on
     * tokens never drops them. */
    static const char *const links[] = {"shape:links:0", "shape:links:1", "shape:links:2",
                                        "shape:links:3+"};
    add_cstr(s, links[out->n_links < 3 ? out->n_links : 3]);
    add_cstr(s, words_bucket(out->n_words));
    if (is_shouting(text, len))
        add_cstr(s, "shape:caps");
    add_hosts(s, html);

    char *folded = arena_alloc(a, FOLD_OUT_MAX(len));
    size_t folded_len = fold_words(text, len, folded);
    size_t n_folded = add_words(s, folded, folded_len);
    out->hash = 0;
    if (n_folded >= SPAM_DUP_MIN_WORDS) {
        uint64_t h = hash_bytes(HASH_INIT, folded, folded_len);
        out->hash = h != 0 ? (int64_t)h : 1;
    }
    out->tokens = ARENA_NEW_ARRAY(a, const char *, s->n + 1);
    memcpy(out->tokens, s->v, s->n * sizeof(s->v[0]));
    out->n_tokens = s->n;
    qsort(out->tokens, out->n_tokens, sizeof(out->tokens[0]), cmp_token);
}

const char *spam_tokens_json(struct arena *a, const char *const *tokens, size_t n)
{
    struct buf b;
    buf_init(&b);
    buf_putc(&b, '[');
    for (size_t i = 0; i < n; i++) {
        buf_puts(&b, i > 0 ? ",\"" : "\"");
        for (const unsigned char *p = (const unsigned char *)tokens[i]; *p != '\0'; p++) {
            if (*p == '"' || *p == '\\')
                buf_printf(&b, "\\%c", *p);
            else if (*p < 0x20)
                buf_printf(&b, "\\u%04x", *p);
            else
                buf_putc(&b, (char)*p);
        }
        buf_putc(&b, '"');
    }
    buf_putc(&b, ']');
    const char *json = arena_strndup(a, buf_cstr(&b), b.len);
    buf_cleanup(&b);
    return json;
}

/* ---- the classifier ---- */

/* Robinson's prior: a token seen n times has probability (S * X + n * p) / (S + n),
 * so one seen once in spam is 0.84, not 1. SpamBayes' tuned values. */
#define PRIOR_STRENGTH 0.45
#define PRIOR_X        0.5
/* A token whose probability is within this of 0.5 is no clue. */
#define MIN_STRENGTH 0.1

/* The chance that a chi-square variable of `v` (even) degrees of freedom is at
 * least x2; the series of the upper tail for even degrees, as SpamBayes computes
 * it. exp underflowing to 0 is the right answer for a huge x2. */
static double chi2_q(double x2, size_t v)
{
    double m = x2 / 2.0, term = exp(-m), sum = term;
    for (size_t i = 1; i < v / 2; i++) {
        term *= m / (double)i;
        sum += term;
    }
    return sum < 1.0 ? sum : 1.0;
}

/* A token's spam probability from its counts, with the prior. */
static double token_prob(const struct store_spam_count *c, int64_t n_spam, int64_t n_ham)
{
    /* A token is counted once per message, so its counts cannot pass the message
     * totals; imported or hand-edited counts are clamped rather than trusted. */
    int64_t spam = c->spam < n_spam ? c->spam : n_spam;
    int64_t ham = c->ham < n_ham ? c->ham : n_ham;
    double n = (double)(spam + ham);
    if (n <= 0)
        return PRIOR_X;
    double sr = (double)spam / (double)n_spam, hr = (double)ham / (double)n_ham;
    double p = sr / (sr + hr);
    return (PRIOR_STRENGTH * PRIOR_X + n * p) / (PRIOR_STRENGTH + n);
}

static int cmp_strength(const void *x, const void *y)
{
    double a = fabs(*(const double *)x - 0.5), b = fabs(*(const double *)y - 0.5);
    return (a < b) - (a > b); /* strongest first */
}

bool spam_classify(const struct store_spam_count *c, size_t n, int64_t n_spam, int64_t n_ham,
                   int64_t min_training, double *p)
{
    if (min_training < 1)
        min_training = 1;
    if (n_spam < min_training || n_ham < min_training)
        return false;
    double clues[SPAM_TOKENS_MAX];
    size_t n_clues = 0;
    for (size_t i = 0; i < n && n_clues < SPAM_TOKENS_MAX; i++) {
        double f = token_prob(&c[i], n_spam, n_ham);
        if (fabs(f - 0.5) >= MIN_STRENGTH)
            clues[n_clues++] = f;
    }
    if (n_clues == 0) {
        *p = 0.5;
        return true;
    }
    qsort(clues, n_clues, sizeof(clues[0]), cmp_strength);
    if (n_clues > SPAM_MAX_CLUES)
        n_clues = SPAM_MAX_CLUES;
    /* Fisher: -2 * sum(ln p) is chi-square with 2n degrees of freedom when the p
     * are uniform. S measures how far the clues are from "not spam", H from "not
     * ham"; their difference, scaled to [0, 1], is the score. The prior keeps
     * every f inside (0, 1), so no logarithm is of 0. */
    double ln_ham = 0.0, ln_spam = 0.0;
    for (size_t i = 0; i < n_clues; i++) {
        ln_ham += log(clues[i]);
        ln_spam += log(1.0 - clues[i]);
    }
    double s = 1.0 - chi2_q(-2.0 * ln_spam, 2 * n_clues);
    double h = 1.0 - chi2_q(-2.0 * ln_ham, 2 * n_clues);
    double score = (s - h + 1.0) / 2.0;
    *p = score < 0.0 ? 0.0 : score > 1.0 ? 1.0 : score;
    return true;
}

/* ---- the verdict ---- */

#define WEIGHT_DUPLICATE 990
#define WEIGHT_BURST     980
#define WEIGHT_LINKS     950

static void raise_score(struct spam_verdict *out, int weight)
{
    if (!out->has_score || out->score < weight)
        out->score = weight;
    out->has_score = true;
}

static void hold(struct spam_verdict *out, const char *reason)
{
    if (!out->is_held)
        out->reason = reason;
    out->is_held = true;
}

static bool too_dense(const struct spam_settings *s, const struct spam_signals *sig)
{
    if (s->link_density <= 0 || sig->n_links < 2)
        return false;
    size_t words = sig->n_words > 0 ? sig->n_words : 1;
    return (double)sig->n_links / (double)words > s->link_density;
}

void spam_judge(struct arena *a, const struct spam_settings *s, const struct spam_signals *sig,
                struct spam_verdict *out)
{
    *out = (struct spam_verdict){0};
    if (!s->enabled)
        return;
    if (sig->has_p) {
        out->has_score = true;
        out->score = (int)lround(sig->p * 1000.0);
    }
    if (sig->duplicate) {
        raise_score(out, WEIGHT_DUPLICATE);
        hold(out, SPAM_REASON_DUPLICATE);
    }
    if (s->burst > 0 && sig->n_recent >= s->burst) {
        raise_score(out, WEIGHT_BURST);
        hold(out, arena_printf(a, "spam: %lld comments in a minute", (long long)sig->n_recent));
    }
    if (too_dense(s, sig)) {
        raise_score(out, WEIGHT_LINKS);
        hold(out, arena_printf(a, "spam: %zu links in %zu words", sig->n_links, sig->n_words));
    }
    if (sig->has_p && sig->p >= s->hold_at)
        hold(out, arena_printf(a, "spam: %.2f (like rejected spam)", sig->p));
}
