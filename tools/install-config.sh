#!/bin/sh
# meson install script: puts the example configuration at its default path unless a
# file is already there, so that `make install` never overwrites an operator's
# settings. meson passes DESTDIR (staged installs, packages) in the environment.
# Usage: install-config.sh EXAMPLE TARGET   (TARGET absolute, e.g. /etc/stet/stet.ini)
set -eu
example=$1
target=${DESTDIR:-}$2
if [ -e "$target" ]; then
    echo "stet: keeping the existing $target (the example is in share/doc/stet)"
    exit 0
fi
mkdir -p "$(dirname "$target")"
# 0644: it holds no secrets (those go to stet.env, mode 0600; see docs/deploy.md).
install -m 0644 "$example" "$target"
echo "stet: installed an example configuration as $target"
