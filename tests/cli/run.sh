#!/bin/sh
# Run every tests/cli/t*.sh against the binary given as $1; print "N passed, N failed".
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
pass=0 fail=0
for t in "$here"/t*.sh; do
    [ -f "$t" ] || continue
    log=$(mktemp)
    if TEEMED="$bin" timeout 600 sh "$t" >"$log" 2>&1; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL $(basename "$t")"
        sed 's/^/  /' "$log" | tail -n 30
    fi
    rm -f "$log"
done
echo "cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
