#!/bin/sh
# Fails when an #include crosses a layer the wrong way or a library header appears
# outside the one module allowed to use it (CONVENTIONS.md, "Layout").
set -u
cd "$(dirname "$0")/.."
status=0

# forbid DIR PATTERN WHY: no file under DIR may include a header matching PATTERN.
forbid() {
    hits=$(grep -rnE "^#include [<\"]($2)" "$1" 2>/dev/null)
    if [ -n "$hits" ]; then
        echo "layer violation ($3):"
        echo "$hits"
        status=1
    fi
}
# only FILES PATTERN: the library header may be included only by these paths.
only() {
    hits=$(grep -rlE "^#include <$2" src | grep -vE "$1")
    if [ -n "$hits" ]; then
        echo "<$2> used outside $1:"
        echo "$hits"
        status=1
    fi
}

forbid src/base 'http/|web/|api/|domain/|store/|render/|cli/|services/|app\.h|config\.h' "base has no project dependencies"
forbid src/domain 'http/|web/|api/|render/|cli/|services/|app\.h' "domain never sees HTTP or rendering"
forbid src/store 'http/|web/|api/|render/|cli/|services/|domain/(users|comments|stories|sessions|password)' "store sits below domain logic"
forbid src/render 'http/|web/|api/|domain/|store/|cli/' "render is generic"
forbid src/http 'web/|api/|domain/|store/|render/|cli/' "http is transport only"

only 'src/http/' 'microhttpd\.h'
only 'src/store/sqlite/' 'sqlite3\.h'
only 'src/store/pg/' 'libpq-fe\.h'
only 'src/render/markdown\.c' 'cmark'
only 'src/domain/password\.c' 'sodium\.h'
only 'src/services/' 'curl/'
exit $status
