#!/bin/sh
# Fails when an #include crosses a layer the wrong way or a library header appears
# outside the one module allowed to use it (CONVENTIONS.md, "Layout"). Every allowed
# arrow is listed below; an include that no arrow allows fails, and so does a file in
# a module this script does not know.
# Usage: tools/check-layers.sh [SRC_DIR]   (default: the repository's src/)
set -u
if [ $# -gt 0 ]; then
    src=$(cd "$1" 2>/dev/null && pwd) || {
        echo "check-layers: no directory $1" >&2
        exit 2
    }
else
    src=$(cd "$(dirname "$0")/../src" && pwd) || exit 2
fi
status=0

# The layers, lowest first. A module may include its own headers, base/ (everything
# may), and the modules (or single headers) after its colon; nothing else, and no
# exception. This is CONVENTIONS.md's `cli -> api -> web -> domain -> store`,
# `web/api -> render, http`, "domain never includes http/ or render/", and the
# libraries of src/*/meson.build, each of which links only the ones below it:
# - store and render see domain/types.h alone (types_lib, below both): the store
#   fills those types, render/json.c shows a comment as JSON for api/ and web/live.c;
# - services and config are leaves on base, except that config checks the comment
#   policies with domain/policy_settings.h, which is built into types_lib as well
#   (one check of a policy value for the file and for an admin's page);
# - import (other systems' exports, legacy HTML) sees domain/types.h alone: it never
#   touches the store or the web; cli/ drives it;
# - struct app (app.c, app.h) holds config, store, domain context, templates and
#   the weather refresher, plus opaque pointers that web_init fills; it includes
#   nothing of web/, api/ or cli/;
# - web/ may include app.h; api/ may include app.h and, of web/, only the handler
#   kit web/kit.h (request input, respond helpers);
# - cli/ sees everything: cli/routes.c names web/'s and api/'s handlers;
# - main.c only calls into cli/.
arrows='
base:
http:
render: domain/types.h
services:
config: domain/policy_settings.h
store: domain/types.h
domain: store
import: domain/types.h
app: config services render store domain
web: http render domain store services config app
api: http render domain store services config app web/kit.h
cli: http render domain store services config app web api import
main: cli
'

# One line per quoted include: FILE<TAB>HEADER, FILE relative to $src. Spaces inside
# the directive (`#  include`) count too; <...> includes are checked by `only` below.
includes=$(find "$src" -type f \( -name '*.c' -o -name '*.h' \) | LC_ALL=C sort |
    while IFS= read -r f; do
        sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" |
            while IFS= read -r h; do printf '%s\t%s\n' "${f#"$src"/}" "$h"; done
    done)

report=$(printf '%s\n' "$includes" | SRC=$src ARROWS=$arrows awk -F'\t' '
    # The module a path (relative to src/) belongs to, or "" for none.
    function module(p) {
        if (p ~ /^(base|http|render|services|store|domain|import|web|api|cli)\//)
            return substr(p, 1, index(p, "/") - 1)
        if (p == "app.c" || p == "app.h") return "app"
        if (p == "config.c" || p == "config.h") return "config"
        if (p == "main.c") return "main"
        return ""
    }
    function exists(p,   line, r) {
        r = (getline line < (ENVIRON["SRC"] "/" p))
        close(ENVIRON["SRC"] "/" p)
        return r >= 0
    }
    # Reads "KEY: V1 V2 ..." lines into set[KEY SUBSEP V].
    function load(text, set, keys,   lines, n, i, j, parts, vals, m) {
        n = split(text, lines, "\n")
        for (i = 1; i <= n; i++) {
            if (lines[i] !~ /:/) continue
            split(lines[i], parts, ":")
            keys[parts[1]] = 1
            m = split(parts[2], vals, " ")
            for (j = 1; j <= m; j++) set[parts[1], vals[j]] = 1
        }
    }
    BEGIN { load(ENVIRON["ARROWS"], arrow, layer) }
    {
        file = $1; hdr = $2; from = module(file); to = module(hdr)
        if (from == "" || !(from in layer)) {
            printf "%s: file in no known layer (add its module to tools/check-layers.sh)\n", file
            next
        }
        if (to == "" || hdr ~ /(^|\/)\.\.?\// || !exists(hdr)) {
            printf "%s: #include \"%s\" is not a path under src/ (write the module path, e.g. \"store/store.h\")\n", file, hdr
            next
        }
        if (to == from || to == "base" || (from, to) in arrow || (from, hdr) in arrow)
            next
        printf "%s: %s -> %s (#include \"%s\") is not an allowed arrow\n", file, from, to, hdr
    }')
if [ -n "$report" ]; then
    echo "layer violations (tools/check-layers.sh lists the allowed arrows):"
    echo "$report"
    status=1
fi

# only FILES PATTERN: the library header may be included only by these paths.
only() {
    hits=$(grep -rlE "^[[:space:]]*#[[:space:]]*include[[:space:]]*<$2" "$src" | grep -vE "^$src/($1)")
    if [ -n "$hits" ]; then
        echo "<$2> used outside $1:"
        echo "$hits" | sed "s|^$src/|  |"
        status=1
    fi
}

only 'http/' 'microhttpd\.h'
only 'store/sqlite/' 'sqlite3\.h'
only 'store/pg/' 'libpq-fe\.h'
only 'render/markdown\.c' 'cmark'
only 'domain/password\.c' 'sodium\.h'
only 'services/' 'curl/'
# The next two follow the meson.build files: inih links only into config_lib, zlib
# is web's gzip framing.
only 'config\.c' 'ini\.h'
only 'web/' 'zlib\.h'
only 'import/' 'libxml/'
exit $status
