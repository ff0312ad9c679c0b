#!/bin/sh
# Runs every suite for each build directory given: meson's unit and store tests (with
# a throwaway PostgreSQL cluster for the postgres store tests), the end-to-end suite on
# SQLite and again on PostgreSQL, the browser test and the nginx deploy test, all
# against DIR/stet. Keeps going after a failure so the totals are complete; the last
# line is
# `N passed, N failed, N skipped` (meson's exit-77 tests and skipped e2e cases).
# Usage: tools/run-tests.sh BUILD_DIR [BUILD_DIR...]
set -u
if [ $# -eq 0 ]; then
    echo "usage: tools/run-tests.sh BUILD_DIR [BUILD_DIR...]" >&2
    exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
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

# last_count LOG PREFIX -> "PASS FAIL SKIP" from a line
# `PREFIX: N passed, N failed[, N skipped]`
last_count() {
    sed -n "s/^$2: \([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed\$/\1 \2 0/p;
s/^$2: \([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed, \([0-9][0-9]*\) skipped\$/\1 \2 \3/p" "$1" |
        tail -1
}

# run_e2e LABEL [VAR=VALUE...]: the e2e suite with extra environment settings
run_e2e() {
    label=$1
    shift
    echo "==== $label ===="
    log=$tmp/e2e.log
    env "$@" STET_BIN="$abs/stet" python3 -B "$root/tests/e2e/run.py" 2>&1 | tee "$log"
    counts=$(last_count "$log" e2e)
    if [ -n "$counts" ]; then
        # shellcheck disable=SC2086
        add "$label" $counts
    else
        add "$label" 0 1
    fi
}

n=0
for dir in "$@"; do
    n=$((n + 1))
    dir=${dir%/}
    case $dir in
    /*) abs=$dir ;;
    *) abs=$root/$dir ;;
    esac
    case $(basename "$dir") in
    *asan*)
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
        export ASAN_OPTIONS UBSAN_OPTIONS ;;
    *)
        unset ASAN_OPTIONS UBSAN_OPTIONS ;;
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
        (cd "$root" && STET_TEST_PG_DSN=$dsn STET_TEST_PG_DIR=$pg \
            meson test -C "$abs" --print-errorlogs) >"$log" 2>&1
    else
        [ "$pg_ok" -eq 1 ] && add "$dir postgres createdb" 0 1
        (cd "$root" && meson test -C "$abs" --print-errorlogs) >"$log" 2>&1
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

    run_e2e "$dir e2e sqlite" STET_E2E_BACKEND=sqlite
    if [ "$pg_ok" -eq 1 ]; then
        run_e2e "$dir e2e postgres" STET_E2E_BACKEND=postgres STET_E2E_PG_DIR="$pg"
    else
        add "$dir e2e postgres (no cluster)" 0 1
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

    echo "==== $dir: deploy (two nodes behind nginx, postgres) ===="
    log=$tmp/deploy.log
    STET_BIN=$abs/stet STET_DEPLOY_BACKEND=postgresql sh "$root/tests/deploy/run.sh" 2>&1 | tee "$log"
    counts=$(last_count "$log" deploy)
    if [ -n "$counts" ]; then
        # shellcheck disable=SC2086
        add "$dir deploy" $counts
    else
        add "$dir deploy" 0 1
    fi

    if [ "$pg_ok" -eq 1 ]; then
        sh "$root/tools/pg-cluster.sh" stop "$pg" >/dev/null 2>&1
        clusters=$(echo "$clusters" | sed "s| $pg\$||; s| $pg | |")
    fi
done

echo "==== summary ===="
echo "${summary#
}"
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ]
