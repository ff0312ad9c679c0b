-- Nothing to do on SQLite. The PostgreSQL migration of this number makes every
-- commit notify the other nodes; on SQLite every process sees a commit through the
-- WAL-index the database's connections share (store/sqlite/wal_watch.c). The file
-- keeps both backends' schema versions in step.
SELECT 1;
