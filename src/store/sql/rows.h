/* The rows the SQL core reads: the column lists its statements select (queries.c)
 * and the readers that turn a row of each into a domain object. Private to store/. */
#ifndef STET_STORE_SQL_ROWS_H
#define STET_STORE_SQL_ROWS_H

#include "base/arena.h"
#include "store/sql/driver.h"

/* The column order the readers below expect. */
#define STORY_COLS                                                                                 \
    "id, slug, title, byline, body_src, body_html, published_at, created_at, comment_count, "      \
    "comments_open, event_seq, content_version"
#define USER_COLS                                                                                  \
    "u.id, u.username, u.display_name, u.email, u.role, u.created_at, u.suspended_until"
/* The first column after USER_COLS. */
#define USER_N_COLS 7
#define COMMENT_COLS                                                                               \
    "c.id, c.story_id, s.slug, c.parent_id, c.author_id, u.username, u.display_name, "             \
    "c.legacy_author, c.body_src, c.body_html, c.created_at, c.edited_at, c.is_legacy, c.status, " \
    "c.event_seq, u.role, c.report_count, c.hold_reason, c.spam_score, c.placeholder"
#define COMMENT_JOINS " JOIN stories s ON s.id = c.story_id LEFT JOIN users u ON u.id = c.author_id"

/* sql_read_fn readers: `out` is a struct story, struct user, struct comment. */
void sql_read_story(struct arena *a, struct sql_rows *r, void *out);
void sql_read_user(struct arena *a, struct sql_rows *r, void *out);
void sql_read_comment(struct arena *a, struct sql_rows *r, void *out);

#endif
