/* libmicrohttpd responses are reference-counted and may be queued on any number of
 * connections from any thread, which is what lets one object serve every reader of
 * a cached page. The body goes into a file, because libmicrohttpd sends a
 * file-backed body with sendfile: the kernel then hands the file's page-cache pages
 * to the socket instead of copying the whole page from the process per request,
 * which is how nginx serves the same bytes. */
#include "http/prepared.h"

#include "base/log.h"
#include "base/xalloc.h"
#include "http/prepared_mhd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* An unnamed file (O_TMPFILE: nothing is left behind, whatever happens to the
 * process) on a disk filesystem rather than a memfd: the kernel splices a regular
 * file's page cache to a socket in large pieces and a memfd's page by page
 * (measured: the per-page lookups alone took 8 % of the CPU of a cached-page
 * benchmark). Where the directory is not writable or cannot hold such files (a
 * sandbox, NFS), a memfd. */
#define PAGE_FILE_DIR "/var/tmp"

static atomic_bool dir_refused;

static int open_body_file(void)
{
    if (!atomic_load(&dir_refused)) {
        int fd = open(PAGE_FILE_DIR, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (fd >= 0)
            return fd;
        if (!atomic_exchange(&dir_refused, true))
            log_info(NULL, "cached pages: no unnamed file in %s (%s); using memory files",
                     PAGE_FILE_DIR, strerror(errno));
    }
    return memfd_create("stet-page", MFD_CLOEXEC);
}

/* A file holding `body`, or -1 (logged) when the system will not make one; the
 * buffer is used then. */
static int body_file(const char *body, size_t len)
{
    int fd = open_body_file();
    if (fd < 0) {
        log_warn(NULL, "cached page file: %s; sent from memory instead", strerror(errno));
        return -1;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, body + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            log_warn(NULL, "writing a cached page to its file: %s",
                     n < 0 ? strerror(errno) : "short write");
            close(fd);
            return -1;
        }
        done += (size_t)n;
    }
    return fd;
}

struct http_prepared *http_prepared_new(int status, const char *content_type, const char *body,
                                        size_t len, const struct kv *headers, size_t n_headers)
{
    struct MHD_Response *mr = NULL;
    int fd = body_file(body, len);
    if (fd >= 0) {
        mr = MHD_create_response_from_fd64(len, fd); /* owns fd from here */
        if (mr == NULL)
            close(fd);
    }
    /* PERSISTENT: the owner keeps the body alive (see the header). */
    if (mr == NULL)
        mr = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, MHD_RESPMEM_PERSISTENT);
    if (mr == NULL) {
        log_error(NULL, "cannot build a prepared response");
        return NULL;
    }
    for (size_t i = 0; i < n_headers; i++)
        if (MHD_add_response_header(mr, headers[i].name.ptr, headers[i].value.ptr) == MHD_NO)
            log_warn(NULL, "prepared response header %s refused", headers[i].name.ptr);
    if (content_type != NULL)
        MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    struct http_prepared *p = xmalloc(sizeof(*p));
    p->mr = mr;
    p->status = status;
    p->len = len;
    return p;
}

void http_prepared_free(struct http_prepared *p)
{
    if (p == NULL)
        return;
    MHD_destroy_response(p->mr);
    free(p);
}

void resp_prepared(struct req *req, struct http_prepared *p)
{
    req->resp.prepared = p;
    req->resp.status = p->status;
}
