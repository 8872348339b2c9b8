#!/bin/sh
# check-layers.sh - fail when a file includes a header of a layer it may not use.
#
# lib/ is layered (docs/architecture.md); each folder may include its own headers and
# those of the folders listed for it below, never a higher one. Front ends (cli/,
# server/) include only the public headers in include/tm/, which expose no cJSON and
# no key material. Run by `make check`.
set -u
cd "$(dirname "$0")/.."
may() {
    case "$1" in
    base)     echo "base" ;;
    pipeline) echo "base pipeline" ;;
    compute)  echo "base pipeline compute" ;;
    attest)   echo "base attest" ;;
    tee)      echo "base attest tee" ;;
    store)    echo "base store" ;;
    core)     echo "base pipeline compute attest tee store core" ;;
    svc)      echo "base pipeline compute attest tee store core svc" ;;
    *)        echo "" ;;
    esac
}
bad=0
for f in lib/*/*.c lib/*/*.h; do
    layer=$(basename "$(dirname "$f")")
    allowed=" $(may "$layer") "
    if [ "$allowed" = "  " ]; then
        echo "check-layers: $f: folder '$layer' has no entry in scripts/check-layers.sh"
        bad=1
        continue
    fi
    for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
        dir=${inc%%/*}
        [ "$dir" = "$inc" ] && { echo "check-layers: $f includes \"$inc\": name headers by folder"; bad=1; continue; }
        [ "$dir" = tm ] && [ "$inc" = tm/err.h ] && continue
        [ "$dir" = tm ] && [ "$layer" = svc ] && continue
        case "$allowed" in
        *" $dir "*) ;;
        *) echo "check-layers: $f ($layer) includes \"$inc\" ($dir): not allowed for $layer"; bad=1 ;;
        esac
    done
done
for f in cli/*.c cli/*.h $(ls server/*.c server/*.h 2>/dev/null); do
    for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
        case "$inc" in
        server/server.h) [ "${f%%/*}" = cli ] || [ "${f%%/*}" = server ] ||
                             { echo "check-layers: $f includes \"$inc\""; bad=1; } ;; # the CLI runs the server
        tm/*|*/*) [ "${inc%%/*}" = tm ] || { echo "check-layers: $f includes \"$inc\": front ends use include/tm/ only"; bad=1; } ;;
        *) ;; # the front end's own header
        esac
    done
done
for f in include/tm/*.h; do
    if grep -n 'cJSON\|seal_key\|sign_seed\|#include "[^t]' "$f"; then
        echo "check-layers: $f: public headers expose no cJSON, keys or library internals"
        bad=1
    fi
done
[ "$bad" = 0 ] && echo "layers: ok"
exit "$bad"
