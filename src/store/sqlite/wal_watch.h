/* Sees commits to a SQLite database in WAL mode without a read transaction. Every
 * commit, from any connection of any process, rewrites the header of the WAL-index
 * (the "-shm" file SQLite shares between them; format in
 * https://www.sqlite.org/walformat.html) before the commit returns, so a read-only
 * mapping of that header answers "did anything commit since I last looked?" with a
 * few loads instead of a lock, an fstat and a query. */
#ifndef STET_STORE_SQLITE_WAL_WATCH_H
#define STET_STORE_SQLITE_WAL_WATCH_H

#include <stdbool.h>

struct wal_watch;

/* Maps DB_PATH-shm once SQLite has set it up; NULL when there is none yet, it is not
 * a WAL-index, or it cannot be mapped (the caller then asks SQLite instead). */
struct wal_watch *wal_watch_open(const char *db_path);
/* True when the header differs from the one seen at the previous call, at the first
 * call, and while a writer is rewriting it. */
bool wal_watch_changed(struct wal_watch *w);
/* NULL is a no-op. */
void wal_watch_close(struct wal_watch *w);

#endif
