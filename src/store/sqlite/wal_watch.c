/* The WAL-index header, read the way SQLite's own readers read it: the header is
 * stored twice; a writer updates the second copy, then the first, with a memory
 * barrier between, so two equal copies read in the opposite order are one
 * consistent header. */
#include "store/sqlite/wal_watch.h"

#include "base/xalloc.h"

#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* walformat.html, "The WAL-Index Header": two 48-byte copies at offset 0. */
#define WAL_HDR_SIZE     48
#define WAL_MAP_SIZE     (2 * WAL_HDR_SIZE)
#define WAL_INDEX_FORMAT 3007000u /* iVersion */
#define WAL_HDR_ISINIT   12       /* offset of the isInit byte */

struct wal_watch {
    const volatile unsigned char *map;
    size_t map_len;
    bool seen;
    unsigned char last[WAL_HDR_SIZE];
};

struct wal_watch *wal_watch_open(const char *db_path)
{
    if (db_path == NULL || db_path[0] == '\0')
        return NULL;
    size_t n = strlen(db_path);
    char *shm = xmalloc(n + sizeof("-shm"));
    memcpy(shm, db_path, n);
    memcpy(shm + n, "-shm", sizeof("-shm"));
    int fd = open(shm, O_RDONLY | O_CLOEXEC);
    free(shm);
    if (fd < 0)
        return NULL;
    struct stat sb;
    void *map = MAP_FAILED;
    /* SQLite sizes the file in 32 KiB regions once it is set up; a shorter one is
     * not in use yet, and mapping past its end would fault on the first read. */
    if (fstat(fd, &sb) == 0 && sb.st_size >= 4096)
        map = mmap(NULL, WAL_MAP_SIZE, PROT_READ, MAP_SHARED, fd, 0);
    close(fd); /* the mapping stays valid */
    if (map == MAP_FAILED)
        return NULL;
    const unsigned char *hdr = map;
    uint32_t version;
    memcpy(&version, hdr, sizeof(version)); /* native byte order, as SQLite writes it */
    if (version != WAL_INDEX_FORMAT || hdr[WAL_HDR_ISINIT] != 1) {
        munmap(map, WAL_MAP_SIZE);
        return NULL;
    }
    struct wal_watch *w = xcalloc(1, sizeof(*w));
    w->map = map;
    w->map_len = WAL_MAP_SIZE;
    return w;
}

static void read_copy(const volatile unsigned char *src, unsigned char *dst)
{
    for (size_t i = 0; i < WAL_HDR_SIZE; i++)
        dst[i] = src[i];
}

bool wal_watch_changed(struct wal_watch *w)
{
    unsigned char first[WAL_HDR_SIZE], second[WAL_HDR_SIZE];
    read_copy(w->map, first);
    atomic_thread_fence(memory_order_seq_cst);
    read_copy(w->map + WAL_HDR_SIZE, second);
    if (memcmp(first, second, WAL_HDR_SIZE) != 0) {
        w->seen = false; /* mid-update: changed now, and again at the next call */
        return true;
    }
    bool changed = !w->seen || memcmp(first, w->last, WAL_HDR_SIZE) != 0;
    memcpy(w->last, first, WAL_HDR_SIZE);
    w->seen = true;
    return changed;
}

void wal_watch_close(struct wal_watch *w)
{
    if (w == NULL)
        return;
    munmap((void *)(uintptr_t)w->map, w->map_len);
    free(w);
}
