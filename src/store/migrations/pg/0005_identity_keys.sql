-- Identity keys and commit-order comment listing (PostgreSQL). Same steps as
-- sqlite/0005_identity_keys.sql.
--
-- 1. Usernames and e-mail addresses are compared by a key stet computes itself
-- (base/ident.c: ASCII A-Z folded to a-z, every other byte kept), never by lower(),
-- which here follows the database's locale: it folds the Kelvin sign U+212A into
-- "k" (so "\u212Aate" logged in as kate) and, under a Turkish locale, "I" into a
-- dotless i. The store writes both keys on every insert and looks accounts up by
-- equality with the key computed in C; the unique indexes on the keys are what
-- "unique without regard to case" means from now on.
ALTER TABLE users ADD COLUMN username_key TEXT;
ALTER TABLE users ADD COLUMN email_key TEXT;
-- translate() maps exactly the 26 ASCII capitals, whatever the locale.
UPDATE users SET
    username_key = translate(username, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'),
    email_key = translate(email, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz');
ALTER TABLE users ALTER COLUMN username_key SET NOT NULL;
ALTER TABLE users ALTER COLUMN email_key SET NOT NULL;

-- Two accounts whose names (or addresses) are one under the new rule (possible
-- where lower() did not fold ASCII as ASCII) must not be merged silently: stop
-- here, naming them, and change nothing. E-mail addresses are not printed: the
-- message goes to logs.
DO $$
DECLARE
    clashes TEXT;
BEGIN
    SELECT string_agg(what, '; ') INTO clashes FROM (
        SELECT 'usernames of users ' || string_agg(id::text, ', ' ORDER BY id) AS what
        FROM users GROUP BY username_key HAVING count(*) > 1
        UNION ALL
        SELECT 'e-mail addresses of users ' || string_agg(id::text, ', ' ORDER BY id)
        FROM users GROUP BY email_key HAVING count(*) > 1) AS c;
    IF clashes IS NOT NULL THEN
        RAISE EXCEPTION 'migration 0005: these accounts differ only in letter case and would '
            'become one under ASCII case folding: %; rename one of each group, then run stet '
            'migrate again', clashes;
    END IF;
END
$$;

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
