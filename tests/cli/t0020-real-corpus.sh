# Card volume figures on the 40 real transcripts equal the independent counts of
# ../shared/testdata/claude-code/truth.json (back-to-back objects split). Prints
# figures only, never content.
. "$(dirname "$0")/lib.sh"
need_corpus
init_with owner
"$TEEMED" onboard --as owner --id real --quiet "$CC/projects" > "$T/card.json" 2>"$T/err" ||
    { cat "$T/err"; fail "onboard failed"; }
python3 - "$CC/truth.json" "$T/card.json" <<'PY' || exit 1
import json, sys, datetime
t = json.load(open(sys.argv[1]))["total"]
truth = json.load(open(sys.argv[1]))
v = json.load(open(sys.argv[2]))["volume"]
by_type = dict(t["by_type"])
records = t["records"]
for f in truth["files"].values():
    for m in f["oddities"]["malformed_lines"]:
        for rt in m.get("recovered_types", []):
            records += 1
            by_type[rt] = by_type.get(rt, 0) + 1
d0 = datetime.date.fromisoformat(t["earliest"][:10])
d1 = datetime.date.fromisoformat(t["latest"][:10])
def bucket(x):  # as cards show counts: two significant digits, 1..9 as 10 (docs/card.md)
    if x == 0:
        return 0
    if x < 10:
        return 10
    p = 1
    while x / p >= 100:
        p *= 10
    return int((x / p + 0.5) // 1) * p
known = {"user", "assistant", "progress", "system", "summary", "file-history-snapshot", "queue-operation", "pr-link"}
grouped = {}
for k, n in by_type.items():  # unknown record types are counted as "other"
    grouped[k if k in known else "other"] = grouped.get(k if k in known else "other", 0) + n
want = {"records": records, "malformed": 0, "sessions": t["session_count"],
        "projects": t["project_dir_count"], "days": (d1 - d0).days,
        "active_days": t["day_count"], "first": t["earliest"][:10], "last": t["latest"][:10],
        "bytes": bucket(t["bytes"]), "by_type": {k: bucket(n) for k, n in grouped.items()}}
bad = [(k, v.get(k), w) for k, w in want.items() if v.get(k) != w]
for k, got, w in bad:
    print(f"volume.{k}: got {got}, want {w}")
print("figures:", {k: v[k] for k in ("records", "sessions", "projects", "days", "active_days")})
sys.exit(1 if bad else 0)
PY
# no Claude Code boilerplate among the card's topics, themes or expertise (harness text and
# tool output do not feed topics): words of the harness and of tool output only are
# checked, and only those are printed
python3 - "$T/card.json" <<'PY' || exit 1
import json, sys
c = json.load(open(sys.argv[1]))
words = set()
for t in c["topics"] + c["key_expertise"] + [x for th in c["themes"] for x in th["terms"]] + [c["topic"]]:
    words |= set(t.lower().replace("/", " ").replace("_", " ").split())
boiler = {"drwxr", "rwxr", "malware", "reminder", "todowrite", "toolu", "isimage", "bash_progress", "noreply",
          "caveat", "stdout", "stderr", "interrupted", "tool_use_error", "system_reminder", "stdin"}
hit = sorted(words & boiler)
print("boilerplate among %d card words: %d" % (len(words), len(hit)))
sys.exit("boilerplate on the card: %s" % hit if hit else 0)
PY
# the card names the work in words the people in the transcripts used: its topics and
# theme terms are said in the prose (user and assistant text, not tool input) of at least
# k = 3 sessions; only the counts are printed
python3 - "$T/card.json" "$CC/projects" <<'PY' || exit 1
import collections, json, os, re, sys
c = json.load(open(sys.argv[1]))
terms = set(c["topics"]) | {x for th in c["themes"] for x in th["terms"]}
sess = collections.defaultdict(set)
for root, _, files in os.walk(sys.argv[2]):
    for f in files:
        if not f.endswith(".jsonl"):
            continue
        for line in open(os.path.join(root, f), encoding="utf-8", errors="replace"):
            try:
                r = json.loads(line)
            except ValueError:
                continue
            if not isinstance(r, dict) or r.get("type") not in ("user", "assistant"):
                continue
            m = r.get("message") if isinstance(r.get("message"), dict) else {}
            ct = m.get("content")
            txt = ct if isinstance(ct, str) else " ".join(
                b.get("text", "") for b in ct or [] if isinstance(b, dict) and b.get("type") in ("text", "thinking"))
            spaced = " " + re.sub(r"[^a-z0-9]+", " ", re.sub(r"([a-z])([A-Z])", r"\1 \2", txt).lower())
            joined = re.sub(r"[^a-z0-9]+", "", txt.lower())
            for t in terms:
                if " " + t.replace("_", " ") in spaced or t.replace("_", "") in joined:
                    sess[t].add(r.get("sessionId"))
said = sum(1 for t in terms if len(sess[t]) >= 3)
print("card terms said in the prose of >= 3 sessions: %d of %d" % (said, len(terms)))
sys.exit(0 if terms and said >= 0.85 * len(terms) else "too few card terms are said in prose")
PY
# the tree, one project dir and single session files give consistent figures
one=$(ls -d "$CC"/projects/-Users-soph-Work-entire-devenv-cli)
expect_code 0 "$TEEMED" onboard --as owner --id one --quiet "$one"
contains "$T/out" '"projects":1'
contains "$T/out" '"sessions":8'
f=$(ls "$one"/*.jsonl | head -1)
expect_code 0 "$TEEMED" onboard --as owner --id file --quiet "$f"
contains "$T/out" '"sessions":1'
exit 0
