/* The SQL core's operations, each a struct store_ops entry written once for every
 * driver. SQL_PLAIN_OPS names those that any store runs as they are; the five left
 * (story_find, session_find, comment_insert, setting_list, comment_list) are
 * wrapped by a pool's view (pooled.c: the memo in front of four reads, the group
 * committer behind one write). Private to store/. */
#ifndef STET_STORE_SQL_OPS_H
#define STET_STORE_SQL_OPS_H

#include "store/store.h"

int sql_story_insert(struct store *st, const struct story *s, int64_t *id);
int sql_story_find(struct arena *a, struct store *st, struct str slug, struct story *out);
int sql_story_list(struct arena *a, struct store *st, const struct store_page *pg,
                   struct story **out, size_t *n);
int sql_story_set_open(struct store *st, int64_t story_id, bool open);
int sql_story_edit(struct store *st, const struct story *s, const struct store_audit *audit);
int sql_story_set_open_audit(struct store *st, int64_t story_id, bool open,
                             const struct store_audit *audit);
int sql_story_counts(struct store *st, const struct str *slugs, size_t n, int64_t *counts);
int sql_story_list_range(struct arena *a, struct store *st, int64_t from, int64_t to,
                         const struct store_page *pg, struct story **out, size_t *n);
int sql_story_months(struct arena *a, struct store *st, int64_t from, int64_t to, int limit,
                     struct store_month **out, size_t *n);

int sql_user_insert(struct store *st, const struct user *u, const char *password_hash, int64_t *id);
int sql_user_find_login(struct arena *a, struct store *st, struct str login, struct user *out,
                        const char **password_hash);
int sql_user_find_id(struct arena *a, struct store *st, int64_t id, struct user *out);
int sql_user_set_role(struct store *st, struct str username, enum role role);
/* reports.c, suspensions.c */
int sql_report_add(struct store *st, int64_t comment_id, int64_t reporter_id, const char *reason,
                   int64_t now, int threshold, bool *held, int64_t *event_seq);
int sql_user_suspend(struct store *st, struct str username, int64_t until, const char *reason,
                     const struct store_audit *audit);
int sql_user_unsuspend(struct store *st, struct str username, const struct store_audit *audit);
int sql_user_set_password(struct store *st, struct str username, const char *hash,
                          const struct store_audit *audit);
int sql_user_set_role_audit(struct store *st, struct str username, enum role role,
                            const struct store_audit *audit);
int sql_session_insert(struct store *st, const char *token_hash, int64_t user_id,
                       int64_t created_at, int64_t expires_at);
int sql_session_find(struct arena *a, struct store *st, const char *token_hash, int64_t now,
                     struct user *out);
int sql_session_delete(struct store *st, const char *token_hash);

int sql_comment_insert(struct store *st, const struct comment *c, int64_t *id, int64_t *event_seq);
int sql_comment_find(struct arena *a, struct store *st, int64_t id, struct comment *out);
int sql_comment_list(struct arena *a, struct store *st, const struct comment_filter *f,
                     const struct store_page *pg, struct comment **out, size_t *n);
int sql_comment_position(struct store *st, int64_t story_id, int64_t id, int page_size,
                         int64_t *n_before, int64_t *page_after);
int sql_comment_events(struct arena *a, struct store *st, int64_t story_id, int64_t after_seq,
                       int limit, struct comment **out, size_t *n);
int sql_comment_count_approved(struct store *st, int64_t author_id, int64_t limit, int64_t *n);
/* edits.c */
int sql_comment_edit(struct store *st, int64_t id, const struct store_comment_revision *rev,
                     int64_t *event_seq);
int sql_comment_delete(struct store *st, int64_t id, const struct store_audit *audit,
                       int64_t *event_seq);

/* moderation.c */
int sql_comment_set_status(struct arena *a, struct store *st, int64_t id,
                           enum comment_status status, const struct store_spam_sample *spam,
                           const struct store_audit *audit, struct comment *out,
                           int64_t *event_seq);
int sql_moderation_queue(struct arena *a, struct store *st, const struct store_page *pg,
                         struct comment **out, size_t *n);
int sql_audit_list(struct arena *a, struct store *st, const struct store_page *pg,
                   struct store_audit **out, size_t *n);
/* web: users_list.c */
int sql_user_list(struct arena *a, struct store *st, struct str prefix, const struct store_page *pg,
                  struct store_account **out, size_t *n);

int sql_rate_take(struct store *st, const struct store_rate_bucket *b, size_t n, int64_t now_ms,
                  int64_t *wait_ms);
int sql_site_key(struct store *st, const char *name, const char *candidate, char *out);
int sql_prune(struct store *st, int64_t now, int limit, int64_t *sessions, int64_t *buckets);
/* spam.c */
int sql_spam_signals(struct store *st, const struct store_spam_probe *q,
                     struct store_spam_signals *out);
int sql_spam_counts(struct arena *a, struct store *st, const char *tokens_json,
                    struct store_spam_count **out, size_t *n);
int sql_spam_train(struct store *st, const char *tokens_json, bool is_spam);

/* ---- site settings (settings.c); setting_list is memoized by a pool's view ---- */
int sql_setting_list(struct arena *a, struct store *st, struct store_setting **out, size_t *n);
int sql_settings_change(struct store *st, const struct store_setting_change *ch, size_t n,
                        int64_t actor_id, int64_t now);

/* clang-format off */
#define SQL_PLAIN_OPS                                                                              \
    .story_insert = sql_story_insert,                                                              \
    .story_list = sql_story_list,                                                                  \
    .story_set_open = sql_story_set_open,                                                          \
    .story_counts = sql_story_counts,                                                              \
    .story_list_range = sql_story_list_range,                                                      \
    .story_months = sql_story_months,                                                              \
    .user_insert = sql_user_insert,                                                                \
    .user_find_login = sql_user_find_login,                                                        \
    .user_find_id = sql_user_find_id,                                                              \
    .user_set_role = sql_user_set_role,                                                            \
    .report_add = sql_report_add,                                                                  \
    .user_suspend = sql_user_suspend,                                                              \
    .user_unsuspend = sql_user_unsuspend,                                                          \
    .user_set_password = sql_user_set_password,                                                    \
    .user_set_role_audit = sql_user_set_role_audit,                                                \
    .session_insert = sql_session_insert,                                                          \
    .session_delete = sql_session_delete,                                                          \
    .comment_find = sql_comment_find,                                                              \
    .comment_position = sql_comment_position,                                                      \
    .comment_events = sql_comment_events,                                                          \
    .comment_count_approved = sql_comment_count_approved,                                          \
    .comment_edit = sql_comment_edit,                                                              \
    .comment_delete = sql_comment_delete,                                                          \
    .comment_set_status = sql_comment_set_status,                                                  \
    .moderation_queue = sql_moderation_queue,                                                      \
    .audit_list = sql_audit_list,                                                                  \
    .user_list = sql_user_list,                                                                    \
    .story_set_open_audit = sql_story_set_open_audit,                                              \
    .story_edit = sql_story_edit,                                                                  \
    .rate_take = sql_rate_take,                                                                    \
    .site_key = sql_site_key,                                                                      \
    .prune = sql_prune,                                                                            \
    .settings_change = sql_settings_change,                                                        \
    .spam_signals = sql_spam_signals,                                                              \
    .spam_counts = sql_spam_counts,                                                                \
    .spam_train = sql_spam_train
/* clang-format on */

/* A lookup key a database cannot hold (a NUL byte) matches nothing. */
bool sql_key_storable(struct str k);
/* A lookup whose key the database refused as text (PostgreSQL: not UTF-8) found
 * nothing, as it would on SQLite. */
int sql_lookup_rc(int rc);

#endif
