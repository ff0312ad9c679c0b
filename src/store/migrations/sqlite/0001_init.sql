-- stet schema, version 1 (SQLite). Kept column-for-column with pg/0001_init.sql so both
-- backends sit behind the same store interface. Applied inside one transaction by
-- the store's migrate; never edit once released, add 0002_*.sql instead.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL,
    display_name  TEXT    NOT NULL,
    email         TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL DEFAULT 'reader'
                  CHECK (role IN ('reader', 'moderator', 'admin')),
    created_at    BIGINT  NOT NULL
);
-- Case-insensitive uniqueness; lookups use the same lower() expressions.
CREATE UNIQUE INDEX users_username_lower ON users (lower(username));
CREATE UNIQUE INDEX users_email_lower ON users (lower(email));

CREATE TABLE sessions (
    token_hash TEXT    PRIMARY KEY CHECK (length(token_hash) = 64),
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE stories (
    id            INTEGER PRIMARY KEY,
    slug          TEXT    NOT NULL UNIQUE,
    title         TEXT    NOT NULL,
    byline        TEXT    NOT NULL DEFAULT '',
    body_src      TEXT    NOT NULL,
    body_html     TEXT    NOT NULL,
    published_at  BIGINT  NOT NULL,
    created_at    BIGINT  NOT NULL,
    comments_open INTEGER NOT NULL DEFAULT 1 CHECK (comments_open IN (0, 1)),
    comment_count BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX stories_published ON stories (published_at DESC, id DESC);

CREATE TABLE comments (
    id            INTEGER PRIMARY KEY,
    story_id      INTEGER NOT NULL REFERENCES stories (id),
    parent_id     INTEGER REFERENCES comments (id),
    author_id     INTEGER REFERENCES users (id),
    legacy_author TEXT,
    body_src      TEXT    NOT NULL,
    body_html     TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    edited_at     BIGINT,
    is_legacy     INTEGER NOT NULL DEFAULT 0 CHECK (is_legacy IN (0, 1)),
    status        TEXT    NOT NULL DEFAULT 'visible'
                  CHECK (status IN ('visible', 'held', 'rejected', 'deleted')),
    legacy_source TEXT,
    legacy_id     TEXT
);
-- Serves the per-story listing as an ordered range scan (keyset on created_at, id).
CREATE INDEX comments_story ON comments (story_id, status, created_at, id);
CREATE INDEX comments_parent ON comments (parent_id);
-- Re-running an import must not duplicate comments; NULLs (native comments) never clash.
CREATE UNIQUE INDEX comments_legacy ON comments (legacy_source, legacy_id);
