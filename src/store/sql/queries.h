/* The SQL core's statements (queries.def): an id for each, and its text in each
 * dialect. Private to store/. */
#ifndef STET_STORE_SQL_QUERIES_H
#define STET_STORE_SQL_QUERIES_H

#include <stdbool.h>

enum sql_dialect {
    SQL_SQLITE,
    SQL_POSTGRES,
    SQL_N_DIALECTS,
};

/* What a statement does: SQL_RO only reads, so a driver may run it again after a
 * lost connection; SQL_RW writes. */
enum sql_use_kind {
    SQL_RO,
    SQL_RW,
};

enum sql_query {
#define QUERY(id, use, n, sql)         Q_##id,
#define QUERY2(id, use, n, sqlite, pg) Q_##id,
#include "store/sql/queries.def"
#undef QUERY
#undef QUERY2
    SQL_N_QUERIES
};

struct sql_query_def {
    const char *name; /* the id, for log lines */
    enum sql_use_kind use;
    int n_params;
    const char *text[SQL_N_DIALECTS]; /* NULL: nothing to run in that dialect */
};

/* The row of `q`; static storage. */
const struct sql_query_def *sql_query_def(enum sql_query q);

/* The text of `q` in `d` with ?N parameters, NULL when `d` runs nothing for it. */
static inline const char *sql_query_text(enum sql_dialect d, enum sql_query q)
{
    return sql_query_def(q)->text[d];
}

#endif
