/* Row readers: one place that knows each column list's order. */
#include "store/sql/rows.h"

#include "store/sql/exec.h"

void sql_read_story(struct arena *a, struct sql_rows *r, void *out)
{
    struct story *s = out;
    s->id = sql_int(r, 0);
    s->slug = sql_str(a, r, 1);
    s->title = sql_str(a, r, 2);
    s->byline = sql_str(a, r, 3);
    s->body_src = sql_str(a, r, 4);
    s->body_html = sql_str(a, r, 5);
    s->published_at = sql_int(r, 6);
    s->created_at = sql_int(r, 7);
    s->n_comments = sql_int(r, 8);
    s->comments_open = sql_bool(r, 9);
    s->event_seq = sql_int(r, 10);
    s->content_version = sql_int(r, 11);
}

/* The schema's CHECK keeps roles to the three names; anything else (or NULL: a
 * comment without an account) reads as the least privileged role rather than
 * failing the whole request. */
static enum role read_role(struct sql_rows *r, int col)
{
    enum role role = ROLE_READER;
    struct str t = r->conn->drv->col_text(r, col);
    if (t.ptr == NULL || !role_parse(t.ptr, t.len, &role))
        role = ROLE_READER;
    return role;
}

void sql_read_user(struct arena *a, struct sql_rows *r, void *out)
{
    struct user *u = out;
    u->id = sql_int(r, 0);
    u->username = sql_str(a, r, 1);
    u->display_name = sql_str(a, r, 2);
    u->email = sql_str(a, r, 3);
    u->role = read_role(r, 4);
    u->created_at = sql_int(r, 5);
    u->suspended_until = sql_int(r, 6); /* NULL reads as 0: not suspended */
}

/* Unknown text cannot pass the CHECK; hide such a row rather than show it. */
static enum comment_status read_status(struct sql_rows *r, int col)
{
    static const enum comment_status all[] = {COMMENT_VISIBLE, COMMENT_HELD, COMMENT_REJECTED,
                                              COMMENT_DELETED};
    struct str t = r->conn->drv->col_text(r, col);
    for (size_t k = 0; t.ptr != NULL && k < sizeof(all) / sizeof(all[0]); k++) {
        if (str_eq_cstr(t, comment_status_name(all[k])))
            return all[k];
    }
    return COMMENT_HELD;
}

void sql_read_comment(struct arena *a, struct sql_rows *r, void *out)
{
    struct comment *c = out;
    c->id = sql_int(r, 0);
    c->story_id = sql_int(r, 1);
    c->story_slug = sql_str(a, r, 2);
    c->parent_id = sql_int(r, 3); /* NULL reads as 0 */
    c->author_id = sql_int(r, 4);
    c->author_username = sql_str_or_null(a, r, 5);
    c->author_display_name = sql_str_or_null(a, r, 6);
    c->legacy_author = sql_str_or_null(a, r, 7);
    c->body_src = sql_str(a, r, 8);
    c->body_html = sql_str(a, r, 9);
    c->created_at = sql_int(r, 10);
    c->edited_at = sql_int(r, 11);
    c->is_legacy = sql_bool(r, 12);
    c->status = read_status(r, 13);
    c->event_seq = sql_int(r, 14); /* NULL reads as 0 */
    c->author_role = read_role(r, 15);
    c->report_count = sql_int(r, 16);
    c->hold_reason = sql_str_or_null(a, r, 17);
    c->has_spam_score = !r->conn->drv->is_null(r, 18);
    c->spam_score = (int)sql_int(r, 18);
    c->is_placeholder = sql_bool(r, 19);
}
