-- Site settings an admin changed on the site, over the configuration file's value
-- for every node at once (domain/policies.c: the comment policies). A key without a
-- row takes the file's value; deleting the row goes back to it. changed_by NULL: a
-- command run on the server. The values are checked by the code that writes them
-- and again where they are read, so a row typed by hand cannot break a post.
CREATE TABLE site_settings (
    key        TEXT    PRIMARY KEY,
    value      TEXT    NOT NULL,
    changed_at BIGINT  NOT NULL,
    changed_by INTEGER REFERENCES users (id)
);
