-- The spam filter (PostgreSQL; same tables as sqlite/0009_spam.sql).
--
-- spam_tokens: in how many spam and how many ham (not spam) messages each token
-- was seen, a token counting once per message. Moderators' decisions and imported
-- spam train it; a changed decision moves a comment's counts from one side to the
-- other. A token is a folded word, "host:example.com" or "shape:...".
CREATE TABLE spam_tokens (
    token TEXT   NOT NULL PRIMARY KEY,
    spam  BIGINT NOT NULL DEFAULT 0,
    ham   BIGINT NOT NULL DEFAULT 0
);

-- How many spam and ham messages were trained: one row (id 1), made by the first
-- training, so a fresh database has none and reads as 0 and 0.
CREATE TABLE spam_totals (
    id   BIGINT  PRIMARY KEY CHECK (id = 1),
    spam BIGINT  NOT NULL DEFAULT 0,
    ham  BIGINT  NOT NULL DEFAULT 0
);

-- A comment's score when it was posted, in thousandths (0..1000); NULL: not scored
-- (staff, imported, the filter off, or nothing known yet).
ALTER TABLE comments ADD COLUMN spam_score INTEGER CHECK (spam_score BETWEEN 0 AND 1000);
-- The hash of its folded text (domain/spam.h), for the duplicate check; NULL for a
-- text too short to count as a duplicate.
ALTER TABLE comments ADD COLUMN spam_hash BIGINT;
-- What a moderator's decision trained it as (NULL: never trained) and on which
-- tokens (a JSON array, read from its text at that decision), so that a changed
-- decision, or one on an edited text, takes back exactly what was added. Written
-- only by a decision that trains: a posted comment stores its score and hash alone,
-- which keeps the table (and every post's write) small.
ALTER TABLE comments ADD COLUMN spam_tokens TEXT;
ALTER TABLE comments ADD COLUMN spam_trained TEXT CHECK (spam_trained IN ('spam', 'ham'));

-- The duplicate check: the same text since a time, one bounded range.
CREATE INDEX comments_spam_hash ON comments (spam_hash, created_at) WHERE spam_hash IS NOT NULL;
-- The posting speed: an author's comments since a time, one bounded range.
CREATE INDEX comments_author_time ON comments (author_id, created_at) WHERE author_id IS NOT NULL;
