#!/bin/sh
# Fails when a banned C function is called (CONVENTIONS.md, "Errors").
set -u
cd "$(dirname "$0")/.." || exit 2
hits=$(grep -rnwE '(sprintf|strcpy|strcat|strncpy|strtok|atoi|strtol|gmtime|localtime)[[:space:]]*\(' src tests --include='*.c' --include='*.h')
if [ -n "$hits" ]; then
    echo "banned functions used:"
    echo "$hits"
    exit 1
fi
exit 0
