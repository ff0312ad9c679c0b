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
/* Appends `e` to the audit log. */
int sql_audit(struct sql_conn *c, const struct store_audit *e) STET_MUST_CHECK;

#endif
