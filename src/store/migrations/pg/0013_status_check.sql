-- Nothing to change on PostgreSQL (sqlite/0013_status_check.sql rebuilds SQLite's
-- comments table so that its status CHECK is compared in place; PostgreSQL already
-- checks an IN list that way). The migration exists so that both backends are at
-- the same schema version: an export carries its version, and `stet import stet`
-- moves a site between backends only when the versions agree.
SELECT 1;
