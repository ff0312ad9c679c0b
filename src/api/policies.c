/* The comment policies for admins (an extension of SPEC.md): GET shows each with its
 * value in effect and where it comes from, PATCH changes several all or nothing,
 * null going back to the configuration file's value. Numbers are JSON numbers, the
 * other values strings (banned words one per line). */
#include "api/api.h"

#include "domain/policies.h"
#include "web/kit.h"

#include <string.h>

/* The policies whose values are numbers. */
static bool is_number(const char *name)
{
    return strcmp(name, "premoderate_first") == 0 || strcmp(name, "max_links") == 0 ||
           strcmp(name, "min_account_age") == 0;
}

static json_t *value_json(const char *name, const char *value)
{
    int64_t n;
    if (is_number(name) && str_to_i64(str_from(value), INT64_MIN, INT64_MAX, &n) == 0)
        return json_integer((json_int_t)n);
    return json_string(value);
}

/* {"policies": {name: {value, source, changed_by?, changed_at?}}} */
static int respond_policies(struct req *req)
{
    struct policy_entry es[POLICY_N];
    struct dctx ctx = req_dctx(req);
    int rc = policies_list(&ctx, req_viewer(req), es);
    if (rc != 0)
        return respond_error(req, rc);
    json_t *all = json_object();
    for (size_t k = 0; k < POLICY_N; k++) {
        json_t *p = json_pack("{s:o, s:s, s:o}", "value", value_json(es[k].name, es[k].value),
                              "source", es[k].is_stored ? "admin" : "config", "config_value",
                              value_json(es[k].name, es[k].file_value));
        if (es[k].is_stored) {
            json_object_set_new(p, "changed_by",
                                es[k].changed_by != NULL ? json_string(es[k].changed_by)
                                                         : json_null());
            json_object_set_new(p, "changed_at", json_integer((json_int_t)es[k].changed_at));
        }
        json_object_set_new(all, es[k].name, p);
    }
    return respond_json(req, 200, json_pack("{s:o}", "policies", all));
}

int api_policies_show(struct req *req)
{
    return respond_policies(req);
}

/* One member of the PATCH body as a change: a string or an integer sets, null
 * resets; anything else is refused with the member's name. */
static int read_change(struct req *req, const char *name, json_t *v, struct policy_change *out)
{
    *out = (struct policy_change){.name = str_from(arena_strdup(req->arena, name))};
    if (json_is_null(v)) {
        out->reset = true;
    } else if (json_is_string(v)) {
        size_t len = json_string_length(v);
        out->value = (struct str){arena_strndup(req->arena, json_string_value(v), len), len};
    } else if (json_is_integer(v)) {
        out->value = str_from(arena_printf(req->arena, "%lld", (long long)json_integer_value(v)));
    } else {
        return err_set(req_err(req), STET_EINVAL, out->name.ptr,
                       arena_printf(req->arena, "%s must be a string, a number or null.", name));
    }
    return 0;
}

/* The body's members as changes, in the order written. */
static int read_changes(struct req *req, struct policy_change **out, size_t *n)
{
    json_error_t jerr;
    json_t *doc = json_loadb(req->body.ptr, req->body.len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL || !json_is_object(doc)) {
        json_decref(doc);
        return err_set(req_err(req), STET_EBADREQ, NULL,
                       "The request body must be a JSON object of policies.");
    }
    int rc = 0;
    size_t size = json_object_size(doc);
    if (size > STORE_SETTINGS_MAX) {
        rc = err_set(req_err(req), STET_EINVAL, NULL, "Too many changes at once.");
        goto out;
    }
    *out = arena_alloc(req->arena, (size + 1) * sizeof(**out));
    *n = 0;
    const char *name;
    json_t *v;
    json_object_foreach(doc, name, v)
    {
        rc = read_change(req, name, v, &(*out)[*n]);
        if (rc != 0)
            goto out;
        (*n)++;
    }
out:
    json_decref(doc);
    return rc;
}

int api_policies_update(struct req *req)
{
    struct policy_change *ch = NULL;
    size_t n = 0;
    struct dctx ctx = req_dctx(req);
    /* Who may is checked before the body is read: a reader learns nothing from it. */
    struct policy_entry es[POLICY_N];
    int rc = policies_list(&ctx, req_viewer(req), es);
    if (rc == 0)
        rc = read_changes(req, &ch, &n);
    if (rc == 0)
        rc = policies_change(&ctx, req_viewer(req), ch, n, NULL);
    if (rc != 0)
        return respond_error(req, rc);
    return respond_policies(req);
}
