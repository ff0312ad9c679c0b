/* The one storage interface. The rest of stet calls the store_* functions below and
 * never sees SQL or a driver type. A store is either one connection (store_open),
 * used by one thread at a time, or a pool's view (store_pool_store), through which
 * each operation borrows a connection for its own length.
 *
 * The operations are written once, in the SQL core (store/sql/): each runs the
 * statements of store/sql/queries.def through a driver (store/sqlite, store/pg) that
 * knows only how to prepare, bind, step and map errors. struct store_ops is the seam:
 * a connection's table is the core's (sql_store_ops), a pool's view wraps three of
 * its operations (store/pooled.c: the memo and the group committer), and tests may
 * put a fake in its place.
 *
 * Every operation returns 0 or a negative STET_E* code: ENOTFOUND (no row),
 * ECONFLICT (a unique value taken), EUNAVAIL (database unreachable), EIO (anything
 * else; the driver has logged its message). Objects read are allocated in the
 * caller's arena. Each operation is atomic: it commits or changes nothing. */
#ifndef STET_STORE_STORE_H
#define STET_STORE_STORE_H

#include "base/arena.h"
#include "base/err.h"
#include "base/str.h"
#include "domain/types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STORE_TOKEN_HASH_LEN 64 /* hex of a 32-byte hash */

/* Keyset page request over (sort key, id). `has_cursor` false: first page. */
struct store_page {
    int limit; /* rows wanted; the backend returns at most limit */
    bool has_cursor;
    int64_t cursor_time; /* sort key of the last row already seen */
    int64_t cursor_id;   /* id of the last row already seen */
    bool newest_first;
};

/* A month of the archive (store_story_months): its first second in Unix time (UTC)
 * and how many stories were published in it. */
struct store_month {
    int64_t start;
    int64_t n_stories;
};

struct comment_filter {
    int64_t story_id;
    int64_t viewer_id; /* also return this user's own held comments; 0: none */
    /* Only viewer_id's held comments of the story (the page's "awaiting moderation"
     * block), no visible ones: one bounded range of that author's held comments. */
    bool own_held_only;
};

struct store;

/* Rate-limit buckets (store_rate_take): a bucket is named by STORE_RATE_KEY_LEN
 * lowercase hex digits (a keyed hash of what is limited and for whom, see
 * domain/ratelimit.c). The arguments' bounds keep every sum the backends compute
 * far from overflowing; store_rate_take answers EINVAL outside them. */
#define STORE_RATE_KEY_LEN      64
#define STORE_RATE_NOW_MAX_MS   INT64_C(100000000000000)          /* year 5138 */
#define STORE_RATE_INTERVAL_MAX (INT64_C(366) * 24 * 3600 * 1000) /* a year, in ms */
#define STORE_RATE_CAPACITY_MAX 1000000
#define STORE_RATE_TAKE_MAX     4 /* buckets one store_rate_take may name */

/* One bucket for store_rate_take: named by `key` (STORE_RATE_KEY_LEN hex digits), it
 * holds at most `capacity` tokens and gains one every `interval_ms`; a bucket
 * never hit is full. */
struct store_rate_bucket {
    const char *key;
    int64_t interval_ms;
    int capacity;
};
/* Site keys (store_site_key): STORE_SITE_KEY_LEN lowercase hex digits (256 bits)
 * under a name of at most STORE_SITE_KEY_NAME_MAX bytes. */
#define STORE_SITE_KEY_LEN      64
#define STORE_SITE_KEY_NAME_MAX 64

/* One entry of the audit log: what a moderator or an admin did (`action`, e.g.
 * "comment.reject"), to what (`target`, e.g. "comment:12"), when, and why (`note`,
 * "" when none). actor_id 0: stet itself or a command on the server. */
struct store_audit {
    int64_t id; /* given by the store */
    int64_t at; /* Unix seconds */
    int64_t actor_id;
    const char *actor; /* username, when read; NULL for stet itself */
    const char *action;
    const char *target;
    const char *note;
};

/* ---- site settings (settings.c) ---- */
/* A setting an admin stored over the configuration file's value (table
 * site_settings): its key, its value, when and by whom (username; NULL for a
 * command on the server or an account that no longer exists). */
struct store_setting {
    const char *key;
    const char *value;
    int64_t changed_at;
    const char *changed_by;
};
/* One change of settings_change: `value` NULL deletes the key (back to the file's
 * value); `audit` is appended in the same transaction. */
struct store_setting_change {
    const char *key;
    const char *value;
    struct store_audit audit;
};
/* The most settings there are (setting_list reads no more) and the most one
 * settings_change takes. */
#define STORE_SETTINGS_MAX    64
#define STORE_SETTING_KEY_MAX 64

/* An account as the moderators' users page lists it: the user and, while they are
 * suspended or banned, why (NULL otherwise). */
struct store_account {
    struct user user;
    const char *suspension_reason;
};

/* ---- spam: what the filter reads (store_spam_signals, store_spam_counts) ---- */

/* The most tokens one read or training takes (domain/spam.h keeps to it). */
#define STORE_SPAM_TOKENS_MAX 200

/* A token and in how many spam and ham messages it was trained. */
struct store_spam_count {
    const char *token;
    int64_t spam;
    int64_t ham;
};

/* What store_spam_signals looks for about a comment to be posted to `story_id`. */
struct store_spam_probe {
    int64_t story_id;
    int64_t hash;         /* the folded text's hash; 0: no duplicate check */
    int64_t since;        /* a duplicate counts when created at or after this */
    int64_t author_id;    /* whose recent comments are counted; 0: none */
    int64_t recent_since; /* the author's comments created at or after this */
    int64_t recent_limit; /* count up to this many (the count stops there) */
};

struct store_spam_signals {
    int64_t n_spam, n_ham;   /* messages trained as each */
    int64_t duplicate_story; /* a story other than the probe's with the same text; 0: none */
    int64_t n_recent;        /* the author's comments since recent_since, <= recent_limit */
};

/* What a moderator's decision trains the filter on (store_comment_decide): the
 * tokens of the comment's text as the domain read it (a JSON array, domain/spam.h),
 * and that text, which must still be the comment's when the decision commits. */
struct store_spam_sample {
    const char *tokens_json;
    const char *body_src;
};

/* A comment's text as its author's edit leaves it (comment_edit). */
struct store_comment_revision {
    const char *body_src;  /* the Markdown */
    const char *body_html; /* its rendering */
    int64_t edited_at;
    /* Non-NULL: a policy or the spam filter holds the edited comment, with this
     * reason. */
    const char *hold_reason;
    /* The spam filter's view of the new text, replacing the old one's: the score
     * (thousandths; stored as NULL unless has_spam_score) and the text hash (0:
     * none). */
    bool has_spam_score;
    int spam_score;
    int64_t spam_hash;
};

struct store_ops {
    int (*story_insert)(struct store *st, const struct story *s, int64_t *id);
    int (*story_find)(struct arena *a, struct store *st, struct str slug, struct story *out);
    /* Newest published first (published_at DESC, id DESC); cursor on those keys. */
    int (*story_list)(struct arena *a, struct store *st, const struct store_page *pg,
                      struct story **out, size_t *n);
    int (*story_set_open)(struct store *st, int64_t story_id, bool open);
    /* counts[i] = visible comments of slugs[i], or -1 when no such story. */
    int (*story_counts)(struct store *st, const struct str *slugs, size_t n, int64_t *counts);
    /* Stories with from <= published_at < to, in (published_at, id) order: newest
     * first when pg->newest_first, else oldest first; with pg->has_cursor only rows
     * past the cursor in that order. At most pg->limit (EINVAL when negative). */
    int (*story_list_range)(struct arena *a, struct store *st, int64_t from, int64_t to,
                            const struct store_page *pg, struct story **out, size_t *n);
    /* The months (UTC calendar) of the stories with from <= published_at < to,
     * newest first, each with its story count; at most `limit` (EINVAL below 1).
     * `from` must not precede the year 0000 (TIME_MIN, base/timefmt.h), where the
     * databases' calendars differ; EINVAL otherwise. */
    int (*story_months)(struct arena *a, struct store *st, int64_t from, int64_t to, int limit,
                        struct store_month **out, size_t *n);

    /* ECONFLICT when the username or email is taken, without regard to case (the
     * keys of base/ident.h, which the backend computes and stores with the row).
     * EINVAL when u->username or u->email has not the shape SPEC 6 allows. */
    int (*user_insert)(struct store *st, const struct user *u, const char *password_hash,
                       int64_t *id);
    /* By username or email, without regard to case: by equality of ident_key's key,
     * never by the database's case folding. ENOTFOUND for a login that is neither
     * a username nor an e-mail address. `password_hash` may be NULL. */
    int (*user_find_login)(struct arena *a, struct store *st, struct str login, struct user *out,
                           const char **password_hash);
    int (*user_find_id)(struct arena *a, struct store *st, int64_t id, struct user *out);
    /* By username, without regard to case, as user_find_login. */
    int (*user_set_role)(struct store *st, struct str username, enum role role);

    /* ---- reports, suspensions, audited role changes ---- */
    /* Reader `reporter_id` reports comment `comment_id` for `reason` at `now`, in
     * one transaction: the report is stored and the comment's report_count goes up
     * by one; when the comment is visible and its count reaches `threshold` (> 0;
     * 0: never) it becomes held, its story changes as for any comment leaving the
     * page (count, event number, content version, NOTIFY) and the audit log gets
     * {stet itself, "comment.hold", "comment:ID", "N reports"}. *held tells whether
     * it was held; *event_seq the event to publish after commit (0: none).
     * ENOTFOUND for an unknown comment, ECONFLICT when this reader already reported
     * it (then nothing changes), EINVAL for an unknown reader. */
    int (*report_add)(struct store *st, int64_t comment_id, int64_t reporter_id, const char *reason,
                      int64_t now, int threshold, bool *held, int64_t *event_seq);
    /* Suspends the user (by username, as user_set_role) until `until` (Unix
     * seconds; USER_BANNED: a ban) for `reason`, and appends `audit` (may be NULL)
     * in the same transaction. ENOTFOUND for an unknown user, EINVAL for until <= 0. */
    int (*user_suspend)(struct store *st, struct str username, int64_t until, const char *reason,
                        const struct store_audit *audit);
    /* Lifts a suspension or ban (none: still 0), with `audit` (may be NULL) in the
     * same transaction. ENOTFOUND for an unknown user. */
    int (*user_unsuspend)(struct store *st, struct str username, const struct store_audit *audit);
    /* Gives `username` the password hash `hash` and ends every session of the
     * account, with `audit` (required) in the same transaction. ENOTFOUND for an
     * unknown user; EINVAL for a NULL hash or audit. */
    int (*user_set_password)(struct store *st, struct str username, const char *hash,
                             const struct store_audit *audit);
    /* user_set_role with `audit` (may be NULL) appended in the same transaction. */
    int (*user_set_role_audit)(struct store *st, struct str username, enum role role,
                               const struct store_audit *audit);

    int (*session_insert)(struct store *st, const char *token_hash, int64_t user_id,
                          int64_t created_at, int64_t expires_at);
    /* The session's user when the session exists and expires after `now`. */
    int (*session_find)(struct arena *a, struct store *st, const char *token_hash, int64_t now,
                        struct user *out);
    int (*session_delete)(struct store *st, const char *token_hash);

    /* Inserts and, when the comment is visible, bumps the story's count and its
     * event_seq and gives the comment that number (c->event_seq is ignored;
     * `event_seq` receives it, 0 for an invisible comment), all in one transaction.
     * Because the story row is updated in the transaction, event numbers of a story
     * commit in increasing order. On PostgreSQL the transaction also sends
     * NOTIFY stet_events, 'STORY_ID:SEQ' so other nodes learn of it at commit. */
    int (*comment_insert)(struct store *st, const struct comment *c, int64_t *id,
                          int64_t *event_seq);
    int (*comment_find)(struct arena *a, struct store *st, int64_t id, struct comment *out);
    /* Visible comments of a story, its "comment deleted" placeholders
     * (is_placeholder) and the viewer's own held comments, in commit order,
     * which is id order (created_at is the request's clock, taken before a group
     * commit, and may disagree): oldest first unless pg->newest_first. The keyset
     * is the id alone: rows after pg->cursor_id; pg->cursor_time is not used. */
    int (*comment_list)(struct arena *a, struct store *st, const struct comment_filter *f,
                        const struct store_page *pg, struct comment **out, size_t *n);
    /* Where comment `id` falls among what story `story_id`'s page shows (visible
     * comments and "comment deleted" placeholders) in commit (id) order, cut into
     * pages of `page_size`: *n_before = how many of them have a smaller id (any id
     * has a place, stored or not); *page_after = the last of them before the page
     * holding `id` (that page's keyset cursor), 0 when it is the first page. Two
     * reads: a change between them moves the boundary by that change at most.
     * EINVAL for page_size < 1. */
    int (*comment_position)(struct store *st, int64_t story_id, int64_t id, int page_size,
                            int64_t *n_before, int64_t *page_after);
    /* Comments of a story with event_seq > after_seq, whatever their status, by
     * event_seq, at most `limit` (the live stream's catch-up and fan-out). A
     * comment's event_seq is the number of its latest live event: it became
     * visible, was edited, or was rejected, held or deleted (then the caller must
     * show nothing of it but its id). Comments never visible have no number and
     * are never returned. EINVAL for limit < 0. */
    int (*comment_events)(struct arena *a, struct store *st, int64_t story_id, int64_t after_seq,
                          int limit, struct comment **out, size_t *n);
    /* *n = how many of user `author_id`'s comments are visible, counting no further
     * than `limit` (comments.premoderate = new asks whether there are N). EINVAL for
     * limit < 0. */
    int (*comment_count_approved)(struct store *st, int64_t author_id, int64_t limit, int64_t *n);

    /* ---- a reader's own comment, edited or deleted ---- */
    /* Replaces comment `id`'s text (Markdown and its rendered HTML), its spam score
     * and text hash with rev's and sets its edited_at, in one transaction; when the
     * comment is visible its story changes as for any edit of what its page shows
     * (event number, content version, the comment's event, NOTIFY; the count stays)
     * and *event_seq receives the event to publish after commit, else 0. ENOTFOUND
     * unless `id` is a visible or held comment (a rejected or deleted one has no
     * text left to edit); EINVAL for a NULL text or edited_at <= 0. rev->hold_reason
     * non-NULL: the edited comment is held, in the same transaction, with that
     * reason and, when it was visible, leaves its story's page as a held comment
     * does (one fewer, event number, content version), so its new text is never
     * shown. */
    int (*comment_edit)(struct store *st, int64_t id, const struct store_comment_revision *rev,
                        int64_t *event_seq);
    /* Marks comment `id` deleted, in one transaction; when it was visible its story
     * changes as for a comment leaving the page (one fewer, event number, content
     * version, NOTIFY) and *event_seq receives the event to publish, else 0. With a
     * reply on the page (visible, or a placeholder itself) it stays there as a
     * "comment deleted" placeholder (is_placeholder; its event is the placeholder's,
     * and it is not counted); without, placeholders above it that only it kept leave
     * too, each with its own event (*event_seq: the last). `audit`
     * (NULL: the author deleted their own) is appended in the same transaction.
     * The text stays in the row for moderators. ENOTFOUND for an unknown or
     * already deleted comment. */
    int (*comment_delete)(struct store *st, int64_t id, const struct store_audit *audit,
                          int64_t *event_seq);

    /* ---- moderator decisions, the moderation queue, the audit log ---- */
    /* A decision on comment `id`, in one transaction: its status becomes `status`
     * (COMMENT_VISIBLE, HELD or REJECTED; EINVAL for any other), and `audit` (may
     * be NULL) is appended. When the comment enters or leaves its story's page the
     * story changes as for any comment change (count by +1 or -1, event number,
     * content version, NOTIFY) and *event_seq receives the event to publish after
     * commit; otherwise it is 0. Making it visible (an approval) also sets its
     * report_count to 0, the reports themselves staying; a change of status clears the
     * hold_reason a policy gave it. The status it already has
     * changes nothing else (the audit entry is still written). Placeholders above it
     * follow, as for a delete (comment_delete). `out` (may be NULL)
     * receives the comment as committed, in `a`. ENOTFOUND for an unknown comment
     * or one its author deleted (a decision cannot bring it back).
     * With `spam` (may be NULL: no training) a VISIBLE or REJECTED decision also
     * trains the spam filter, in the same transaction, on spam->tokens_json: as ham
     * or as spam. What the comment was trained on before (the tokens and class
     * stored with it by its last training) leaves its side first, so a changed
     * decision never counts twice and an edited comment is counted for its new
     * text only; the same class on the same tokens, or HELD, changes no count.
     * ECONFLICT, nothing changed, when the comment's body_src is no longer
     * spam->body_src (edited since the caller read it). */
    int (*comment_set_status)(struct arena *a, struct store *st, int64_t id,
                              enum comment_status status, const struct store_spam_sample *spam,
                              const struct store_audit *audit, struct comment *out,
                              int64_t *event_seq);
    /* Comments that need a decision: held ones, and visible ones with report_count
     * > 0, in id order (oldest first unless pg->newest_first), after pg->cursor_id
     * with pg->has_cursor (cursor_time is not used); at most pg->limit (EINVAL when
     * negative). Each page costs the same however many comments wait. */
    int (*moderation_queue)(struct arena *a, struct store *st, const struct store_page *pg,
                            struct comment **out, size_t *n);
    /* The audit log newest first (by id), with each actor's username (NULL for stet
     * itself); with pg->has_cursor only entries before pg->cursor_id (cursor_time
     * and newest_first are not used). At most pg->limit (EINVAL when negative). */
    int (*audit_list)(struct arena *a, struct store *st, const struct store_page *pg,
                      struct store_audit **out, size_t *n);
    /* web: the moderators' users page. Accounts whose username key (base/ident.h)
     * starts with the key of `prefix` (empty: every account), newest first (by id),
     * with pg->has_cursor only those before pg->cursor_id (cursor_time and
     * newest_first are not used); at most pg->limit (EINVAL when negative). A prefix
     * that no username can start with (a byte outside A-Z a-z 0-9 _ . -, or longer
     * than a username) lists nobody. */
    int (*user_list)(struct arena *a, struct store *st, struct str prefix,
                     const struct store_page *pg, struct store_account **out, size_t *n);
    /* story_set_open with `audit` (may be NULL) appended in the same transaction. */
    int (*story_set_open_audit)(struct store *st, int64_t story_id, bool open,
                                const struct store_audit *audit);
    /* Writes story s->id's title, byline, body (source and HTML) and comments_open
     * as `s` has them, moves its content version, and appends `audit` in the same
     * transaction. ENOTFOUND for an unknown id. */
    int (*story_edit)(struct store *st, const struct story *s, const struct store_audit *audit);

    /* One hit on the buckets b[0..n) (1..STORE_RATE_TAKE_MAX) at `now_ms` (Unix
     * milliseconds), all or none: when every one has a token, one is taken from
     * each and *wait_ms is 0; otherwise nothing is taken from any and *wait_ms is
     * the exact time until every one has a token (> 0), so a refused request
     * spends no allowance anywhere. Atomic across connections and nodes: of
     * concurrent hits on a full bucket exactly `capacity` get through. The commit
     * may skip the fsync: a bucket lost in a power cut costs nothing. EINVAL for
     * arguments out of range (see STORE_RATE_*) or a malformed key. */
    int (*rate_take)(struct store *st, const struct store_rate_bucket *b, size_t n, int64_t now_ms,
                     int64_t *wait_ms);
    /* The site's secret key called `name` into `out` (STORE_SITE_KEY_LEN hex
     * digits and a NUL): the stored one, or else `candidate` (as many digits),
     * which is then stored. Connections and nodes asking at the same moment all
     * get the one stored. EINVAL for an empty name, one over
     * STORE_SITE_KEY_NAME_MAX bytes or a malformed candidate. */
    int (*site_key)(struct store *st, const char *name, const char *candidate, char *out);
    /* Housekeeping: deletes at most `limit` sessions that expired by `now` (Unix
     * seconds) and at most `limit` rate-limit buckets that are full again by then
     * (a full bucket acts exactly like a missing one); *sessions and *buckets
     * receive how many went. EINVAL for limit < 1 or `now` < 0. */
    int (*prune)(struct store *st, int64_t now, int limit, int64_t *sessions, int64_t *buckets);

    /* ---- site settings (settings.c) ---- */
    /* Every stored setting (at most STORE_SETTINGS_MAX) by key, in the arena; *out
     * NULL when none. A pool answers from its memo while no change was seen, so
     * reading them on every post costs no round trip (store/pooled.c). */
    int (*setting_list)(struct arena *a, struct store *st, struct store_setting **out, size_t *n);
    /* Applies `n` (1..STORE_SETTINGS_MAX) changes and their audit entries in one
     * transaction: all or none. `actor_id` 0: a command on the server. EINVAL for an
     * empty key or one over STORE_SETTING_KEY_MAX bytes. */
    int (*settings_change)(struct store *st, const struct store_setting_change *ch, size_t n,
                           int64_t actor_id, int64_t now);
    /* ---- spam (store/sql/spam.c) ---- */
    /* What the spam filter reads before a post (one statement, see struct
     * store_spam_probe). EINVAL for recent_limit < 0. */
    int (*spam_signals)(struct store *st, const struct store_spam_probe *q,
                        struct store_spam_signals *out);
    /* The counts of those tokens of `tokens_json` (a JSON array of strings) that
     * were ever trained, in one statement; at most STORE_SPAM_TOKENS_MAX rows, in
     * `a`, in no particular order. EINVAL for a NULL list; EIO for text that is not
     * a JSON array of strings. */
    int (*spam_counts)(struct arena *a, struct store *st, const char *tokens_json,
                       struct store_spam_count **out, size_t *n);
    /* Trains one message that is no comment here (imported spam or ham), in one
     * transaction: each token of `tokens_json` and the totals gain one on the side
     * `is_spam` names. On a connection inside store_transaction (copy.h) it runs in
     * that transaction. EINVAL for a NULL list. */
    int (*spam_train)(struct store *st, const char *tokens_json, bool is_spam);
};

/* How an operation of the SQL core gets a connection (store/sql/exec.h). */
struct store_lessor;

struct store {
    const struct store_ops *ops;
    /* NULL: this store is one connection, which operations run on. Otherwise the
     * view of a pool that lends them one. */
    const struct store_lessor *lessor;
};

/* Opens one connection for a URL: "sqlite:PATH" (":memory:" allowed) or
 * "postgres://..." / "postgresql://...". EINVAL for an unknown scheme, EUNAVAIL or
 * EIO when it cannot be opened (logged). Close with store_close.
 *
 * Durability. SQLite runs in WAL mode with synchronous=FULL: a COMMIT returns only
 * after the WAL is fsynced, so an acknowledged write survives power loss.
 * "sqlite:PATH?synchronous=normal" (the config key database.synchronous) trades that
 * for speed: WAL fsyncs only at checkpoints, so a commit survives a crash of stet
 * but the last ones may be lost on power loss. "?synchronous=full" is the default
 * spelled out; any other "?..." stays part of the file name. On PostgreSQL the
 * server's synchronous_commit decides (on by default: COMMIT returns after the WAL
 * flush); stet does not change it. */
int store_open(const char *url, struct store **out) STET_MUST_CHECK;
/* The same for a command that must not create a database: SQLite opens the file
 * without SQLITE_OPEN_CREATE. ENOTFOUND, not logged, when there is no stet database
 * at the URL: no such SQLite file, or a database without stet's schema (an empty
 * file, a new PostgreSQL database), which is left unchanged. Otherwise as store_open;
 * the schema is not migrated. */
int store_open_existing(const char *url, struct store **out) STET_MUST_CHECK;
void store_close(struct store *st);

/* Applies every migration not yet recorded in schema_migrations, each in its own
 * transaction. `applied` (may be NULL) receives how many ran. */
int store_migrate(struct store *st, int *applied) STET_MUST_CHECK;

/* The group committer's write: inserts cs[0..n) in ONE transaction, each row
 * exactly as comment_insert would (count, event number, NOTIFY on PostgreSQL) and
 * each in its own savepoint, so a row that fails (rcs[i] < 0, e.g. EINVAL for an
 * unknown parent; ids[i] and seqs[i] then 0) changes nothing and the others still
 * commit. Returns 0 when the transaction committed: rcs[i], ids[i], seqs[i] are
 * each row's outcome. Returns a negative code when the transaction itself failed
 * (BEGIN, COMMIT, a lost connection): then no row was stored and every rcs[i]
 * holds that code. */
int store_comment_insert_batch(struct store *st, const struct comment *const *cs, size_t n,
                               int64_t *ids, int64_t *seqs, int *rcs) STET_MUST_CHECK;

/* *changed = true when the database may differ from what this connection saw at
 * its previous call: another connection or process committed since, or this
 * connection wrote. The first call answers true. Never false after a change that
 * committed before the call (a spurious true is allowed); on PostgreSQL, other
 * connections' commits are heard through NOTIFY, a moment after they commit. The
 * pool's change watcher calls it on a connection of its own; a pool's view, or a
 * driver that cannot tell, always answers true. */
int store_data_changed(struct store *st, bool *changed) STET_MUST_CHECK;

/* For tests: applies only the migrations numbered up to `max_version` (to build a
 * database as an older release left it), and runs trusted SQL text, on a store that
 * is one connection. */
int store_migrate_upto(struct store *st, int64_t max_version, int *applied) STET_MUST_CHECK;
int store_exec_sql(struct store *st, const char *sql) STET_MUST_CHECK;

/* A fixed set of connections shared by threads, seen through store_pool_store as
 * one store whose every operation borrows a connection for its own length: a
 * caller never holds one across anything slow of its own (password hashing, the
 * group-commit wait). Reads borrow from `n_read` connections and writes from
 * `n_write` others, so a writer waiting for the database's write lock never keeps
 * a reader waiting for a connection.
 *
 * comment_insert goes to a group committer: a thread with its own connection
 * (store_open of the same URL) that writes comments for every caller. It queues the
 * comment and blocks until the batch carrying it committed (or failed), then returns
 * that row's own result, exactly as a direct insert would; comments posted while a
 * batch commits form the next one (up to STORE_GC_MAX_BATCH), so concurrent posts
 * share one transaction and one fsync.
 *
 * Story and session reads are memoized and exact: an entry is used only while the
 * pool's change watcher (change_watch.h) vouches that nothing committed since it
 * was read, other than what this pool wrote (counted at once). A commit by another
 * process or node shows within CHANGE_WATCH_FRESH_MS.
 *
 * "sqlite::memory:" pools have one connection (each would be its own database), no
 * committer and no memo. EINVAL for a zero count; store_open's errors. */
#define STORE_GC_MAX_BATCH 256
struct store_pool;
int store_pool_new(const char *url, unsigned n_read, unsigned n_write,
                   struct store_pool **out) STET_MUST_CHECK;
/* Stops the committer and the watcher, then closes every connection; none may be
 * borrowed any more. */
void store_pool_free(struct store_pool *p);
/* The pool as a store (owned by the pool; store_close on it does nothing). With
 * `nowait`, an operation that would need a connection returns STET_EAGAIN instead
 * of waiting for one or for the database; only memoized reads can answer, which is
 * what a thread that must never block (an HTTP I/O thread) may use. Bulk-copy
 * operations answer EINVAL: they need store_pool_acquire. */
struct store *store_pool_store(struct store_pool *p, bool nowait);
/* Lends one connection (of the write set) for a whole unit of work, e.g. a command
 * or a bulk copy in one transaction; blocks until one is free. Its operations are
 * the backend's own: no committer, no memo. */
struct store *store_pool_acquire(struct store_pool *p);
void store_pool_release(struct store_pool *p, struct store *st);

/* What the pool's writes cost, for /metrics: group commits and the time spent in
 * the database. Counters only grow. */
struct store_stats {
    uint64_t commits;        /* group-commit transactions */
    uint64_t batched_writes; /* writes carried by them (sum of batch sizes) */
    uint64_t max_batch;      /* largest batch seen */
    uint64_t db_time_us;     /* wall time inside group-commit transactions */
};
void store_pool_stats(struct store_pool *p, struct store_stats *out);

static inline STET_MUST_CHECK int store_story_insert(struct store *st, const struct story *s,
                                                     int64_t *id)
{
    return st->ops->story_insert(st, s, id);
}
static inline STET_MUST_CHECK int store_story_find(struct arena *a, struct store *st,
                                                   struct str slug, struct story *out)
{
    return st->ops->story_find(a, st, slug, out);
}
static inline STET_MUST_CHECK int store_story_list(struct arena *a, struct store *st,
                                                   const struct store_page *pg, struct story **out,
                                                   size_t *n)
{
    return st->ops->story_list(a, st, pg, out, n);
}
static inline STET_MUST_CHECK int store_story_set_open(struct store *st, int64_t id, bool open)
{
    return st->ops->story_set_open(st, id, open);
}
static inline STET_MUST_CHECK int store_story_counts(struct store *st, const struct str *slugs,
                                                     size_t n, int64_t *counts)
{
    return st->ops->story_counts(st, slugs, n, counts);
}
static inline STET_MUST_CHECK int store_story_list_range(struct arena *a, struct store *st,
                                                         int64_t from, int64_t to,
                                                         const struct store_page *pg,
                                                         struct story **out, size_t *n)
{
    return st->ops->story_list_range(a, st, from, to, pg, out, n);
}
static inline STET_MUST_CHECK int store_story_months(struct arena *a, struct store *st,
                                                     int64_t from, int64_t to, int limit,
                                                     struct store_month **out, size_t *n)
{
    return st->ops->story_months(a, st, from, to, limit, out, n);
}
static inline STET_MUST_CHECK int store_user_insert(struct store *st, const struct user *u,
                                                    const char *password_hash, int64_t *id)
{
    return st->ops->user_insert(st, u, password_hash, id);
}
static inline STET_MUST_CHECK int store_user_find_login(struct arena *a, struct store *st,
                                                        struct str login, struct user *out,
                                                        const char **password_hash)
{
    return st->ops->user_find_login(a, st, login, out, password_hash);
}
static inline STET_MUST_CHECK int store_user_find_id(struct arena *a, struct store *st, int64_t id,
                                                     struct user *out)
{
    return st->ops->user_find_id(a, st, id, out);
}
static inline STET_MUST_CHECK int store_user_set_role(struct store *st, struct str username,
                                                      enum role role)
{
    return st->ops->user_set_role(st, username, role);
}
/* ---- reports, suspensions, audited role changes ---- */
static inline STET_MUST_CHECK int store_report_add(struct store *st, int64_t comment_id,
                                                   int64_t reporter_id, const char *reason,
                                                   int64_t now, int threshold, bool *held,
                                                   int64_t *event_seq)
{
    return st->ops->report_add(st, comment_id, reporter_id, reason, now, threshold, held,
                               event_seq);
}
static inline STET_MUST_CHECK int store_user_suspend(struct store *st, struct str username,
                                                     int64_t until, const char *reason,
                                                     const struct store_audit *audit)
{
    return st->ops->user_suspend(st, username, until, reason, audit);
}
static inline STET_MUST_CHECK int store_user_unsuspend(struct store *st, struct str username,
                                                       const struct store_audit *audit)
{
    return st->ops->user_unsuspend(st, username, audit);
}
static inline STET_MUST_CHECK int store_user_set_password(struct store *st, struct str username,
                                                          const char *hash,
                                                          const struct store_audit *audit)
{
    return st->ops->user_set_password(st, username, hash, audit);
}
static inline STET_MUST_CHECK int store_user_set_role_audit(struct store *st, struct str username,
                                                            enum role role,
                                                            const struct store_audit *audit)
{
    return st->ops->user_set_role_audit(st, username, role, audit);
}
static inline STET_MUST_CHECK int store_session_insert(struct store *st, const char *token_hash,
                                                       int64_t user_id, int64_t created_at,
                                                       int64_t expires_at)
{
    return st->ops->session_insert(st, token_hash, user_id, created_at, expires_at);
}
static inline STET_MUST_CHECK int store_session_find(struct arena *a, struct store *st,
                                                     const char *token_hash, int64_t now,
                                                     struct user *out)
{
    return st->ops->session_find(a, st, token_hash, now, out);
}
static inline STET_MUST_CHECK int store_session_delete(struct store *st, const char *token_hash)
{
    return st->ops->session_delete(st, token_hash);
}
static inline STET_MUST_CHECK int store_comment_insert(struct store *st, const struct comment *c,
                                                       int64_t *id, int64_t *event_seq)
{
    return st->ops->comment_insert(st, c, id, event_seq);
}
static inline STET_MUST_CHECK int store_comment_find(struct arena *a, struct store *st, int64_t id,
                                                     struct comment *out)
{
    return st->ops->comment_find(a, st, id, out);
}
static inline STET_MUST_CHECK int store_comment_list(struct arena *a, struct store *st,
                                                     const struct comment_filter *f,
                                                     const struct store_page *pg,
                                                     struct comment **out, size_t *n)
{
    return st->ops->comment_list(a, st, f, pg, out, n);
}
static inline STET_MUST_CHECK int store_comment_position(struct store *st, int64_t story_id,
                                                         int64_t id, int page_size,
                                                         int64_t *n_before, int64_t *page_after)
{
    return st->ops->comment_position(st, story_id, id, page_size, n_before, page_after);
}
static inline STET_MUST_CHECK int store_comment_events(struct arena *a, struct store *st,
                                                       int64_t story_id, int64_t after_seq,
                                                       int limit, struct comment **out, size_t *n)
{
    return st->ops->comment_events(a, st, story_id, after_seq, limit, out, n);
}
static inline STET_MUST_CHECK int store_comment_count_approved(struct store *st, int64_t author_id,
                                                               int64_t limit, int64_t *n)
{
    return st->ops->comment_count_approved(st, author_id, limit, n);
}
/* ---- a reader's own comment, edited or deleted ---- */
static inline STET_MUST_CHECK int store_comment_edit(struct store *st, int64_t id,
                                                     const struct store_comment_revision *rev,
                                                     int64_t *event_seq)
{
    return st->ops->comment_edit(st, id, rev, event_seq);
}
static inline STET_MUST_CHECK int store_comment_delete(struct store *st, int64_t id,
                                                       const struct store_audit *audit,
                                                       int64_t *event_seq)
{
    return st->ops->comment_delete(st, id, audit, event_seq);
}

/* ---- moderator decisions, the moderation queue, the audit log ---- */
/* A decision that trains the spam filter on nothing. */
static inline STET_MUST_CHECK int store_comment_set_status(struct arena *a, struct store *st,
                                                           int64_t id, enum comment_status status,
                                                           const struct store_audit *audit,
                                                           struct comment *out, int64_t *event_seq)
{
    return st->ops->comment_set_status(a, st, id, status, NULL, audit, out, event_seq);
}
/* A decision that trains the spam filter on `spam` (comment_set_status). */
static inline STET_MUST_CHECK int store_comment_decide(struct arena *a, struct store *st,
                                                       int64_t id, enum comment_status status,
                                                       const struct store_spam_sample *spam,
                                                       const struct store_audit *audit,
                                                       struct comment *out, int64_t *event_seq)
{
    return st->ops->comment_set_status(a, st, id, status, spam, audit, out, event_seq);
}
static inline STET_MUST_CHECK int store_moderation_queue(struct arena *a, struct store *st,
                                                         const struct store_page *pg,
                                                         struct comment **out, size_t *n)
{
    return st->ops->moderation_queue(a, st, pg, out, n);
}
static inline STET_MUST_CHECK int store_audit_list(struct arena *a, struct store *st,
                                                   const struct store_page *pg,
                                                   struct store_audit **out, size_t *n)
{
    return st->ops->audit_list(a, st, pg, out, n);
}
/* ---- web: the moderators' users page, a moderator's open or close ---- */
static inline STET_MUST_CHECK int store_user_list(struct arena *a, struct store *st,
                                                  struct str prefix, const struct store_page *pg,
                                                  struct store_account **out, size_t *n)
{
    return st->ops->user_list(a, st, prefix, pg, out, n);
}
static inline STET_MUST_CHECK int store_story_edit(struct store *st, const struct story *s,
                                                   const struct store_audit *audit)
{
    return st->ops->story_edit(st, s, audit);
}

static inline STET_MUST_CHECK int store_story_set_open_audit(struct store *st, int64_t story_id,
                                                             bool open,
                                                             const struct store_audit *audit)
{
    return st->ops->story_set_open_audit(st, story_id, open, audit);
}

/* True when `s` is n lowercase hex digits and a NUL (a rate key, a site key). */
static inline bool store_is_hex(const char *s, size_t n)
{
    if (s == NULL)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    }
    return s[n] == '\0';
}
/* True when store_rate_take's arguments are good; the backends check with it. */
static inline bool store_rate_args_ok(const struct store_rate_bucket *b, size_t n, int64_t now_ms)
{
    if (b == NULL || n < 1 || n > STORE_RATE_TAKE_MAX || now_ms < 0 ||
        now_ms > STORE_RATE_NOW_MAX_MS)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!store_is_hex(b[i].key, STORE_RATE_KEY_LEN) || b[i].interval_ms < 1 ||
            b[i].interval_ms > STORE_RATE_INTERVAL_MAX || b[i].capacity < 1 ||
            b[i].capacity > STORE_RATE_CAPACITY_MAX)
            return false;
    }
    return true;
}
static inline STET_MUST_CHECK int store_rate_take(struct store *st,
                                                  const struct store_rate_bucket *b, size_t n,
                                                  int64_t now_ms, int64_t *wait_ms)
{
    return st->ops->rate_take(st, b, n, now_ms, wait_ms);
}
static inline STET_MUST_CHECK int store_site_key(struct store *st, const char *name,
                                                 const char *candidate, char *out)
{
    return st->ops->site_key(st, name, candidate, out);
}
static inline STET_MUST_CHECK int store_prune(struct store *st, int64_t now, int limit,
                                              int64_t *sessions, int64_t *buckets)
{
    return st->ops->prune(st, now, limit, sessions, buckets);
}
/* ---- spam ---- */
static inline STET_MUST_CHECK int store_spam_signals(struct store *st,
                                                     const struct store_spam_probe *q,
                                                     struct store_spam_signals *out)
{
    return st->ops->spam_signals(st, q, out);
}
static inline STET_MUST_CHECK int store_spam_counts(struct arena *a, struct store *st,
                                                    const char *tokens_json,
                                                    struct store_spam_count **out, size_t *n)
{
    return st->ops->spam_counts(a, st, tokens_json, out, n);
}
static inline STET_MUST_CHECK int store_spam_train(struct store *st, const char *tokens_json,
                                                   bool is_spam)
{
    return st->ops->spam_train(st, tokens_json, is_spam);
}

/* ---- site settings (settings.c) ---- */
static inline STET_MUST_CHECK int store_setting_list(struct arena *a, struct store *st,
                                                     struct store_setting **out, size_t *n)
{
    return st->ops->setting_list(a, st, out, n);
}
static inline STET_MUST_CHECK int store_settings_change(struct store *st,
                                                        const struct store_setting_change *ch,
                                                        size_t n, int64_t actor_id, int64_t now)
{
    return st->ops->settings_change(st, ch, n, actor_id, now);
}

/* Change notifications from other nodes. On PostgreSQL a thread holds its own
 * connection with LISTEN stet_events and calls `fn(ctx, story_id, seq)` for each
 * notification, in commit order; when the connection drops it reconnects by itself
 * (with backoff) and then calls `fn(ctx, 0, 0)`: "anything may have changed while I
 * was away". SQLite is one process: *out is set to NULL and nothing runs (the
 * process publishes its own changes). EINVAL for an unknown URL scheme. */
typedef void (*store_event_fn)(void *ctx, int64_t story_id, int64_t seq);
struct store_listener;
int store_listener_start(const char *url, store_event_fn fn, void *ctx,
                         struct store_listener **out) STET_MUST_CHECK;
/* Stops the thread and closes its connection; NULL is a no-op. */
void store_listener_stop(struct store_listener *l);

#endif
