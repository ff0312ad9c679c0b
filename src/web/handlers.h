/* HTML page handlers (the web/..._pages.c files). Each parses its input, makes one domain call
 * and renders; all return 0 after setting the response. */
#ifndef STET_WEB_HANDLERS_H
#define STET_WEB_HANDLERS_H

#include "http/req.h"

int page_front_show(struct req *req);
int page_archive_show(struct req *req);
int page_archive_month(struct req *req);
int page_story_show(struct req *req);
int page_comment_post(struct req *req);
int page_comment_form_show(struct req *req);
int page_comment_permalink(struct req *req);
int page_comment_edit_show(struct req *req);
int page_comment_edit_post(struct req *req);
int page_comment_delete_show(struct req *req);
int page_comment_delete_post(struct req *req);
int page_comment_report_show(struct req *req);
int page_comment_report_post(struct req *req);
/* Issue 11: what the reader may do with a comment, the story page's "Actions". */
int page_comment_actions_show(struct req *req);
int page_story_events(struct req *req);
int page_register_show(struct req *req);
int page_register_post(struct req *req);
int page_login_show(struct req *req);
int page_login_post(struct req *req);
int page_logout_post(struct req *req);
int page_static_file(struct req *req);
int page_you_css(struct req *req);
int page_healthz(struct req *req);
int page_favicon(struct req *req);
int page_metrics(struct req *req);
/* the moderators' pages (moderation_pages.c) */
int page_moderation_queue(struct req *req);
int page_moderation_comment(struct req *req);
int page_moderation_approve(struct req *req);
int page_moderation_reject(struct req *req);
int page_moderation_delete(struct req *req);
int page_moderation_audit(struct req *req);
int page_moderation_users(struct req *req);
int page_moderation_user_suspend(struct req *req);
int page_moderation_user_unsuspend(struct req *req);
int page_moderation_user_role(struct req *req);
/* the admins' policies page (policy_pages.c) */
int page_moderation_policies(struct req *req);
int page_moderation_policies_post(struct req *req);
int page_story_open(struct req *req);
int page_story_close(struct req *req);

#endif
