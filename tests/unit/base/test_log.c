/* Unit tests for base/log: level names, the level filter, the journal's priority
 * prefix, and the access log switched off, sent to a file and reopened after the
 * file was moved. stderr is a temp file whose dev:ino main() puts in
 * JOURNAL_STREAM before the first line, as systemd does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/log.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/stet-log-XXXXXX";
static char err_path[64];

/* Reads a whole file (small) into `out`. */
static void slurp(const char *path, char *out, size_t cap)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(out, 1, cap - 1, f);
    out[n] = '\0';
    fclose(f);
}

/* What stderr received since the last call. */
static void take_stderr(char *out, size_t cap)
{
    slurp(err_path, out, cap);
    assert_int_equal(ftruncate(STDERR_FILENO, 0), 0);
}

static void test_level_names(void **state)
{
    (void)state;
    enum log_level l;
    assert_int_equal(log_level_parse("debug", &l), 0);
    assert_int_equal(l, LOG_LEVEL_DEBUG);
    assert_int_equal(log_level_parse(" Warning ", &l), 0);
    assert_int_equal(l, LOG_LEVEL_WARN);
    assert_int_equal(log_level_parse("ERROR", &l), 0);
    assert_int_equal(l, LOG_LEVEL_ERROR);
    assert_int_equal(log_level_parse("info", &l), 0);
    assert_int_equal(l, LOG_LEVEL_INFO);
    assert_int_equal(log_level_parse("verbose", &l), STET_EINVAL);
    assert_int_equal(log_level_parse("", &l), STET_EINVAL);
    assert_string_equal(log_level_name(LOG_LEVEL_WARN), "warn");
    assert_string_equal(log_level_name(LOG_LEVEL_DEBUG), "debug");
}

static void test_journal_prefix_and_levels(void **state)
{
    (void)state;
    char got[1024];
    take_stderr(got, sizeof(got));
    log_set_level(LOG_LEVEL_INFO);
    log_debug(NULL, "hidden %d", 1);
    log_info("ab-1", "shown %d", 2);
    log_warn(NULL, "careful");
    log_error(NULL, "broken");
    take_stderr(got, sizeof(got));
    assert_string_equal(got, "<6>info [ab-1] shown 2\n<4>warn [-] careful\n<3>error [-] broken\n");

    log_set_level(LOG_LEVEL_WARN);
    log_info(NULL, "hidden");
    log_warn(NULL, "kept");
    log_set_level(LOG_LEVEL_DEBUG);
    log_debug(NULL, "detail");
    take_stderr(got, sizeof(got));
    assert_string_equal(got, "<4>warn [-] kept\n<7>debug [-] detail\n");
    log_set_level(LOG_LEVEL_INFO);
}

static void test_access_log(void **state)
{
    (void)state;
    char got[1024], err[256], path[96], moved[112];
    snprintf(path, sizeof(path), "%s/access.log", dir);
    snprintf(moved, sizeof(moved), "%s.1", path);
    take_stderr(got, sizeof(got));

    /* Default: stderr, with the journal's prefix; the level does not apply. */
    log_set_level(LOG_LEVEL_ERROR);
    log_access("r-1", "GET / 200", 9);
    take_stderr(got, sizeof(got));
    assert_string_equal(got, "<6>info [r-1] GET / 200\n");

    assert_int_equal(log_access_open("off", err, sizeof(err)), 0);
    log_access("r-2", "GET /off 200", 12);
    take_stderr(got, sizeof(got));
    assert_string_equal(got, "");

    /* A file: its own timestamps, no prefix; reopened after logrotate moved it. */
    assert_int_equal(log_access_open(path, err, sizeof(err)), 0);
    log_access("r-3", "GET /a 200", 10);
    assert_int_equal(rename(path, moved), 0);
    log_access("r-4", "GET /b 200", 10);
    assert_int_equal(log_access_open(path, err, sizeof(err)), 0);
    log_access("r-5", "GET /c 200", 10);
    slurp(moved, got, sizeof(got));
    assert_non_null(strstr(got, "Z info [r-3] GET /a 200\n"));
    assert_non_null(strstr(got, "Z info [r-4] GET /b 200\n"));
    assert_int_equal(got[4], '-'); /* 2026-... */
    slurp(path, got, sizeof(got));
    assert_null(strstr(got, "GET /a"));
    assert_non_null(strstr(got, "Z info [r-5] GET /c 200\n"));
    take_stderr(got, sizeof(got));
    assert_string_equal(got, "");

    /* A file that cannot be opened keeps the previous destination. */
    assert_int_equal(log_access_open("/nonexistent/dir/a.log", err, sizeof(err)), STET_EIO);
    assert_non_null(strstr(err, "cannot open the access log /nonexistent/dir/a.log: "));
    log_access("r-6", "GET /d 200", 10);
    slurp(path, got, sizeof(got));
    assert_non_null(strstr(got, "GET /d 200"));

    assert_int_equal(log_access_open("stderr", err, sizeof(err)), 0);
    log_access("r-7", "GET /e 200", 10);
    take_stderr(got, sizeof(got));
    assert_string_equal(got, "<6>info [r-7] GET /e 200\n");
    log_set_level(LOG_LEVEL_INFO);
    unlink(path);
    unlink(moved);
}

int main(void)
{
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(err_path, sizeof(err_path), "%s/stderr", dir);
    int fd = open(err_path, O_RDWR | O_CREAT | O_TRUNC | O_APPEND, 0600);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0)
        return 1;
    /* The log writes to fd 2, and so do cmocka's failure messages: those are copied
     * to the real stderr when a test failed. */
    int real_stderr = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
    char journal[64];
    snprintf(journal, sizeof(journal), "%llu:%llu", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino);
    setenv("JOURNAL_STREAM", journal, 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_level_names),
        cmocka_unit_test(test_journal_prefix_and_levels),
        cmocka_unit_test(test_access_log),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (rc != 0) {
        char text[4096];
        slurp(err_path, text, sizeof(text));
        if (write(real_stderr, text, strlen(text)) < 0)
            rc = 1;
    }
    unlink(err_path);
    rmdir(dir);
    return rc;
}
