/* The table behind queries.h: queries.def expanded with the column lists and the
 * statement shapes that several rows share. */
#include "store/sql/queries.h"

#include "store/sql/rows.h"

#include <stddef.h>

/* What story ?1's page shows past id ?2 in one direction, at most ?3: its visible
 * comments and its "comment deleted" placeholders. SQLite merges the two ranges in
 * id order as it reads them (a compound SELECT's ORDER BY), no sort; PostgreSQL
 * takes each branch's first ?3 and sorts those (queries.def says why). */
/* clang-format off */
#define COMMENT_LIST_SQLITE(cmp, dir)                                                              \
    "SELECT " COMMENT_COLS " FROM comments c" COMMENT_JOINS                                        \
    " WHERE c.story_id = ?1 AND c.status = 'visible' AND c.id " cmp " ?2"                          \
    " UNION ALL "                                                                                  \
    "SELECT " COMMENT_COLS " FROM comments c" COMMENT_JOINS                                        \
    " WHERE c.story_id = ?1 AND c.placeholder AND c.id " cmp " ?2"                                 \
    " ORDER BY 1 " dir " LIMIT ?3"
#define COMMENT_LIST_PG(cmp, dir)                                                                  \
    "SELECT p.* FROM ("                                                                            \
    COMMENT_BRANCH_PG("c.status BETWEEN 'visible' AND 'visible'", cmp, dir)                        \
    " UNION ALL "                                                                                  \
    COMMENT_PLACEHOLDERS_PG(cmp, dir)                                                              \
    ") p ORDER BY p.id " dir " LIMIT ?3"
/* clang-format on */

/* The same plus the held comments of viewer ?4, as two bounded branches. */
#define COMMENT_BRANCH_SQLITE(status_cond, cmp, dir)                                               \
    "SELECT id FROM (SELECT id FROM comments WHERE story_id = ?1 AND " status_cond " AND id " cmp  \
    " ?2 ORDER BY id " dir " LIMIT ?3)"
#define COMMENT_BRANCH_PG(status_cond, cmp, dir)                                                   \
    "(SELECT " COMMENT_COLS " FROM comments c" COMMENT_JOINS                                       \
    " WHERE c.story_id = ?1 AND " status_cond " AND c.id " cmp " ?2"                               \
    " ORDER BY c.status " dir ", c.id " dir " LIMIT ?3)"
/* The placeholders' branch reads comments_placeholders, which holds only them. */
#define COMMENT_PLACEHOLDERS_PG(cmp, dir)                                                          \
    "(SELECT " COMMENT_COLS " FROM comments c" COMMENT_JOINS                                       \
    " WHERE c.story_id = ?1 AND c.placeholder AND c.id " cmp " ?2"                                 \
    " ORDER BY c.id " dir " LIMIT ?3)"
/* clang-format off */
#define COMMENT_LIST_VIEWER_SQLITE(cmp, dir)                                                       \
    "SELECT " COMMENT_COLS " FROM ("                                                               \
    COMMENT_BRANCH_SQLITE("status = 'visible'", cmp, dir)                                          \
    " UNION ALL "                                                                                  \
    COMMENT_BRANCH_SQLITE("status = 'held' AND author_id = ?4", cmp, dir)                          \
    " UNION ALL "                                                                                  \
    COMMENT_BRANCH_SQLITE("placeholder", cmp, dir)                                                 \
    ") p JOIN comments c ON c.id = p.id" COMMENT_JOINS                                             \
    " ORDER BY c.id " dir " LIMIT ?3"
#define COMMENT_LIST_VIEWER_PG(cmp, dir)                                                           \
    "SELECT p.* FROM ("                                                                            \
    COMMENT_BRANCH_PG("c.status BETWEEN 'visible' AND 'visible'", cmp, dir)                        \
    " UNION ALL "                                                                                  \
    COMMENT_BRANCH_PG("c.status BETWEEN 'held' AND 'held' AND c.author_id = ?4", cmp, dir)         \
    " UNION ALL "                                                                                  \
    COMMENT_PLACEHOLDERS_PG(cmp, dir)                                                              \
    ") p ORDER BY p.id " dir " LIMIT ?3"
/* clang-format on */

/* The held comments of author ?4 on story ?1 past id ?2, at most ?3 (queries.def).
 * SQLite is told which index: without statistics it takes comments_story, three
 * columns against two, and would walk every held comment of the story. */
#define COMMENT_OWN_HELD_SQLITE(cmp, dir)                                                          \
    "SELECT " COMMENT_COLS " FROM comments c INDEXED BY comments_author_status" COMMENT_JOINS      \
    " WHERE c.author_id = ?4 AND c.status = 'held' AND c.story_id = ?1 AND c.id " cmp " ?2"        \
    " ORDER BY c.id " dir " LIMIT ?3"
#define COMMENT_OWN_HELD_PG(cmp, dir)                                                              \
    "SELECT " COMMENT_COLS " FROM comments c" COMMENT_JOINS                                        \
    " WHERE c.author_id = ?4 AND c.status = 'held' AND c.story_id = ?1 AND c.id " cmp " ?2"        \
    " ORDER BY c.id " dir " LIMIT ?3"

/* The moderation queue past id ?1, at most ?2 (queries.def says why so). The
 * flagged branch repeats comments_reported's condition word for word: that is what
 * lets either planner use the partial index. SQLite is told to: without statistics
 * it takes comments_status (status=? AND id>?) for the more selective, and would
 * walk every visible comment. */
/* clang-format off */
#define MODERATION_QUEUE_SQLITE(cmp, dir)                                                          \
    "SELECT " COMMENT_COLS " FROM ("                                                               \
    "SELECT id FROM (SELECT id FROM comments WHERE status = 'held' AND id " cmp " ?1"              \
    " ORDER BY id " dir " LIMIT ?2)"                                                               \
    " UNION ALL "                                                                                  \
    "SELECT id FROM (SELECT id FROM comments INDEXED BY comments_reported"                         \
    " WHERE status = 'visible' AND report_count > 0"                                               \
    " AND id " cmp " ?1 ORDER BY id " dir " LIMIT ?2)"                                             \
    ") p JOIN comments c ON c.id = p.id" COMMENT_JOINS                                             \
    " ORDER BY c.id " dir " LIMIT ?2"
#define MODERATION_QUEUE_PG(cmp, dir)                                                              \
    "SELECT p.* FROM ("                                                                            \
    "(SELECT " COMMENT_COLS " FROM comments c" COMMENT_JOINS                                       \
    " WHERE c.status BETWEEN 'held' AND 'held' AND c.id " cmp " ?1"                                \
    " ORDER BY c.status " dir ", c.id " dir " LIMIT ?2)"                                           \
    " UNION ALL "                                                                                  \
    "(SELECT " COMMENT_COLS " FROM comments c" COMMENT_JOINS                                       \
    " WHERE c.status = 'visible' AND c.report_count > 0 AND c.id " cmp " ?1"                       \
    " ORDER BY c.id " dir " LIMIT ?2)"                                                             \
    ") p ORDER BY p.id " dir " LIMIT ?2"
/* clang-format on */

/* Story ?1's shown comments (visible ones and placeholders) before id ?2: their
 * number (COMMENT_POSITION), and the id at offset ?3 among them in id order
 * (COMMENT_NTH: the two ranges merged as they are read, as COMMENT_LIST_SQLITE
 * does). */
#define COMMENT_POSITION_SQL(visible)                                                              \
    "SELECT (SELECT count(*) FROM comments WHERE story_id = ?1 AND " visible " AND id < ?2)"       \
    " + (SELECT count(*) FROM comments WHERE story_id = ?1 AND placeholder AND id < ?2)"
#define COMMENT_NTH_SQL                                                                            \
    "SELECT id FROM comments WHERE story_id = ?1 AND status = 'visible' AND id < ?2"               \
    " UNION ALL SELECT id FROM comments WHERE story_id = ?1 AND placeholder AND id < ?2"           \
    " ORDER BY 1 LIMIT 1 OFFSET ?3"

/* The parent a pending reply finds at the end of an import (LEGACY_REPARENT). */
#define LEGACY_LATE_PARENT                                                                         \
    "SELECT p.id FROM legacy_import_pending w "                                                    \
    "JOIN comments p ON p.legacy_source = ?1 AND p.legacy_id = w.parent_legacy_id "                \
    "WHERE w.comment_id = comments.id AND p.story_id = comments.story_id AND p.id <> comments.id"

static const struct sql_query_def queries[SQL_N_QUERIES] = {
#define QUERY(id, use, n, sql)         [Q_##id] = {#id, use, n, {sql, sql}},
#define QUERY2(id, use, n, sqlite, pg) [Q_##id] = {#id, use, n, {sqlite, pg}},
#include "store/sql/queries.def"
#undef QUERY
#undef QUERY2
};

const struct sql_query_def *sql_query_def(enum sql_query q)
{
    return &queries[q];
}
