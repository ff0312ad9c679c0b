/* The spam filter's training inside a moderator's decision (moderation.c calls it in
 * the decision's transaction). Private to store/. */
#ifndef STET_STORE_SQL_SPAM_H
#define STET_STORE_SQL_SPAM_H

#include "base/arena.h"
#include "store/sql/driver.h"

/* Comment `id` (its row locked by the caller) was decided `status`: trains its
 * stored tokens as ham (VISIBLE) or spam (REJECTED), moving them from the other
 * side when it was trained so before, and records what it is trained as. Nothing
 * for another status, a comment without tokens, or one trained so already.
 * ENOTFOUND for an unknown comment; store errors. */
int sql_spam_train_decision(struct arena *a, struct sql_conn *c, int64_t id,
                            enum comment_status status) STET_MUST_CHECK;

#endif
