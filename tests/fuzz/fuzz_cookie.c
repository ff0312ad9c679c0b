/* Fuzz target for Cookie header parsing: lookups of a few names over arbitrary bytes
 * must stay inside the header and return slices of it. */
#include "http/cookie.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"stet_session", "a", "x", "stet_csrf"};
    /* An exact-size heap copy lets ASan catch any read past the slice. */
    char *copy = malloc(size > 0 ? size : 1);
    if (size > 0)
        memcpy(copy, data, size);
    struct str header = {copy, size};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        struct str v;
        if (cookie_get(header, names[i], &v) &&
            (v.ptr < copy || v.ptr + v.len > copy + size || v.len > size))
            abort();
    }
    free(copy);
    return 0;
}
