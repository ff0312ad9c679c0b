/* The group committer behind struct store_pool, private to store/: one thread with
 * its own connection that writes queued comments in batches, one transaction (and so
 * one fsync) per batch, and wakes each poster once its batch committed. */
#ifndef STET_STORE_GROUP_COMMIT_H
#define STET_STORE_GROUP_COMMIT_H

#include "store/store.h"

struct group_commit;

/* Opens the committer's connection to `url` (store_open) and starts its thread;
 * batches hold at most `max_batch` comments (1..STORE_GC_MAX_BATCH). store_open's
 * errors; EINVAL for a bad max_batch; EIO when the thread cannot start (logged).
 * Free with group_commit_free. */
int group_commit_new(const char *url, unsigned max_batch,
                     struct group_commit **out) STET_MUST_CHECK;
/* Writes what is still queued, stops the thread, closes the connection. The caller
 * makes sure no thread is still in group_commit_insert. NULL is a no-op. */
void group_commit_free(struct group_commit *gc);

/* store_comment_insert's contract, through the committer: queues `c` and blocks
 * until the batch carrying it committed or failed. 0 with *id and *event_seq set
 * (either may be NULL), this row's own error (EINVAL for an unknown story, parent or
 * author), or the batch's (EIO, EUNAVAIL) when its transaction failed; on an error
 * the out-parameters are untouched. `c` stays the caller's and must stay valid until
 * the call returns (it does: the call blocks). */
int group_commit_insert(struct group_commit *gc, const struct comment *c, int64_t *id,
                        int64_t *event_seq) STET_MUST_CHECK;

/* A snapshot of the counters (see struct store_stats). */
void group_commit_stats(struct group_commit *gc, struct store_stats *out);

#endif
