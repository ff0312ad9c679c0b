/* The spam filter's training inside a moderator's decision (moderation.c calls it in
 * the decision's transaction). Private to store/. */
#ifndef STET_STORE_SQL_SPAM_H
#define STET_STORE_SQL_SPAM_H

#include "base/arena.h"
#include "store/sql/driver.h"
#include "store/store.h"

/* Comment `id` (its row locked by the caller) was decided `status`: with a sample,
 * trains its tokens as ham (VISIBLE) or spam (REJECTED), first taking back what
 * the comment was trained on before (the tokens and class stored by its last
 * training), and stores the sample's tokens and the class with the comment.
 * Nothing without a sample, for another status, or when the comment is trained
 * so on these very tokens already. ENOTFOUND for an unknown comment; store
 * errors. */
int sql_spam_train_decision(struct arena *a, struct sql_conn *c, int64_t id,
                            enum comment_status status,
                            const struct store_spam_sample *sample) STET_MUST_CHECK;

#endif
