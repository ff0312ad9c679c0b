-- Comments imported from other systems (PostgreSQL; same as sqlite/0012_legacy_import.sql).
--
-- A legacy comment's author is a name (legacy_author), not an account. The e-mail
-- address the old system kept with it stays private: no page, API answer or live
-- event reads this column (the comment readers' column list leaves it out); only a
-- whole-site copy or export carries it, as the site's own data.
ALTER TABLE comments ADD COLUMN legacy_email TEXT;

-- Spam posts of an export that trained the spam filter, by source system and the
-- post's id there (as comments.legacy_source, legacy_id), so that importing the
-- same export again trains nothing twice. Spam never becomes a comment row.
CREATE TABLE legacy_spam (
    legacy_source TEXT NOT NULL,
    legacy_id     TEXT NOT NULL,
    PRIMARY KEY (legacy_source, legacy_id)
);

-- A reply imported before its parent gets the lower id, so a copy of the site in id
-- order (migrate-data, `stet import stet`) meets the reply first: the copy's write
-- transaction checks this reference at its commit instead (SET CONSTRAINTS ALL
-- DEFERRED, store/copy.c). Every other statement still checks it at once.
ALTER TABLE comments ALTER CONSTRAINT comments_parent_id_fkey DEFERRABLE INITIALLY IMMEDIATE;
