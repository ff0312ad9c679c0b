/* Comment and story Markdown (CommonMark + GFM autolinks and strikethrough) to HTML
 * that is safe to put in a page as is: raw HTML never passes through, only http,
 * https and mailto links survive and they carry rel="nofollow ugc noopener", images
 * become their alt text. */
#ifndef STET_RENDER_MARKDOWN_H
#define STET_RENDER_MARKDOWN_H

#include "base/arena.h"
#include "base/err.h"

#include <stddef.h>

/* Block quotes and list items nest at most this deep; a line's marker that would go
 * deeper is shown as text, with the rest of its line. Leading indentation counts one
 * level per two columns, since that is what continues a list item. */
#define MD_MAX_DEPTH 32

/* The HTML is never longer than MD_OUT_RATIO * len + MD_OUT_SLACK bytes. */
#define MD_OUT_RATIO 8
#define MD_OUT_SLACK 1024

/* Renders a story body `src[0..len)` (valid UTF-8) into `*out`, NUL-terminated in the
 * arena, as CommonMark has it. When the Markdown rendering would pass the bound above,
 * or its reference links would make the parser copy far more than the input, the text
 * is rendered plainly instead: escaped, blank lines separating <p> paragraphs, other
 * line ends as <br />. So a text is always shown, never refused. Code blocks become
 * focusable, labelled groups (a keyboard can scroll a long line). STET_EIO only when
 * the Markdown library fails. Thread-safe. */
int md_to_safe_html(struct arena *a, const char *src, size_t len, char **out) STET_MUST_CHECK;

/* The same for a reader's comment, which is written as plain text more often than as
 * Markdown: every line end is kept (<br />, for addresses and poems), and a heading
 * becomes a bold paragraph (<p><strong>), so that no comment breaks the page outline
 * or poses as a headline. */
int md_comment_to_safe_html(struct arena *a, const char *src, size_t len,
                            char **out) STET_MUST_CHECK;

/* Must be called once at startup before threads start (registers GFM extensions). */
void md_init(void);

/* The cmark-gfm version running ("0.29.0.gfm.6"); static storage. */
const char *md_lib_version(void);

#endif
