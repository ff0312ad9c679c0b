-- Site settings (PostgreSQL; the same table as sqlite/0010_settings.sql): an admin's
-- value over the configuration file's, for every node at once. Nodes memoize the
-- table (store/pooled.c), so a change must tell them as 0004's triggers do for the
-- tables a page shows.
CREATE TABLE site_settings (
    key        TEXT    PRIMARY KEY,
    value      TEXT    NOT NULL,
    changed_at BIGINT  NOT NULL,
    changed_by BIGINT  REFERENCES users (id)
);
CREATE TRIGGER site_settings_changes AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON site_settings FOR EACH STATEMENT EXECUTE FUNCTION stet_notify_changes();
