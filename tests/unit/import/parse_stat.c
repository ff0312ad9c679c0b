/* Parses an export and prints what the parse alone cost: records, seconds, posts per
 * second and the process's peak RSS, as key=value words for flat_memory.py and the
 * report. Usage: import_parse_stat disqus|wordpress FILE ("-": stdin). */
#include "import/import.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static int count_thread(void *ctx, struct import_thread *t)
{
    (void)ctx;
    (void)t;
    return 0;
}

static int count_post(void *ctx, struct import_post *p)
{
    (void)ctx;
    (void)p;
    return 0;
}

int main(int argc, char **argv)
{
    struct import_sink sink = {NULL, count_thread, count_post, NULL};
    struct import_stats st;
    struct import_error err;
    struct timespec t0, t1;
    struct rusage ru;

    if (argc != 3) {
        fprintf(stderr, "usage: import_parse_stat disqus|wordpress FILE\n");
        return 2;
    }
    enum import_format format = strcmp(argv[1], "disqus") == 0 ? IMPORT_DISQUS : IMPORT_WXR;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = import_parse_file(format, argv[2], &sink, &st, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc != 0) {
        fprintf(stderr, "import_parse_stat: %s:%d: %s\n", argv[2], err.line, err.message);
        return 1;
    }
    getrusage(RUSAGE_SELF, &ru);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("threads=%llu posts=%llu bytes=%llu seconds=%.3f posts_per_s=%.0f peak_rss_kb=%ld\n",
           (unsigned long long)st.n_threads, (unsigned long long)st.n_posts,
           (unsigned long long)st.n_bytes, s, s > 0 ? (double)st.n_posts / s : 0.0, ru.ru_maxrss);
    return 0;
}
