# The tdx backend against a fake configfs-tsm tree: a background loop plays the kernel
# (outblob is a FIFO; it records inblob, moves the generation counter, answers with
# the real dstack quote from the testdata). The card carries that quote; verify parses
# it, runs full DCAP with the collateral (UpToDate), and still refuses the card because
# the replayed quote's report_data does not bind this mediator's key.
. "$(dirname "$0")/lib.sh"
Q="$TD/derived/dstack-quote-report.quote.bin"
COL="$TD/dcap-qvl/tdx_quote_outdated_collateral.json"
AT=1774003274
mk() {
    mkdir -p "$1"
    printf '{"type":"user","sessionId":"%s","cwd":"/home/dev/p","timestamp":"2026-01-%02dT10:00:00.000Z","uuid":"u1","message":{"role":"user","content":"%s"}}\n' "$2" "$3" "$4" >> "$1/$2.jsonl"
}
for s in 1 2 3; do mk "$T/logs/-home-dev-p" "s$s" "1$s" "The TDX quote and the rtmr3 event log of the compose hash."; done

# no configfs-tsm: init says what is missing
TEEMED_TSM_ROOT="$T/none" expect_code 6 "$TEEMED" init --tee tdx
contains "$T/err" "no configfs-tsm"
[ ! -e "$T/data/tee/backend" ] || fail "a failed init left a backend behind"

# the fake tree and its kernel
export TEEMED_TSM_ROOT="$T/tsm"
mkdir -p "$T/tsm/report"
# tdx_run CMD...: run CMD with its configfs entry ready, as mkdir makes it on configfs
# (sh -c's pid is CMD's pid after exec, and the entry is named after the pid)
tdx_run() {
    sh -c 'e="$TEEMED_TSM_ROOT/report/teemed-$$"; mkdir "$e" && printf "tdx_guest\n" > "$e/provider" &&
           echo 0 > "$e/generation" && : > "$e/inblob" && mkfifo "$e/outblob" && exec "$@"' sh "$@"
}
(
    while :; do
        for e in "$T/tsm/report"/teemed-*; do
            [ -f "$e/inblob" ] && [ "$(wc -c < "$e/inblob")" = 64 ] || continue
            exec 3> "$e/outblob"           # blocks until the requester reads
            cp "$e/inblob" "$T/inblob.seen"; : > "$e/inblob"
            echo $(( $(cat "$e/generation") + 1 )) > "$e/generation"
            cat "$Q" >&3; exec 3>&-
            # served: the entry stays (a fake tree cannot rmdir a non-empty dir); inblob is empty
        done
        sleep 0.02
    done
) &
kpid=$!
trap 'kill $kpid 2>/dev/null; rm -rf "$T"' EXIT

expect_code 0 tdx_run "$TEEMED" init --tee tdx
contains "$T/out" '"tee":"tdx"'
expect_code 0 tdx_run "$TEEMED" account create alice --save
expect_code 0 tdx_run "$TEEMED" onboard --as alice "$T/logs" --id ds1 --k 2
cp "$T/out" "$T/card.json"
contains "$T/card.json" '"backend":"tdx"'
contains "$T/card.json" '"simulated":false'
# the kernel was asked for exactly this card's report_data
rd=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['attestation']['report_data'])" "$T/card.json")
[ "$(od -An -v -tx1 "$T/inblob.seen" | tr -d ' \n')" = "$rd" ] || fail "inblob is not the card's report_data"
# the card carries the quote the kernel returned
python3 -c "import json,sys; a=json.load(open(sys.argv[1]))['attestation']; sys.exit(bytes.fromhex(a['quote']) != open(sys.argv[2],'rb').read())" "$T/card.json" "$Q" ||
    fail "the card's quote is not the quote served"

# without collateral: parsed, but a replayed quote and no DCAP
expect_code 1 "$TEEMED" verify --json "$T/card.json"
c=$(checks)
case "$c" in *"quote "*"quote-report-data! dcap!"*) ;; *) fail "checks without collateral: $c" ;; esac
contains "$T/out" '"simulated":false'
contains "$T/out" '"hardware_backed":false'
# with collateral: every DCAP check passes (UpToDate), the binding still fails; with no
# measurements given the code is not pinned, and a tdx key lives in a file on the disk
expect_code 1 "$TEEMED" verify --json --collateral "$COL" --at "$AT" "$T/card.json"
c=$(checks)
case "$c" in *"quote-report-data! "*) ;; *) fail "binding: $c" ;; esac
[ "$(echo "$c" | tr ' ' '\n' | grep '!$' | tr '\n' ' ')" = "quote-report-data! code-pinned! key-custody! " ] ||
    fail "unpinned, on a disk key: $c"
contains "$T/out" "TEE verified, code not pinned"
# pinned (MRTD and RTMR0-3 of the quote) and the disk key accepted: only the binding fails
expect_code 0 "$TEEMED" quote --json "$Q"
pins=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['report']
print(' '.join(['--expect-mrtd', r['mr_td']] + sum([['--expect-rtmr', '%d=%s' % (i, r['rtmr%d' % i])] for i in range(4)], [])))" "$T/out")
expect_code 1 "$TEEMED" verify --json --collateral "$COL" --at "$AT" --accept-disk-key $pins "$T/card.json"
c=$(checks)
[ "$(echo "$c" | tr ' ' '\n' | grep -c '!$')" = 1 ] || fail "only the binding may fail: $c"
case "$c" in *"code-pinned key-custody"*) ;; *) fail "pinned and accepted: $c" ;; esac
contains "$T/out" '"tcb_status":"UpToDate"'
contains "$T/out" '"hardware_backed":false'
contains "$T/err" "replayed or foreign quote"
# a changed byte of the card still fails its signature first
sed 's/"records":3/"records":4/' "$T/card.json" > "$T/bad.json"
expect_code 1 "$TEEMED" verify --json --collateral "$COL" --at "$AT" "$T/bad.json"
contains "$T/out" '"ok":false'
