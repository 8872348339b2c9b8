#!/bin/sh
# make bench: the performance figures, each against a baseline measured in the same run.
#  1. onboarding throughput against its floor (teemed-dev x-floor: the same files only
#     committed, sealed and fsynced; then with the JSON scan) and against a bare cJSON
#     parse of the same files, one core each; peak RSS at 200 MB and 1 GB;
#  2. the store at scale: card, card search, a request end to end and one onboarding on
#     stores of 10, 1,000 and 10,000 datasets, each as a ratio of its time at 10;
#  3. the computations, and DCAP quote verification (against npm's verifiers when npm
#     is there);
#  4. the service: card reads over HTTP against a bare libmicrohttpd server returning the
#     same bytes (wrk, 64 keep-alive connections), the computations over HTTP end to end,
#     and `teemed push` of the main corpus against a local `teemed onboard` of it.
# BENCH_ONLY="onboard scale compute serve real quote" picks sections.
# Corpora come from scripts/gen-logs.py and are cached in build/bench.
#   BENCH_MB=200 (main corpus), BENCH_BIG_MB=1000 (RSS check; 0 skips it),
#   BENCH_SCALE="10 1000 10000" (store sizes), YARDSTICK=path/to/baseline-onboard.py
#   (optional: also compare with that Python yardstick)
set -eu
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
dev=$(dirname "$bin")/teemed-dev
here=$(cd "$(dirname "$0")/.." && pwd)
gen="$here/scripts/gen-logs.py"
out="$here/build/bench"
mb=${BENCH_MB:-200}
big=${BENCH_BIG_MB:-1000}
scale=${BENCH_SCALE:-10 1000 10000}
mkdir -p "$out"
export XDG_CONFIG_HOME="$out/cfg"
pin=""
command -v taskset >/dev/null && pin="taskset -c 0"

corpus() { # corpus MB [DOMAIN SEED] -> dir
    d="$out/corpus-$1${2:+-$2}"
    if [ ! -f "$d.json" ]; then
        rm -rf "$d"
        python3 "$gen" "$d" --mb "$1" --seed "${3:-1}" ${2:+--domain $2} > "$d.json.tmp"
        mv "$d.json.tmp" "$d.json"
    fi
    echo "$d"
}

min() { echo "$1 $2" | awk '{print ($2 < $1) ? $2 : $1}'; }

# run LABEL CMD...: wall seconds and peak RSS (KB) of CMD into $secs / $rss
run() {
    label=$1; shift
    /usr/bin/time -f "%e %M" -o "$out/time" "$@" > "$out/$label.out" 2> "$out/$label.err" ||
        { cat "$out/$label.err" >&2; exit 1; }
    secs=$(cut -d' ' -f1 "$out/time"); rss=$(cut -d' ' -f2 "$out/time")
}

fresh() { # fresh DATA_DIR: an initialised data dir with the account "bench"
    rm -rf "$1" "$XDG_CONFIG_HOME"
    "$bin" --data "$1" init > /dev/null
    "$bin" --data "$1" account create bench --save > /dev/null 2>&1
}

onboard() { # onboard DIR -> secs, rss
    fresh "$out/data"
    run teemed $pin "$bin" --data "$out/data" --as bench onboard --id bench --quiet --json "$1"
}

want() { case " ${BENCH_ONLY:-onboard scale compute serve real quote} " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

dir=$(corpus "$mb")
bytes=$(find "$dir" -name '*.jsonl' -exec cat {} + | wc -c)
if want onboard; then
echo "corpus: $(echo "$bytes" | awk '{printf "%.1f", $1 / 1e6}') MB of synthetic Claude Code logs ($(cat "$dir.json"))"

onboard "$dir"; t_secs=$secs; t_rss=$rss
run parse $pin "$dev" x-parse "$dir"; c_secs=$secs
# the floor: onboarding cut short on the same files, best of three. "split" reads every
# line and only commits (SHA-256 Merkle leaf) and seals (AES-256-GCM) it into a file that
# is fsynced; "parse" adds the UTF-8 check and the JSON scan.
floor() { # floor DEPTH -> fsecs (best of three)
    fsecs=999
    for i in 1 2 3; do
        fresh "$out/fdata"
        TEEMED_DATA="$out/fdata" run floor $pin "$dev" x-floor "$1" "$dir"
        fsecs=$(min "$fsecs" "$secs")
    done
}
floor split; s_secs=$fsecs
floor parse; f_secs=$fsecs
awk -v b="$bytes" -v t="$t_secs" -v c="$c_secs" -v r="$t_rss" -v s="$s_secs" -v f="$f_secs" 'BEGIN {
    printf "teemed onboard (scrub, analyse, seal, commit, sign): %7.1f MB/s  (%.2f s)\n", b / 1e6 / t, t;
    printf "baseline: read + cJSON parse only:                   %7.1f MB/s  (%.2f s)  teemed/parse %.2f\n", b / 1e6 / c, c, c / t;
    printf "floor: read + commit + seal + fsync only:            %7.1f MB/s  (%.2f s)  teemed/floor %.2f\n", b / 1e6 / s, s, s / t;
    printf "floor: and UTF-8 check + JSON scan:                  %7.1f MB/s  (%.2f s)  teemed/floor %.2f\n", b / 1e6 / f, f, f / t;
    printf "teemed peak RSS at %.0f MB: %.1f MB\n", b / 1e6, r / 1024;
}'
if [ -n "${YARDSTICK:-}" ] && [ -f "$YARDSTICK" ]; then
    run python $pin python3 "$YARDSTICK" "$dir"
    awk -v b="$bytes" -v t="$t_secs" -v p="$secs" 'BEGIN {
        printf "yardstick (%s): %.1f MB/s; ratio teemed / yardstick %.1fx\n", "YARDSTICK", b / 1e6 / p, p / t }'
fi

if [ "$big" -gt 0 ]; then
    bdir=$(corpus "$big")
    bbytes=$(find "$bdir" -name '*.jsonl' -exec cat {} + | wc -c)
    onboard "$bdir"
    awk -v b="$bbytes" -v t="$secs" -v r="$rss" -v r0="$t_rss" 'BEGIN {
        printf "teemed at %.0f MB: %.1f MB/s, peak RSS %.1f MB (%.2fx the RSS at the small corpus)\n",
               b / 1e6, b / 1e6 / t, r / 1024, r / r0 }'
fi

fi

# ---- the store at scale ----
# median wall time (ms) of CMD over N runs
med() { # med N CMD... -> $ms
    med_n=$1; shift
    : > "$out/times"
    med_i=0
    while [ $med_i -lt "$med_n" ]; do
        med_s=$(date +%s%N)
        "$@" > /dev/null 2> "$out/med.err" || { cat "$out/med.err" >&2; exit 1; }
        med_e=$(date +%s%N)
        echo $(( (med_e - med_s) / 1000 )) >> "$out/times"
        med_i=$((med_i + 1))
    done
    ms=$(sort -n "$out/times" | awk '{v[NR] = $1} END {printf "%.1f", v[int((NR + 1) / 2)] / 1000}')
}
if want scale; then
small=$(corpus 1 web 3)
fresh "$out/sdata"
S="$out/sdata"
"$bin" --data "$S" --as bench onboard --id base-a --quiet "$small" > /dev/null
"$bin" --data "$S" --as bench onboard --id base-b --quiet "$(corpus 1 data 4)" > /dev/null
"$bin" --data "$S" account create asker --save > /dev/null 2>&1
"$bin" --data "$S" --as bench policy base-a --auto-approve overlap > /dev/null
have=2
echo "store scale (median of 7 runs each, of 5 for onboarding; ratio to the store of $(echo $scale | cut -d' ' -f1) datasets):"
printf "  %-9s %14s %16s %18s %16s\n" datasets "card ms" "search ms" "request e2e ms" "onboard ms"
k=0
for n in $scale; do
    if [ "$n" -gt "$have" ]; then
        TEEMED_DATA="$S" "$dev" x-clone base-a $((n - have)) > /dev/null
        have=$n
    fi
    med 7 "$bin" --data "$S" card base-a-c000001 --json; c=$ms
    med 7 "$bin" --data "$S" cards --search tag42 --limit 20 --json; s=$ms
    med 7 "$bin" --data "$S" --as asker request overlap base-a base-b --json; r=$ms
    k=$((k + 1))
    : > "$out/ob"
    j=0
    while [ $j -lt 5 ]; do
        j=$((j + 1))
        st=$(date +%s%N)
        "$bin" --data "$S" --as bench onboard --id "ob-$n-$j" --quiet "$small" > /dev/null
        en=$(date +%s%N)
        echo $(( (en - st) / 1000 )) >> "$out/ob"
    done
    o=$(sort -n "$out/ob" | awk 'NR == 3 {printf "%.1f", $1 / 1000}')
    have=$((have + 5))
    if [ $k = 1 ]; then c0=$c s0=$s r0=$r o0=$o; fi
    awk -v n="$n" -v c="$c" -v s="$s" -v r="$r" -v o="$o" -v c0="$c0" -v s0="$s0" -v r0="$r0" -v o0="$o0" 'BEGIN {
        printf "  %-9d %7.1f (%.2fx) %8.1f (%.2fx) %10.1f (%.2fx) %8.1f (%.2fx)\n", n, c, c / c0, s, s / s0, r, r / r0, o, o / o0 }'
done
echo "  target: every figure within 2x of its time at the smallest store"
rm -rf "$S"
fi

# ---- the computations, on the 200 MB dataset and a second one of another domain ----
if want compute; then
web=$(corpus "$mb" web 2)
"$bin" --data "$out/data" --as bench onboard --id bench2 --quiet --json "$web" > /dev/null 2>&1 || {
    onboard "$dir"; "$bin" --data "$out/data" --as bench onboard --id bench2 --quiet --json "$web" > /dev/null; }
TEEMED_DATA="$out/data" $pin "$dev" x-bench-compute bench bench2
echo "targets: overlap and gap < 5 ms each; debug p50 < 5 ms, p99 < 20 ms"
fi

# ---- the service: teemed serve against a bare libmicrohttpd server on the same machine ----
# serve_up DATA OPTIONS...: teemed serve on a free loopback port -> $surl, $spid
serve_up() {
    sd=$1; shift
    "$bin" --data "$sd" serve --listen 127.0.0.1:0 "$@" > /dev/null 2> "$out/serve.log" &
    spid=$!
    i=0
    until grep -q 'serving .* on 127.0.0.1:[0-9]' "$out/serve.log" 2>/dev/null; do
        i=$((i + 1)); [ $i -lt 200 ] || { cat "$out/serve.log" >&2; exit 1; }
        sleep 0.05
    done
    surl="http://127.0.0.1:$(sed -n 's/.* on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$out/serve.log" | head -1)"
}
serve_down() { kill -TERM "$spid"; wait "$spid" || true; spid=""; }
spid="" bpid=""
trap '[ -z "$spid" ] || kill "$spid" 2>/dev/null; [ -z "$bpid" ] || kill "$bpid" 2>/dev/null' EXIT
token_of() { python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'; }
# wrkrun URL [TOKEN] -> $rps, $p99 (ms): wrk, 2 threads, 64 keep-alive connections, 10 s
wrkrun() {
    wrk -t2 -c64 -d"${BENCH_WRK_SECONDS:-10}"s --latency ${2:+-H "Authorization: Bearer $2"} "$1" > "$out/wrk.out"
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$out/wrk.out")
    p99=$(awk '$1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
                             print (u == "us") ? v / 1000 : (u == "s") ? v * 1000 : v }' "$out/wrk.out")
    grep -q 'Non-2xx' "$out/wrk.out" && { echo "serve bench: non-2xx answers:"; cat "$out/wrk.out"; exit 1; }
    return 0
}
if want serve; then
if ! command -v wrk > /dev/null; then
    echo "serve bench: wrk unavailable (sh scripts/install-deps --bench installs it); skipped"
else
    H="$out/hdata"
    fresh "$H"
    "$bin" --data "$H" --as bench onboard --id card-a --quiet "$(corpus 1 web 3)" > /dev/null
    TEEMED_DATA="$H" "$dev" x-clone card-a 999 > /dev/null
    tok=$("$bin" --data "$H" account create reader --json | token_of)
    serve_up "$H" --rate 0
    card="$surl/v1/cards/card-a-c000500"
    curl -sf "$card" > "$out/card.json"
    rm -f "$out/bare.port"
    "$(dirname "$bin")/bench-bare" 0 2 "$out/card.json" > "$out/bare.port" &
    bpid=$!
    i=0
    until grep -q '^port [1-9]' "$out/bare.port" 2>/dev/null; do i=$((i + 1)); [ $i -lt 100 ] || exit 1; sleep 0.05; done
    bare="http://127.0.0.1:$(cut -d' ' -f2 "$out/bare.port")/v1/cards/card-a-c000500"
    cmp -s "$out/card.json" "$(curl -sf "$bare" -o "$out/bare.json" && echo "$out/bare.json")" ||
        { echo "serve bench: the bare server does not return the card's bytes"; exit 1; }
    # alternate, best of two each: the bare server, anonymous reads (answered from
    # memory), reads with a token (checked in the store by a worker)
    brps=0 bp99=0 trps=0 tp99=0 krps=0 kp99=0
    best() { if [ "$(echo "$1 $rps" | awk '{print ($2 > $1)}')" = 1 ]; then echo "$rps $p99"; else echo "$1 $2"; fi; }
    for i in 1 2; do
        wrkrun "$bare"; set -- $(best $brps $bp99); brps=$1 bp99=$2
        wrkrun "$card"; set -- $(best $trps $tp99); trps=$1 tp99=$2
        wrkrun "$card" "$tok"; set -- $(best $krps $kp99); krps=$1 kp99=$2
    done
    kill "$bpid"; wait "$bpid" 2>/dev/null || true; bpid=""
    serve_down
    echo "service (teemed serve --threads 2, loopback, wrk -t2 -c64, best of two runs of ${BENCH_WRK_SECONDS:-10} s):"
    awk -v t="$trps" -v b="$brps" -v p="$tp99" -v bp="$bp99" -v k="$krps" -v kp="$kp99" -v n="$(wc -c < "$out/card.json")" 'BEGIN {
        printf "  GET /v1/cards/ID (1,000 datasets, %d B), anonymous: %8.0f req/s, p99 %.2f ms\n", n, t, p;
        printf "  baseline: bare libmicrohttpd, same bytes:           %8.0f req/s, p99 %.2f ms; teemed / bare %.2f (target >= 0.70, p99 < 10 ms)\n", b, bp, t / b;
        printf "  the same with a token (checked in the store):      %8.0f req/s, p99 %.2f ms; / bare %.2f\n", k, kp, k / b }'
    rm -rf "$H"

    # the computations over HTTP, end to end, on the two 200 MB datasets
    D="$out/data"
    web=$(corpus "$mb" web 2)
    if ! "$bin" --data "$D" --as bench whoami > /dev/null 2>&1 || ! "$bin" --data "$D" card bench2 > /dev/null 2>&1; then
        onboard "$dir"
        "$bin" --data "$D" --as bench onboard --id bench2 --quiet --json "$web" > /dev/null
    fi
    "$bin" --data "$D" --as bench policy bench --auto-approve '*' > /dev/null
    "$bin" --data "$D" --as bench policy bench2 --auto-approve '*' > /dev/null
    tok=$("$bin" --data "$D" account create asker2 --json | token_of)
    serve_up "$D" --rate 0
    echo "  computations over HTTP on two $mb MB datasets (POST /v1/requests auto-approved + GET result):"
    python3 "$here/bench/http-compute.py" "$surl" "$tok" bench bench2 200
    echo "  target: p50 < 5 ms each, profiles cached"
    serve_down

    # teemed push against a local onboard of the same files
    tl=999 tp=999
    for i in 1 2; do
        onboard "$dir"; tl=$(min "$tl" "$secs")
        fresh "$out/pdata"
        ptok=$("$bin" --data "$out/pdata" account create pusher --json | token_of)
        serve_up "$out/pdata" --rate 0
        run push "$bin" push --server "$surl" --token "$ptok" --allow-simulated --quiet --id pushed "$dir"
        tp=$(min "$tp" "$secs")
        serve_down
    done
    awk -v b="$bytes" -v l="$tl" -v p="$tp" 'BEGIN {
        printf "  teemed push of %.0f MB (encrypted to the mediator, onboarded as it arrives): %.1f MB/s (%.2f s)\n", b / 1e6, b / 1e6 / p, p;
        printf "  baseline: local teemed onboard of the same files: %.1f MB/s (%.2f s); push / local %.2f (target >= 0.80)\n", b / 1e6 / l, l, l / p }'
    rm -rf "$out/pdata"
fi
fi

# ---- the 40 real transcripts, when they are here ----
real="$(cd "$here/.." && pwd)/shared/testdata/claude-code"
if want real && [ -d "$real" ]; then
    rbytes=$(find "$real" -name '*.jsonl' -exec cat {} + | wc -c)
    tb=999
    for i in 1 2 3; do onboard "$real"; tb=$(min "$tb" "$secs"); done
    awk -v b="$rbytes" -v t="$tb" 'BEGIN { printf "real transcripts (%.1f MB): teemed %.1f MB/s\n", b / 1e6, b / 1e6 / t }'
fi

# ---- DCAP quote verification: teemed against Phala's npm verifiers (wasm build of
# dcap-qvl and the JS port), same quote, collateral and time, one core each ----
if want quote; then
tdx="$here/tests/data/tdx/dcap-qvl"
now=1752919234
q=$($pin "$dev" x-bench-quote "$tdx/tdx_quote" "$tdx/tdx_quote_collateral.json" $now)
echo "$q"
npm_dir="$out/npm"
if command -v node > /dev/null && command -v npm > /dev/null; then
    if [ ! -d "$npm_dir/node_modules/@phala/dcap-qvl-web" ]; then
        mkdir -p "$npm_dir"
        (cd "$npm_dir" && npm install --silent --no-audit --no-fund \
            @phala/dcap-qvl-web@0.3.3 @phala/dcap-qvl@0.3.9 > /dev/null 2>&1) ||
            echo "quote bench: npm install failed; npm figures skipped"
    fi
fi
if [ -d "$npm_dir/node_modules/@phala/dcap-qvl-web" ]; then
    n=$($pin node "$here/bench/quote-bench.mjs" "$npm_dir" "$tdx/tdx_quote" "$tdx/tdx_quote_collateral.json" $now)
    echo "$n"
    tq=$(echo "$q" | awk '/verifications\/s/ {print $(NF-1); exit}')
    wq=$(echo "$n" | awk '/wasm/ {print $(NF-1); exit}')
    awk -v t="$tq" -v w="$wq" 'BEGIN { printf "ratio teemed / dcap-qvl-web (wasm): %.1fx (target >= 5x)\n", t / w }'
else
    echo "quote bench: node/npm unavailable; npm verifier figures skipped"
fi
fi
rm -rf "$out/data" "$out/fdata"
