#!/bin/sh
# Run every tests/cli/t*.sh against the binary given as $1; print "N passed, N failed,
# N skipped". A test that exits 77 is skipped and says why; a skip never hides a failure
# (any other non-zero exit fails).
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
pass=0 fail=0 skipped=0
for t in "$here"/t*.sh; do
    [ -f "$t" ] || continue
    case " ${ONLY:-} " in "  ") ;; *" $(basename "$t" .sh) "*) ;; *) continue ;; esac
    log=$(mktemp) why=$(mktemp)
    TEEMED="$bin" SKIP_FILE="$why" timeout 900 sh "$t" >"$log" 2>&1
    rc=$?
    if [ "$rc" = 0 ]; then
        pass=$((pass + 1))
    elif [ "$rc" = 77 ] && [ -s "$why" ]; then
        skipped=$((skipped + 1))
        echo "skipped: $(basename "$t" .sh): $(cat "$why")"
    else
        fail=$((fail + 1))
        echo "FAIL $(basename "$t") (exit $rc)"
        sed 's/^/  /' "$log" | tail -n 30
    fi
    rm -f "$log" "$why"
done
echo "cli: $pass passed, $fail failed, $skipped skipped"
[ "$fail" = 0 ]
