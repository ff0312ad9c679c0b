/* Private to store/: the check every backend makes before it puts a table or column
 * name into SQL text. Such names come from constant lists (store_tables), never from
 * users, and this keeps it that way. */
#ifndef STET_STORE_SQL_IDENT_H
#define STET_STORE_SQL_IDENT_H

#include <stdbool.h>
#include <stddef.h>

/* Longer names would be cut by PostgreSQL (NAMEDATALEN - 1). */
#define STORE_IDENT_MAX 63

/* A lowercase SQL identifier that needs no quoting: [a-z_][a-z0-9_]*. */
static inline bool store_ident_ok(const char *s)
{
    if (s == NULL || s[0] == '\0' || (s[0] >= '0' && s[0] <= '9'))
        return false;
    size_t i = 0;
    for (; s[i] != '\0'; i++) {
        char c = s[i];
        if (i >= STORE_IDENT_MAX || !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

/* All `n` names pass store_ident_ok, and there is at least one. */
static inline bool store_idents_ok(const char *const *names, size_t n)
{
    if (names == NULL || n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!store_ident_ok(names[i]))
            return false;
    }
    return true;
}

#endif
