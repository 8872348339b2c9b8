# The 40 real transcripts: no account name, host, e-mail address, org or repo name
# reaches the card or any computation's output. The identity strings are derived from
# the corpus itself (home directories and project dirs, e-mail addresses and host
# names in the text, git remotes); the test prints only counts and, on a failure, a
# hash of the string - never the string, never content.
. "$(dirname "$0")/lib.sh"
need_corpus
EX="$REPO/examples"
init_with owner other
"$TEEMED" onboard --as owner --id real --quiet "$CC/projects" > "$T/out-card.json" 2> "$T/err" ||
    { cat "$T/err"; fail "onboard failed"; }
expect_code 0 "$TEEMED" onboard --as other --id expert --quiet "$EX/tee-expert"
expect_code 0 "$TEEMED" policy real --as owner --auto-approve '*' --max-terms 500
run() { "$TEEMED" "$@" > "$T/out-$1-$#.json" 2>&1; }
run card real --json
run card real --text
run cards --json
n=0
req() { # req ARGS...: a request by other, its result into out-resultN.json
    n=$((n + 1))
    "$TEEMED" request "$@" --as other > "$T/req$n.json" 2>&1 || { cat "$T/req$n.json"; fail "request $n failed"; }
    "$TEEMED" result "$(jget "$T/req$n.json" "['request_id']")" --as other > "$T/out-result$n.json" 2>&1 ||
        fail "result $n failed"
}
req overlap expert real --limit 1000
req gap --target real --mine expert --limit 1000
for q in "error failed" "permission denied" "cannot find module" "connection refused" "command not found"; do
    req debug --target real "$q" --limit 20
done
python3 - "$CC/projects" "$T" <<'PY'
import glob, hashlib, json, os, re, sys
root, tdir = sys.argv[1], sys.argv[2]
users, emails, hosts, orgs, repos = set(), set(), set(), set(), set()
roles = {"root", "git", "admin", "user", "users", "runner", "ubuntu", "node", "dev", "shared", "noreply", "no-reply"}
for d in os.listdir(root):  # -Users-NAME-... and -home-NAME-...
    m = re.match(r"^-(?:Users|home)-([A-Za-z0-9_.]+)-", d)
    if m:
        users.add(m.group(1).lower())
text_re = {
    "home": re.compile(r"/(?:Users|home)/([A-Za-z0-9_.-]{2,32})/"),
    "email": re.compile(r"\b([A-Za-z0-9._%+-]{2,64})@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24})\b"),
    "host": re.compile(r"\b((?:[a-z0-9-]+\.){2,}(?:com|net|org|io|dev|app|ai|cloud|internal|local|lan|corp))\b"),
    "remote": re.compile(r"github\.com[:/]([A-Za-z0-9_.-]{2,39})/([A-Za-z0-9_.-]{2,100}?)(?:\.git)?(?=[\s\"'/#?)]|$)"),
}
for f in glob.glob(os.path.join(root, "**", "*.jsonl"), recursive=True):
    t = open(f, encoding="utf-8", errors="replace").read()
    for m in text_re["home"].finditer(t):
        users.add(m.group(1).lower())
    for m in text_re["email"].finditer(t):
        emails.add(m.group(0).lower())
    for m in text_re["host"].finditer(t):
        hosts.add(m.group(1).lower())
    for m in text_re["remote"].finditer(t):
        orgs.add(m.group(1).lower())
        repos.add(m.group(2).lower())
users = {u for u in users - roles if re.match(r"^[a-z]", u) and len(re.sub(r"[^a-z]", "", u)) >= 2}
public = {"github.com", "api.github.com", "raw.githubusercontent.com", "registry.npmjs.org", "www.npmjs.com"}
hosts -= public
orgs = {o for o in orgs if len(o) >= 4}
# org and repo names that are ordinary words are vocabulary, not identities
words = set()
if os.path.exists("/usr/share/dict/american-english"):
    words = {w.strip().lower() for w in open("/usr/share/dict/american-english", errors="replace")}
orgs = {o for o in orgs if o not in words}
repos = {r for r in repos if r not in words and len(r) >= 4}
outs = {}
for f in glob.glob(os.path.join(tdir, "out-*.json")):
    outs[os.path.basename(f)] = open(f, errors="replace").read().lower()
def word(s, t):
    return re.search(r"(?<![a-z0-9])%s(?![a-z0-9])" % re.escape(s), t) is not None
bad = []
def check(kind, items, whole=True):
    for s in sorted(items):
        forms = {s, re.sub(r"[^a-z0-9]+", "_", s).strip("_")}
        for name, t in outs.items():
            for x in forms:
                if x and (word(x, t) if whole else x in t):
                    bad.append("%s %s in %s" % (kind, hashlib.sha256(s.encode()).hexdigest()[:12], name))
check("account", users)
check("email", emails, whole=False)
check("email-local", {e.split("@")[0] for e in emails if e.split("@")[0] not in roles and len(e.split("@")[0]) >= 4})
check("host", hosts, whole=False)
check("org", orgs)
check("repo", repos)
print("identities derived from the corpus: %d accounts, %d e-mails, %d hosts, %d orgs, %d repos; %d outputs checked"
      % (len(users), len(emails), len(hosts), len(orgs), len(repos), len(outs)))
if not users:
    sys.exit("no account name found in the corpus: the test would be vacuous")
if bad:
    print("\n".join(bad[:40]))
    sys.exit(1)
PY
