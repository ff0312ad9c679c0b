/* Fuzz target for the site export's streaming reader (src/cli/export_reader.c): any
 * bytes either read to the end or stop with EINVAL naming a line and an offset inside
 * the input, and a row handed to the callbacks is always an object. */
#include "cli/export.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_field(void *ctx, const char *key, json_t *value, struct export_error *err)
{
    (void)ctx;
    (void)value;
    /* A callback's refusal must travel back like the reader's own errors. */
    return strcmp(key, "refuse") == 0 ? export_fail(err, "refused") : 0;
}

static int on_table_begin(void *ctx, const char *name, struct export_error *err)
{
    (void)ctx;
    (void)err;
    if (strlen(name) == 0 || strlen(name) > EXPORT_MAX_KEY)
        abort();
    return 0;
}

static int on_row(void *ctx, json_t *row, struct export_error *err)
{
    (void)err;
    if (!json_is_object(row))
        abort();
    (*(size_t *)ctx)++;
    return 0;
}

static int on_table_end(void *ctx, struct export_error *err)
{
    (void)ctx;
    (void)err;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct export_reader_ops ops = {on_field, on_table_begin, on_row, on_table_end};
    if (size == 0)
        return 0; /* fmemopen refuses an empty buffer */
    FILE *f = fmemopen((void *)(uintptr_t)data, size, "rb");
    if (f == NULL)
        abort();
    size_t rows = 0, lines = 1;
    struct export_error err;
    int rc = export_read(f, &ops, &rows, &err);
    fclose(f);
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    if (rc != 0 && (rc != STET_EINVAL || err.message[0] == '\0' || err.line < 1 ||
                    (size_t)err.line > lines || err.offset < 0 || (size_t)err.offset > size))
        abort();
    return 0;
}
