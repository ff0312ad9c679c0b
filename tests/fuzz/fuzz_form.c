/* Fuzz target for form/query decoding: any byte string must parse or be refused
 * cleanly, and every accepted field must be NUL-free UTF-8 within the input's size. */
#include "base/utf8.h"
#include "http/form.h"
#include "http/limits.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new(4096);
    /* An exact-size heap copy lets ASan catch any read past the slice. */
    char *copy = malloc(size > 0 ? size : 1);
    if (size > 0)
        memcpy(copy, data, size);
    struct kvs k;
    if (form_parse(a, (struct str){copy, size}, &k) == 0) {
        if (k.n > HTTP_MAX_FIELDS)
            abort();
        for (size_t i = 0; i < k.n; i++) {
            const struct kv *kv = &k.items[i];
            if (!utf8_valid(kv->name.ptr, kv->name.len) ||
                !utf8_valid(kv->value.ptr, kv->value.len) || kv->name.len > size ||
                kv->value.len > size || kv->name.ptr[kv->name.len] != '\0' ||
                kv->value.ptr[kv->value.len] != '\0')
                abort();
        }
    }
    struct str out;
    if (url_decode(a, (struct str){copy, size}, false, &out) == 0 &&
        (out.len > size || out.ptr[out.len] != '\0'))
        abort();
    free(copy);
    arena_free(a);
    return 0;
}
