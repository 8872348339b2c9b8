#!/bin/sh
# Build the background model (data/background.tsv) from generic technical text:
#  - Debian's man pages (sections 1-8; roff stripped; vendor SDK pages such as gcloud
#    excluded, they would make one cloud's vocabulary look generic), each
#    page one unit, terms in >= 3 pages;
#  - ordinary coding transcripts (../shared/testdata/claude-code), each session one
#    unit, terms in >= 5 sessions; identity words (user names, project dirs, e-mail
#    labels) are left out by the same filter that guards cards.
# Only derived counts are written; no text of either source is.
#   make-background.sh path/to/teemed-dev > data/background.tsv
set -e
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
for f in /usr/share/man/man[1-8]/*.gz; do
    case "${f##*/}" in gcloud*|gsutil*|bq.*) continue ;; esac  # not Debian: vendor SDK pages
    [ -f "$f" ] || continue
    n=$((n + 1))
    zcat "$f" 2>/dev/null | sed -e '/^\.\\"/d' -e 's/^\.[A-Za-z]* *//' \
        -e 's/\\f[BIRPC]//g; s/\\f(..//g; s/\\(..//g; s/\\\*.//g; s/\\-/-/g; s/\\e/\\/g; s/\\&//g' \
        > "$tmp/p$n.txt"
done
echo "background: $n man pages" >&2
logs=${LOGS:-../shared/testdata/claude-code/projects}
"$bin" x-background --min-df 3 --keep-identities "$tmp" > "$tmp/man.tsv"
if [ -d "$logs" ]; then
    "$bin" x-background --min-df 5 "$logs" > "$tmp/logs.tsv"
else
    : > "$tmp/logs.tsv"
fi
echo "# teemed background model: canonical term <TAB> mentions in generic text"
echo "# built by scripts/make-background.sh from $n Debian man pages and coding transcripts"
cat "$tmp/man.tsv" "$tmp/logs.tsv" | grep -v '^#' |
    awk -F '\t' '{c[$1] += $2} END {for (t in c) if (c[t] >= 3) print t "\t" c[t]}' |
    LC_ALL=C sort -t "$(printf '\t')" -k2,2nr -k1,1
