#!/bin/sh
# Build the background model (data/background.tsv) from public text in Debian packages
# only - never from test or evaluation data (the transcripts in ../shared are those):
#  - every man page installed (sections 1-8; roff stripped; vendor SDK pages such as
#    gcloud excluded, they would make one cloud's vocabulary look generic), each page one
#    unit, terms in >= 3 pages;
#  - the fortune files of Debian's fortunes package (everyday English, jokes, quotes:
#    the vocabulary of people talking rather than of manuals), each file one unit,
#    terms in >= 2 files;
#  - technical prose: the HTML of python3.11-doc (the Python documentation: tutorials,
#    library reference, how-tos), debian-reference-en and debian-handbook (en-US): how
#    people write about software - deploying, configuring, fixing it; each page one
#    unit, tags stripped, terms in >= 3 pages.
#  - source code of the Go and Python standard libraries (see below).
# The packages and versions used are written to data/background.sources. Only derived
# counts are written; no text of either source is.
#   make-background.sh path/to/teemed-dev > data/background.tsv
set -e
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
here=$(cd "$(dirname "$0")/.." && pwd)
n=0
mkdir -p "$tmp/man" "$tmp/fortune" "$tmp/doc"
for f in /usr/share/man/man[1-8]/*.gz; do
    case "${f##*/}" in gcloud*|gsutil*|bq.*) continue ;; esac  # not Debian: vendor SDK pages
    [ -f "$f" ] || continue
    dpkg -S "$f" > /dev/null 2>&1 || continue                     # only pages of Debian packages
    n=$((n + 1))
    echo "$f" >> "$tmp/pages"
    zcat "$f" 2>/dev/null | sed -e '/^\.\\"/d' -e 's/^\.[A-Za-z]* *//' \
        -e 's/\\f[BIRPC]//g; s/\\f(..//g; s/\\(..//g; s/\\\*.//g; s/\\-/-/g; s/\\e/\\/g; s/\\&//g' \
        > "$tmp/man/p$n.txt"
done
nf=0
for f in /usr/share/games/fortunes/*; do
    case "$f" in *.dat|*.u8) continue ;; esac
    [ -f "$f" ] || continue
    nf=$((nf + 1))
    tr '%' '\n' < "$f" > "$tmp/fortune/f$nf.txt"
done
nd=0
for pkg in python3.11-doc debian-reference-en debian-handbook; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || continue
    # English pages only (the handbook ships every translation)
    for f in $(dpkg -L "$pkg" | grep -E '\.html$' | grep -v -E '/html/[a-z][a-z]-[A-Z][A-Z]/|\.[a-z][a-z](_[A-Z][A-Z])?\.html$' || true;
               dpkg -L "$pkg" | grep -E '/html/en-US/.*\.html$|\.en\.html$'); do
        [ -f "$f" ] || continue
        nd=$((nd + 1))
        sed -e 's/<[^>]*>/ /g' -e 's/&[a-z]*;/ /g' "$f" > "$tmp/doc/d$nd.txt"
    done
    echo "$pkg" >> "$tmp/docpkgs"
done
# source code: the Go standard library (golang-1.19-src) and the Python one
# (libpython3.11-stdlib), tests and test data left out; each file one unit. How a language
# is written (nil, fmt, errorf, self, kwargs) is vocabulary, never the topic of a project.
# Its counts are scaled to 2 million tokens in all, so that code does not drown prose.
mkdir -p "$tmp/code"
nc=0
for pkg in golang-1.19-src libpython3.11-stdlib; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || continue
    for f in $(dpkg -L "$pkg" | grep -E '\.(go|py)$' | grep -v -E '/testdata/|_test\.go$|/test/|/tests/|/idlelib/idle_test/' | sort); do
        [ -f "$f" ] || continue
        nc=$((nc + 1))
        cp "$f" "$tmp/code/c$nc.txt"
    done
    echo "$pkg" >> "$tmp/docpkgs"
done
echo "background: $n man pages, $nf fortune files, $nd documentation pages, $nc source files" >&2
[ "$n" -gt 1000 ] || { echo "make-background: too few man pages ($n): install manpages, manpages-dev" >&2; exit 1; }
"$bin" x-background --min-df 3 --keep-identities "$tmp/man" > "$tmp/man.tsv"
"$bin" x-background --min-df 2 --keep-identities "$tmp/fortune" > "$tmp/fortune.tsv"
"$bin" x-background --min-df 3 --keep-identities "$tmp/doc" > "$tmp/doc.tsv"
if [ "$nc" -gt 0 ]; then
    "$bin" x-background --min-df 3 --keep-identities "$tmp/code" | grep -v '^#' |
        awk -F '\t' '{c[$1] = $2; if (index($1, "_") == 0) tot += $2}
            END {f = tot > 2000000 ? 2000000 / tot : 1; for (t in c) if (int(c[t] * f + 0.5) > 0) print t "\t" int(c[t] * f + 0.5)}' \
        > "$tmp/code.tsv"
else
    : > "$tmp/code.tsv"
fi
{
    echo "# packages and versions whose text built data/background.tsv (scripts/make-background.sh)"
    { xargs dpkg -S < "$tmp/pages" 2>/dev/null | cut -d: -f1 | tr ',' '\n' | tr -d ' '; echo fortunes;
      cat "$tmp/docpkgs" 2>/dev/null; } |
        sort -u | while read -r p; do
            printf '%s\t%s\n' "$p" "$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null)"
        done
} > "$here/data/background.sources"
echo "# teemed background model: canonical term <TAB> mentions in generic text"
echo "# built by scripts/make-background.sh from $n Debian man pages, $nf fortune files, $nd documentation pages and $nc source files (data/background.sources)"
cat "$tmp/man.tsv" "$tmp/fortune.tsv" "$tmp/doc.tsv" "$tmp/code.tsv" | grep -v '^#' |
    awk -F '\t' '{c[$1] += $2} END {for (t in c) if (c[t] >= 3) print t "\t" c[t]}' |
    LC_ALL=C sort -t "$(printf '\t')" -k2,2nr -k1,1
