#!/bin/sh
# `make run-postgres`: the demo site on a throwaway PostgreSQL cluster that lives
# only as long as this script. Ctrl-C stops stet, then the cluster.
# Usage: tools/run-postgres.sh STET_BIN LISTEN
set -eu
bin=$1
listen=$2
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/stet-pg.XXXXXX")
rmdir "$dir"
url=$("$root/tools/pg-cluster.sh" start "$dir")
stop() { "$root/tools/pg-cluster.sh" stop "$dir" >/dev/null 2>&1 || true; }
trap stop EXIT INT TERM
echo "stet: PostgreSQL cluster in $dir ($url)" >&2
STET_WEATHER_URL=${STET_WEATHER_URL:-file://$root/demo/weather.json} \
    "$bin" serve --demo --listen "$listen" --db "$url" || true
