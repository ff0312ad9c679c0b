/* The admins' policies page: every comment policy with its value in effect, where
 * that comes from (the configuration file, or an admin's change: who and when) and
 * a form to change it or go back to the file's value. Values typed are re-shown
 * escaped after a refusal. */
#include "web/views.h"

#include "domain/policies.h"
#include "web/web.h"

#include <string.h>

enum field_kind { FIELD_SELECT, FIELD_NUMBER, FIELD_WORDS };

/* How the page shows each policy, in policy_names order. */
static const struct {
    const char *label;
    const char *hint;
    enum field_kind kind;
    const char *options[4]; /* FIELD_SELECT: value and label pairs, NULL-ended */
    int max;                /* FIELD_NUMBER: the largest value */
} fields[POLICY_N] = {
    {"Pre-moderation",
     "Which comments wait for a moderator before anyone reads them: none, every comment, or a "
     "new commenter's first comments.",
     FIELD_SELECT,
     {"none", "all", "new", NULL},
     0},
    {"First comments held",
     "With pre-moderation of new commenters: how many of an account's comments must be "
     "approved before its comments appear at once (1 to 1000).",
     FIELD_NUMBER,
     {NULL},
     1000},
    {"Banned words and phrases",
     "One per line (or separated by commas); matched as whole words in any letter case. At "
     "most 500 entries of 100 bytes, 16 KiB in all.",
     FIELD_WORDS,
     {NULL},
     0},
    {"A comment with a banned word",
     "Hold it for a moderator, or refuse it and tell its writer why.",
     FIELD_SELECT,
     {"hold", "reject", NULL},
     0},
    {"Most links in a comment",
     "More links hold the comment for a moderator; 0: no limit.",
     FIELD_NUMBER,
     {NULL},
     1000},
    {"Minimum account age (seconds)",
     "Comments from younger accounts wait for a moderator; 0: none. A day is 86400.",
     FIELD_NUMBER,
     {NULL},
     31536000},
};

static void put_options(struct arena *a, struct tval *f, size_t k, const char *value)
{
    struct tval *opts = tval_list(a);
    for (size_t i = 0; fields[k].options[i] != NULL; i++) {
        struct tval *o = tval_map(a);
        tval_put_str(a, o, "value", fields[k].options[i]);
        tval_put_bool(a, o, "selected", strcmp(fields[k].options[i], value) == 0);
        tval_push(a, opts, o);
    }
    tval_put(a, f, "options", opts);
}

/* One policy: its entry, and with `form` what was typed for it. */
static struct tval *put_policy(struct req *req, const struct policy_entry *e, size_t k,
                               const struct policy_form *form)
{
    struct arena *a = req->arena;
    struct tval *f = tval_map(a);
    const char *value = e->value;
    if (form != NULL)
        value = arena_strndup(a, form->values[k].ptr, form->values[k].len);
    tval_put_str(a, f, "name", e->name);
    tval_put_str(a, f, "label", fields[k].label);
    tval_put_str(a, f, "hint", fields[k].hint);
    tval_put_str(a, f, "value", value);
    tval_put_str(a, f, "file_value", e->file_value[0] != '\0' ? e->file_value : "(none)");
    tval_put_bool(a, f, "is_select", fields[k].kind == FIELD_SELECT);
    tval_put_bool(a, f, "is_number", fields[k].kind == FIELD_NUMBER);
    tval_put_bool(a, f, "is_words", fields[k].kind == FIELD_WORDS);
    tval_put_int(a, f, "max", fields[k].max);
    if (fields[k].kind == FIELD_SELECT)
        put_options(a, f, k, value);
    tval_put_bool(a, f, "invalid",
                  form != NULL && form->error_field != NULL &&
                      strcmp(form->error_field, e->name) == 0);
    tval_put_bool(a, f, "is_stored", e->is_stored);
    tval_put_bool(a, f, "reset", form != NULL && form->reset[k]);
    if (e->is_stored) {
        tval_put_str(a, f, "changed_by", e->changed_by != NULL ? e->changed_by : "stet");
        view_put_times(a, f, e->changed_at);
    }
    return f;
}

struct tval *view_moderation_policies(struct req *req, const struct policy_entry *entries,
                                      const struct policy_form *form)
{
    struct arena *a = req->arena;
    struct tval *m = view_moderation_page(req, "nav_policies", "/moderation/policies");
    struct tval *list = tval_list(a);
    for (size_t k = 0; k < POLICY_N; k++)
        tval_push(a, list, put_policy(req, &entries[k], k, form));
    tval_put(a, m, "policies", list);
    if (form != NULL && form->error != NULL) {
        struct tval *fm = tval_map(a);
        tval_put_str(a, fm, "error", form->error);
        tval_put_str(a, fm, "error_field",
                     form->error_field != NULL ? arena_printf(a, "policy-%s", form->error_field)
                                               : NULL);
        tval_put(a, m, "form", fm);
    }
    return m;
}
