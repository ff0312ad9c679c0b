/* Fuzz target for md_to_safe_html and md_comment_to_safe_html: any input must render
 * without crashing, within MD_OUT_RATIO * size + MD_OUT_SLACK bytes, and every tag in
 * the output must be one the safe renderer is allowed to emit (a comment: no
 * headings), so raw HTML, images, a javascript: link escaping the sanitizer, a
 * heading in a comment or a blow-up past the output bound aborts the run. */
#include "render/markdown.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The tags both renderers may emit; stories also the headings below. */
static const char *const allowed_tags[] = {
    "p>",
    "/p>",
    "em>",
    "/em>",
    "strong>",
    "/strong>",
    "code>",
    "code class=\"",
    "/code>",
    "pre class=\"code-block\" tabindex=\"0\" role=\"group\" aria-label=\"Code block\">",
    "/pre>",
    "del>",
    "/del>",
    "/a>",
    "blockquote>",
    "/blockquote>",
    "ul>",
    "/ul>",
    "ol>",
    "ol start=\"",
    "/ol>",
    "li>",
    "/li>",
    "hr />",
    "br />",
};

static const char *const heading_tags[] = {
    "h1>", "h2>", "h3>", "h4>", "h5>", "h6>", "/h1>", "/h2>", "/h3>", "/h4>", "/h5>", "/h6>",
};

static const char *const allowed_hrefs[] = {
    "a href=\"http:", "a href=\"https:", "a href=\"mailto:"};

static bool tag_ok(const char *t, bool comment)
{
    for (size_t i = 0; i < sizeof(allowed_tags) / sizeof(allowed_tags[0]); i++) {
        if (strncmp(t, allowed_tags[i], strlen(allowed_tags[i])) == 0)
            return true;
    }
    for (size_t i = 0; !comment && i < sizeof(heading_tags) / sizeof(heading_tags[0]); i++) {
        if (strncmp(t, heading_tags[i], strlen(heading_tags[i])) == 0)
            return true;
    }
    for (size_t i = 0; i < sizeof(allowed_hrefs) / sizeof(allowed_hrefs[0]); i++) {
        if (strncasecmp(t, allowed_hrefs[i], strlen(allowed_hrefs[i])) == 0)
            return true;
    }
    return false;
}

static void check(const char *out, size_t size, bool comment)
{
    if (strlen(out) > MD_OUT_RATIO * size + MD_OUT_SLACK)
        abort();
    for (const char *p = strchr(out, '<'); p != NULL; p = strchr(p + 1, '<')) {
        if (!tag_ok(p + 1, comment))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new(1 << 14);
    char *out = NULL;

    md_init();
    if (md_to_safe_html(a, (const char *)data, size, &out) == 0)
        check(out, size, false);
    if (md_comment_to_safe_html(a, (const char *)data, size, &out) == 0)
        check(out, size, true);
    arena_free(a);
    return 0;
}
