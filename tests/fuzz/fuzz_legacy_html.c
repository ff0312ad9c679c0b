/* Fuzz target for legacy_html_to_safe in both modes: any input must come out within
 * LEGACY_HTML_OUT_RATIO * size + LEGACY_HTML_OUT_SLACK bytes, as valid UTF-8, with
 * every tag one of the allowed set and every link http or https with its rel, so a
 * script, an event attribute or a javascript: link getting through aborts the run;
 * and the import's reused sanitizer, and its shortcut for plain text, must agree. */
#include "base/utf8.h"
#include "import/legacy_html.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const allowed_tags[] = {
    "p>",          "/p>",          "br />", "b>",   "/b>",   "strong>", "/strong>", "i>",
    "/i>",         "em>",          "/em>",  "/a>",  "code>", "/code>",  "pre>",     "/pre>",
    "blockquote>", "/blockquote>", "ul>",   "/ul>", "ol>",   "/ol>",    "li>",      "/li>",
};

static bool anchor_ok(const char *t)
{
    if (strncasecmp(t, "a href=\"http:", 13) != 0 && strncasecmp(t, "a href=\"https:", 14) != 0)
        return false;
    const char *q = strchr(t + 8, '"');
    return q != NULL && strncmp(q, "\" rel=\"nofollow ugc noopener\">", 30) == 0;
}

static bool tag_ok(const char *t)
{
    for (size_t i = 0; i < sizeof(allowed_tags) / sizeof(allowed_tags[0]); i++) {
        if (strncmp(t, allowed_tags[i], strlen(allowed_tags[i])) == 0)
            return true;
    }
    return anchor_ok(t);
}

static void check(const char *out, size_t size)
{
    size_t len = strlen(out);
    if (len > LEGACY_HTML_OUT_RATIO * size + LEGACY_HTML_OUT_SLACK || !utf8_valid(out, len))
        abort();
    for (const char *p = strchr(out, '<'); p != NULL; p = strchr(p + 1, '<')) {
        if (!tag_ok(p + 1))
            abort();
    }
}

/* The import's sanitizer, reused across inputs as an import reuses it, must write
 * what a fresh one writes, and its plain-text shortcut what the parser writes. */
static void compare(struct arena *a, const uint8_t *data, size_t size, enum legacy_html_mode mode,
                    const char *want)
{
    static struct legacy_html *reused, *parsed; /* the process's: freed at its exit */
    char *out = NULL;

    if (reused == NULL) {
        reused = legacy_html_new(false);
        parsed = legacy_html_new(true);
    }
    if (legacy_html_clean(reused, a, (const char *)data, size, mode, &out) != 0 ||
        strcmp(out, want) != 0)
        abort();
    if (legacy_html_clean(parsed, a, (const char *)data, size, mode, &out) != 0 ||
        strcmp(out, want) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new(1 << 14);
    char *out = NULL;

    if (legacy_html_to_safe(a, (const char *)data, size, LEGACY_HTML_HTML, &out) == 0) {
        check(out, size);
        compare(a, data, size, LEGACY_HTML_HTML, out);
    }
    if (legacy_html_to_safe(a, (const char *)data, size, LEGACY_HTML_AUTOP, &out) == 0) {
        check(out, size);
        compare(a, data, size, LEGACY_HTML_AUTOP, out);
    }
    arena_free(a);
    return 0;
}
