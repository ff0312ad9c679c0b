/* A small Mustache-style template engine. Templates are compiled once at startup
 * from the embedded templates/ folder and rendered many times from any thread.
 *
 * Syntax: {{name}} HTML-escaped value; {{{name}}} trusted HTML as is; {{#name}}..{{/name}}
 * a section (a list repeats per item, a map pushes a scope, a true scalar renders
 * once); {{^name}}..{{/name}} renders when name is missing, false, 0, "" or an empty
 * list; {{>partial}} includes another template (recursion allowed, depth-limited);
 * {{! comment}}. Names may be dotted (story.title) and are looked up from the
 * innermost scope outwards. */
#ifndef STET_RENDER_TEMPLATE_H
#define STET_RENDER_TEMPLATE_H

#include "base/arena.h"
#include "base/buf.h"
#include "base/embedded.h"
#include "base/err.h"

#include <stdbool.h>
#include <stdint.h>

/* A value in a render context. All tval memory lives in the caller's arena. */
struct tval;

struct tval *tval_map(struct arena *a);
struct tval *tval_list(struct arena *a);
/* Map setters; the key and string are borrowed (must outlive the render). */
void tval_put_str(struct arena *a, struct tval *map, const char *key, const char *s);
void tval_put_html(struct arena *a, struct tval *map, const char *key, const char *html);
void tval_put_int(struct arena *a, struct tval *map, const char *key, int64_t v);
void tval_put_bool(struct arena *a, struct tval *map, const char *key, bool v);
void tval_put(struct arena *a, struct tval *map, const char *key, struct tval *child);
/* A bare string value (escaped like tval_put_str), e.g. for a list of strings that
 * a template prints with {{.}}; `s` is borrowed, NULL reads as "". */
struct tval *tval_str(struct arena *a, const char *s);
/* Appends to a list. */
void tval_push(struct arena *a, struct tval *list, struct tval *item);

/* Compiled templates. */
struct tmpl_set;

/* Compiles every file in `files` (terminated by a NULL name). STET_EINVAL with a
 * message in `err` (file, line, problem) on a syntax error. Free with tmpl_set_free. */
int tmpl_set_new(const struct embedded_file *files, struct tmpl_set **out, char *err,
                 size_t err_len) STET_MUST_CHECK;
void tmpl_set_free(struct tmpl_set *ts);

/* Appends the rendering of template `name` ("story.html") to `out`. STET_ENOTFOUND
 * for an unknown template or partial, STET_ELIMIT past the partial depth limit. */
int tmpl_render(const struct tmpl_set *ts, const char *name, const struct tval *ctx,
                struct buf *out) STET_MUST_CHECK;

#endif
