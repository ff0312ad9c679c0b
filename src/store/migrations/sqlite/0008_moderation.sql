-- Moderation (SQLite; same tables as pg/0008_moderation.sql).
--
-- audit_log: every moderator's and admin's action, append-only: the triggers refuse
-- to change or delete a row, so no code path (and no SQL typed by an operator
-- through stet) can rewrite history. actor_id NULL: stet itself (an automatic hold)
-- or a command run on the server. target names what was acted on, e.g.
-- "comment:12", "user:anna", "story:some-slug".
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY,
    at       BIGINT  NOT NULL,
    actor_id INTEGER REFERENCES users (id),
    action   TEXT    NOT NULL,
    target   TEXT    NOT NULL,
    note     TEXT    NOT NULL DEFAULT ''
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- A reader's flag on a comment, once per reader and comment.
CREATE TABLE reports (
    comment_id  INTEGER NOT NULL REFERENCES comments (id),
    reporter_id INTEGER NOT NULL REFERENCES users (id),
    reason      TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    PRIMARY KEY (comment_id, reporter_id)
);

-- How many readers flagged the comment (kept with each report, so the queue and
-- the auto-hold need no count).
ALTER TABLE comments ADD COLUMN report_count BIGINT NOT NULL DEFAULT 0;

-- A suspension ends at suspended_until (Unix seconds); a ban is the largest value.
-- NULL: none.
ALTER TABLE users ADD COLUMN suspended_until BIGINT;
ALTER TABLE users ADD COLUMN suspension_reason TEXT;

-- The moderation queue: comments of one status in id order, one range scan.
CREATE INDEX comments_status ON comments (status, id);

-- The moderation queue: its's second branch, visible comments that
-- readers flagged, as an index of only those rows. On comments_status that branch
-- would walk every visible comment of the site to find the few flagged ones; here
-- it reads exactly the rows it returns.
CREATE INDEX comments_reported ON comments (id) WHERE status = 'visible' AND report_count > 0;

-- The moderators' users page searches usernames by prefix, a byte range of
-- username_key: SQLite compares text by its bytes, so users_username_key (0005)
-- serves it and no index is added here (PostgreSQL needs one: see pg/0008).

-- Policies: why a policy held a comment ("policy: banned word"), shown in
-- the moderation queue; NULL for a comment no policy held. A moderator's decision
-- clears it.
ALTER TABLE comments ADD COLUMN hold_reason TEXT;

-- Policies: comments.premoderate = new counts an author's approved comments, a range
-- of (author_id, status) that stops at the setting's number. The index also serves
-- what comments_author (0007) did, a user's comments, so it replaces it.
DROP INDEX comments_author;
CREATE INDEX comments_author_status ON comments (author_id, status);
