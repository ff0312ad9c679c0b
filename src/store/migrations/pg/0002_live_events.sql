-- Live-event numbers (PostgreSQL): each story counts the comments that became visible
-- (stories.event_seq) and each such comment keeps its number, so a live stream can
-- resume after "the last number I saw". Same statements as sqlite/0002_live_events.sql.

ALTER TABLE stories ADD COLUMN event_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE comments ADD COLUMN event_seq BIGINT;

-- Backfill: a story's visible comments get 1..n in (created_at, id) order.
UPDATE comments SET event_seq = r.n
FROM (SELECT id, row_number() OVER (PARTITION BY story_id ORDER BY created_at, id) AS n
      FROM comments WHERE status = 'visible') AS r
WHERE comments.id = r.id;
UPDATE stories SET event_seq = coalesce(
    (SELECT max(c.event_seq) FROM comments c WHERE c.story_id = stories.id), 0);

-- Serves the catch-up query (story_id = ? AND event_seq > ? ORDER BY event_seq) and
-- guards the numbering; NULLs (comments that never became visible) never clash.
CREATE UNIQUE INDEX comments_events ON comments (story_id, event_seq);
