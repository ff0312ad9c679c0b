/* A death test for cmocka, which has none: runs a function in a child process and
 * reports whether it died of SIGABRT, as a failed assert() does. Call it while the
 * test process has no other thread running (the child inherits only the caller). */
#ifndef STET_TEST_DEATH_H
#define STET_TEST_DEATH_H

#include <signal.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* True when fn(arg) aborted; false when it returned (or died otherwise). The
 * child's assertion message goes to the test's stderr. */
static inline bool death_aborts(void (*fn)(void *), void *arg)
{
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        struct rlimit none = {0, 0};
        setrlimit(RLIMIT_CORE, &none); /* no core file for an expected abort */
        fn(arg);
        _exit(0);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid)
        return false;
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

#endif
