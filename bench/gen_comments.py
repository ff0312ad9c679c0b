#!/usr/bin/env python3
"""Fills a stet SQLite database with many stories and comments, fast.

The schema comes from `stet migrate` (run here when the file has no tables); the rows
are generated inside SQLite by recursive CTEs and inserted by the sqlite3 CLI in one
transaction, with the comments table's secondary indexes dropped during the load and
rebuilt after it (the rebuild also re-checks every unique index). Columns are
matched to the live schema: a column this script does not know is left to its
default, and a NOT NULL column without a default stops the script with its name.
Existing rows are kept; new ids continue after the highest ones.

    bench/gen_comments.py --stet build-release/stet --db /tmp/x/big.db \
        --stories 10000 --per-story 100
"""

import argparse
import os
import subprocess
import sys
import time

LOREM = (
    "The council said the bridge would reopen to cyclists first, and residents on both "
    "banks have waited two winters for it. Traffic counts from the old crossing suggest "
    "the evening queue will return within a month unless the bus lane holds. Readers who "
    "remember the 1998 closure point out that the ferry timetable was never restored. "
    "Shops near the north ramp report more customers since the scaffolding came down."
)


def sqlite(db, sql):
    res = subprocess.run(
        ["sqlite3", "-batch", "-bail", "-noheader", "-separator", "\x1f", db],
        input=sql,
        capture_output=True,
        text=True,
    )
    if res.returncode != 0:
        sys.exit("gen_comments: sqlite3 failed: " + res.stderr.strip())
    return res.stdout


def columns(db, table):
    out = sqlite(db, "PRAGMA table_info(%s);" % table)
    cols = []
    for line in out.splitlines():
        cid, name, ctype, notnull, dflt, pk = line.split("\x1f")
        cols.append((name, notnull == "1", dflt != "", pk != "0"))
    return cols


def insert_sql(db, table, exprs, source):
    """INSERT INTO table (the known columns that exist) SELECT exprs FROM source."""
    names, values = [], []
    for name, notnull, has_default, pk in columns(db, table):
        if name in exprs:
            names.append(name)
            values.append(exprs[name])
        elif notnull and not has_default and not pk:
            sys.exit(
                "gen_comments: %s.%s is NOT NULL without a default and this generator "
                "does not know what to put there; teach bench/gen_comments.py" % (table, name)
            )
    if not names:
        sys.exit("gen_comments: table %s is missing or has no known columns" % table)
    return "INSERT INTO %s (%s)\n%s\nSELECT %s FROM %s;\n" % (
        table,
        ", ".join(names),
        source[0],
        ",\n       ".join(values),
        source[1],
    )


def seq(n):
    """A recursive CTE numbering 0..n-1 as g(i)."""
    return (
        "WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM g WHERE i + 1 < %d)" % n,
        "g",
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True, help="SQLite file (created and migrated if new)")
    ap.add_argument("--stet", help="stet binary, for `stet migrate` on a new file")
    ap.add_argument("--stories", type=int, default=10000)
    ap.add_argument("--per-story", type=int, default=100)
    ap.add_argument("--users", type=int, default=1000)
    ap.add_argument("--held-every", type=int, default=50,
                    help="every Nth comment of a story is held (1: all of them)")
    args = ap.parse_args()
    db = args.db
    t0 = time.monotonic()

    tables = sqlite(db, "SELECT name FROM sqlite_master WHERE type = 'table';").split()
    if "comments" not in tables:
        if not args.stet:
            sys.exit("gen_comments: %s has no schema; pass --stet to migrate it" % db)
        subprocess.run([args.stet, "migrate", "--db", "sqlite:" + db], check=True)

    ids = sqlite(
        db,
        "SELECT coalesce(max(id), 0) FROM users; SELECT coalesce(max(id), 0) FROM stories;"
        " SELECT coalesce(max(id), 0) FROM comments;",
    ).split()
    ubase, sbase, cbase = (int(x) for x in ids)
    nu, ns, per = args.users, args.stories, args.per_story
    nc = ns * per
    # Everything generated lies in the past, older than the stories already there, so
    # the front page and the benchmarked story are the same before and after.
    now = int(time.time())
    t_story = now - 10 * 365 * 86400
    lorem = LOREM.replace("'", "''")

    users = insert_sql(
        db,
        "users",
        {
            "id": "%d + i + 1" % ubase,
            "username": "printf('genuser%%06d', %d + i)" % ubase,
            "display_name": "printf('Reader %%d', %d + i)" % ubase,
            "email": "printf('genuser%%06d@example.org', %d + i)" % ubase,
            # Not a valid Argon2id hash: nobody can log in as a generated user.
            "password_hash": "'!generated'",
            "role": "'reader'",
            "created_at": "%d + i" % t_story,
        },
        seq(nu),
    )
    stories = insert_sql(
        db,
        "stories",
        {
            "id": "%d + i + 1" % sbase,
            "slug": "printf('gen-story-%%06d', %d + i)" % sbase,
            "title": "printf('Generated story %%d about the harbour', %d + i)" % sbase,
            "byline": "'By the bench generator'",
            "body_src": "'%s'" % lorem,
            "body_html": "'<p>%s</p>\n'" % lorem,
            "published_at": "%d + i * 600" % t_story,
            "created_at": "%d + i * 600" % t_story,
            "comments_open": "1",
            "comment_count": "0",
            "event_seq": "0",
        },
        seq(ns),
    )
    # Comment i belongs to story i / per; every 4th is a reply to the one before it,
    # every --held-every'th is held (not visible, no event number). Bodies vary in
    # length.
    if args.held_every < 1:
        sys.exit("gen_comments: --held-every must be at least 1")
    j = "(i %% %d)" % per
    visible = "(%s %% %d != %d)" % (j, args.held_every, args.held_every - 1)
    src = "printf('Comment %%d. %%s', i, substr('%s', 1 + (i * 37) %% 200, 60 + (i * 13) %% 180))" % lorem
    comments = insert_sql(
        db,
        "comments",
        {
            "id": "%d + i + 1" % cbase,
            "story_id": "%d + i / %d + 1" % (sbase, per),
            "parent_id": "CASE WHEN %s %% 4 = 3 THEN %d + i ELSE NULL END" % (j, cbase),
            "author_id": "%d + (i * 7919) %% %d + 1" % (ubase, nu),
            "body_src": src,
            "body_html": "'<p>' || %s || '</p>' || char(10)" % src,
            "created_at": "%d + (i / %d) * 600 + %s * 5 + 60" % (t_story, per, j),
            "is_legacy": "0",
            "status": "CASE WHEN %s THEN 'visible' ELSE 'held' END" % visible,
            "event_seq": "CASE WHEN %s THEN %s - %s / %d + 1 ELSE NULL END"
            % (visible, j, j, args.held_every),
        },
        seq(nc),
    )

    indexes = sqlite(
        db,
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'comments'"
        " AND sql IS NOT NULL;",
    )
    drops, creates = [], []
    for line in indexes.splitlines():
        name, sql_text = line.split("\x1f", 1)
        drops.append('DROP INDEX "%s";' % name)
        creates.append(sql_text + ";")

    script = "\n".join(
        [
            "PRAGMA synchronous = OFF;",
            "PRAGMA cache_size = -262144;",
            "PRAGMA temp_store = MEMORY;",
            "BEGIN;",
            *drops,
            users,
            stories,
            comments,
            *creates,
            # Counts the way the server keeps them: visible comments and the last event.
            "UPDATE stories SET"
            " comment_count = (SELECT count(*) FROM comments c"
            "   WHERE c.story_id = stories.id AND c.status = 'visible'),"
            " event_seq = coalesce((SELECT max(c.event_seq) FROM comments c"
            "   WHERE c.story_id = stories.id), 0)"
            " WHERE id > %d;" % sbase
            if any(c[0] == "event_seq" for c in columns(db, "stories"))
            else "UPDATE stories SET comment_count = (SELECT count(*) FROM comments c"
            " WHERE c.story_id = stories.id AND c.status = 'visible') WHERE id > %d;" % sbase,
            "COMMIT;",
        ]
    )
    sqlite(db, script)
    n = sqlite(db, "SELECT count(*) FROM comments; SELECT count(*) FROM stories;").split()
    print(
        "gen_comments: %s now has %s comments over %s stories (added %d and %d in %.1f s, %.0f MB)"
        % (db, n[0], n[1], nc, ns, time.monotonic() - t0, os.path.getsize(db) / 1e6)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
