#!/bin/sh
# Self-test of tools/check-layers.sh: on a temporary copy of src/ the untouched tree
# passes, one allowed new include still passes, and each single forbidden include
# (one per rule) makes the check fail and name the file. Without this a check that
# had stopped matching anything would pass forever.
# Last line: `check-layers: N passed, N failed`.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
check=$root/tools/check-layers.sh
tmp=$(mktemp -d "${TMPDIR:-/tmp}/stet-layers.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
passed=0
failed=0

# fresh: a new copy of src/ at $tmp/src.
fresh() {
    rm -rf "$tmp/src"
    cp -R "$root/src" "$tmp/src"
}

# expect WANT_RC NAME [PATTERN]: runs the check on the copy and counts one case: it
# must exit WANT_RC and, with PATTERN, print a line matching it.
expect() {
    sh "$check" "$tmp/src" >"$tmp/out" 2>&1
    rc=$?
    if [ "$rc" -eq "$1" ] && { [ $# -lt 3 ] || grep -q -- "$3" "$tmp/out"; }; then
        passed=$((passed + 1))
        echo "ok   - $2"
        return
    fi
    failed=$((failed + 1))
    echo "FAIL - $2 (exit $rc, wanted $1${3:+ and a line matching $3})"
    sed 's/^/    /' "$tmp/out"
}

# forbidden FILE LINE WHY: adding LINE to src/FILE must fail the check and name FILE.
forbidden() {
    fresh
    printf '\n%s\n' "$2" >>"$tmp/src/$1"
    expect 1 "$3: $1 gets $2" "^ *$1"
}

fresh
expect 0 "the tree as it is passes"

fresh
printf '\n#include "web/web.h"\n' >>"$tmp/src/cli/cmd_user.c"
expect 0 "an allowed arrow (cli -> web) passes"

fresh
printf '\n#include "web/kit.h"\n' >>"$tmp/src/api/users.c"
expect 0 "an allowed single header (api -> web/kit.h) passes"

forbidden domain/users.c '#include "web/web.h"' "domain never sees web"
forbidden domain/stories.c '#include "render/template.h"' "domain never includes render"
forbidden domain/users.c '#  include "http/req.h"' "a spaced directive counts"
forbidden store/store.c '#include "domain/users.h"' "store sees only domain/types.h"
forbidden base/buf.c '#include "app.h"' "base has no project dependencies"
forbidden http/req.c '#include "domain/types.h"' "http is transport only"
forbidden render/template.c '#include "store/store.h"' "render is generic"
forbidden services/weather.c '#include "config.h"' "services is a leaf"
forbidden main.c '#include "app.h"' "main.c only calls cli"
forbidden api/users.c '#include "web/views.h"' "api sees web/kit.h only"
forbidden api/comments.c '#include "web/web.h"' "api never sees web's request state"
forbidden web/live.c '#include "api/api.h"' "web never includes api"
forbidden app.c '#include "web/live.h"' "app.c never includes web"
forbidden app.h '#include "web/web.h"' "app.h never includes web"
forbidden render/json.c '#include "domain/users.h"' "render sees domain/types.h only"
forbidden web/views.c '#include "cli/cli.h"' "nothing below cli includes it"
forbidden web/views.c '#include "../domain/types.h"' "a relative path is refused"
forbidden domain/users.c '#include <sqlite3.h>' "<sqlite3.h> only in store/sqlite/"
forbidden web/views.c '#include <microhttpd.h>' "<microhttpd.h> only in http/"

fresh
mkdir "$tmp/src/newlayer"
printf '#include "base/buf.h"\n' >"$tmp/src/newlayer/x.c"
expect 1 "a file in an unknown module fails" "newlayer/x.c"

echo "check-layers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
