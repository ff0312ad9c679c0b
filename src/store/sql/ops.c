/* The SQL core's operations table: what every connection runs (a pool's view has its
 * own, pooled.c). */
#include "store/sql/ops.h"
#include "store/sql/driver.h"

const struct store_ops sql_store_ops = {
    SQL_PLAIN_OPS,
    .story_find = sql_story_find,
    .session_find = sql_session_find,
    .comment_insert = sql_comment_insert,
    .setting_list = sql_setting_list,
    .comment_list = sql_comment_list,
};
