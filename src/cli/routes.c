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
/* the moderators' forms: where to come back to, and a decision's note */
static const char *const mod_next_fields[] = {"csrf", "next", NULL};
static const char *const mod_decide_fields[] = {"csrf", "next", "note", NULL};
static const char *const mod_suspend_fields[] = {"csrf", "next", "duration", "reason", NULL};
static const char *const mod_role_fields[] = {"csrf", "next", "role", NULL};
static const char *const comment_edit_fields[] = {"body", "csrf", NULL};
static const char *const report_fields[] = {"reason", "csrf", NULL};
/* the admins' policies form: each policy (domain/policy_settings.h) and its reset */
static const char *const policy_fields[] = {"csrf",
                                            "premoderate",
                                            "premoderate_first",
                                            "banned_words",
                                            "banned_action",
                                            "max_links",
                                            "min_account_age",
                                            "reset_premoderate",
                                            "reset_premoderate_first",
                                            "reset_banned_words",
                                            "reset_banned_action",
                                            "reset_max_links",
                                            "reset_min_account_age",
                                            NULL};

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
    /* Issue 11: a reader's Edit, Delete and Report pages for a comment. */
    {HTTP_GET, "/stories/{slug}/comments/{id}/edit", page_comment_edit_show, 0, NULL},
    {HTTP_POST, "/stories/{slug}/comments/{id}/edit", page_comment_edit_post, FORM_POST,
     comment_edit_fields},
    {HTTP_GET, "/stories/{slug}/comments/{id}/delete", page_comment_delete_show, 0, NULL},
    {HTTP_POST, "/stories/{slug}/comments/{id}/delete", page_comment_delete_post, FORM_POST,
     csrf_only},
    {HTTP_GET, "/stories/{slug}/comments/{id}/report", page_comment_report_show, 0, NULL},
    {HTTP_POST, "/stories/{slug}/comments/{id}/report", page_comment_report_post, FORM_POST,
     report_fields},
    /* Issue 11: every comment's one "Actions" link: what this reader may do. */
    {HTTP_GET, "/comments/{id}", page_comment_actions_show, 0, NULL},
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
    /* Issue 11: the moderators' pages. */
    {HTTP_GET, "/moderation", page_moderation_queue, 0, NULL},
    {HTTP_GET, "/moderation/comments/{id}", page_moderation_comment, 0, NULL},
    {HTTP_POST, "/moderation/comments/{id}/approve", page_moderation_approve, FORM_POST,
     mod_decide_fields},
    {HTTP_POST, "/moderation/comments/{id}/reject", page_moderation_reject, FORM_POST,
     mod_decide_fields},
    {HTTP_POST, "/moderation/comments/{id}/delete", page_moderation_delete, FORM_POST,
     mod_next_fields},
    {HTTP_GET, "/moderation/audit", page_moderation_audit, 0, NULL},
    {HTTP_GET, "/moderation/users", page_moderation_users, 0, NULL},
    {HTTP_POST, "/moderation/users/{name}/suspension", page_moderation_user_suspend, FORM_POST,
     mod_suspend_fields},
    {HTTP_POST, "/moderation/users/{name}/suspension/delete", page_moderation_user_unsuspend,
     FORM_POST, mod_next_fields},
    {HTTP_POST, "/moderation/users/{name}/role", page_moderation_user_role, FORM_POST,
     mod_role_fields},
    /* Issue 11: the admins' policies page. */
    {HTTP_GET, "/moderation/policies", page_moderation_policies, 0, NULL},
    {HTTP_POST, "/moderation/policies", page_moderation_policies_post, FORM_POST, policy_fields},
    {HTTP_POST, "/stories/{slug}/open", page_story_open, FORM_POST, mod_next_fields},
    {HTTP_POST, "/stories/{slug}/close", page_story_close, FORM_POST, mod_next_fields},

    {HTTP_POST, "/api/v1/users", api_users_create, ROUTE_API, NULL},
    {HTTP_POST, "/api/v1/sessions", api_sessions_create, ROUTE_API, NULL},
    {HTTP_DELETE, "/api/v1/sessions/current", api_sessions_delete, ROUTE_API, NULL},
    {HTTP_GET, "/api/v1/stories", api_stories_list, ROUTE_API, NULL},
    {HTTP_POST, "/api/v1/stories", api_stories_create, ROUTE_API, NULL},
    {HTTP_GET, "/api/v1/stories/{slug}", api_stories_show, ROUTE_API, NULL},
    {HTTP_PATCH, "/api/v1/stories/{slug}", api_stories_update, ROUTE_API, NULL},
    {HTTP_GET, "/api/v1/stories/{slug}/comments", api_comments_list, ROUTE_API, NULL},
    {HTTP_POST, "/api/v1/stories/{slug}/comments", api_comments_create, ROUTE_API, NULL},
    {HTTP_GET, "/api/v1/counts", api_counts, ROUTE_API, NULL},
    /* Moderator decisions, the queue, the audit log. */
    {HTTP_POST, "/api/v1/comments/{id}/approve", api_comments_approve, ROUTE_API, NULL},
    {HTTP_POST, "/api/v1/comments/{id}/reject", api_comments_reject, ROUTE_API, NULL},
    {HTTP_GET, "/api/v1/moderation/queue", api_moderation_queue, ROUTE_API, NULL},
    {HTTP_GET, "/api/v1/audit", api_audit_list, ROUTE_API, NULL},
    /* Reports, suspensions, roles. */
    {HTTP_POST, "/api/v1/comments/{id}/reports", api_reports_create, ROUTE_API, NULL},
    {HTTP_POST, "/api/v1/users/{name}/suspension", api_users_suspend, ROUTE_API, NULL},
    {HTTP_DELETE, "/api/v1/users/{name}/suspension", api_users_unsuspend, ROUTE_API, NULL},
    {HTTP_PATCH, "/api/v1/users/{name}", api_users_update, ROUTE_API, NULL},
    /* A reader's own comment. */
    {HTTP_PATCH, "/api/v1/comments/{id}", api_comments_edit, ROUTE_API, NULL},
    {HTTP_DELETE, "/api/v1/comments/{id}", api_comments_delete, ROUTE_API, NULL},
    /* Issue 11: the comment policies (admins; an extension of SPEC). */
    {HTTP_GET, "/api/v1/policies", api_policies_show, ROUTE_API, NULL},
    {HTTP_PATCH, "/api/v1/policies", api_policies_update, ROUTE_API, NULL},
};

const size_t cli_n_routes = sizeof(cli_routes) / sizeof(cli_routes[0]);
