/* `stet user add|role`: accounts from the command line. The password is read from
 * standard input (first line) so it never shows in a process list or shell history. */
#include "cli/cli.h"
#include "domain/password.h"
#include "domain/users.h"
#include "domain/validate.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char user_usage[] =
    "usage: stet user add --username NAME --email ADDR [--role reader|moderator|admin] "
    "(password on stdin)\n"
    "       stet user role NAME ROLE";

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
    static const struct option opts[] = {
        {"username", required_argument, NULL, 'u'},
        {"email", required_argument, NULL, 'e'},
        {"role", required_argument, NULL, 'r'},
        {NULL, 0, NULL, 0},
    };
    struct config_flags flags = {0};
    const char *username = NULL, *email = NULL, *role_text = "reader";
    enum role role = ROLE_READER;
    if (cli_take_common(&argc, argv, &flags) != CLI_OK)
        return CLI_USAGE;
    const char *sub = argc >= 2 ? argv[1] : "";
    bool is_add = strcmp(sub, "add") == 0, is_role = strcmp(sub, "role") == 0;
    if (is_add) {
        int c;
        optind = 1;
        while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
            if (c == 'u')
                username = optarg;
            else if (c == 'e')
                email = optarg;
            else if (c == 'r')
                role_text = optarg;
            else
                return cli_fail(CLI_USAGE, "%s", user_usage);
        }
        if (username == NULL || email == NULL || optind != argc - 1)
            return cli_fail(CLI_USAGE, "%s", user_usage);
        if (!role_parse(role_text, strlen(role_text), &role))
            return cli_fail(CLI_USAGE, "role must be reader, moderator or admin");
    } else if (!(is_role && argc == 4)) {
        return cli_fail(CLI_USAGE, "%s", user_usage);
    }

    struct cli_session s;
    int status = cli_session_open(&s, &flags);
    if (status != CLI_OK)
        return status;
    status = is_add ? user_add(&s, username, email, role) : user_role(&s, argv[2], argv[3]);
    cli_session_close(&s);
    return status;
}
