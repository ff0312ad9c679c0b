/* Files compiled into the binary by tools/embed.sh (templates, static assets,
 * migrations, the demo's data). Each generated table ends with a {NULL, NULL, 0} entry. */
#ifndef STET_BASE_EMBEDDED_H
#define STET_BASE_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
    const char *name;          /* file name without directories, e.g. "story.html" */
    const unsigned char *data; /* NUL-terminated for convenience; len excludes it */
    size_t len;
};

extern const struct embedded_file embedded_templates[];
extern const struct embedded_file embedded_static[];
extern const struct embedded_file embedded_migrations_sqlite[];
extern const struct embedded_file embedded_migrations_pg[];
extern const struct embedded_file embedded_demo[]; /* demo/: weather.json */

#endif
