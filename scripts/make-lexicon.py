#!/usr/bin/env python3
"""make-lexicon.py - the part-of-speech prior (data/lexicon.tsv) from WordNet 3.0 as
Debian ships it (package wordnet-base): for each English word form, how much of its use
is as a noun. A topic is named by nouns ("haplotype", "costmap", "attestation"); a word
English uses mostly as a verb, adjective or adverb ("explain", "reasonable", "together",
"checked") names no topic by itself, however often a conversation says it.

    make-lexicon.py [WORDNET_DIR] > data/lexicon.tsv

For a form, every lemma it can come from is found per part of speech (the form itself,
WordNet's exception lists, the regular detachment rules: fits -> fit, checked -> check,
summarised -> summarise). Its use per part of speech is the SemCor tag count of those
lemmas' senses (cntlist.rev: how often each sense occurs in the Brown-corpus subset
WordNet was tagged against), plus one per sense so that untagged senses weigh a little.
The noun share is noun use over all use. Forms ending in -ing are gerunds: their verb
use counts as noun use when WordNet lists the form as a noun (indexing, logging name
activities); otherwise only their adjective use counts (existing, remaining), and a form
WordNet knows only as a verb's (debugging) is not listed. Plural nouns fold to their singular as the
analyser does.

Only forms with a noun share under 100% are written (percents of noun and of adjective
use, integers): a form not listed
is a noun or unknown to WordNet, and names a topic as well as any word. No text of WordNet
is written, only the derived shares.
"""
import collections
import os
import re
import subprocess
import sys

POS = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}
SS = {"1": "n", "2": "v", "3": "a", "4": "r", "5": "a"}
# WordNet's morphological detachment rules (morphy), per part of speech
RULES = {
    "n": [("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"),
          ("men", "man"), ("ies", "y")],
    "v": [("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"),
          ("ing", "")],
    "a": [("er", ""), ("est", ""), ("er", "e"), ("est", "e")],
    "r": [],
}
WORD = re.compile(r"^[a-z][a-z0-9]*$")


def load(wn):
    senses = {p: {} for p in POS}   # lemma -> number of senses
    for p, name in POS.items():
        with open(os.path.join(wn, "index." + name), encoding="latin-1") as f:
            for line in f:
                if line.startswith(" "):
                    continue
                w = line.split(" ", 3)
                if WORD.match(w[0]):
                    senses[p][w[0]] = int(w[2])
    tags = {p: collections.Counter() for p in POS}
    with open(os.path.join(wn, "cntlist.rev"), encoding="latin-1") as f:
        for line in f:
            key, _, cnt = line.split()
            lemma, rest = key.split("%", 1)
            p = SS.get(rest[0])
            if p and WORD.match(lemma):
                tags[p][lemma] += int(cnt)
    exc = {p: collections.defaultdict(set) for p in POS}
    for p, name in POS.items():
        path = os.path.join(wn, name + ".exc")
        if os.path.exists(path):
            with open(path, encoding="latin-1") as f:
                for line in f:
                    w = line.split()
                    if len(w) >= 2 and WORD.match(w[0]):
                        exc[p][w[0]].update(x for x in w[1:] if WORD.match(x))
    return senses, tags, exc


def lemmas(form, p, senses, exc):
    out = set(exc[p].get(form, ()))
    if form in senses[p]:
        out.add(form)
    for suf, rep in RULES[p]:
        if form.endswith(suf) and len(form) > len(suf) + 1:
            base = form[: len(form) - len(suf)] + rep
            if base in senses[p]:
                out.add(base)
            # doubled consonant before -ed/-ing: pinned -> pin, stopping -> stop
            if suf in ("ed", "ing") and len(base) > 3 and base[-1] == base[-2] and base[:-1] in senses[p]:
                out.add(base[:-1])
    return out


def use(lem, p, senses, tags):
    return sum(tags[p][l] + senses[p].get(l, 0) for l in lem)


def forms(senses, exc):
    """Every form the prior is asked about: lemmas, their regular inflections, exceptions."""
    fs = set()
    for p in POS:
        fs.update(senses[p])
        fs.update(exc[p])
    for v in senses["v"]:
        fs.update((v + "s", v + "es", v + "ed", v + "d"))
        if v.endswith("y"):
            fs.update((v[:-1] + "ies", v[:-1] + "ied"))
        if len(v) > 2 and v[-1] not in "aeiouwxy" and v[-2] in "aeiou":
            fs.add(v + v[-1] + "ed")
    for n in senses["n"]:
        fs.add(n + "s")
    return fs


def main():
    wn = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/wordnet"
    senses, tags, exc = load(wn)
    rows = {}
    for form in sorted(forms(senses, exc)):
        u = {p: use(lemmas(form, p, senses, exc), p, senses, tags) for p in POS}
        if form.endswith("ing"):
            u["n"] += u["v"] if form in senses["n"] else 0
            u["v"] = 0
        total = sum(u.values())
        if not total:
            continue
        share = int(100 * u["n"] / total)
        adj = int(100 * u["a"] / total)
        # the analyser folds plurals: a plural noun is asked about as its singular
        key = form
        if form.endswith("s") and not form.endswith("ss") and form[:-1] in senses["n"] and u["n"]:
            key = form[:-1]
        if share < 100 and key == form:
            rows[form] = (share, adj)
    print("# teemed part-of-speech prior: word form <TAB> percent of its use as a noun <TAB> as an adjective")
    print("# (WordNet 3.0 SemCor tag counts plus one per sense); forms not listed are nouns or unknown.")
    try:
        ver = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "wordnet-base"], capture_output=True,
                             text=True).stdout.strip() or "unknown"
    except OSError:
        ver = "unknown"
    print("# Built by scripts/make-lexicon.py from Debian's wordnet-base %s." % ver)
    for form, (share, adj) in sorted(rows.items()):
        print("%s\t%d\t%d" % (form, share, adj))


if __name__ == "__main__":
    main()
