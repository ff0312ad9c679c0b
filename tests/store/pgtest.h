/* Helpers for the store tests that need a PostgreSQL server: where it is (the
 * runner's STET_TEST_PG_DSN and STET_TEST_PG_DIR) and driving tools/pg-cluster.sh
 * (path in STET_PG_CLUSTER, set by tests/store/meson.build) to create fresh
 * databases and to pause and resume the server. */
#ifndef STET_TESTS_STORE_PGTEST_H
#define STET_TESTS_STORE_PGTEST_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PGTEST_SKIP 77 /* meson's "skipped" exit status */

static inline const char *pgtest_env(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

/* Runs `tools/pg-cluster.sh CMD DIR [ARG]`; its first output line (a URL) goes to
 * `out` when given. Returns the exit status, -1 when it could not run. */
static inline int pgtest_cluster(const char *cmd, const char *arg, char *out, size_t size)
{
    const char *script = pgtest_env("STET_PG_CLUSTER");
    const char *dir = pgtest_env("STET_TEST_PG_DIR");
    int fds[2];
    if (script == NULL || dir == NULL || pipe(fds) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execl("/bin/sh", "sh", script, cmd, dir, arg, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char buf[1024];
    size_t len = 0;
    ssize_t n;
    while ((n = read(fds[0], buf + len, sizeof(buf) - 1 - len)) > 0)
        len += (size_t)n;
    close(fds[0]);
    buf[len] = '\0';
    int status = 0;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
        return -1;
    if (out != NULL && size > 0) {
        size_t line = strcspn(buf, "\n");
        snprintf(out, size, "%.*s", (int)line, buf);
    }
    return WEXITSTATUS(status);
}

/* A URL for an empty database: a fresh one in the runner's cluster when
 * STET_TEST_PG_DIR is set (so every run, plain or sanitized, starts empty), else
 * STET_TEST_PG_DSN as given; NULL when neither is usable. */
static inline const char *pgtest_fresh_url(const char *prefix, char *buf, size_t size)
{
    const char *dsn = pgtest_env("STET_TEST_PG_DSN");
    if (pgtest_env("STET_TEST_PG_DIR") != NULL && pgtest_env("STET_PG_CLUSTER") != NULL) {
        static unsigned counter;
        char name[64];
        snprintf(name, sizeof(name), "%s_%ld_%d_%u", prefix, (long)time(NULL), (int)getpid(),
                 ++counter);
        if (pgtest_cluster("createdb", name, buf, size) == 0 && strncmp(buf, "postgres", 8) == 0)
            return buf;
        fprintf(stderr, "pgtest: createdb in STET_TEST_PG_DIR failed\n");
        return NULL;
    }
    if (dsn != NULL) {
        snprintf(buf, size, "%s", dsn);
        return buf;
    }
    return NULL;
}

#endif
