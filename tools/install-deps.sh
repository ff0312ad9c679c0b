#!/bin/sh
# Installs every Debian package that stet's build, tests and benchmarks use, when it
# is missing. Safe to run again: it only asks apt for what is not installed.
# Usage: tools/install-deps.sh [build|test|check|bench]   (each includes build and
# test; check adds the formatter, bench the benchmark tools)
set -eu
what=${1:-build}

pkgs="gcc meson ninja-build pkg-config libmicrohttpd-dev libsqlite3-dev libpq-dev
libsodium-dev libcmark-gfm-dev libcmark-gfm-extensions-dev libjansson-dev
libcurl4-openssl-dev libinih-dev zlib1g-dev libxml2-dev ca-certificates"
case $what in
test | check | bench)
    pkgs="$pkgs libcmocka-dev python3 postgresql chromium nodejs npm sqlite3 curl nginx-light haproxy openssl tzdata" ;;
esac
case $what in
check) pkgs="$pkgs clang-format-14" ;;
bench) pkgs="$pkgs nginx-light wrk util-linux" ;;
esac

missing=""
for p in $pkgs; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done
# Node and npm may come from outside Debian (the machine's own Node.js); accept those.
case $missing in
*nodejs* | *npm*)
    if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
        missing=$(echo "$missing" | sed -e 's/ nodejs//' -e 's/ npm//')
    fi ;;
esac
[ -z "$missing" ] && exit 0

echo "stet: installing Debian packages:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q >/dev/null
# shellcheck disable=SC2086
$sudo apt-get install -y -q --no-install-recommends $missing >/dev/null
