#!/bin/sh
# Runs every suite for each build directory given: meson's unit and store tests (with
# a throwaway PostgreSQL cluster for the postgres store tests), the end-to-end suite on
# SQLite and again on PostgreSQL, the browser test and the deploy test (nginx, HAProxy), all
# against DIR/stet. A ThreadSanitizer build (a name containing "tsan") runs the unit
# and store tests and a short e2e smoke run on both backends instead. First, once,
# the self-tests of the tools under tests/tools/. Keeps going after a failure so the
# totals are complete; the last line is
# `N passed, N failed, N skipped` (meson's exit-77 tests and skipped e2e cases).
# Usage: tools/run-tests.sh BUILD_DIR [BUILD_DIR...]
set -u
if [ $# -eq 0 ]; then
    echo "usage: tools/run-tests.sh BUILD_DIR [BUILD_DIR...]" >&2
    exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
# stet reads /etc/stet/stet.ini when no config is named; an installed one must not
# change what any suite sees. STET_CONFIG set but empty reads no file.
export STET_CONFIG=
total_pass=0
total_fail=0
total_skip=0
summary=""
tmp=$(mktemp -d "${TMPDIR:-/tmp}/stet-run-tests.XXXXXX")
# PostgreSQL runs as the postgres user when we are root: it must reach its dir.
chmod 755 "$tmp"
clusters=""

cleanup() {
    for c in $clusters; do
        sh "$root/tools/pg-cluster.sh" stop "$c" >/dev/null 2>&1
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# add SUITE_LABEL PASS FAIL [SKIP]
add() {
    total_pass=$((total_pass + $2))
    total_fail=$((total_fail + $3))
    total_skip=$((total_skip + ${4:-0}))
    summary="$summary
  $1: $2 passed, $3 failed, ${4:-0} skipped"
}

# stop_cluster: stops this build dir's cluster ($pg), if it started.
stop_cluster() {
    if [ "$pg_ok" -eq 1 ]; then
        sh "$root/tools/pg-cluster.sh" stop "$pg" >/dev/null 2>&1
        clusters=$(echo "$clusters" | sed "s| $pg\$||; s| $pg | |")
    fi
}

# last_count LOG PREFIX -> "PASS FAIL SKIP" from a line
# `PREFIX: N passed, N failed[, N skipped]`
last_count() {
    sed -n "s/^$2: \([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed\$/\1 \2 0/p;
s/^$2: \([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed, \([0-9][0-9]*\) skipped\$/\1 \2 \3/p" "$1" |
        tail -1
}

# The TSan e2e smoke run: the classes whose requests meet on state shared between
# threads (the live hub and its streams, concurrent posts, the page cache, two nodes
# on one database, the weather refresher, the metrics counters, requests moving
# from I/O threads to the worker lanes, the connection guard's sweeper). The whole
# suite under TSan costs about 1 min on SQLite and 2.5 min on PostgreSQL on 2 cores.
tsan_e2e="test_live.LiveComments test_walkthrough.WalkThrough test_nodes.TwoNodes
test_cache.AnonymousPageCache test_cache.CacheAcrossNodes test_cache.WeatherChangesThePage
test_api.Api test_metrics.MetricsTest test_floods.ReadersWhileWritesWait
test_floods.GivenUpRequestsAreNotRun test_floods.TrustedProxy"

# run_e2e LABEL TESTS [VAR=VALUE...]: the e2e suite (TESTS empty) or the named
# modules/classes, with extra environment settings
run_e2e() {
    label=$1
    tests=$2
    shift 2
    echo "==== $label ===="
    log=$tmp/e2e.log
    # shellcheck disable=SC2086 # TESTS is a list of words
    env "$@" STET_BIN="$abs/stet" python3 -B "$root/tests/e2e/run.py" $tests 2>&1 | tee "$log"
    counts=$(last_count "$log" e2e)
    if [ -n "$counts" ]; then
        # shellcheck disable=SC2086
        add "$label" $counts
    else
        add "$label" 0 1
    fi
}

# run_self_test LABEL PREFIX SCRIPT: a tests/tools/ script whose last line is
# `PREFIX: N passed, N failed`
run_self_test() {
    echo "==== $1 ===="
    log=$tmp/self.log
    sh "$3" 2>&1 | tee "$log"
    counts=$(last_count "$log" "$2")
    if [ -n "$counts" ]; then
        # shellcheck disable=SC2086
        add "$1" $counts
    else
        add "$1" 0 1
    fi
}

run_self_test "tools/check-layers.sh self-test" check-layers "$root/tests/tools/test_check_layers.sh"

n=0
for dir in "$@"; do
    n=$((n + 1))
    dir=${dir%/}
    case $dir in
    /*) abs=$dir ;;
    *) abs=$root/$dir ;;
    esac
    unset ASAN_OPTIONS UBSAN_OPTIONS TSAN_OPTIONS
    meson_args=""
    case $(basename "$dir") in
    *tsan*)
        kind=tsan
        # The first report ends the process (exit 66), so a race fails its test
        # even where nothing reads stderr. Fuzz replays are single-threaded and
        # run in the other builds; TSan's slowdown gets a longer meson timeout.
        TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
        export TSAN_OPTIONS
        meson_args="--no-suite fuzz --timeout-multiplier 3" ;;
    *asan*)
        kind=asan
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
        export ASAN_OPTIONS UBSAN_OPTIONS ;;
    *)
        kind=plain ;;
    esac

    # One throwaway cluster per build dir; every suite gets its own database in it.
    pg=$tmp/pg$n
    pg_ok=0
    echo "==== $dir: start PostgreSQL ($pg) ===="
    if sh "$root/tools/pg-cluster.sh" start "$pg" >"$tmp/pg.log" 2>&1; then
        clusters="$clusters $pg"
        pg_ok=1
    else
        cat "$tmp/pg.log"
        add "$dir postgres cluster start" 0 1
    fi

    echo "==== $dir: meson test ===="
    log=$tmp/meson.log
    if [ "$pg_ok" -eq 1 ] && dsn=$(sh "$root/tools/pg-cluster.sh" createdb "$pg" meson_test); then
        # shellcheck disable=SC2086 # meson_args is a list of words
        (cd "$root" && STET_TEST_PG_DSN=$dsn STET_TEST_PG_DIR=$pg \
            meson test -C "$abs" --print-errorlogs $meson_args) >"$log" 2>&1
    else
        [ "$pg_ok" -eq 1 ] && add "$dir postgres createdb" 0 1
        # shellcheck disable=SC2086
        (cd "$root" && meson test -C "$abs" --print-errorlogs $meson_args) >"$log" 2>&1
    fi
    rc=$?
    cat "$log"
    ok=$(sed -n 's/^Ok:[[:space:]]*\([0-9][0-9]*\).*/\1/p' "$log" | tail -1)
    skip=$(sed -n 's/^Skipped:[[:space:]]*\([0-9][0-9]*\).*/\1/p' "$log" | tail -1)
    bad=0
    for key in "Fail" "Timeout" "Unexpected Pass"; do
        k=$(sed -n "s/^$key:[[:space:]]*\([0-9][0-9]*\).*/\1/p" "$log" | tail -1)
        bad=$((bad + ${k:-0}))
    done
    ok=${ok:-0}
    # No summary at all (the build failed, meson broke): that is a failure too.
    if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
        bad=1
    fi
    add "$dir meson" "$ok" "$bad" "${skip:-0}"

    if [ "$kind" = tsan ]; then
        e2e_tests=$tsan_e2e
        e2e_label="e2e smoke"
    else
        e2e_tests=""
        e2e_label="e2e"
    fi
    run_e2e "$dir $e2e_label sqlite" "$e2e_tests" STET_E2E_BACKEND=sqlite
    if [ "$pg_ok" -eq 1 ]; then
        run_e2e "$dir $e2e_label postgres" "$e2e_tests" STET_E2E_BACKEND=postgres \
            STET_E2E_PG_DIR="$pg"
    else
        add "$dir e2e postgres (no cluster)" 0 1
    fi
    if [ "$kind" = tsan ]; then
        stop_cluster
        continue
    fi

    echo "==== $dir: browser (sqlite) ===="
    log=$tmp/browser.log
    STET_BIN=$abs/stet sh "$root/tests/browser/run.sh" 2>&1 | tee "$log"
    counts=$(last_count "$log" browser)
    if [ -n "$counts" ]; then
        # shellcheck disable=SC2086
        add "$dir browser sqlite" $counts
    else
        add "$dir browser sqlite" 0 1
    fi

    echo "==== $dir: deploy (two nodes behind nginx and HAProxy, postgres) ===="
    log=$tmp/deploy.log
    STET_BIN=$abs/stet STET_DEPLOY_BACKEND=postgresql sh "$root/tests/deploy/run.sh" 2>&1 | tee "$log"
    counts=$(last_count "$log" deploy)
    if [ -n "$counts" ]; then
        # shellcheck disable=SC2086
        add "$dir deploy" $counts
    else
        add "$dir deploy" 0 1
    fi

    stop_cluster
done

echo "==== summary ===="
echo "${summary#
}"
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ]
