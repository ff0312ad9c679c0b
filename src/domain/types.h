/* The nouns of stet as plain data: users, stories, comments. Shared by domain/,
 * store/ (which fills them) and the layers that render them. Strings point into
 * the arena of whoever loaded the object. */
#ifndef STET_DOMAIN_TYPES_H
#define STET_DOMAIN_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum role {
    ROLE_READER = 0,
    ROLE_MODERATOR = 1,
    ROLE_ADMIN = 2,
};

enum comment_status {
    COMMENT_VISIBLE = 0,
    COMMENT_HELD = 1,
    COMMENT_REJECTED = 2,
    COMMENT_DELETED = 3,
};

struct user {
    int64_t id;
    const char *username;
    const char *display_name;
    const char *email; /* shown only to its owner */
    enum role role;
    int64_t created_at; /* Unix seconds */
    /* Posting is refused until then (Unix seconds); 0: not suspended. A ban is
     * USER_BANNED. */
    int64_t suspended_until;
};

/* suspended_until of a banned account: beyond any date. */
#define USER_BANNED INT64_MAX

struct story {
    int64_t id;
    const char *slug;
    const char *title;
    const char *byline;    /* "" when none */
    const char *body_src;  /* Markdown as the editor wrote it */
    const char *body_html; /* rendered once at write time */
    int64_t published_at;
    int64_t created_at;
    int64_t n_comments; /* visible comments, kept by the store on every change */
    int64_t event_seq;  /* last live-event number of this story (0: none yet) */
    /* Moves, in the same transaction, with every change to what the story's page
     * shows; the page cache and ETags are keyed on it (never reused for a story). */
    int64_t content_version;
    bool comments_open;
};

struct comment {
    int64_t id;
    int64_t story_id;
    const char *story_slug;
    int64_t parent_id;               /* 0: top level */
    int64_t author_id;               /* 0: legacy comment with no account */
    const char *author_username;     /* NULL for legacy comments */
    const char *author_display_name; /* NULL for legacy comments */
    enum role author_role;           /* the author's role now; ROLE_READER for legacy */
    const char *legacy_author;       /* name from the older system, or NULL */
    const char *body_src;
    const char *body_html; /* rendered once at write time */
    int64_t created_at;
    int64_t edited_at; /* 0: never edited */
    bool is_legacy;
    enum comment_status status;
    int64_t event_seq;       /* the story's number of its latest live event; 0: never visible */
    int64_t report_count;    /* readers who flagged it */
    const char *hold_reason; /* why a policy held it ("policy: banned word"); NULL: none */
    /* The spam filter's score when the comment was posted, in thousandths (0..1000),
     * when has_spam_score. */
    bool has_spam_score;
    int spam_score;
    /* Written with a new comment, never read back: the hash of its folded text (0:
     * none) for the duplicate check (domain/spam.h). */
    int64_t spam_hash;
    /* A deleted comment its page still shows, as "comment deleted" with no author
     * or text, because replies on the page hang under it. status is
     * COMMENT_DELETED. */
    bool is_placeholder;
};

const char *role_name(enum role r);
/* Parses "reader" / "moderator" / "admin"; false otherwise. */
bool role_parse(const char *s, size_t len, enum role *out);
const char *comment_status_name(enum comment_status s);

#endif
