/* `stet user add|role`: accounts from the command line. The password is read from
 * standard input (first line) so it never shows in a process list or shell history. */
#include "cli/cli.h"
#include "domain/password.h"
#include "domain/users.h"
#include "domain/validate.h"

#include <stdio.h>
#include <string.h>

/* Reads the first line of stdin into `pw` (PASSWORD_MAX + 2 bytes), without the
 * line ending. */
static int read_password(char *pw, size_t size, size_t *len)
{
    if (fgets(pw, (int)size, stdin) == NULL)
        return cli_fail(CLI_FAIL, "user add: no password on standard input");
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
    if (read_password(pw, sizeof(pw), &len) != CLI_OK)
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

int cmd_user(int argc, char **argv)
{
    const struct cli_command *sub;
    struct cli_args args;
    enum role role = ROLE_READER;
    int status = cli_subcommand("user", argc, argv, &sub);
    if (status == CLI_OK)
        status = cli_parse(sub->name, argc - 1, argv + 1, &args);
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
    else
        status = user_role(&s, args.operand[0], args.operand[1]);
    cli_session_close(&s);
    return status;
}
