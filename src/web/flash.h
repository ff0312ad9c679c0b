/* One-shot notices for the next page a reader sees ("Welcome, anna — you are
 * registered and logged in.", "Your comment was posted."), carried across a
 * redirect in a short-lived cookie that names the notice and never holds its text
 * or anything a reader typed. Per reader: shown only on pages rendered for a
 * logged-in reader, never in a shared cached page (the anonymous story page). */
#ifndef STET_WEB_FLASH_H
#define STET_WEB_FLASH_H

#include "http/req.h"

#include <stdbool.h>

#define FLASH_COOKIE "stet_flash"
/* Long enough for the redirect that follows, short enough that a notice left
 * behind (a redirect never followed) does not turn up on a later visit. */
#define FLASH_MAX_AGE_S 60

/* A new notice is one value here and one row in flash.c's table. */
enum flash {
    FLASH_REGISTERED,       /* "Welcome, NAME — you are registered and logged in." */
    FLASH_COMMENT_POSTED,   /* "Your comment was posted." */
    FLASH_COMMENT_HELD,     /* "Your comment was received; a moderator will ..." */
    FLASH_COMMENT_EDITED,   /* "Your comment was updated." */
    FLASH_COMMENT_DELETED,  /* "Your comment was deleted." */
    FLASH_COMMENT_REPORTED, /* "Thank you. A moderator will look at it." */
    /* a moderator's pages (moderation_pages.c) */
    FLASH_MOD_APPROVED, /* "The comment was approved." */
    FLASH_MOD_REJECTED, /* "The comment was rejected." */
    FLASH_MOD_DELETED,  /* "The comment was deleted." */
    FLASH_STORY_OPENED, /* "Comments are open on this story." */
    FLASH_STORY_CLOSED, /* "Comments are closed on this story." */
    /* the moderators' users page */
    FLASH_USER_SUSPENDED,   /* "The account was suspended." */
    FLASH_USER_BANNED,      /* "The account was banned." */
    FLASH_USER_UNSUSPENDED, /* "The suspension was lifted." */
    FLASH_USER_ROLE,        /* "The role was changed." */
    /* the admins' policies page */
    FLASH_POLICIES_SAVED,     /* "The policies were saved. ..." */
    FLASH_POLICIES_UNCHANGED, /* "Nothing was changed." */
};

/* Leaves notice `f` for the reader's next page: a Set-Cookie (HttpOnly,
 * SameSite=Lax, Secure on an https site) on this response, normally a 303 to a
 * page the reader sees logged in. */
void flash_set(struct req *req, enum flash f);
/* True when the notice left for this reader is `f`; does not clear it. */
bool flash_pending(struct req *req, enum flash f);
/* The text of the notice left for this logged-in reader (request arena or static),
 * or NULL when none. Taking it clears the cookie and marks the response
 * Cache-Control: private, no-store, so it shows once and no cache keeps it; a
 * second call for the same request returns NULL (the first caller placed it). For an
 * anonymous reader, whose page may be shared, NULL and the cookie is left alone. */
const char *flash_take(struct req *req);

#endif
