-- A content version per story (PostgreSQL): a number that moves, in the same
-- transaction, with every change to what the story's page shows (a visible comment
-- added, comments opened or closed, a commenter's role and so their staff badge).
-- The page cache and the ETag are keyed on it (web/story_pages.c story_version);
-- event_seq stays the live stream's order and moves only with a new live event.
-- Existing stories start at their event_seq, which every page change moved until
-- now, so a version seen before this migration is never reused for other content.
-- Same statements as sqlite/0007_content_version.sql.

ALTER TABLE stories ADD COLUMN content_version BIGINT NOT NULL DEFAULT 0;
UPDATE stories SET content_version = event_seq;

-- Lets store user_set_role find the stories a user commented on without a scan.
CREATE INDEX comments_author ON comments (author_id);
