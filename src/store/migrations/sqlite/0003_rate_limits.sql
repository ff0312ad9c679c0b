-- Rate-limit counters in the database (SQLite), so every node enforces the same
-- limits: one row per bucket (what is limited, e.g. an action and a client) and
-- fixed window, counted up by store rate_hit with one atomic upsert. Old windows
-- are deleted by rate_hit itself. Same statements as pg/0003_rate_limits.sql.

CREATE TABLE rate_limits (
    bucket       TEXT   NOT NULL,
    window_start BIGINT NOT NULL,
    hits         BIGINT NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
