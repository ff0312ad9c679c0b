/* Allocation that never fails to the caller: on exhaustion it prints a message and
 * aborts, so no call site carries a NULL check. */
#ifndef STET_BASE_XALLOC_H
#define STET_BASE_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
/* Heap copy of a NUL-terminated string; the caller frees it. */
char *xstrdup(const char *s);
/* Heap copy of `len` bytes plus a NUL; the caller frees it. */
char *xstrndup(const char *s, size_t len);

#endif
