/* The route table: every URL stet answers, its methods, handler, flags and the form
 * fields its handler may see. It names the HTML handlers (web/) and the JSON ones
 * (api/), so it lives in cli/, the one layer that sees both. */
#include "api/api.h"
#include "cli/cli.h"
#include "web/handlers.h"
#include "web/router.h"

/* login and password: a reader whose session ended logs in and posts at once. */
static const char *const comment_fields[] = {"body",  "parent_id", "csrf",
                                             "login", "password",  NULL};
static const char *const register_fields[] = {"username", "email", "password",
                                              "csrf",     "next",  NULL};
static const char *const login_fields[] = {"login", "password", "csrf", "next", NULL};
static const char *const csrf_only[] = {"csrf", NULL};

#define FORM_POST (ROUTE_FORM | ROUTE_CSRF)

const struct route cli_routes[] = {
    {HTTP_GET, "/", page_front_show, 0, NULL},
    {HTTP_GET, "/archive", page_archive_show, 0, NULL},
    {HTTP_GET, "/archive/{year}/{month}", page_archive_month, 0, NULL},
    {HTTP_GET, "/stories/{slug}", page_story_show, 0, NULL},
    {HTTP_POST, "/stories/{slug}/comments", page_comment_post, FORM_POST | ROUTE_CSRF_RESHOW,
     comment_fields},
    {HTTP_GET, "/stories/{slug}/comments", page_comment_form_show, 0, NULL},
    {HTTP_GET, "/stories/{slug}/comments/{id}", page_comment_permalink, 0, NULL},
    {HTTP_GET, "/stories/{slug}/events", page_story_events, ROUTE_NOAUTH, NULL},
    {HTTP_GET, "/register", page_register_show, 0, NULL},
    {HTTP_POST, "/register", page_register_post, FORM_POST, register_fields},
    {HTTP_GET, "/login", page_login_show, 0, NULL},
    {HTTP_POST, "/login", page_login_post, FORM_POST, login_fields},
    {HTTP_POST, "/logout", page_logout_post, FORM_POST, csrf_only},
    {HTTP_GET, "/healthz", page_healthz, ROUTE_NOAUTH, NULL},
    {HTTP_GET, "/metrics", page_metrics, ROUTE_NOAUTH, NULL},
    {HTTP_GET, "/static/{file}", page_static_file, ROUTE_NOAUTH, NULL},
    {HTTP_GET, "/static/you/{username}", page_you_css, ROUTE_NOAUTH, NULL},
    {HTTP_GET, "/favicon.ico", page_favicon, ROUTE_NOAUTH, NULL},

    {HTTP_POST, "/api/v1/users", api_users_create, ROUTE_API, NULL},
    {HTTP_POST, "/api/v1/sessions", api_sessions_create, ROUTE_API, NULL},
    {HTTP_DELETE, "/api/v1/sessions/current", api_sessions_delete, ROUTE_API, NULL},
    {HTTP_GET, "/api/v1/stories", api_stories_list, ROUTE_API, NULL},
    {HTTP_POST, "/api/v1/stories", api_stories_create, ROUTE_API, NULL},
    {HTTP_GET, "/api/v1/stories/{slug}", api_stories_show, ROUTE_API, NULL},
    {HTTP_GET, "/api/v1/stories/{slug}/comments", api_comments_list, ROUTE_API, NULL},
    {HTTP_POST, "/api/v1/stories/{slug}/comments", api_comments_create, ROUTE_API, NULL},
    {HTTP_GET, "/api/v1/counts", api_counts, ROUTE_API, NULL},
    /* Issue 11 part A: moderator decisions, the queue, the audit log. */
    {HTTP_POST, "/api/v1/comments/{id}/approve", api_comments_approve, ROUTE_API, NULL},
    {HTTP_POST, "/api/v1/comments/{id}/reject", api_comments_reject, ROUTE_API, NULL},
    {HTTP_GET, "/api/v1/moderation/queue", api_moderation_queue, ROUTE_API, NULL},
    {HTTP_GET, "/api/v1/audit", api_audit_list, ROUTE_API, NULL},
    /* Issue 11 part C: reports, suspensions, roles. */
    {HTTP_POST, "/api/v1/comments/{id}/reports", api_reports_create, ROUTE_API, NULL},
    {HTTP_POST, "/api/v1/users/{name}/suspension", api_users_suspend, ROUTE_API, NULL},
    {HTTP_DELETE, "/api/v1/users/{name}/suspension", api_users_unsuspend, ROUTE_API, NULL},
    {HTTP_PATCH, "/api/v1/users/{name}", api_users_update, ROUTE_API, NULL},
    /* part B: a reader's own comment */
    {HTTP_PATCH, "/api/v1/comments/{id}", api_comments_edit, ROUTE_API, NULL},
    {HTTP_DELETE, "/api/v1/comments/{id}", api_comments_delete, ROUTE_API, NULL},
};

const size_t cli_n_routes = sizeof(cli_routes) / sizeof(cli_routes[0]);
