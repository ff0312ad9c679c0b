-- Every commit that changes site data tells every node (PostgreSQL): a statement-
-- level trigger on each table a page shows sends NOTIFY stet_changes, which
-- PostgreSQL delivers at commit and folds into one per transaction. Nodes keep
-- memos of story and session reads and drop them when they hear it (store/pool.c,
-- store/pg/pg_watch.c). rate_limits is left out: its counters are never memoized.
-- The SQLite file of the same number is empty: there every process sees commits
-- through the shared WAL-index instead.

CREATE FUNCTION stet_notify_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('stet_changes', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER stories_changes AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON stories
    FOR EACH STATEMENT EXECUTE FUNCTION stet_notify_changes();
CREATE TRIGGER comments_changes AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON comments
    FOR EACH STATEMENT EXECUTE FUNCTION stet_notify_changes();
CREATE TRIGGER users_changes AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION stet_notify_changes();
CREATE TRIGGER sessions_changes AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION stet_notify_changes();
