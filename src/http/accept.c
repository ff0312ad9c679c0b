/* One pass over the comma-separated list; each element is a coding with optional
 * ";"-separated parameters, of which only q matters. */
#include "http/accept.h"

#include <string.h>

/* The qvalue of "0.5", "1", "0.000" in thousandths (RFC 9110: 0 to 1 with at most
 * three decimals); -1 when malformed. */
static int qvalue(struct str v)
{
    if (v.len == 0 || (v.ptr[0] != '0' && v.ptr[0] != '1'))
        return -1;
    int q = (v.ptr[0] - '0') * 1000, scale = 100;
    if (v.len == 1)
        return q;
    if (v.ptr[1] != '.' || v.len > 5)
        return -1;
    for (size_t i = 2; i < v.len; i++, scale /= 10) {
        if (v.ptr[i] < '0' || v.ptr[i] > '9')
            return -1;
        q += (v.ptr[i] - '0') * scale;
    }
    return q <= 1000 ? q : -1;
}

/* The q of one element's parameters ("; q=0.5; foo=bar"); 1000 when absent. */
static int element_q(struct str params)
{
    int q = 1000;
    size_t i = 0;
    while (i < params.len) {
        size_t end = i;
        while (end < params.len && params.ptr[end] != ';')
            end++;
        struct str p = str_trim((struct str){params.ptr + i, end - i});
        const char *eq = memchr(p.ptr, '=', p.len);
        if (eq != NULL) {
            struct str name = str_trim((struct str){p.ptr, (size_t)(eq - p.ptr)});
            struct str value = str_trim((struct str){eq + 1, p.len - name.len - 1});
            if (str_eq_nocase(name, STR_LIT("q")))
                q = qvalue(value);
        }
        i = end + 1;
    }
    return q < 0 ? 0 : q;
}

bool accept_encoding_allows(struct str header, const char *coding)
{
    struct str want = str_from(coding);
    int named = -1, star = -1;
    size_t i = 0;
    while (i < header.len) {
        size_t end = i;
        while (end < header.len && header.ptr[end] != ',')
            end++;
        struct str item = {header.ptr + i, end - i};
        const char *semi = memchr(item.ptr, ';', item.len);
        size_t name_len = semi != NULL ? (size_t)(semi - item.ptr) : item.len;
        struct str name = str_trim((struct str){item.ptr, name_len});
        struct str params = {item.ptr + name_len, item.len - name_len};
        bool is_x =
            name.len > 2 && (name.ptr[0] == 'x' || name.ptr[0] == 'X') && name.ptr[1] == '-';
        if (str_eq_nocase(name, want) ||
            (is_x && str_eq_nocase((struct str){name.ptr + 2, name.len - 2}, want)))
            named = element_q(params);
        else if (str_eq_cstr(name, "*"))
            star = element_q(params);
        i = end + 1;
    }
    if (named >= 0)
        return named > 0;
    return star > 0;
}
