/* The table of commands: every command's synopsis, flags and help text, in one place.
 * `stet help`, the usage errors of cli_parse and `stet help --all` (the source of the
 * man page) all print from it, so they cannot disagree. */
#include "cli/cli.h"

#include <string.h>

/* --config and --db, taken by every command that opens the site's database. */
static const char config_help[] =
    "read settings from this INI file (also STET_CONFIG; see demo/stet.ini)";
static const char db_help[] = "the database: sqlite:PATH or postgres://... (also "
                              "STET_DATABASE_URL, database.url; default sqlite:stet.db)";

static const struct cli_flag serve_flags[] = {
    {"--listen", "HOST:PORT", false,
     "address to listen on, [IPV6]:PORT too; port 0 picks a free one (default 127.0.0.1:8080)"},
    {"--demo", NULL, false,
     "create the database if there is none; add demo stories, readers and comments to a "
     "database without stories; show the bundled weather unless weather.url is set"},
    {"--config", "FILE", false, config_help},
    {"--db", "URL", false, db_help},
    {NULL, NULL, false, NULL},
};

static const struct cli_flag common_flags[] = {
    {"--config", "FILE", false, config_help},
    {"--db", "URL", false, db_help},
    {NULL, NULL, false, NULL},
};

static const struct cli_flag migrate_data_flags[] = {
    {"--from", "URL", true, "the site to copy (an existing stet database)"},
    {"--to", "URL", true, "a new, empty database (a SQLite file is created)"},
    {NULL, NULL, false, NULL},
};

/* Issue 12: the site export. */
static const struct cli_flag export_flags[] = {
    {"-o", "FILE", false, "write the export to FILE instead of standard output"},
    {"--config", "FILE", false, config_help},
    {"--db", "URL", false, db_help},
    {NULL, NULL, false, NULL},
};

static const struct cli_flag import_stet_flags[] = {
    {"--dry-run", NULL, false, "check the whole file against the database, then write nothing"},
    {"--config", "FILE", false, config_help},
    {"--db", "URL", false, db_help},
    {NULL, NULL, false, NULL},
};

static const struct cli_flag story_add_flags[] = {
    {"--slug", "SLUG", true, "the story's address, /stories/SLUG: a-z, 0-9 and -"},
    {"--title", "TEXT", true, "the headline"},
    {"--byline", "TEXT", false, "e.g. \"By Mara Lindqvist\""},
    {"--body-file", "FILE|-", false, "the story's Markdown text, - for standard input"},
    {"--published-at", "ISO8601", false,
     "publication time, e.g. 2026-11-30T08:00:00Z (default: now); the front page sorts by it"},
    {"--config", "FILE", false, config_help},
    {"--db", "URL", false, db_help},
    {NULL, NULL, false, NULL},
};

static const struct cli_flag user_add_flags[] = {
    {"--username", "NAME", true, "shown with the user's comments; unique, any case"},
    {"--email", "ADDR", true, "also accepted as the login; unique"},
    {"--role", "ROLE", false, "reader (default), moderator or admin"},
    {"--config", "FILE", false, config_help},
    {"--db", "URL", false, db_help},
    {NULL, NULL, false, NULL},
};

static const struct cli_flag comment_note_flags[] = {
    {"--note", "TEXT", false,
     "why, one line of at most 500 characters; kept in the audit log, marked \"from the "
     "command line\""},
    {"--config", "FILE", false, config_help},
    {"--db", "URL", false, db_help},
    {NULL, NULL, false, NULL},
};

static const struct cli_flag import_flags[] = {
    {"--create-stories", NULL, false,
     "make a story for each thread that matches none, from the export's title, "
     "published at the thread's date"},
    {"--match", "path|slug", false,
     "how threads find their stories: the last segment of the link's path, or the "
     "export's name for the page (WordPress post_name, a one-word Disqus identifier); "
     "default: path, then slug"},
    {"--dry-run", NULL, false, "do everything, print the summary, then write nothing"},
    {"--config", "FILE", false, config_help},
    {"--db", "URL", false, db_help},
    {NULL, NULL, false, NULL},
};

static const struct cli_flag comment_queue_flags[] = {
    {"--limit", "N", false, "print at most N comments (default: all of them)"},
    {"--config", "FILE", false, config_help},
    {"--db", "URL", false, db_help},
    {NULL, NULL, false, NULL},
};

static const struct cli_flag user_suspend_flags[] = {
    {"--days", "N", false, "suspend for N days from now (1 to 3650)"},
    {"--until", "DATE", false,
     "suspend until DATE: YYYY-MM-DD (00:00 UTC that day) or an ISO 8601 time such as "
     "2026-12-01T09:00:00+01:00"},
    {"--reason", "TEXT", true, "why, one line of at most 500 characters; the audit log keeps it"},
    {"--config", "FILE", false, config_help},
    {"--db", "URL", false, db_help},
    {NULL, NULL, false, NULL},
};

static const struct cli_flag user_ban_flags[] = {
    {"--reason", "TEXT", true, "why, one line of at most 500 characters; the audit log keeps it"},
    {"--config", "FILE", false, config_help},
    {"--db", "URL", false, db_help},
    {NULL, NULL, false, NULL},
};
/* What importing Disqus and WordPress share, after each one's first sentence. */
#define IMPORT_HELP                                                                                \
    " Each thread is matched to an existing story by slug (see --match); replies keep "            \
    "their place in the thread, and a reply whose parent is missing becomes top-level. "           \
    "Comments arrive as legacy comments with their author's name and date; e-mail "                \
    "addresses are kept private. Spam trains the spam filter and is not shown; deleted "           \
    "posts are skipped. The whole import is one transaction: a malformed or truncated "            \
    "file changes nothing (`stet: FILE:LINE: what is wrong`, exit status 1), and "                 \
    "importing the same file again adds nothing. A progress bar shows on a terminal, "             \
    "a summary on standard output at the end." NEEDS_DATABASE

static const struct cli_flag help_flags[] = {
    {"--all", NULL, false, "every command's help, one after another (for the man page)"},
    {NULL, NULL, false, NULL},
};

static const struct cli_flag no_flags[] = {
    {NULL, NULL, false, NULL},
};

/* Closes the help of the commands that act as a moderator would. */
#define OPERATOR_EFFECT                                                                            \
    " The change shows at once on every running `stet serve` of the database: pages, "             \
    "their ETags and open pages' live updates, as for a moderator on the web."

/* Closes the help of every command that works on an existing site. */
#define NEEDS_DATABASE                                                                             \
    " The database must exist (`stet migrate` creates it); a schema from an older "                \
    "release is brought up to date first."

const struct cli_command cli_commands[] = {
    {"serve", NULL, 0, serve_flags, "run the site",
     "Runs the whole site: stories, comments, accounts, the JSON API and live updates. "
     "Prints `stet: listening on http://HOST:PORT` on standard output once it accepts "
     "connections and logs to standard error. Applies pending migrations to the "
     "database on start; without --demo the database must exist (`stet migrate` "
     "creates it), so a mistyped --db never starts an empty site. SIGTERM or SIGINT "
     "stops accepting, lets requests in flight finish and closes the database.",
     cmd_serve},
    {"migrate", NULL, 0, common_flags, "create the database or bring its schema up to date",
     "Creates the database (the SQLite file, or stet's tables in an empty PostgreSQL "
     "database made with createdb) or applies the migrations a newer release brings, "
     "each in its own transaction. Running it again changes nothing.",
     cmd_migrate},
    {"migrate-data", NULL, 0, migrate_data_flags, "copy a whole site into an empty database",
     "Copies every row of a site, with its ids, from one database into another, e.g. "
     "from SQLite to PostgreSQL or back, in one transaction: the destination gets all "
     "of it or nothing. The destination must hold no data. Stop `stet serve` on the "
     "source first, or comments posted during the copy stay behind.",
     cmd_migrate_data},
    {"export", NULL, 0, export_flags, "write the whole site as one JSON document",
     "Writes every story, user, comment (with its state, source and edits) and the "
     "moderation data (reports, audit log, settings, spam filter) as one JSON document, "
     "read from one snapshot while the site keeps serving. Secrets stay out: no "
     "password hashes, sessions or site keys; e-mail addresses are kept. `stet import "
     "stet FILE` reads it back into an empty database, on either backend." NEEDS_DATABASE,
     cmd_export},
    {"story", NULL, 0, NULL, "add, list, close or open stories", NULL, cmd_story},
    {"story add", NULL, 0, story_add_flags, "publish a story",
     "Publishes a story at /stories/SLUG. The body is Markdown, read from --body-file "
     "(- for standard input); comments are open." NEEDS_DATABASE,
     NULL},
    {"story list", NULL, 0, common_flags, "list stories, newest first",
     "Prints one line per story, newest first: slug, number of comments, open or "
     "closed, title, separated by tabs." NEEDS_DATABASE,
     NULL},
    {"story close", "SLUG", 1, common_flags, "stop comments on a story",
     "Closes the story's comments: they stay visible, no new ones are accepted." NEEDS_DATABASE,
     NULL},
    {"story open", "SLUG", 1, common_flags, "accept comments on a story again",
     "Opens the story's comments again." NEEDS_DATABASE, NULL},
    {"user", NULL, 0, NULL, "add users, change roles, suspend or ban", NULL, cmd_user},
    {"user add", NULL, 0, user_add_flags, "create an account",
     "Creates an account. The password is the first line of standard input, so it "
     "never shows in a process list or shell history: "
     "`stet user add --username editor --email editor@example.org --role admin < "
     "password.txt`. The first admin of a new site is made this way." NEEDS_DATABASE,
     NULL},
    {"user password", "NAME", 1, common_flags, "give a user a new password",
     "Sets the account's password to the first line of standard input (`stet user "
     "password anna < password.txt`), checked as at registration, and ends every "
     "session of the account. For a forgotten password, and for accounts that arrived "
     "by `stet import stet` without one. Audited as stet itself." NEEDS_DATABASE,
     NULL},
    {"user role", "NAME ROLE", 2, common_flags, "change a user's role",
     "Makes the user a reader, moderator or admin." NEEDS_DATABASE, NULL},
    {"user suspend", "NAME", 1, user_suspend_flags, "stop a user posting for a time",
     "Suspends the account until the end given by --days or --until (one of them): it "
     "can read but neither post nor report, and is told until when. Acts as stet "
     "itself, as a moderator would on the web, with an admin's reach: readers and "
     "moderators, never an admin. The audit log records it with no account and the "
     "reason marked \"from the command line\"; running servers apply it at once." NEEDS_DATABASE,
     NULL},
    {"user ban", "NAME", 1, user_ban_flags, "stop a user posting for good",
     "Bans the account: a suspension without an end, until `stet user unsuspend` or a "
     "moderator lifts it. The same rules and audit entry as `stet user suspend`." NEEDS_DATABASE,
     NULL},
    {"user unsuspend", "NAME", 1, common_flags, "lift a suspension or ban",
     "Lets a suspended or banned account post again; audited like `stet user suspend`. "
     "An account that is not suspended is left as it is." NEEDS_DATABASE,
     NULL},
    {"comment", NULL, 0, NULL, "moderate comments: the queue, approve, reject, delete", NULL,
     cmd_comment},
    {"comment queue", NULL, 0, comment_queue_flags, "list the comments waiting for a moderator",
     "Prints the moderation queue (held and reported comments), oldest first, one "
     "comment a line, separated by tabs: id, story, author, how long it has waited "
     "(45s, 12m, 3h, 9d), why it waits (\"held (policy: banned word)\", \"reported 2 "
     "times\"), spam score (0.00 to 1.00, - when not scored) and the first 80 "
     "characters of its text, where line breaks, tabs, backslashes and every other "
     "control character are written as escapes (\\n, \\t, \\\\, \\x1b, \\u202e) so "
     "each comment stays on its line, e.g. `stet comment queue | less -S`." NEEDS_DATABASE,
     NULL},
    {"comment approve", "ID", 1, comment_note_flags, "publish a held or rejected comment",
     "Makes comment ID visible and clears its reports, as a moderator's Approve on "
     "the web; the filter learns it is not spam. IDs are in `stet comment queue` and "
     "in the moderation pages' addresses (/moderation/comments/ID)." OPERATOR_EFFECT NEEDS_DATABASE,
     NULL},
    {"comment reject", "ID", 1, comment_note_flags, "take a comment off its page",
     "Rejects comment ID, as a moderator's Reject on the web: it leaves the story's "
     "page and stays in the database; `stet comment approve` brings it back. The "
     "filter learns it is spam." OPERATOR_EFFECT NEEDS_DATABASE,
     NULL},
    {"comment delete", "ID", 1, comment_note_flags, "delete a comment",
     "Deletes comment ID, as a moderator's Delete on the web: with replies it leaves a "
     "\"comment deleted\" placeholder, otherwise it is gone. It cannot be brought "
     "back." OPERATOR_EFFECT NEEDS_DATABASE,
     NULL},
    {"import", NULL, 0, NULL, "bring in comments from Disqus or WordPress, or a stet export", NULL,
     cmd_import},
    {"import disqus", "FILE", 1, import_flags, "import a Disqus XML export",
     "Imports the comments of a Disqus export (Admin > Moderation > Export: the "
     "XML file, unzipped)." IMPORT_HELP,
     NULL},
    {"import wordpress", "FILE", 1, import_flags, "import a WordPress export (WXR)",
     "Imports the comments of a WordPress export (Tools > Export, \"All content\": "
     "a WXR file). Pending comments arrive held for moderation; pingbacks and "
     "trackbacks are skipped." IMPORT_HELP,
     NULL},
    {"import stet", "FILE", 1, import_stet_flags, "read a stet export into an empty database",
     "Reads a document written by `stet export` (FILE, or - for standard input) into a "
     "database that holds no site data yet (`stet migrate` makes one), ids, times and "
     "states included, in one transaction: a malformed or truncated file changes "
     "nothing. Users arrive without passwords and cannot log in until they are given "
     "one." NEEDS_DATABASE,
     NULL},
    {"help", "[COMMAND]", -1, help_flags, "show this overview or a command's help",
     "Without COMMAND, lists the commands; with one (e.g. `stet help story add`), "
     "prints its usage, what it does and its flags. `stet COMMAND --help` does the "
     "same.",
     cmd_help},
    {"--version", NULL, 0, no_flags, "print the version",
     "Prints stet's version and those of the libraries it runs with.", NULL},
    {NULL, NULL, 0, NULL, NULL, NULL, NULL},
};

const char cli_common_note[] =
    "Exit status: 0 success, 1 failure, 2 usage error; messages go to standard "
    "error as `stet: what went wrong`. A flag wins over an environment variable, "
    "which wins over the config file, which wins over the default.";

const struct cli_command *cli_command_find(const char *name)
{
    for (const struct cli_command *c = cli_commands; c->name != NULL; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}
