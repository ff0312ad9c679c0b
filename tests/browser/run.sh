#!/bin/sh
# Runs the browser tests (node:test + playwright-core + Debian chromium, axe-core
# for accessibility), every test_*.mjs here, against STET_BIN (default build/stet)
# and ends with `browser: N passed, N failed`. STET_SCREENSHOTS=1 also rewrites the
# README's screenshots in docs/screenshots/.
set -u
here=$(cd "$(dirname "$0")" && pwd)
cd "$here" || exit 1

if [ ! -d node_modules/playwright-core ] || [ ! -f node_modules/axe-core/axe.min.js ]; then
    if ! npm ci --silent --no-audit --no-fund >npm-ci.log 2>&1; then
        cat npm-ci.log >&2
        rm -f npm-ci.log
        echo "browser: 0 passed, 1 failed"
        exit 1
    fi
    rm -f npm-ci.log
fi

log=$(mktemp "${TMPDIR:-/tmp}/stet-browser.XXXXXX")
# The TAP reporter gives the summary lines "# pass N" / "# fail N", over all files.
# One file at a time: each starts its own stet and chromium, and two at once only
# slow each other down on a small machine.
node --test --test-reporter=tap --test-concurrency=1 test_*.mjs >"$log" 2>&1
rc=$?
cat "$log"
pass=$(sed -n 's/^# pass \([0-9][0-9]*\)$/\1/p' "$log" | tail -1)
fail=$(sed -n 's/^# fail \([0-9][0-9]*\)$/\1/p' "$log" | tail -1)
rm -f "$log"
pass=${pass:-0}
fail=${fail:-0}
# A crash before the summary, or a failing hook, still counts as a failure.
if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
    fail=1
fi
echo "browser: $pass passed, $fail failed"
[ "$rc" -eq 0 ] && [ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
