/* Reading API input: a declared set of JSON body fields and bounded query integers.
 * Strings are copied into the request arena so the parsed document can be freed at
 * once and no handler owns a jansson reference for input. */
#include "api/api.h"

#include "base/utf8.h"
#include "web/kit.h"

#include <string.h>

static int bad(struct req *req, const char *field, const char *message)
{
    return err_set(req_err(req), STET_EBADREQ, field, message);
}

int api_parse_body(struct req *req, const struct api_field *fields, size_t n)
{
    json_error_t jerr;
    if (req->body.len == 0)
        return bad(req, NULL, "The request body must be a JSON object.");
    json_t *doc = json_loadb(req->body.ptr, req->body.len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL)
        return bad(req, NULL,
                   jerr.text[0] != '\0' ? arena_printf(req->arena, "Malformed JSON: %s.", jerr.text)
                                        : "Malformed JSON.");
    int rc = 0;
    if (!json_is_object(doc)) {
        rc = bad(req, NULL, "The request body must be a JSON object.");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const struct api_field *f = &fields[i];
        json_t *v = json_object_get(doc, f->name);
        if (f->present != NULL)
            *f->present = false;
        if (v == NULL || json_is_null(v))
            continue;
        if (f->type == API_STRING) {
            if (!json_is_string(v)) {
                rc = bad(req, f->name, arena_printf(req->arena, "%s must be a string.", f->name));
                goto out;
            }
            size_t len = json_string_length(v);
            f->str->ptr = arena_strndup(req->arena, json_string_value(v), len);
            f->str->len = len;
        } else if (f->type == API_BOOL) {
            if (!json_is_boolean(v)) {
                rc = bad(req, f->name,
                         arena_printf(req->arena, "%s must be true or false.", f->name));
                goto out;
            }
            *f->flag = json_is_true(v);
        } else {
            if (!json_is_integer(v)) {
                rc = bad(req, f->name, arena_printf(req->arena, "%s must be an integer.", f->name));
                goto out;
            }
            *f->num = (int64_t)json_integer_value(v);
        }
        if (f->present != NULL)
            *f->present = true;
    }
out:
    json_decref(doc);
    return rc;
}

int api_query_int(struct req *req, const char *name, int64_t min, int64_t max, int64_t def,
                  int64_t *out)
{
    struct str v;
    if (!req_query(req, name, &v) || v.len == 0) {
        *out = def;
        return 0;
    }
    if (str_to_i64(v, min, max, out) != 0)
        return bad(req, name,
                   arena_printf(req->arena, "%s must be a whole number from %lld to %lld.", name,
                                (long long)min, (long long)max));
    return 0;
}

int api_query_sort(struct req *req, bool *newest_first)
{
    struct str sort = STR_NULL;
    req_query(req, "sort", &sort);
    *newest_first = str_eq_cstr(sort, "newest");
    if (sort.len > 0 && !*newest_first && !str_eq_cstr(sort, "oldest"))
        return bad(req, "sort", "sort must be oldest or newest.");
    return 0;
}
