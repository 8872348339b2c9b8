# lib.sh - helpers for the CLI tests: a scratch dir, expectations with messages.
set -u
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export TEEMED_DATA="$T/data"
SHARED=$(cd "$(dirname "$0")/../../.." && pwd)/shared
fail() { echo "FAIL: $*" >&2; exit 1; }
# expect_code CODE CMD...: run CMD, require exit code CODE; output in $T/out, $T/err
expect_code() {
    want=$1; shift
    "$@" >"$T/out" 2>"$T/err"; got=$?
    [ "$got" = "$want" ] || { cat "$T/err" >&2; fail "'$*' exited $got, want $want"; }
}
contains() { grep -qF -- "$2" "$1" || fail "'$2' not in $1: $(head -c 400 "$1")"; }
lacks() { ! grep -qF -- "$2" "$1" || fail "'$2' unexpectedly in $1"; }
# checks: the checks of the `verify --json` output in $T/out, "name" or "name!" (failed)
checks() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print(' '.join(c['check']+('' if c['ok'] else '!') for c in j['checks']))" "$T/out"; }
