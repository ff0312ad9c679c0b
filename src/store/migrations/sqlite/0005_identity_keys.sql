-- Identity keys and commit-order comment listing (SQLite). Same steps as
-- pg/0005_identity_keys.sql.
--
-- 1. Usernames and e-mail addresses are compared by a key stet computes itself
-- (base/ident.c: ASCII A-Z folded to a-z, every other byte kept), never by the
-- database's lower(), which on PostgreSQL also folds letters such as the Kelvin sign
-- U+212A into "k". The store writes both keys on every insert and looks accounts up
-- by equality with the key computed in C; the unique indexes on the keys are what
-- "unique without regard to case" means from now on. The columns stay nullable
-- here because SQLite can add a NOT NULL column only with a default, and a default
-- key would make every account written without one collide.
ALTER TABLE users ADD COLUMN username_key TEXT;
ALTER TABLE users ADD COLUMN email_key TEXT;
-- SQLite's built-in lower() folds ASCII letters only, exactly the rule above.
UPDATE users SET username_key = lower(username), email_key = lower(email);

-- Two accounts whose names (or addresses) are one under the new rule must not be
-- merged silently: stop here, naming the problem, and change nothing. SQLite can
-- raise an error only from a trigger, hence the temporary table and trigger.
CREATE TEMP TABLE stet_0005_clashes (n INTEGER NOT NULL);
CREATE TEMP TRIGGER stet_0005_refuse BEFORE INSERT ON stet_0005_clashes WHEN NEW.n > 0
BEGIN
    -- One literal: RAISE takes no expression, and SQLite joins no adjacent strings.
    SELECT RAISE(ABORT, 'migration 0005: some accounts have usernames or e-mail addresses that differ only in letter case and would become one account under ASCII case folding; list them with SELECT id, username FROM users WHERE lower(username) IN (SELECT lower(username) FROM users GROUP BY 1 HAVING count(*) > 1) OR lower(email) IN (SELECT lower(email) FROM users GROUP BY 1 HAVING count(*) > 1), rename one of each group, then run stet migrate again');
END;
INSERT INTO stet_0005_clashes
SELECT (SELECT count(*) FROM (SELECT 1 FROM users GROUP BY username_key HAVING count(*) > 1))
     + (SELECT count(*) FROM (SELECT 1 FROM users GROUP BY email_key HAVING count(*) > 1));
DROP TRIGGER stet_0005_refuse;
DROP TABLE stet_0005_clashes;

CREATE UNIQUE INDEX users_username_key ON users (username_key);
CREATE UNIQUE INDEX users_email_key ON users (email_key);
DROP INDEX users_username_lower;
DROP INDEX users_email_lower;

-- 2. A story's comments are listed in commit order, which is id order: ids are
-- given at commit, while created_at comes from each request's clock before the
-- group commit, so two comments of one batch can carry times in the other order
-- (the live stream, which follows commit order, then disagreed with the API). The
-- listing's keyset is (story_id, status, id) now.
DROP INDEX comments_story;
CREATE INDEX comments_story ON comments (story_id, status, id);
