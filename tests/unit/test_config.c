/* Unit tests for config: defaults, the flag > environment > file > default order,
 * listen-address parsing, derived base_url, and INI errors that name file and line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/log.h"
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The fake environment: config_getenv_fn takes no context, so the table is file-level
 * test state, reset before every test. */
#define MAX_FAKE_ENV 16
static struct {
    const char *name;
    const char *value;
} fake_env[MAX_FAKE_ENV];
static size_t n_fake_env;
static char tmp_dir[64];

static const char *fake_getenv(const char *name)
{
    for (size_t i = 0; i < n_fake_env; i++)
        if (strcmp(fake_env[i].name, name) == 0)
            return fake_env[i].value;
    /* Unset, STET_CONFIG would read CONFIG_DEFAULT_FILE, and a test must not depend
     * on the machine it runs on; "" reads no file. */
    if (strcmp(name, "STET_CONFIG") == 0)
        return "";
    return NULL;
}

static void set_env(const char *name, const char *value)
{
    assert_true(n_fake_env < MAX_FAKE_ENV);
    fake_env[n_fake_env].name = name;
    fake_env[n_fake_env].value = value;
    n_fake_env++;
}

static int setup(void **state)
{
    (void)state;
    n_fake_env = 0;
    snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/stet-config-XXXXXX");
    return mkdtemp(tmp_dir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Writes `text` to NAME in the test's temp dir; returns the path (static storage,
 * one file per test is enough). */
static const char *write_ini(const char *name, const char *text)
{
    static char path[128];
    snprintf(path, sizeof(path), "%s/%s", tmp_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    return path;
}

static void load_ok(struct config *c, const struct config_flags *flags)
{
    char err[256] = "";
    int rc = config_load(c, flags, fake_getenv, err, sizeof(err));
    if (rc != 0)
        fail_msg("config_load failed: %d %s", rc, err);
}

/* Expects STET_EINVAL and a message containing `needle`. */
static void load_bad(const struct config_flags *flags, const char *needle)
{
    struct config c;
    char err[256] = "";
    int rc = config_load(&c, flags, fake_getenv, err, sizeof(err));
    assert_int_equal(rc, STET_EINVAL);
    if (strstr(err, needle) == NULL)
        fail_msg("error '%s' lacks '%s'", err, needle);
    /* A failed load leaves nothing to free, and cleanup stays safe. */
    assert_null(c.listen_host);
    assert_null(c.db_url);
    config_cleanup(&c);
}

static void test_defaults(void **state)
{
    (void)state;
    struct config c;
    struct config_flags f = {0};
    load_ok(&c, &f);
    assert_string_equal(c.listen_host, "127.0.0.1");
    assert_int_equal(c.listen_port, 8080);
    assert_string_equal(c.base_url, "http://127.0.0.1:8080");
    assert_false(c.base_https);
    assert_string_equal(c.db_url, "sqlite:stet.db");
    assert_string_equal(c.site_name, "stet");
    assert_null(c.weather_url);
    assert_int_equal(c.weather_refresh, 1800);
    assert_false(c.weather_fahrenheit);
    assert_true(c.require_registration);
    assert_int_equal(c.comment_max_length, 10000);
    assert_int_equal(c.comment_report_threshold, 3);
    assert_int_equal(c.comment_edit_window, 900);
    assert_true(c.threads >= 1 && c.threads <= 8);
    assert_null(c.metrics_token);
    config_cleanup(&c);

    /* NULL flags and NULL env mean "none given". */
    char err[64];
    assert_int_equal(config_load(&c, NULL, NULL, err, sizeof(err)), 0);
    assert_int_equal(c.listen_port, 8080);
    config_cleanup(&c);
}

static void test_precedence(void **state)
{
    (void)state;
    struct config c;
    const char *ini = write_ini("p.ini", "[server]\nlisten = 10.0.0.1:1001\n"
                                         "[database]\nurl = sqlite:file.db\n"
                                         "[site]\nname = From File\n");
    struct config_flags f = {.config_file = ini};

    /* File beats default. */
    load_ok(&c, &f);
    assert_string_equal(c.listen_host, "10.0.0.1");
    assert_int_equal(c.listen_port, 1001);
    assert_string_equal(c.db_url, "sqlite:file.db");
    assert_string_equal(c.site_name, "From File");
    assert_string_equal(c.base_url, "http://10.0.0.1:1001");
    config_cleanup(&c);

    /* Environment beats file. */
    set_env("STET_LISTEN", "10.0.0.2:1002");
    set_env("STET_DATABASE_URL", "postgres://env/db");
    set_env("STET_SITE_NAME", "From Env");
    load_ok(&c, &f);
    assert_string_equal(c.listen_host, "10.0.0.2");
    assert_int_equal(c.listen_port, 1002);
    assert_string_equal(c.db_url, "postgres://env/db");
    assert_string_equal(c.site_name, "From Env");
    config_cleanup(&c);

    /* Flag beats environment. */
    f.listen = "10.0.0.3:1003";
    f.db_url = "sqlite:flag.db";
    load_ok(&c, &f);
    assert_string_equal(c.listen_host, "10.0.0.3");
    assert_int_equal(c.listen_port, 1003);
    assert_string_equal(c.db_url, "sqlite:flag.db");
    assert_string_equal(c.base_url, "http://10.0.0.3:1003");
    assert_string_equal(c.site_name, "From Env");
    config_cleanup(&c);

    /* Flag beats file with no environment. */
    n_fake_env = 0;
    load_ok(&c, &f);
    assert_int_equal(c.listen_port, 1003);
    assert_string_equal(c.db_url, "sqlite:flag.db");
    config_cleanup(&c);
}

static void test_config_file_sources(void **state)
{
    (void)state;
    struct config c;
    const char *a = write_ini("a.ini", "[site]\nname = A\n");
    char a_path[128];
    snprintf(a_path, sizeof(a_path), "%s", a);
    const char *b = write_ini("b.ini", "[site]\nname = B\n");

    /* STET_CONFIG names the file when no flag does. */
    set_env("STET_CONFIG", a_path);
    struct config_flags f = {0};
    load_ok(&c, &f);
    assert_string_equal(c.site_name, "A");
    config_cleanup(&c);

    /* --config beats STET_CONFIG. */
    f.config_file = b;
    load_ok(&c, &f);
    assert_string_equal(c.site_name, "B");
    config_cleanup(&c);
}

static void test_base_url(void **state)
{
    (void)state;
    struct config c;
    struct config_flags f = {.listen = "[::1]:0"};
    load_ok(&c, &f);
    assert_string_equal(c.listen_host, "::1");
    assert_int_equal(c.listen_port, 0);
    assert_string_equal(c.base_url, "http://[::1]:0");
    config_cleanup(&c);

    f.listen = "localhost:80";
    load_ok(&c, &f);
    assert_string_equal(c.listen_host, "127.0.0.1");
    assert_string_equal(c.base_url, "http://127.0.0.1:80");
    config_cleanup(&c);

    /* An explicit base_url wins over the derived one; one trailing slash goes. */
    const char *ini = write_ini("u.ini", "[server]\nbase_url = https://news.example.org/\n");
    f.config_file = ini;
    load_ok(&c, &f);
    assert_string_equal(c.base_url, "https://news.example.org");
    assert_true(c.base_https);
    config_cleanup(&c);

    set_env("STET_BASE_URL", "http://proxy.example:8000/stet");
    load_ok(&c, &f);
    assert_string_equal(c.base_url, "http://proxy.example:8000/stet");
    assert_false(c.base_https);
    config_cleanup(&c);

    n_fake_env = 0;
    set_env("STET_BASE_URL", "ftp://x");
    load_bad(&f, "STET_BASE_URL");
    n_fake_env = 0;
    set_env("STET_BASE_URL", "https://");
    load_bad(&f, "STET_BASE_URL");
}

static void test_parse_listen(void **state)
{
    (void)state;
    char *host = NULL;
    uint16_t port = 1;

    assert_int_equal(config_parse_listen("127.0.0.1:8080", &host, &port), 0);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 8080);
    free(host);
    assert_int_equal(config_parse_listen("[::1]:0", &host, &port), 0);
    assert_string_equal(host, "::1");
    assert_int_equal(port, 0);
    free(host);
    assert_int_equal(config_parse_listen("[2001:db8::1]:65535", &host, &port), 0);
    assert_string_equal(host, "2001:db8::1");
    assert_int_equal(port, 65535);
    free(host);
    assert_int_equal(config_parse_listen("LocalHost:80", &host, &port), 0);
    assert_string_equal(host, "127.0.0.1");
    free(host);
    assert_int_equal(config_parse_listen("0.0.0.0:443", &host, &port), 0);
    assert_string_equal(host, "0.0.0.0");
    free(host);

    static const char *const bad[] = {
        "",
        "127.0.0.1",
        "127.0.0.1:",
        ":8080",
        "127.0.0.1:65536",
        "1.2.3.4:-1",
        "1.2.3.4:+80",
        "1.2.3.4:80x",
        "1.2.3.4:8 0",
        "::1:80",
        "[::1]",
        "[::1]80",
        "[]:80",
        "[::1:80",
        "[::g]:80",
        "host name:80",
        "1.2.3.4:99999999999999999999",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        host = NULL;
        if (config_parse_listen(bad[i], &host, &port) != STET_EINVAL)
            fail_msg("'%s' should be rejected", bad[i]);
        assert_null(host);
    }

    struct config_flags f = {.listen = "127.0.0.1"};
    load_bad(&f, "--listen");
    f.listen = NULL;
    set_env("STET_LISTEN", "nope");
    load_bad(&f, "STET_LISTEN");
}

/* site.timezone: UTC unless set, a zone of the system's database when set, and an
 * unknown name refused with the key and the line. */
static void test_site_timezone(void **state)
{
    (void)state;
    struct config_flags f = {0};
    struct config c;

    load_ok(&c, &f);
    assert_string_equal(c.site_timezone, "UTC");
    config_cleanup(&c);

    f.config_file = write_ini("tz.ini", "[site]\ntimezone = America/St_Johns\n");
    load_ok(&c, &f);
    assert_string_equal(c.site_timezone, "America/St_Johns");
    config_cleanup(&c);

    set_env("STET_SITE_TIMEZONE", "Europe/Berlin");
    load_ok(&c, &f);
    assert_string_equal(c.site_timezone, "Europe/Berlin");
    config_cleanup(&c);
    n_fake_env = 0;

    f.config_file = write_ini("bad.ini", "[site]\nname = x\ntimezone = Mars/Olympus_Mons\n");
    load_bad(&f, "bad.ini:3: site.timezone 'Mars/Olympus_Mons' is not a known time zone");
    f.config_file = write_ini("dots.ini", "[site]\ntimezone = ../../etc/passwd\n");
    load_bad(&f, "site.timezone");
    f.config_file = NULL;
    set_env("STET_SITE_TIMEZONE", "CET-1CEST");
    load_bad(&f, "STET_SITE_TIMEZONE: site.timezone");
    n_fake_env = 0;
}

static void test_ini_errors(void **state)
{
    (void)state;
    struct config_flags f = {0};
    char needle[256];

    f.config_file = write_ini("k.ini", "; a comment\n[server]\ncolour = blue\n");
    snprintf(needle, sizeof(needle), "%s:3: unknown key 'server.colour'", f.config_file);
    load_bad(&f, needle);

    f.config_file = write_ini("s.ini", "[wether]\nurl = x\n");
    load_bad(&f, ":2: unknown key 'wether.url'");

    f.config_file = write_ini("v.ini", "[weather]\nrefresh = 60\n\n\nrefresh = soon\n");
    load_bad(&f, "v.ini:5:");
    load_bad(&f, "soon");

    f.config_file = write_ini("l.ini", "[server]\nlisten = 127.0.0.1\n");
    load_bad(&f, "l.ini:2:");

    f.config_file = write_ini("x.ini", "[site]\nname = ok\nthis line has no equals sign\n");
    load_bad(&f, "x.ini:3:");

    /* The first error is reported even when a later line is also bad. */
    f.config_file = write_ini("m.ini", "[a]\nb = 1\n[site]\nc = 2\n");
    load_bad(&f, "m.ini:2: unknown key 'a.b'");

    /* A syntax error before a bad key is the one reported. */
    f.config_file = write_ini("y.ini", "[site]\nbroken line\n[site]\nnope = 1\n");
    load_bad(&f, "y.ini:2:");

    /* An error inside the file wins over good flags. */
    f.config_file = write_ini("e.ini", "[comments]\nmax_length = 0\n");
    f.listen = "127.0.0.1:1";
    load_bad(&f, "e.ini:2:");
    f.listen = NULL;

    /* A key before any section. */
    f.config_file = write_ini("n.ini", "listen = 127.0.0.1:80\n");
    load_bad(&f, "n.ini:1: unknown key");

    /* A line longer than inih's buffer (200 bytes in Debian) is named, not cut into
     * a second line that inih would read as a key of its own. */
    char long_ini[600];
    char url[400];
    memset(url, 'a', sizeof(url) - 1);
    url[sizeof(url) - 1] = '\0';
    snprintf(long_ini, sizeof(long_ini), "[site]\nname = x\n[weather]\nurl = https://%s\n", url);
    f.config_file = write_ini("long.ini", long_ini);
    load_bad(&f, "long.ini:4: line longer than");

    /* A line that fills the buffer exactly, and a last line without a newline. */
    char fits[400];
    int pad = 199 - (int)strlen("name = ");
    snprintf(fits, sizeof(fits), "[site]\nname = %.*s\n[weather]\nrefresh = 60", pad, url);
    f.config_file = write_ini("fits.ini", fits);
    struct config ok;
    load_ok(&ok, &f);
    assert_int_equal(strlen(ok.site_name), (size_t)pad);
    assert_int_equal(ok.weather_refresh, 60);
    config_cleanup(&ok);

    /* A tiny error buffer is truncated, never overrun. */
    f.config_file = write_ini("n.ini", "listen = 127.0.0.1:80\n");
    struct config c;
    char tiny[8];
    memset(tiny, 'z', sizeof(tiny));
    assert_int_equal(config_load(&c, &f, fake_getenv, tiny, sizeof(tiny)), STET_EINVAL);
    assert_int_equal(tiny[7], '\0');
    assert_int_equal(config_load(&c, &f, fake_getenv, NULL, 0), STET_EINVAL);
}

static void test_missing_file(void **state)
{
    (void)state;
    struct config_flags f = {.config_file = "/nonexistent/stet.ini"};
    load_bad(&f, "cannot read /nonexistent/stet.ini");
    f.config_file = NULL;
    set_env("STET_CONFIG", "/nonexistent/other.ini");
    load_bad(&f, "cannot read /nonexistent/other.ini");
    /* A directory opens but cannot be read as a file. */
    f.config_file = tmp_dir;
    load_bad(&f, "cannot read");
    /* STET_CONFIG="" reads no file, not even the default one. */
    f.config_file = NULL;
    n_fake_env = 0;
    set_env("STET_CONFIG", "");
    struct config c;
    load_ok(&c, &f);
    config_cleanup(&c);
}

static void test_log_keys(void **state)
{
    (void)state;
    struct config c;
    struct config_flags f = {0};
    load_ok(&c, &f);
    assert_int_equal(c.log_level, LOG_LEVEL_INFO);
    assert_string_equal(c.access_log, "stderr");
    config_cleanup(&c);

    f.config_file = write_ini("log.ini", "[log]\nlevel = Warning\naccess = /var/log/stet/a.log\n");
    load_ok(&c, &f);
    assert_int_equal(c.log_level, LOG_LEVEL_WARN);
    assert_string_equal(c.access_log, "/var/log/stet/a.log");
    config_cleanup(&c);

    set_env("STET_LOG_LEVEL", "debug");
    set_env("STET_ACCESS_LOG", "off");
    load_ok(&c, &f);
    assert_int_equal(c.log_level, LOG_LEVEL_DEBUG);
    assert_string_equal(c.access_log, "off");
    config_cleanup(&c);

    n_fake_env = 0;
    f.config_file = write_ini("lv.ini", "[log]\nlevel = loud\n");
    load_bad(&f, "lv.ini:2: log.level 'loud'");
    f.config_file = write_ini("la.ini", "[log]\naccess = access.log\n");
    load_bad(&f, "la.ini:2: log.access 'access.log' must be stderr, off or an absolute");
}

static void test_every_key(void **state)
{
    (void)state;
    struct config c;
    struct config_flags f = {0};
    f.config_file = write_ini("all.ini", "[server]\n"
                                         "listen = 0.0.0.0:9000\n"
                                         "base_url = https://example.net\n"
                                         "threads = 3\n"
                                         "[database]\n"
                                         "url = postgresql://u@h/db\n"
                                         "[site]\n"
                                         "name = The Daily Stet\n"
                                         "[weather]\n"
                                         "url = https://api.open-meteo.com/v1/forecast?a=1\n"
                                         "refresh = 600\n"
                                         "units = Fahrenheit\n"
                                         "[comments]\n"
                                         "require_registration = no\n"
                                         "max_length = 500\n");
    load_ok(&c, &f);
    assert_string_equal(c.listen_host, "0.0.0.0");
    assert_int_equal(c.listen_port, 9000);
    assert_string_equal(c.base_url, "https://example.net");
    assert_true(c.base_https);
    assert_int_equal(c.threads, 3);
    assert_string_equal(c.db_url, "postgresql://u@h/db");
    assert_string_equal(c.site_name, "The Daily Stet");
    assert_string_equal(c.weather_url, "https://api.open-meteo.com/v1/forecast?a=1");
    assert_int_equal(c.weather_refresh, 600);
    assert_true(c.weather_fahrenheit);
    assert_false(c.require_registration);
    assert_int_equal(c.comment_max_length, 500);
    config_cleanup(&c);

    /* The environment can override and also switch the weather strip off. */
    set_env("STET_WEATHER_URL", "");
    set_env("STET_THREADS", "5");
    load_ok(&c, &f);
    assert_null(c.weather_url);
    assert_int_equal(c.threads, 5);
    config_cleanup(&c);
    n_fake_env = 0;
    set_env("STET_WEATHER_URL", "file:///tmp/w.json");
    load_ok(&c, &f);
    assert_string_equal(c.weather_url, "file:///tmp/w.json");
    config_cleanup(&c);
    n_fake_env = 0;
    set_env("STET_THREADS", "0");
    load_bad(&f, "STET_THREADS");
}

/* Loads a one-key INI and returns the rc; `c` is valid only on success. */
static int load_one(struct config *c, const char *section, const char *key, const char *value)
{
    char text[256];
    char err[256];
    snprintf(text, sizeof(text), "[%s]\n%s = %s\n", section, key, value);
    struct config_flags f = {.config_file = write_ini("one.ini", text)};
    return config_load(c, &f, fake_getenv, err, sizeof(err));
}

/* The [comments] policies go through policy_set, the check the admins' page uses:
 * the value lands in comment_policy, a bad one names its key and why. */
static void test_policy_keys(void **state)
{
    (void)state;
    struct config c;
    char err[256];
    assert_int_equal(load_one(&c, "comments", "premoderate", "new"), 0);
    assert_int_equal(c.comment_policy.premoderate, POLICY_PREMOD_NEW);
    assert_int_equal(c.comment_policy.premoderate_first, POLICY_PREMODERATE_FIRST_DEFAULT);
    config_cleanup(&c);
    assert_int_equal(load_one(&c, "comments", "banned_words", "spam, eggs"), 0);
    assert_string_equal(c.comment_policy.banned_words, "spam, eggs");
    assert_ptr_equal(c.comment_policy.banned_words, c.comment_banned_words);
    config_cleanup(&c);
    assert_int_equal(load_one(&c, "comments", "min_account_age", "3600"), 0);
    assert_int_equal(c.comment_policy.min_account_age, 3600);
    config_cleanup(&c);
    struct config_flags f = {.config_file =
                                 write_ini("policy.ini", "[comments]\nmax_links = lots\n")};
    assert_int_equal(config_load(&c, &f, fake_getenv, err, sizeof(err)), STET_EINVAL);
    assert_non_null(strstr(err, "comments.max_links 'lots' is not a number in 0..1000"));
}

static void test_bool_and_ranges(void **state)
{
    (void)state;
    struct config c;
    static const struct {
        const char *v;
        bool want;
    } bools[] = {{"true", true},   {"TRUE", true}, {"yes", true}, {"1", true},   {"on", true},
                 {"false", false}, {"No", false},  {"0", false},  {"off", false}};
    for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
        assert_int_equal(load_one(&c, "comments", "require_registration", bools[i].v), 0);
        assert_int_equal(c.require_registration, bools[i].want);
        config_cleanup(&c);
    }
    assert_int_equal(load_one(&c, "comments", "require_registration", "maybe"), STET_EINVAL);
    assert_int_equal(load_one(&c, "comments", "require_registration", "2"), STET_EINVAL);
    assert_int_equal(load_one(&c, "comments", "require_registration", ""), STET_EINVAL);

    assert_int_equal(load_one(&c, "weather", "units", "celsius"), 0);
    assert_false(c.weather_fahrenheit);
    config_cleanup(&c);
    assert_int_equal(load_one(&c, "weather", "units", "fahrenheit"), 0);
    assert_true(c.weather_fahrenheit);
    config_cleanup(&c);
    assert_int_equal(load_one(&c, "weather", "units", "kelvin"), STET_EINVAL);
    assert_int_equal(load_one(&c, "weather", "units", "f"), STET_EINVAL);

    static const struct {
        const char *key;
        const char *v;
        int want; /* -1: rejected */
    } nums[] = {
        {"refresh", "1", 1},    {"refresh", "86400", 86400},
        {"refresh", "0", -1},   {"refresh", "86401", -1},
        {"refresh", "-5", -1},  {"refresh", "soon", -1},
        {"refresh", "60s", -1}, {"refresh", "", -1},
        {"refresh", "1e3", -1}, {"refresh", "99999999999999999999", -1},
    };
    for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
        int rc = load_one(&c, "weather", nums[i].key, nums[i].v);
        if (nums[i].want < 0) {
            if (rc != STET_EINVAL)
                fail_msg("refresh '%s' should be rejected", nums[i].v);
        } else {
            assert_int_equal(rc, 0);
            assert_int_equal(c.weather_refresh, nums[i].want);
            config_cleanup(&c);
        }
    }

    assert_int_equal(load_one(&c, "comments", "max_length", "1"), 0);
    assert_int_equal(c.comment_max_length, 1);
    config_cleanup(&c);
    assert_int_equal(load_one(&c, "comments", "max_length", "100000"), 0);
    assert_int_equal(c.comment_max_length, 100000);
    config_cleanup(&c);
    assert_int_equal(load_one(&c, "comments", "max_length", "0"), STET_EINVAL);
    assert_int_equal(load_one(&c, "comments", "max_length", "100001"), STET_EINVAL);
    assert_int_equal(load_one(&c, "comments", "max_length", "-1"), STET_EINVAL);
    /* comments.report_threshold: 0 (reports never hold) up to a million. */
    assert_int_equal(load_one(&c, "comments", "report_threshold", "0"), 0);
    assert_int_equal(c.comment_report_threshold, 0);
    config_cleanup(&c);
    assert_int_equal(load_one(&c, "comments", "report_threshold", "1000000"), 0);
    assert_int_equal(c.comment_report_threshold, 1000000);
    config_cleanup(&c);
    assert_int_equal(load_one(&c, "comments", "report_threshold", "-1"), STET_EINVAL);
    assert_int_equal(load_one(&c, "comments", "report_threshold", "1000001"), STET_EINVAL);
    assert_int_equal(load_one(&c, "comments", "report_threshold", "three"), STET_EINVAL);
    /* comments.edit_window: seconds, 0 (no editing) up to a year. */
    assert_int_equal(load_one(&c, "comments", "edit_window", "0"), 0);
    assert_int_equal(c.comment_edit_window, 0);
    config_cleanup(&c);
    assert_int_equal(load_one(&c, "comments", "edit_window", "31536000"), 0);
    assert_int_equal(c.comment_edit_window, 31536000);
    config_cleanup(&c);
    assert_int_equal(load_one(&c, "comments", "edit_window", "-1"), STET_EINVAL);
    assert_int_equal(load_one(&c, "comments", "edit_window", "31536001"), STET_EINVAL);
    assert_int_equal(load_one(&c, "comments", "edit_window", "15m"), STET_EINVAL);
    assert_int_equal(load_one(&c, "database", "url", ""), STET_EINVAL);

    /* Token buckets: N/PERIOD with a unit, or 0. */
    static const struct {
        const char *v;
        int capacity, period_s;
    } rates[] = {
        {"5/15m", 5, 900}, {" 10 / 1h ", 10, 3600},  {"3/45", 3, 45},
        {"2/30s", 2, 30},  {"1/7d", 1, 604800},      {"0", 0, 60},
        {"0/1m", 0, 60},   {"100000/1s", 100000, 1},
    };
    for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
        assert_int_equal(load_one(&c, "limits", "register_client", rates[i].v), 0);
        assert_int_equal(c.register_client.capacity, rates[i].capacity);
        if (rates[i].capacity > 0)
            assert_int_equal(c.register_client.period_s, rates[i].period_s);
        assert_int_equal(c.login_client.capacity, 60); /* the others keep their defaults */
        config_cleanup(&c);
    }
    static const char *const bad_rates[] = {"",     "5",    "5/",   "/1m",       "-1/1m", "5/0",
                                            "5/8d", "5/1w", "x/1m", "100001/1m", "5/1m/2"};
    for (size_t i = 0; i < sizeof(bad_rates) / sizeof(bad_rates[0]); i++)
        assert_int_equal(load_one(&c, "limits", "login_account", bad_rates[i]), STET_EINVAL);
    assert_int_equal(load_one(&c, "limits", "logins_per_hour", "5"), STET_EINVAL);

    /* The earlier releases' counts map onto the buckets they were. */
    assert_int_equal(load_one(&c, "limits", "comments_per_minute", "0"), 0);
    assert_int_equal(c.comment_account.capacity, 0);
    assert_int_equal(c.comment_client.capacity, 0);
    assert_int_equal(c.login_account.capacity, 30);
    config_cleanup(&c);
    assert_int_equal(load_one(&c, "limits", "comments_per_minute", "12"), 0);
    assert_int_equal(c.comment_account.capacity, 12);
    assert_int_equal(c.comment_account.period_s, 60);
    assert_int_equal(c.comment_client.capacity, 60);
    config_cleanup(&c);
    assert_int_equal(load_one(&c, "limits", "logins_per_15min", "5"), 0);
    assert_int_equal(c.login_account.capacity, 5);
    assert_int_equal(c.login_account.period_s, 900);
    assert_int_equal(c.login_client.capacity, 60);
    config_cleanup(&c);
    assert_int_equal(load_one(&c, "limits", "logins_per_15min", "0"), 0);
    assert_int_equal(c.login_account.capacity, 0);
    assert_int_equal(c.login_account_client.capacity, 0);
    assert_int_equal(c.login_client.capacity, 0);
    assert_int_equal(c.register_client.capacity, 10);
    config_cleanup(&c);
    assert_int_equal(load_one(&c, "limits", "comments_per_minute", "-1"), STET_EINVAL);
    assert_int_equal(load_one(&c, "limits", "logins_per_15min", "x"), STET_EINVAL);
}

#define TOKEN32 "0123456789abcdef0123456789ABCDEF"

/* Loads with `flags` expecting STET_EINVAL, a message holding `needle`, and no trace
 * of `secret` in it. */
static void load_bad_secret(const struct config_flags *flags, const char *needle,
                            const char *secret)
{
    struct config c;
    char err[512] = "";
    assert_int_equal(config_load(&c, flags, fake_getenv, err, sizeof(err)), STET_EINVAL);
    if (strstr(err, needle) == NULL)
        fail_msg("error '%s' lacks '%s'", err, needle);
    if (secret != NULL && strstr(err, secret) != NULL)
        fail_msg("error '%s' shows the token", err);
}

/* server.metrics_token: RFC 6750 token68 of 32..256 characters, never quoted back. */
static void test_metrics_token(void **state)
{
    (void)state;
    struct config c;
    static const struct {
        const char *value, *want;
    } ok[] = {
        {TOKEN32, TOKEN32},
        {TOKEN32 "-._~+/", TOKEN32 "-._~+/"},
        {TOKEN32 "==", TOKEN32 "=="},
        {"  " TOKEN32 "  ", TOKEN32},
        {"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~+/=",
         "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~+/="},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        assert_int_equal(load_one(&c, "server", "metrics_token", ok[i].value), 0);
        assert_string_equal(c.metrics_token, ok[i].want);
        config_cleanup(&c);
    }
    char longest[CONFIG_METRICS_TOKEN_MAX + 2];
    char text[600];
    memset(longest, 'a', CONFIG_METRICS_TOKEN_MAX);
    longest[CONFIG_METRICS_TOKEN_MAX] = '\0';
    snprintf(text, sizeof(text), "[server]\nmetrics_token = %s\n", longest);
    struct config_flags f = {.config_file = write_ini("t.ini", text)};
    load_ok(&c, &f);
    assert_string_equal(c.metrics_token, longest);
    config_cleanup(&c);

    /* Too short, too long, outside token68 (a space, a quote, a comma, '=' inside). */
    longest[CONFIG_METRICS_TOKEN_MAX] = 'a';
    longest[CONFIG_METRICS_TOKEN_MAX + 1] = '\0';
    const char *bad[] = {"0123456789abcdef0123456789ABCDE",
                         longest,
                         "0123456789abcdef 0123456789ABCDEF",
                         "\"" TOKEN32 "\"",
                         TOKEN32 ",x",
                         "=" TOKEN32,
                         "0123456789abcdef=0123456789ABCDEF",
                         TOKEN32 "\xc3\xa9"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(text, sizeof(text), "[server]\nmetrics_token = %s\n", bad[i]);
        f.config_file = write_ini("t.ini", text);
        load_bad_secret(&f, "the metrics token must be 32 to 128 characters",
                        strlen(bad[i]) > 20 ? bad[i] + 4 : NULL);
    }
}

/* The token from the environment or a file of its own; an empty value switches
 * /metrics off, so the environment can override the INI file either way. */
static void test_metrics_token_sources(void **state)
{
    (void)state;
    struct config c;
    char token_path[128], ini_path[128], text[300];
    snprintf(token_path, sizeof(token_path), "%s", write_ini("metrics.token", TOKEN32 "\n"));
    snprintf(text, sizeof(text), "[server]\nmetrics_token_file = %s\n", token_path);
    snprintf(ini_path, sizeof(ini_path), "%s", write_ini("file.ini", text));
    struct config_flags f = {.config_file = ini_path};
    load_ok(&c, &f);
    assert_string_equal(c.metrics_token, TOKEN32);
    config_cleanup(&c);

    set_env("STET_METRICS_TOKEN", "Z123456789abcdef0123456789ABCDEF");
    load_ok(&c, &f);
    assert_string_equal(c.metrics_token, "Z123456789abcdef0123456789ABCDEF");
    config_cleanup(&c);
    n_fake_env = 0;
    set_env("STET_METRICS_TOKEN", "");
    load_ok(&c, &f);
    assert_null(c.metrics_token);
    config_cleanup(&c);
    n_fake_env = 0;
    set_env("STET_METRICS_TOKEN", "short-SECRET");
    load_bad_secret(&f, "STET_METRICS_TOKEN: the metrics token must be", "short-SECRET");
    n_fake_env = 0;

    /* In the file: the whole file is the token; nothing of it reaches a message. */
    write_ini("metrics.token", TOKEN32 "\nsecond line\n");
    load_bad_secret(&f, "the metrics token in ", "0123456789abcdef");
    load_bad_secret(&f, token_path, NULL);
    write_ini("metrics.token", "");
    load_bad_secret(&f, "is empty", NULL);
    char big[400];
    memset(big, 'b', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    write_ini("metrics.token", big);
    load_bad_secret(&f, "longer than 128 characters", "bbbbbbbb");
    unlink(token_path);
    load_bad_secret(&f, "cannot read the metrics token file", NULL);
    snprintf(text, sizeof(text), "[server]\nmetrics_token_file =\n");
    f.config_file = write_ini("file.ini", text);
    load_ok(&c, &f);
    assert_null(c.metrics_token);
    config_cleanup(&c);
}

/* The old key's default, loopback, was public behind a same-host proxy: every value
 * is refused with a pointer to the token, so no old setting silently stops holding. */
static void test_metrics_key_gone(void **state)
{
    (void)state;
    static const char *const values[] = {"loopback", "on", "off"};
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        char text[64];
        snprintf(text, sizeof(text), "[server]\nmetrics = %s\n", values[i]);
        struct config_flags f = {.config_file = write_ini("m.ini", text)};
        load_bad(&f, "m.ini:2: server.metrics is gone");
        load_bad(&f, "server.metrics_token");
    }
}

/* database.synchronous reaches the store as a URL option on SQLite only; a URL that
 * names the option itself wins; anything but full or normal is refused. */
static void test_database_synchronous(void **state)
{
    (void)state;
    struct config c;
    struct config_flags f = {0};
    load_ok(&c, &f);
    assert_false(c.db_sync_normal);
    assert_string_equal(c.db_url, "sqlite:stet.db");
    config_cleanup(&c);

    assert_int_equal(load_one(&c, "database", "synchronous", "normal"), 0);
    assert_true(c.db_sync_normal);
    assert_string_equal(c.db_url, "sqlite:stet.db?synchronous=normal");
    config_cleanup(&c);
    assert_int_equal(load_one(&c, "database", "synchronous", " FULL "), 0);
    assert_false(c.db_sync_normal);
    assert_string_equal(c.db_url, "sqlite:stet.db");
    config_cleanup(&c);

    /* The flag's URL is the one that gets the option, and only once. */
    f.config_file = write_ini("s.ini", "[database]\nsynchronous = Normal\nurl = sqlite:a.db\n");
    f.db_url = "sqlite:/tmp/b.db";
    load_ok(&c, &f);
    assert_string_equal(c.db_url, "sqlite:/tmp/b.db?synchronous=normal");
    config_cleanup(&c);
    f.db_url = "sqlite:/tmp/b.db?synchronous=full";
    load_ok(&c, &f);
    assert_true(c.db_sync_normal);
    assert_string_equal(c.db_url, "sqlite:/tmp/b.db?synchronous=full");
    config_cleanup(&c);
    f.db_url = "postgresql://u@h/db";
    load_ok(&c, &f);
    assert_true(c.db_sync_normal);
    assert_string_equal(c.db_url, "postgresql://u@h/db");
    config_cleanup(&c);

    static const char *const bad[] = {"", "off", "0", "extra", "normal,full", "fulll", "on"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (load_one(&c, "database", "synchronous", bad[i]) != STET_EINVAL)
            fail_msg("database.synchronous '%s' should be rejected", bad[i]);
    struct config_flags g = {.config_file = write_ini("t.ini", "[database]\nsynchronous = off\n")};
    load_bad(&g, "database.synchronous 'off' must be full or normal");
}

/* [spam]: the defaults, decimals read exactly without a locale, and each bound
 * refused with a message naming the key. */
static void test_spam_keys(void **state)
{
    (void)state;
    struct config c;
    struct config_flags f = {0};
    load_ok(&c, &f);
    assert_true(c.spam_enabled);
    assert_int_equal(c.spam_hold_at, 900);
    assert_int_equal(c.spam_min_training, 10);
    assert_int_equal(c.spam_duplicate_window, 86400);
    assert_int_equal(c.spam_burst, 0);
    assert_int_equal(c.spam_link_density, 500);
    config_cleanup(&c);

    f.config_file = write_ini("spam.ini", "[spam]\nenabled = no\nhold_at = 0.95\n"
                                          "min_training = 50\nduplicate_window = 0\n"
                                          "burst = 5\nlink_density = 1.25\n");
    load_ok(&c, &f);
    assert_false(c.spam_enabled);
    assert_int_equal(c.spam_hold_at, 950);
    assert_int_equal(c.spam_min_training, 50);
    assert_int_equal(c.spam_duplicate_window, 0);
    assert_int_equal(c.spam_burst, 5);
    assert_int_equal(c.spam_link_density, 1250);
    config_cleanup(&c);
    assert_int_equal(load_one(&c, "spam", "hold_at", "1"), 0);
    assert_int_equal(c.spam_hold_at, 1000);
    config_cleanup(&c);

    static const struct {
        const char *text;
        const char *needle;
    } bad[] = {
        {"[spam]\nhold_at = 0.4\n", "spam.hold_at '0.4' is not a score between 0.5 and 1"},
        {"[spam]\nhold_at = 1.001\n", "spam.hold_at"},
        {"[spam]\nhold_at = 0,9\n", "spam.hold_at"},
        {"[spam]\nhold_at = .9\n", "spam.hold_at"},
        {"[spam]\nmin_training = 0\n", "spam.min_training '0' is not a number in 1..1000000"},
        {"[spam]\nburst = 1\n", "spam.burst '1' is not 0 (off) or a number in 2..1000"},
        {"[spam]\nlink_density = 10.5\n", "spam.link_density"},
        {"[spam]\nduplicate_window = -1\n", "spam.duplicate_window"},
        {"[spam]\nenabled = sometimes\n", "spam.enabled 'sometimes' must be true or false"},
        {"[spam]\nthreshold = 0.9\n", "unknown key 'spam.threshold'"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct config_flags g = {.config_file = write_ini("bad.ini", bad[i].text)};
        load_bad(&g, bad[i].needle);
    }
}

/* The Akismet keys: off by default; the URL and the key go together (the key also
 * from STET_AKISMET_KEY); the site is optional; each refused with a message naming
 * the key, which never quotes the API key. */
static void test_akismet_keys(void **state)
{
    (void)state;
    struct config c;
    struct config_flags f = {0};
    load_ok(&c, &f);
    assert_null(c.spam_akismet_url);
    assert_null(c.spam_akismet_key);
    assert_null(c.spam_akismet_site);
    config_cleanup(&c);

    f.config_file = write_ini("ak.ini", "[spam]\nakismet_url = https://rest.akismet.com/1.1/"
                                        "comment-check\nakismet_key = 0123abcd\n"
                                        "akismet_site = https://news.example\n");
    load_ok(&c, &f);
    assert_string_equal(c.spam_akismet_url, "https://rest.akismet.com/1.1/comment-check");
    assert_string_equal(c.spam_akismet_key, "0123abcd");
    assert_string_equal(c.spam_akismet_site, "https://news.example");
    config_cleanup(&c);

    /* The key from the environment, for a URL from the file; an empty URL from the
     * environment is no URL. */
    f.config_file = write_ini("ak.ini", "[spam]\nakismet_url = http://127.0.0.1:9/check\n");
    set_env("STET_AKISMET_KEY", "envkey99");
    load_ok(&c, &f);
    assert_string_equal(c.spam_akismet_key, "envkey99");
    config_cleanup(&c);
    n_fake_env = 0;

    static const struct {
        const char *text;
        const char *needle;
    } bad[] = {
        {"[spam]\nakismet_url = ftp://x/\nakismet_key = k\n",
         "spam.akismet_url 'ftp://x/' must start with http:// or https://"},
        {"[spam]\nakismet_url = https://\nakismet_key = k\n",
         "spam.akismet_url 'https://' has no host"},
        {"[spam]\nakismet_url = https://a b/\nakismet_key = k\n", "holds a space or a control"},
        {"[spam]\nakismet_site = rest.akismet.com\n", "spam.akismet_site 'rest.akismet.com' must"},
        {"[spam]\nakismet_url = https://rest.akismet.com/1.1/comment-check\n",
         "spam.akismet_url is set but spam.akismet_key is not"},
        {"[spam]\nakismet_site = https://news.example\n",
         "spam.akismet_site is set but spam.akismet_url is not"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct config_flags g = {.config_file = write_ini("bad.ini", bad[i].text)};
        load_bad(&g, bad[i].needle);
    }
    struct config_flags g = {.config_file =
                                 write_ini("bad.ini", "[spam]\nakismet_key = s3cr3t!\n")};
    load_bad_secret(&g, "spam.akismet_key must be 1 to 256 characters", "s3cr3t");
    g.config_file = write_ini("bad.ini", "[spam]\nakismet_url = https://s3cr3tkey.rest.akismet.com/"
                                         "1.1/comment-check\nakismet_key = s3cr3tkey\n");
    load_bad(&g, "spam.akismet_url must not hold the API key");
    g.config_file = write_ini("bad.ini", "[spam]\nakismet_key = s3cr3tkey\n");
    load_bad_secret(&g, "spam.akismet_key is set but spam.akismet_url is not", "s3cr3t");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_precedence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_file_sources, setup, teardown),
        cmocka_unit_test_setup_teardown(test_base_url, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_listen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ini_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bool_and_ranges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_policy_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_akismet_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_database_synchronous, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metrics_token, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metrics_token_sources, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metrics_key_gone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_site_timezone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spam_keys, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
