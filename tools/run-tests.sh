#!/bin/sh
# Runs every suite for each build directory given: meson's unit and store tests, the
# end-to-end suite and the browser test against DIR/stet. Keeps going after a failure
# so the totals are complete; the last line is `N passed, N failed`.
# Usage: tools/run-tests.sh BUILD_DIR [BUILD_DIR...]
set -u
if [ $# -eq 0 ]; then
    echo "usage: tools/run-tests.sh BUILD_DIR [BUILD_DIR...]" >&2
    exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
total_pass=0
total_fail=0
summary=""
tmp=$(mktemp -d "${TMPDIR:-/tmp}/stet-run-tests.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# add SUITE_LABEL PASS FAIL
add() {
    total_pass=$((total_pass + $2))
    total_fail=$((total_fail + $3))
    summary="$summary
  $1: $2 passed, $3 failed"
}

# last_count LOG PREFIX -> "PASS FAIL" from a line `PREFIX: N passed, N failed`
last_count() {
    sed -n "s/^$2: \([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed\$/\1 \2/p" "$1" | tail -1
}

for dir in "$@"; do
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

    echo "==== $dir: meson test ===="
    log=$tmp/meson.log
    (cd "$root" && meson test -C "$abs" --print-errorlogs) >"$log" 2>&1
    rc=$?
    cat "$log"
    ok=$(sed -n 's/^Ok:[[:space:]]*\([0-9][0-9]*\).*/\1/p' "$log" | tail -1)
    bad=0
    for key in "Fail" "Timeout" "Unexpected Pass"; do
        n=$(sed -n "s/^$key:[[:space:]]*\([0-9][0-9]*\).*/\1/p" "$log" | tail -1)
        bad=$((bad + ${n:-0}))
    done
    ok=${ok:-0}
    # No summary at all (the build failed, meson broke): that is a failure too.
    if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
        bad=1
    fi
    add "$dir meson" "$ok" "$bad"

    echo "==== $dir: e2e ===="
    log=$tmp/e2e.log
    STET_BIN=$abs/stet python3 -B "$root/tests/e2e/run.py" 2>&1 | tee "$log"
    counts=$(last_count "$log" e2e)
    if [ -n "$counts" ]; then
        # shellcheck disable=SC2086
        add "$dir e2e" $counts
    else
        add "$dir e2e" 0 1
    fi

    echo "==== $dir: browser ===="
    log=$tmp/browser.log
    STET_BIN=$abs/stet sh "$root/tests/browser/run.sh" 2>&1 | tee "$log"
    counts=$(last_count "$log" browser)
    if [ -n "$counts" ]; then
        # shellcheck disable=SC2086
        add "$dir browser" $counts
    else
        add "$dir browser" 0 1
    fi
done

echo "==== summary ===="
echo "${summary#
}"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
