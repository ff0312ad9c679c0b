/* Fuzz target for the template compiler and renderer: the input is compiled as the
 * only template "f.html" (so {{>f.html}} recurses into itself) and, when it compiles,
 * rendered against a small fixed context with strings, numbers, lists and maps. */
#include "render/template.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tval *fixed_context(struct arena *a)
{
    struct tval *ctx = tval_map(a);
    struct tval *user = tval_map(a);
    struct tval *items = tval_list(a);

    tval_put_str(a, user, "name", "<ann & \"bob\">");
    tval_put_int(a, user, "id", 7);
    tval_put(a, ctx, "user", user);
    for (int i = 0; i < 3; i++) {
        struct tval *m = tval_map(a);
        tval_put_int(a, m, "i", i);
        tval_put_bool(a, m, "odd", i % 2 == 1);
        tval_put(a, m, "self", m);
        tval_push(a, items, m);
    }
    tval_push(a, items, tval_str(a, "plain"));
    tval_put(a, ctx, "items", items);
    tval_put(a, ctx, "empty", tval_list(a));
    tval_put_html(a, ctx, "html", "<b>ok</b>");
    tval_put_str(a, ctx, "s", "x'y");
    tval_put_bool(a, ctx, "yes", true);
    tval_put_bool(a, ctx, "no", false);
    tval_put_int(a, ctx, "zero", 0);
    tval_put(a, ctx, "ctx", ctx);
    return ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *src = malloc(size + 1);
    if (src == NULL)
        return 0;
    memcpy(src, data, size);
    src[size] = '\0';
    const struct embedded_file files[] = {
        {"f.html", (const unsigned char *)src, size},
        {NULL, NULL, 0},
    };
    struct tmpl_set *ts = NULL;
    char err[256];
    int rc = tmpl_set_new(files, &ts, err, sizeof(err));
    if (rc == 0) {
        struct arena *a = arena_new(4096);
        struct buf out = BUF_INIT;
        rc = tmpl_render(ts, "f.html", fixed_context(a), &out);
        if (rc != 0 && rc != STET_ELIMIT && rc != STET_ENOTFOUND)
            abort();
        buf_cleanup(&out);
        arena_free(a);
        tmpl_set_free(ts);
    } else if (rc != STET_EINVAL || err[0] == '\0') {
        abort();
    }
    free(src);
    return 0;
}
