/* Linear matching over a small table: with a few dozen routes a scan of literal
 * segments is faster than building a tree, and the table stays readable. */
#include "web/router.h"

#include <string.h>

#define ROUTER_MAX_PARAMS 8

/* Returns the next segment of `s` starting after a '/', advancing *pos. */
static bool next_segment(struct str s, size_t *pos, struct str *seg)
{
    if (*pos >= s.len || s.ptr[*pos] != '/')
        return false;
    size_t start = ++*pos;
    while (*pos < s.len && s.ptr[*pos] != '/')
        (*pos)++;
    *seg = (struct str){s.ptr + start, *pos - start};
    return true;
}

static bool match_one(struct str pattern, struct str path, struct kv *caps, size_t *n_caps)
{
    size_t pp = 0, ph = 0;
    struct str pseg, hseg;
    *n_caps = 0;
    for (;;) {
        bool more_p = next_segment(pattern, &pp, &pseg);
        bool more_h = next_segment(path, &ph, &hseg);
        if (!more_p || !more_h)
            return more_p == more_h && pp == pattern.len && ph == path.len;
        if (pseg.len >= 2 && pseg.ptr[0] == '{' && pseg.ptr[pseg.len - 1] == '}') {
            if (hseg.len == 0 || *n_caps == ROUTER_MAX_PARAMS)
                return false;
            caps[*n_caps].name = (struct str){pseg.ptr + 1, pseg.len - 2};
            caps[(*n_caps)++].value = hseg;
        } else if (!str_eq(pseg, hseg)) {
            return false;
        }
    }
}

int router_match(struct arena *a, const struct route *routes, size_t n, enum http_method method,
                 struct str path, const struct route **out, struct kvs *params, unsigned *allowed)
{
    struct kv caps[ROUTER_MAX_PARAMS];
    size_t n_caps;
    unsigned want = method == HTTP_HEAD ? HTTP_GET : (unsigned)method;

    *allowed = 0;
    for (size_t i = 0; i < n; i++) {
        if (!match_one(str_from(routes[i].pattern), path, caps, &n_caps))
            continue;
        if ((routes[i].methods & want) == 0) {
            *allowed |= routes[i].methods;
            continue;
        }
        params->items = ARENA_NEW_ARRAY(a, struct kv, n_caps + 1);
        params->n = n_caps;
        for (size_t k = 0; k < n_caps; k++) {
            params->items[k].name.ptr = arena_strndup(a, caps[k].name.ptr, caps[k].name.len);
            params->items[k].name.len = caps[k].name.len;
            params->items[k].value.ptr = arena_strndup(a, caps[k].value.ptr, caps[k].value.len);
            params->items[k].value.len = caps[k].value.len;
        }
        *out = &routes[i];
        return 0;
    }
    return *allowed != 0 ? STET_EMETHOD : STET_ENOTFOUND;
}
