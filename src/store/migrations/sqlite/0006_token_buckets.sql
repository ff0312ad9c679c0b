-- Rate limits as token buckets (SQLite), replacing 0003's fixed-window
-- counters, which kept every tried login name in clear for good. A bucket is named
-- by a keyed hash, in hex, of what it limits (an action and an account or a client
-- address; the key is site_keys 'rate_limits', see domain/ratelimit.c), never by
-- the name or address itself. It is stored as the time (Unix ms) at which it will
-- be full again: store rate_take moves that time with one atomic upsert, and store
-- prune deletes buckets that are full again, which act exactly like missing ones.
-- Same statements as pg/0006_token_buckets.sql.

DROP TABLE rate_limits;

CREATE TABLE rate_buckets (
    bucket      TEXT    PRIMARY KEY CHECK (length(bucket) = 64),
    full_at     BIGINT  NOT NULL,
    last_denied INTEGER NOT NULL DEFAULT 0 CHECK (last_denied IN (0, 1))
) WITHOUT ROWID;
CREATE INDEX rate_buckets_full_at ON rate_buckets (full_at);

-- Secrets every node of a site shares, each made once by store site_key.
CREATE TABLE site_keys (
    name   TEXT PRIMARY KEY,
    secret TEXT NOT NULL CHECK (length(secret) = 64)
);

-- Lets store prune find expired sessions without reading them all.
CREATE INDEX sessions_expires ON sessions (expires_at);
