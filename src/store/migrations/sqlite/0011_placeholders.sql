-- "Comment deleted" placeholders (SQLite; same as pg/0011_placeholders.sql).
--
-- A deleted comment whose replies are still on the page stays there as a
-- placeholder: no author, no text, only its place in the thread. It is a flag on a
-- deleted row rather than a status of its own: every rule about deleted comments
-- (no edit, no decision, no reply, "deleted" in the API) holds for it unchanged, and
-- widening status's CHECK would mean rebuilding the table on SQLite, which foreign
-- keys forbid inside the migration's transaction. The lists read placeholders from
-- their own small index beside comments_story's range of visible ones.
ALTER TABLE comments ADD COLUMN placeholder INTEGER NOT NULL DEFAULT 0
    CHECK (placeholder IN (0, 1) AND (placeholder = 0 OR status = 'deleted'));

-- A story's placeholders in id order: only such rows, so a page's second branch
-- reads exactly what it returns.
CREATE INDEX comments_placeholders ON comments (story_id, id) WHERE placeholder;

-- Comments deleted before this migration with visible replies below them, however
-- deep (a deleted comment holding only such deleted comments counts), become
-- placeholders; their stories' cached pages are renewed.
UPDATE comments SET placeholder = 1 WHERE status = 'deleted' AND id IN (
    WITH RECURSIVE up(id) AS (
        SELECT parent_id FROM comments WHERE status = 'visible' AND parent_id IS NOT NULL
        UNION
        SELECT c.parent_id FROM comments c JOIN up ON c.id = up.id
        WHERE c.status = 'deleted' AND c.parent_id IS NOT NULL)
    SELECT id FROM up);
UPDATE stories SET content_version = content_version + 1
    WHERE id IN (SELECT story_id FROM comments WHERE placeholder);
