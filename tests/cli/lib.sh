# lib.sh - helpers for the CLI tests: a scratch dir, accounts, expectations with messages.
set -u
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export TEEMED_DATA="$T/data"
export XDG_CONFIG_HOME="$T/cfg"   # saved tokens (--as NAME) live here, never in ~/.config
unset TEEMED_TOKEN
REPO=$(cd "$(dirname "$0")/../.." && pwd)
SHARED=$(cd "$REPO/.." && pwd)/shared
TD="$REPO/tests/data/tdx"                    # public TDX/DCAP/dstack data (tests/data/PROVENANCE.md)
GEN="$REPO/scripts/gen-logs.py"              # synthetic Claude Code trees
DEV="${TEEMED_DEV:-$(dirname "$TEEMED")/teemed-dev}"
fail() { echo "FAIL: $*" >&2; exit 1; }
# mk DIR SESSION DAY TEXT: a Claude Code session file whose user and assistant say TEXT
mk() {
    mkdir -p "$1"
    printf '{"type":"user","sessionId":"%s","cwd":"/home/dev/p","timestamp":"2026-01-%02dT10:00:00.000Z","uuid":"u1","message":{"role":"user","content":"%s"}}\n' "$2" "$3" "$4" >> "$1/$2.jsonl"
    printf '{"type":"assistant","sessionId":"%s","cwd":"/home/dev/p","timestamp":"2026-01-%02dT10:01:00.000Z","uuid":"u2","message":{"role":"assistant","content":[{"type":"text","text":"%s"}]}}\n' "$2" "$3" "$4" >> "$1/$2.jsonl"
}

# skip WHY: this test cannot run here (run.sh prints "skipped: <test>: WHY" and counts it)
skip() { echo "$*" > "${SKIP_FILE:-/dev/null}"; exit 77; }
# the private real-transcript corpus, or skip
need_corpus() {
    CC="$SHARED/testdata/claude-code"
    [ -f "$CC/truth.json" ] || skip "needs the private real-transcript corpus in ../shared/testdata/claude-code"
}
# expect_code CODE CMD...: run CMD, require exit code CODE; output in $T/out, $T/err
expect_code() {
    want=$1; shift
    "$@" >"$T/out" 2>"$T/err"; got=$?
    [ "$got" = "$want" ] || { cat "$T/err" >&2; fail "'$*' exited $got, want $want"; }
}
contains() { grep -qF -- "$2" "$1" || fail "'$2' not in $1: $(head -c 400 "$1")"; }
lacks() { ! grep -qF -- "$2" "$1" || fail "'$2' unexpectedly in $1"; }
# init_with NAME...: a data dir and one member account per NAME (token saved: --as NAME)
init_with() {
    expect_code 0 "$TEEMED" init
    for a in "$@"; do
        "$TEEMED" account create "$a" --save >/dev/null 2>"$T/err" || { cat "$T/err" >&2; fail "account $a"; }
    done
}
# checks: the checks of the `verify --json` output in $T/out, "name" or "name!" (failed)
checks() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print(' '.join(c['check']+('' if c['ok'] else '!') for c in j['checks']))" "$T/out"; }
# jget FILE EXPR: a field of a JSON file, e.g. jget "$T/out" "['request_id']"
jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval('d'+sys.argv[2]))" "$1" "$2"; }
# start_server [OPTIONS...]: teemed serve on a free loopback port; $URL, $SPID
start_server() {
    "$TEEMED" serve --listen 127.0.0.1:0 "$@" > "$T/server.log" 2>&1 &
    SPID=$!
    i=0
    while ! grep -q 'serving .* on 127.0.0.1:[0-9]' "$T/server.log" 2>/dev/null; do
        i=$((i + 1))
        [ $i -lt 200 ] || { cat "$T/server.log" >&2; fail "the server did not start"; }
        kill -0 "$SPID" 2>/dev/null || { cat "$T/server.log" >&2; fail "the server died"; }
        sleep 0.05
    done
    PORT=$(sed -n 's/.* on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$T/server.log" | head -1)
    URL="http://127.0.0.1:$PORT"
    trap 'kill -9 $SPID 2>/dev/null; rm -rf "$T"' EXIT
}
# stop_server: SIGTERM, and the server must exit cleanly (and without sanitizer reports)
stop_server() {
    kill -TERM "$SPID" 2>/dev/null
    wait "$SPID"; rc=$?
    [ "$rc" = 0 ] || { cat "$T/server.log" >&2; fail "the server exited $rc"; }
    ! grep -q 'ERROR: AddressSanitizer\|runtime error\|LeakSanitizer' "$T/server.log" ||
        { cat "$T/server.log" >&2; fail "sanitizer report in the server"; }
}
# http METHOD PATH [TOKEN [BODY]]: curl; the status in $T/code, the body in $T/body
http() {
    m=$1 p=$2 tok=${3:-} b=${4:-}
    set -- -s -o "$T/body" -w '%{http_code}' -X "$m"
    [ -n "$tok" ] && set -- "$@" -H "Authorization: Bearer $tok"
    [ -n "$b" ] && set -- "$@" -H 'Content-Type: application/json' --data-binary "$b"
    curl "$@" "$URL$p" > "$T/code" || true
}
# expect_http CODE METHOD PATH [TOKEN [BODY]]
expect_http() {
    want=$1; shift
    http "$@"
    [ "$(cat "$T/code")" = "$want" ] || fail "$1 $2: HTTP $(cat "$T/code"), want $want: $(head -c 300 "$T/body")"
}
