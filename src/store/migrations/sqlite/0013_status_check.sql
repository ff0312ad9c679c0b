-- comments.status checked by equalities (SQLite; pg/0013_status_check.sql changes nothing).
--
-- SQLite checks "status IN ('visible', 'held', 'rejected', 'deleted')" by building
-- a temporary b-tree of the four values in every statement that writes a comment
-- (an IN list of more than two values is looked up, not compared): measured, a
-- tenth of what inserting an imported comment costs, and as much of every post and
-- moderation decision. The same rule as equalities is checked in place. A CHECK
-- cannot be altered, so the table is rebuilt by SQLite's documented procedure: the
-- migration runs with foreign keys off and checks them all before it commits
-- (migrate.c). Columns keep their order; the indexes are made again by name, two of
-- them now partial: comments_events holds only comments with an event number and
-- comments_author_status only those with an account (their queries ask for a
-- number or an author, which SQLite reads as "IS NOT NULL"), so an imported legacy
-- comment, which has neither, costs two index entries less.
CREATE TABLE comments_0013 (
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
                  CHECK (status = 'visible' OR status = 'held' OR status = 'rejected'
                         OR status = 'deleted'),
    legacy_source TEXT,
    legacy_id     TEXT,
    event_seq     BIGINT,
    report_count  BIGINT  NOT NULL DEFAULT 0,
    hold_reason   TEXT,
    spam_score    INTEGER CHECK (spam_score BETWEEN 0 AND 1000),
    spam_hash     BIGINT,
    spam_tokens   TEXT,
    spam_trained  TEXT    CHECK (spam_trained IN ('spam', 'ham')),
    placeholder   INTEGER NOT NULL DEFAULT 0
                  CHECK (placeholder IN (0, 1) AND (placeholder = 0 OR status = 'deleted')),
    legacy_email  TEXT
);

INSERT INTO comments_0013 (id, story_id, parent_id, author_id, legacy_author, body_src,
    body_html, created_at, edited_at, is_legacy, status, legacy_source, legacy_id,
    event_seq, report_count, hold_reason, spam_score, spam_hash, spam_tokens, spam_trained,
    placeholder, legacy_email)
SELECT id, story_id, parent_id, author_id, legacy_author, body_src, body_html, created_at,
    edited_at, is_legacy, status, legacy_source, legacy_id, event_seq, report_count,
    hold_reason, spam_score, spam_hash, spam_tokens, spam_trained, placeholder, legacy_email
FROM comments;

DROP TABLE comments;
ALTER TABLE comments_0013 RENAME TO comments;

CREATE INDEX comments_parent ON comments (parent_id);
CREATE UNIQUE INDEX comments_legacy ON comments (legacy_source, legacy_id);
CREATE UNIQUE INDEX comments_events ON comments (story_id, event_seq) WHERE event_seq IS NOT NULL;
CREATE INDEX comments_story ON comments (story_id, status, id);
CREATE INDEX comments_status ON comments (status, id);
CREATE INDEX comments_reported ON comments (id) WHERE status = 'visible' AND report_count > 0;
CREATE INDEX comments_author_status ON comments (author_id, status) WHERE author_id IS NOT NULL;
CREATE INDEX comments_spam_hash ON comments (spam_hash, created_at) WHERE spam_hash IS NOT NULL;
CREATE INDEX comments_author_time ON comments (author_id, created_at) WHERE author_id IS NOT NULL;
CREATE INDEX comments_placeholders ON comments (story_id, id) WHERE placeholder;
