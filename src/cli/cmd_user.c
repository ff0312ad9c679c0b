/* `stet user add|password|role|suspend|ban|unsuspend`: accounts from the command
 * line. A password is read from standard input (first line) so it never shows in a
 * process list or shell history. Changes act as stet itself (user_operator), under
 * the web's rules of who may be suspended, and are audited as such. */
#include "base/timefmt.h"
#include "cli/cli.h"
#include "domain/password.h"
#include "domain/suspensions.h"
#include "domain/users.h"
#include "domain/validate.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Reads the first line of stdin into `pw` (PASSWORD_MAX + 2 bytes), without the
 * line ending. */
static int read_password(const char *command, char *pw, size_t size, size_t *len)
{
    if (fgets(pw, (int)size, stdin) == NULL)
        return cli_fail(CLI_FAIL, "%s: no password on standard input", command);
    size_t n = strlen(pw);
    while (n > 0 && (pw[n - 1] == '\n' || pw[n - 1] == '\r'))
        pw[--n] = '\0';
    *len = n;
    return CLI_OK;
}

static int user_add(struct cli_session *s, const char *username, const char *email, enum role role)
{
    char pw[PASSWORD_MAX + 2];
    size_t len = 0;
    if (read_password("user add", pw, sizeof(pw), &len) != CLI_OK)
        return CLI_FAIL;
    struct err_detail err = {0};
    struct dctx ctx = cli_dctx(s, &err);
    struct user u;
    int rc =
        user_create(&ctx, str_from(username), str_from(email), (struct str){pw, len}, role, &u);
    secret_wipe(pw, sizeof(pw));
    if (rc != 0)
        return cli_report("user add", rc, &err);
    printf("added %s %s\n", role_name(u.role), u.username);
    return CLI_OK;
}

/* A new password for an account (a forgotten one, or one imported without any). */
static int user_password(struct cli_session *s, const char *username)
{
    char pw[PASSWORD_MAX + 2];
    size_t len = 0;
    if (read_password("user password", pw, sizeof(pw), &len) != CLI_OK)
        return CLI_FAIL;
    struct err_detail err = {0};
    struct dctx ctx = cli_dctx(s, &err);
    int rc = user_set_password(&ctx, &user_operator, str_from(username), (struct str){pw, len});
    secret_wipe(pw, sizeof(pw));
    if (rc == STET_ENOTFOUND)
        return cli_fail(CLI_FAIL, "no user named '%s'", username);
    if (rc != 0)
        return cli_report("user password", rc, &err);
    printf("new password for %s; every session of the account ended\n", username);
    return CLI_OK;
}

static int user_role(struct cli_session *s, const char *username, const char *role)
{
    struct err_detail err = {0};
    struct dctx ctx = cli_dctx(s, &err);
    int rc = user_change_role(&ctx, str_from(username), str_from(role));
    if (rc == STET_ENOTFOUND)
        return cli_fail(CLI_FAIL, "no user named '%s'", username);
    if (rc != 0)
        return cli_report("user role", rc, &err);
    printf("%s is now %s\n", username, role);
    return CLI_OK;
}

/* ---- suspensions ---- */

#define SUSPEND_DAYS_MAX 3650 /* --days: ten years; longer is a ban */

/* The end of `user suspend`: --days N from now, or --until a date (00:00 UTC) or an
 * ISO 8601 time; exactly one of the two. 0 means a ban (`user ban`). */
static int parse_until(const struct cli_args *args, int64_t *until)
{
    *until = 0;
    if (strcmp(args->cmd->name, "user suspend") != 0)
        return CLI_OK;
    const char *days = cli_value(args, "--days");
    const char *date = cli_value(args, "--until");
    if ((days == NULL) == (date == NULL))
        return cli_fail(CLI_USAGE, "user suspend: give either --days N or --until YYYY-MM-DD "
                                   "(`stet user ban` suspends for good)");
    int64_t n;
    if (days != NULL) {
        if (str_to_i64(str_from(days), 1, SUSPEND_DAYS_MAX, &n) != 0)
            return cli_fail(CLI_USAGE, "user suspend: --days must be a number from 1 to %d",
                            SUSPEND_DAYS_MAX);
        *until = time_now() + n * 86400;
    } else if (time_parse_iso(str_from(date), until) != 0) {
        return cli_fail(CLI_USAGE, "user suspend: --until must be a date, YYYY-MM-DD, or an ISO "
                                   "8601 time such as 2026-12-01T09:00:00+01:00");
    }
    return CLI_OK;
}

/* The domain's refusal as the operator needs it: the unknown account, a flag's bad
 * value (a usage error: nothing was changed), or the rule that stood in the way. */
static int report_suspension(const char *cmd, const char *username, int rc,
                             const struct err_detail *err)
{
    if (rc == STET_ENOTFOUND)
        return cli_fail(CLI_FAIL, "no user named '%s'", username);
    /* Only --until can name a past end: --days counts from now. */
    if (rc == STET_EINVAL && err->field != NULL)
        return cli_fail(CLI_USAGE, "%s: %s: %s", cmd,
                        strcmp(err->field, "until") == 0 ? "--until" : "--reason", err->message);
    return cli_report(cmd, rc, err);
}

static int user_suspension(struct cli_session *s, const struct cli_args *args, int64_t until)
{
    const char *cmd = args->cmd->name;
    const char *username = args->operand[0];
    struct err_detail err = {0};
    struct dctx ctx = cli_dctx(s, &err);
    int rc;
    if (strcmp(cmd, "user unsuspend") == 0)
        rc = user_unsuspend(&ctx, &user_operator, str_from(username));
    else
        rc = user_suspend(&ctx, &user_operator, str_from(username), until,
                          str_from(cli_value(args, "--reason")));
    if (rc != 0)
        return report_suspension(cmd, username, rc, &err);
    if (strcmp(cmd, "user unsuspend") == 0) {
        printf("%s may post again\n", username);
    } else if (until == 0) {
        printf("banned %s\n", username);
    } else {
        char end[TIMEFMT_ISO_LEN];
        time_format_iso(until, end);
        printf("suspended %s until %s\n", username, end);
    }
    return CLI_OK;
}

int cmd_user(int argc, char **argv)
{
    const struct cli_command *sub;
    struct cli_args args;
    enum role role = ROLE_READER;
    int64_t until = 0;
    int status = cli_subcommand("user", argc, argv, &sub);
    if (status == CLI_OK)
        status = cli_parse(sub->name, argc - 1, argv + 1, &args);
    if (status == CLI_OK)
        status = parse_until(&args, &until);
    if (status != CLI_OK)
        return status == CLI_HELP ? CLI_OK : status;
    bool is_add = strcmp(sub->name, "user add") == 0;
    const char *role_text = is_add ? cli_value(&args, "--role") : NULL;
    if (role_text != NULL && !role_parse(role_text, strlen(role_text), &role))
        return cli_fail(CLI_USAGE, "user add: --role must be reader, moderator or admin");

    struct cli_session s;
    status = cli_session_open(&s, &args.common, false);
    if (status != CLI_OK)
        return status;
    if (is_add)
        status = user_add(&s, cli_value(&args, "--username"), cli_value(&args, "--email"), role);
    else if (strcmp(sub->name, "user role") == 0)
        status = user_role(&s, args.operand[0], args.operand[1]);
    else if (strcmp(sub->name, "user password") == 0)
        status = user_password(&s, args.operand[0]);
    else
        status = user_suspension(&s, &args, until);
    cli_session_close(&s);
    return status;
}
