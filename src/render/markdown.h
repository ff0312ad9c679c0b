/* Comment and story Markdown (CommonMark + GFM autolinks and strikethrough) to HTML
 * that is safe to put in a page as is: raw HTML never passes through, only http,
 * https and mailto links survive and they carry rel="nofollow ugc noopener", images
 * become their alt text. */
#ifndef STET_RENDER_MARKDOWN_H
#define STET_RENDER_MARKDOWN_H

#include "base/arena.h"
#include "base/err.h"

#include <stddef.h>

/* Renders `src[0..len)` (valid UTF-8) into `*out`, NUL-terminated in the arena.
 * STET_EIO only when the Markdown library fails. Thread-safe. */
int md_to_safe_html(struct arena *a, const char *src, size_t len, char **out) STET_MUST_CHECK;

/* Must be called once at startup before threads start (registers GFM extensions). */
void md_init(void);

#endif
