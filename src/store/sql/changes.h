/* What every change to a comment does inside its transaction, so that pages, ETags
 * and live streams on every node follow it: the story's numbers move, the comment
 * takes the story's next event number, other nodes are told at commit. And the
 * audit entry a moderator's or admin's action leaves. Private to store/. */
#ifndef STET_STORE_SQL_CHANGES_H
#define STET_STORE_SQL_CHANGES_H

#include "store/sql/driver.h"

/* Moves story `story_id`'s event number and content version, and its count of
 * visible comments by `count_delta`; *seq receives the new event number. EINVAL
 * when there is no such story. */
int sql_story_change(struct sql_conn *c, int64_t story_id, int count_delta,
                     int64_t *seq) STET_MUST_CHECK;
/* Tells other nodes, at commit, of event `seq` of story `story_id`. */
int sql_event_notify(struct sql_conn *c, int64_t story_id, int64_t seq) STET_MUST_CHECK;
/* An existing comment changed what its story's page shows: sql_story_change, then
 * the comment's event number (*seq, which the caller publishes after commit), then
 * the notification. */
int sql_comment_changed(struct sql_conn *c, int64_t story_id, int64_t comment_id, int count_delta,
                        int64_t *seq) STET_MUST_CHECK;
/* Whether comment `id` has a reply on its story's page (visible, or a placeholder):
 * *yes. A deleted comment with one stays there as a "comment deleted"
 * placeholder. */
int sql_has_shown_reply(struct sql_conn *c, int64_t id, bool *yes) STET_MUST_CHECK;
/* Comment `id` of story `story_id`, whose parent is `parent_id` (0: none), went from
 * shown on its page (`was_shown`: visible or a placeholder) to `now_shown`, its row
 * already changed and locked: the story's change (sql_comment_changed, with
 * `count_delta`) when it was or is shown, and the placeholders above it that this
 * makes or unmakes (a deleted ancestor is one exactly while a reply of it is shown),
 * each with its own event number. *own_seq receives the comment's number, *last_seq
 * the last one given, which the caller publishes (both untouched when nothing was
 * shown; they may be the same variable). The ancestors' rows are locked before the story's, as the
 * comment's own was, so every such transaction takes its locks from a reply up to
 * the story and none waits on another in a circle. */
int sql_thread_changed(struct sql_conn *c, int64_t story_id, int64_t id, int64_t parent_id,
                       bool was_shown, bool now_shown, int count_delta, int64_t *own_seq,
                       int64_t *last_seq) STET_MUST_CHECK;
/* Appends `e` to the audit log. */
int sql_audit(struct sql_conn *c, const struct store_audit *e) STET_MUST_CHECK;

#endif
