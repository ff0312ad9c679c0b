/* The legacy importer's slugs (domain/legacy_import.h): how a thread's link path or
 * name becomes the slug a story is matched by or made under. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "domain/legacy_import.h"
#include "domain/validate.h"

#include <string.h>

static void assert_slug(const char *got, const char *want)
{
    if (want == NULL) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_string_equal(got, want);
    assert_int_equal(validate_slug(str_from(got), NULL), 0);
}

static void test_from_path(void **state)
{
    (void)state;
    struct arena *a = arena_new(4096);
    assert_slug(legacy_slug_from_path(a, "/2019/05/city-council/"), "city-council");
    assert_slug(legacy_slug_from_path(a, "/stories/city-council"), "city-council");
    assert_slug(legacy_slug_from_path(a, "/2015/06/Story_One.html"), "story-one-html");
    assert_slug(legacy_slug_from_path(a, "/z%C3%BCrich-news/"), "z-rich-news");
    assert_slug(legacy_slug_from_path(a, "/%7Euser/a--b/"), "a-b");
    assert_slug(legacy_slug_from_path(a, "/bad%zzescape"), "bad-zzescape");
    assert_slug(legacy_slug_from_path(a, "/"), NULL);
    assert_slug(legacy_slug_from_path(a, ""), NULL);
    assert_slug(legacy_slug_from_path(a, "/---/"), NULL);
    arena_free(a);
}

static void test_slug_limits(void **state)
{
    (void)state;
    struct arena *a = arena_new(4096);
    assert_slug(legacy_slug(a, "Story one: \xc3\xbc"
                               "n\xc3\xaf"
                               "c\xc3\xb6"
                               "d\xc3\xa9 & entities"),
                "story-one-n-c-d-entities");
    assert_slug(legacy_slug(a, "  --Hello, World!--  "), "hello-world");
    assert_slug(legacy_slug(a, "\xe5\xb1\xb1\xe7\x94\xb0"), NULL);
    /* Long: cut at a word's end in the last quarter, never over SLUG_MAX. */
    char words[400];
    for (int i = 0; i < 40; i++)
        memcpy(words + i * 8, "word-ab-", 8);
    words[320] = '\0';
    const char *s = legacy_slug(a, words);
    assert_non_null(s);
    assert_true(strlen(s) <= SLUG_MAX);
    assert_true(strlen(s) > SLUG_MAX * 3 / 4);
    assert_int_equal(validate_slug(str_from(s), NULL), 0);
    char one[300];
    memset(one, 'x', sizeof(one) - 1);
    one[sizeof(one) - 1] = '\0';
    s = legacy_slug(a, one);
    assert_int_equal(strlen(s), SLUG_MAX);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_from_path),
        cmocka_unit_test(test_slug_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
