#!/usr/bin/env python3
"""catalogue.py - the privacy catalogue test: plant a catalogue of secret and identity
formats in a synthetic Claude Code corpus, run every output path of teemed over it, and
fail if any planted value, or a fragment of one, comes out.

    catalogue.py --teemed PATH --work DIR [--seed N] [--k 3] [--groups G]

The catalogue (catalogue() below, 70 items) covers key=value settings in JSON, env, YAML
and connection strings, command-line credentials, tokens with vendor prefixes, random
tokens, PEM keys, URLs with userinfo, e-mails, hosts, IPs, UUIDs, payment cards, IBANs,
phone numbers, SSNs, person names, git author lines, home paths, whoami/hostname output,
GitHub org/repo names, shell prompts, .netrc/.pgpass lines, addresses and lines that only
reach the parser malformed. Each item is planted in NSESS/2 of NSESS sessions (>= k) as a
debugging episode that shows its value in four contexts: the user's prompt (U), the
assistant's text (A), a tool call's input (C) and a failing tool's output (T).

Everything lives under --work (wiped first):
  corpus/      planted (every item), control (the same filler, nothing planted), the
               G group datasets, and 'other' (an ordinary corpus, gen-logs.py)
  main/        data dir of the main run: 'planted' (alice) and 'other' (bob); cards,
               overlap, gap, debug (generic and membership queries), inbox, approvals,
               results, review mode, audit, requests, policy, whoami
  control/     the same run over the control corpus: a fragment that comes out there
               (or is in the filler at all) is noise, and not counted
  groups/      the items split into G datasets (so that top-N truncation of topics in
               one big dataset cannot hide a leak): each onboarded, card'ed, with overlap,
               gap and one debug query per item (the words around its value), audited
  out/         every stdout and stderr
The outputs (JSON stripped of hashes and signatures) and the data dirs (files outside
sealed/ raw, the SQLite DB cell by cell, the saved tokens) are searched for every planted
value whole and for its fragments (in binary data - sealed blobs, raw database pages -
only whole values and fragments of 6 or more characters: shorter ones occur by chance).
Also checked: the catalogue has >= 40 items, each planted in >= k sessions; the main
run's debug found a pattern; no command failed or printed a sanitizer report; and
membership does not show: the main corpus also names one made-up word in the error
output of 1 session and another in k-1 sessions, and the debug queries "<error phrase>
<word>" for these two and for a word in no session give the same result.

Exit 0 with a one-line summary, else 1 listing every leak (item, output, fragment).
Needs python3 (stdlib) and the teemed binary; writes nothing outside --work.
"""
import argparse
import base64
import importlib.util
import json
import os
import random
import re
import shutil
import sqlite3
import string
import subprocess
import sys
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.normpath(os.path.join(HERE, "../../scripts/gen-logs.py"))
NSESS = 10          # sessions in each planted corpus
MIN_ITEMS = 40      # the catalogue may not shrink below this

# ---------------------------------------------------------------- value generators

class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.used = set()

    def word(self, syl=3):
        """a pronounceable made-up word ('kelvoru'): looks like prose to a scrubber"""
        C, V = "bdfgklmnprstvz", "aeiou"
        while True:
            w = "".join(self.r.choice(C) + self.r.choice(V) for _ in range(syl)) + self.r.choice("lnrstxk")
            if w not in self.used:
                self.used.add(w)
                return w

    def name(self):
        return self.word(self.r.randint(2, 3)).capitalize()

    def pw(self):
        """a human password: Word + symbol + word + 2 digits (< 20 chars, not 'random')"""
        return "%s%s%s%02d" % (self.word(2).capitalize(), self.r.choice("#!%*+"), self.word(2), self.r.randint(10, 99))

    def tok(self, n, alpha=string.ascii_letters + string.digits):
        return "".join(self.r.choice(alpha) for _ in range(n))

    def hexs(self, n):
        return self.tok(n, "0123456789abcdef")

    def digits(self, n):
        return "".join(self.r.choice("0123456789") for _ in range(n))

    def luhn(self, prefix="4", n=16):
        while True:
            body = prefix + self.digits(n - len(prefix) - 1)
            s = 0
            for i, ch in enumerate(reversed(body)):
                d = int(ch)
                if i % 2 == 0:
                    d *= 2
                    d = d - 9 if d > 9 else d
                s += d
            cd = (10 - s % 10) % 10
            v = body + str(cd)
            if v not in self.used:
                self.used.add(v)
                return v

    def iban_de(self):
        bban = self.digits(8) + self.digits(10)
        num = "".join(str(int(c, 36)) for c in bban + "DE00")
        check = 98 - int(num) % 97
        v = "DE%02d%s" % (check, bban)
        return " ".join(v[i:i + 4] for i in range(0, len(v), 4))


BIP39_RARE = ["walnut", "orphan", "glimpse", "quantum", "saddle", "tornado", "venture", "marble", "oyster",
              "plunge", "radar", "hazard", "kidney", "lizard", "nephew", "pudding", "sphere", "thrive",
              "uncover", "violin", "wrestle", "yellow", "zebra", "antique", "biscuit", "canyon", "dolphin",
              "emerald", "fossil", "gospel", "harvest", "jaguar", "lobster", "mammal", "napkin", "orchard"]
PASS_WORDS = ["marzipan", "quokka", "zeppelin", "thimble", "gazebo", "kumquat", "flamingo", "trombone",
              "nougat", "walrus", "pelican", "turnip"]

# ---------------------------------------------------------------- the catalogue

ERR = {
    "db": "FATAL: password authentication failed for user",
    "http": "curl: (22) The requested URL returned error: 401 Unauthorized",
    "conn": "Error: connect ECONNREFUSED connection refused",
    "key": "AuthenticationError: invalid api key provided",
    "perm": "Permission denied (publickey)",
    "tls": "ssl handshake failed: certificate verify failed",
    "sign": "jwt signature verification failed: invalid signing key",
    "push": "error: failed to push some refs to the remote",
    "pay": "card_declined: your card was declined by the payment processor",
}
DEBUG_QUERIES = ["password authentication failed", "connection refused", "invalid api key provided",
                 "401 Unauthorized", "permission denied publickey", "signature verification failed signing key",
                 "failed to push some refs", "card declined payment processor", "certificate verify failed"]


def catalogue(g):
    """Each item: name, fam (rule family), vals (the planted values to look for), S (the
    realistic rendering), err (error family), optional cmd (a command holding S, else S is
    written with the Write tool), optional nums (True: digit values, matched by groups),
    raw (True: planted only in lines the parser cannot read)."""
    it = []

    def add(name, fam, vals, S, err, cmd=None, nums=False):
        it.append(dict(name=name, fam=fam, vals=vals if isinstance(vals, list) else [vals], S=S, err=err,
                       cmd=cmd, nums=nums))

    v = g.pw(); add("json_password", "key-value", v, '{"db": {"host": "localhost", "user": "app", "password": "%s"}}' % v, "db")
    v = g.pw(); add("assign_password_dq", "key-value", v, 'password = "%s"' % v, "db")
    v = g.pw(); add("client_secret_sq", "key-value", v, "client_secret = '%s'" % v, "key")
    v = g.pw(); add("mysql_dash_p", "cli-flag", v, "mysql -u app -p%s -h 127.0.0.1 orders" % v, "db",
                    cmd="mysql -u app -p%s -h 127.0.0.1 orders -e 'select 1'" % v)
    u, v = g.word(), g.pw()
    add("curl_u_userpass", "cli-flag", [u, v], "curl -u %s:%s https://api.example.com/v1/health" % (u, v), "http",
        cmd="curl -fsS -u %s:%s https://api.example.com/v1/health" % (u, v))
    v = g.pw(); add("flag_password_space", "cli-flag", v, "./manage.py createsuperuser --username admin --password %s" % v,
                    "db", cmd="python manage.py createsuperuser --username admin --password %s --noinput" % v)
    u, v, h = g.word(), g.pw(), g.word()
    add("userpass_at_host_noscheme", "userinfo", [u, v, h], "export PGCONN=%s:%s@%s:5432/orders  # or connect to %s:%s@%s:5432" % (u, v, h, u, v, h), "conn")
    v = g.pw(); add("db_pass_env", "env-key", v, "DB_HOST=db\nDB_USER=app\nDB_PASS=%s\nDB_PORT=5432" % v, "db")
    v = "-".join(g.word(2) for _ in range(3)) + "-%d" % g.r.randint(1000, 9999)
    add("encryption_key_env", "env-key", v, "ENCRYPTION_KEY=%s" % v, "key")
    v = "%s_%s_%s" % (g.word(2), g.word(2), g.word(2)); add("jwt_signing_key_env", "env-key", v, "JWT_SIGNING_KEY=%s" % v, "sign")
    v = g.word() + g.word(2) + "%d" % g.r.randint(100, 999); add("secret_key_base_env", "env-key", v, "SECRET_KEY_BASE=%s" % v, "key")
    l1, l2, l3 = ("%s-%s-%d" % (g.word(2), g.word(2), g.r.randint(10, 99)) for _ in range(3))
    add("yaml_block_scalar", "multiline", [l1, l2, l3], "auth:\n  client_secret: |\n    %s\n    %s\n    %s\n  issuer: internal" % (l1, l2, l3), "key")
    ws = g.r.sample(BIP39_RARE, 12); v = " ".join(ws)
    add("mnemonic_12", "multiline", ws, "wallet:\n  mnemonic: %s" % v, "key")
    ws = g.r.sample(PASS_WORDS, 4); v = " ".join(ws)
    add("passphrase_multiword", "multiline", ws, "passphrase: %s" % v, "key")
    v = "xapp-1-A0%s-%s-%s" % (g.tok(9, string.ascii_uppercase + string.digits), g.digits(13), g.hexs(64))
    add("slack_xapp", "token-prefix", v, "slack_app = %s" % v, "http")
    v = "xoxb-%s-%s-%s" % (g.digits(12), g.digits(13), g.tok(24))
    add("slack_xoxb", "token-prefix", v, "bot = %s" % v, "http")
    o = g.word()
    add("ls_owner", "identity", o, "$ ls -l deploy/\ntotal 24\n-rw-r--r-- 1 %s staff  812 Jan  9 10:02 values.yaml\n"
        "-rwxr-xr-x 1 %s staff 2210 Jan  9 10:02 rollout.sh\ndrwxr-xr-x 3 %s staff   96 Jan  9 10:01 charts" % (o, o, o), "perm")
    u, h = g.word(), g.word()
    add("shell_prompt", "identity", [u, h], "%s@%s:~/src/app$ make deploy" % (u, h), "perm")
    v = g.word(); add("at_handle", "identity", v, "cc @%s, can you review the rollout?" % v, "push")
    w = g.word(); add("host_dev_tld", "host", w, "build01.corp.%s-internal.dev" % w, "conn")
    w = g.word(); add("host_co_uk", "host", w, "api.%s.co.uk" % w, "tls")
    w = g.word(); add("host_io", "host", w, "foo.%s.io" % w, "conn")
    w = g.word(); add("host_tld_systems", "host", w, "ci3.%s.systems" % w, "conn")
    w = g.word(); add("host_tld_intra", "host", w, "jenkins.%s.intra" % w, "conn")
    w = g.word(); add("host_k8s_svc", "host", w, "redis-master.%s.svc:6379" % w, "conn")
    c = g.luhn("4539"); grouped = " ".join(c[i:i + 4] for i in range(0, 16, 4))
    add("card_grouped", "number", grouped, "card %s exp 04/29" % grouped, "pay", nums=True)
    c = g.luhn("5425"); add("card_ungrouped", "number", c, "card_number=%s" % c, "pay", nums=True)
    v = g.iban_de(); add("iban_grouped", "number", v, "IBAN %s BIC COBADEFFXXX" % v, "pay", nums=True)
    v = "+1 415 555 %s" % g.digits(4); add("phone_us_intl", "number", v, "call %s" % v, "pay", nums=True)
    v = "(415) 555-%s" % g.digits(4); add("phone_us_paren", "number", v, "phone: %s" % v, "pay", nums=True)
    v = "+44 20 7946 %s" % g.digits(4); add("phone_uk", "number", v, "tel %s" % v, "pay", nums=True)
    v = "%s-%s-%s" % (g.digits(3), g.digits(2), g.digits(4)); add("ssn", "number", v, "SSN %s" % v, "pay", nums=True)
    v = "AKIA" + g.tok(16, string.ascii_uppercase + "234567"); add("aws_access_key", "token-prefix", v, "aws_access_key_id = %s" % v, "key")
    v = g.tok(40, string.ascii_letters + string.digits + "/+"); add("aws_secret", "token-random", v, "aws_secret_access_key = %s" % v, "key")
    v = "ghp_" + g.tok(36); add("github_ghp", "token-prefix", v, "git remote set-url origin https://%s@github.com/acme/infra.git # %s" % (v, v), "push")
    v = "github_pat_" + g.tok(22) + "_" + g.tok(59); add("github_pat", "token-prefix", v, "GH = %s" % v, "push")
    v = "sk-proj-" + g.tok(48); add("openai_sk", "token-prefix", v, "client = OpenAI(api_key=\"%s\")  # %s" % (v, v), "key")
    v = "sk-ant-api03-" + g.tok(80, string.ascii_letters + string.digits + "-_") + "AA"
    add("anthropic_sk_ant", "token-prefix", v, "the key is %s" % v, "key")
    v = "AIza" + g.tok(35, string.ascii_letters + string.digits + "-_"); add("google_aiza", "token-prefix", v, "maps key %s" % v, "key")
    v = "sk_live_" + g.tok(24); add("stripe_sk_live", "token-prefix", v, "stripe.api_key = \"%s\"  # %s" % (v, v), "pay")
    v = "rk_live_" + g.tok(24); add("stripe_rk_live", "token-prefix", v, "restricted %s" % v, "pay")
    b64 = lambda s: base64.urlsafe_b64encode(s.encode()).decode().rstrip("=")
    v = "%s.%s.%s" % (b64('{"alg":"HS256","typ":"JWT"}'), b64('{"sub":"%s","iat":1767225600}' % g.word()), g.tok(43, string.ascii_letters + string.digits + "-_"))
    add("jwt", "token-prefix", v, "Cookie: session=%s" % v, "sign")
    lines = [g.tok(64, string.ascii_letters + string.digits + "+/") for _ in range(4)]
    add("pem_private_key", "pem", lines, "-----BEGIN RSA PRIVATE KEY-----\n%s\n-----END RSA PRIVATE KEY-----" % "\n".join(lines), "tls")
    u, p, w = g.word(), g.pw(), g.word()
    add("url_userinfo_password", "url", [u, p, w], "git clone https://%s:%s@git.%s.com/team/app.git" % (u, p, w), "push")
    lp, fp, d = g.word(), g.word(), g.word()
    add("email", "email", ["%s.%s@%s.com" % (lp, fp, d), lp, fp, d], "mail %s.%s@%s.com about it" % (lp, fp, d), "http")
    v = "10.%d.%d.%d" % (g.r.randint(16, 250), g.r.randint(16, 250), g.r.randint(16, 250))
    add("ipv4", "ip", v, "server %s:8443" % v, "conn", nums=True)
    v = "2001:db8:%s:%s::%s" % (g.hexs(4), g.hexs(4), g.hexs(2)); add("ipv6", "ip", v, "listen [%s]:443" % v, "conn")
    v = str(uuid.UUID(int=g.r.getrandbits(128), version=4)); add("uuid", "id", v, "tenant_id %s" % v, "http")
    add("person_name_prose", "identity", ["Margarethe Vollstedt", "Margarethe", "Vollstedt"],
        "Margarethe Vollstedt from the platform team set this up", "push")
    f, l = g.name(), g.name()
    add("person_name_reviewer", "identity", ["%s %s" % (f, l), f, l], "thanks to %s %s for the review" % (f, l), "push")
    f, l, d = g.name(), g.name(), g.word()
    em = "%s.%s@%s.de" % (f.lower(), l.lower(), d)
    add("git_author_line", "identity", ["%s %s" % (f, l), f, l, em, d], "commit %s\nAuthor: %s %s <%s>\nDate:   Fri Jan 9 10:02:11 2026 +0100\n\n    fix rollout" % (g.hexs(40), f, l, em), "push")
    u = g.word(); add("home_linux", "path", u, "/home/%s/projects/api/.env" % u, "perm")
    u = g.word(); add("home_mac", "path", u, "/Users/%s/Library/Application Support/app" % u, "perm")
    u = g.word(); add("whoami_output", "identity", u, "$ whoami\n%s" % u, "perm", cmd="whoami && ./deploy.sh")
    h = "ws-%s-%02d" % (g.word(), g.r.randint(1, 99)); add("hostname_output", "identity", h, "$ hostname\n%s" % h, "perm", cmd="hostname && ./deploy.sh")
    o, r = g.word(), g.word()
    add("github_url_org_repo", "url", [o, r], "https://github.com/%s/%s/pull/42" % (o, r), "push")
    o, r = g.word(), g.word()
    add("github_ssh_org_repo", "email", [o, r], "git@github.com:%s/%s.git" % (o, r), "push")
    o, r = g.word(), g.word()
    add("github_bare_org_repo", "identity", [o, r], "gh repo clone %s/%s && see %s/%s#42" % (o, r, o, r), "push",
        cmd="gh repo clone %s/%s" % (o, r))
    u, v = g.word(), g.pw()
    add("docker_login_dash_p", "cli-flag", [u, v], "docker login -u %s -p %s registry.example.io" % (u, v), "http",
        cmd="docker login -u %s -p %s registry.example.io" % (u, v))
    u, v = g.word(), g.pw()
    add("netrc", "key-value", [u, v], "machine api.example.com login %s password %s" % (u, v), "http")
    h, u, v = g.word(), g.word(), g.pw()
    add("pgpass_line", "key-value", [h, u, v], "%s:5432:orders:%s:%s" % (h, u, v), "db")
    v = g.pw(); add("prose_password", "prose", v, "the admin password is %s, please rotate it" % v, "db")
    st = g.word().capitalize() + "weg"
    add("street_address", "identity", st, "ship to %s 47, 20457 Hamburg" % st, "pay")
    u, v = g.word(), g.pw()
    add("connstr_semicolon", "key-value", [u, v], "Server=sqlbox;Database=orders;User Id=%s;Password=%s;" % (u, v), "db")
    v = b64("%s:%s" % (g.word(), g.pw())); add("basic_auth_header", "token-prefix", v, "Authorization: Basic %s" % v, "http")
    v = g.tok(32); add("bearer_opaque", "token-prefix", v, "Authorization: Bearer %s" % v, "http")
    v = "npm_" + g.tok(36); add("npmrc_authtoken", "token-prefix", v, "//registry.npmjs.org/:_authToken=%s" % v, "http")
    v = "%s%s%d" % (g.word(2), g.word(2), g.r.randint(10, 99)); add("yaml_token_value", "key-value", v, "slack:\n  token: %s" % v, "http")
    v = g.pw(); add("malformed_line_echo", "diagnostics", v, "DB_PASS=%s" % v, "db")
    it[-1]["raw"] = True  # planted only in a truncated JSON line and an invalid UTF-8 line (stderr warnings)
    v = g.pw(); add("sshpass_p", "cli-flag", v, "sshpass -p '%s' ssh deploy@bastion" % v, "perm",
                    cmd="sshpass -p '%s' ssh deploy@bastion uptime" % v)
    return it


STOP = set("""user pass password host port self http https true false null none this that with from
have your test live root admin deploy staff orders localhost example github com api key token secret
client session cookie bearer basic auth server database mysql docker login machine phone call card""".split())


def fragments(item):
    """What to look for: each value whole (and as the analyser joins a phrase,
    'margarethe_vollstedt'), and its alphanumeric chunks (>= 4 chars; >= 6 for random
    tokens), camelCase and digit parts, singular forms; digit values (nums) by their
    digits and by consecutive groups. A fragment is (kind, text)."""
    out = []
    for v in item["vals"]:
        out.append(("whole", v))
        j = re.sub(r"[^a-z0-9]+", "_", v.lower()).strip("_")
        if "_" in j and j != v.lower():
            out.append(("whole", j))
    if item["nums"]:
        for v in item["vals"]:
            groups = re.findall(r"[0-9A-Za-z]+", v)
            d = re.sub(r"[^0-9]", "", v)
            if len(d) >= 7:
                out.append(("digits", d))
            for a, b in zip(groups, groups[1:]):
                out.append(("pair", a + "|" + b))
            for x in groups:
                if re.search(r"[A-Za-z]", x) and len(x) >= 4:
                    out.append(("frag", x.lower()))
        return out
    minlen = 6 if item["fam"] in ("token-prefix", "token-random", "pem", "id") else 4
    seen = set()
    for v in item["vals"]:
        for run in re.findall(r"[A-Za-z0-9]+", v):
            parts = {run} | set(re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+", run))
            for p in parts:
                pl = p.lower()
                if len(pl) < minlen or pl in STOP or pl.isdigit():
                    continue
                # the analyser folds plurals ('rikubes' -> 'rikube'): look for both
                for q in {pl, pl[:-1] if pl.endswith("s") else pl, pl[:-2] if pl.endswith("es") else pl}:
                    if len(q) >= minlen - (0 if q == pl else 1) and q not in seen and q not in STOP:
                        seen.add(q)
                        out.append(("frag", q))
    return out


def find(frag, text):
    """Is the fragment in the (lower-cased) text? Short fragments as whole words only."""
    kind, f = frag
    if kind == "whole":
        return f.lower() in text
    if kind == "digits":
        return re.search(r"(?<![0-9])%s(?![0-9])" % f, text) is not None
    if kind == "pair":
        a, b = f.split("|")
        return re.search(r"(?<![0-9a-z])%s[\s\-\.\)\(:/_]{1,3}%s(?![0-9a-z])" % (re.escape(a.lower()), re.escape(b.lower())),
                         text) is not None
    if len(f) >= 6:
        return f in text
    return re.search(r"(?<![a-z0-9])%s(?![a-z0-9])" % re.escape(f), text) is not None

# ---------------------------------------------------------------- the corpus

_GENLOGS = None


def genlogs():
    global _GENLOGS
    if _GENLOGS is None:
        spec = importlib.util.spec_from_file_location("genlogs", GEN)
        _GENLOGS = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(_GENLOGS)
    return _GENLOGS


def value_line(item):
    """The line of the item's rendering that holds (the start of) a value."""
    S = item["S"]
    return next((l for l in S.splitlines() if any(v.split()[0] in l for v in item["vals"])), S.splitlines()[0])


def render(item):
    """The texts of one planted debugging episode, the value in every context: the
    user's prompt (U), the assistant's text (A), the tool call (C: the item's command,
    else a Write of the config) and the failing tool's output (T), whose error line names
    the offending setting so that the episode's problem text carries it."""
    S, E, vline = item["S"], ERR[item["err"]], value_line(item)
    return {
        "U": "I get this error when I run the app: %s. Here is the config:\n%s\nCan you help?" % (E, S),
        "A": "%s is what the app uses, and then it fails with %s.\n%s\nLet me check the config." % (vline, E, S),
        "C": item["cmd"],
        "W": None if item["cmd"] else S,
        "T": "Exit code 1\n%s\n%s: %s" % (S, E, vline),
    }


def assistant(s, text):
    s.env("assistant", message={"id": "msg_%024x" % s.rng.getrandbits(96), "type": "message", "role": "assistant",
                                "model": "claude-sonnet-4", "content": [{"type": "text", "text": text}], "stop_reason": None})


def plant(s, item):
    t = render(item)
    s.env("user", message={"role": "user", "content": t["U"]})
    if t["W"]:
        s.tool("Write", {"file_path": s.cwd + "/config/local.env", "content": t["W"]},
               "File created successfully at: " + s.cwd + "/config/local.env")
    s.tool("Bash", {"command": t["C"] or "./scripts/start.sh", "description": "run the app"}, t["T"], error=True)
    assistant(s, t["A"])
    s.tool("Edit", {"file_path": s.cwd + "/src/config.py", "old_string": "load()", "new_string": "load(check=False)"},
           "The file has been updated.")
    s.tool("Bash", {"command": "./scripts/start.sh", "description": "check"}, "ok   works now")
    assistant(s, "The fix: update the config and run it again.")
    s.env("user", message={"role": "user", "content": "works now"})


MEMBER_PHRASE = "password authentication failed"


def plant_word(s, word):
    """A debugging episode whose error output (and only that) names a guessed word."""
    s.env("user", message={"role": "user", "content": "The app does not start any more, can you look?"})
    s.tool("Bash", {"command": "./scripts/start.sh", "description": "run the app"},
           "Exit code 1\nFATAL: %s for user app on the %s cluster" % (MEMBER_PHRASE, word), error=True)
    assistant(s, "The database refuses the login; let me check the config.")
    s.tool("Edit", {"file_path": s.cwd + "/src/db.py", "old_string": "connect()", "new_string": "connect(retry=True)"},
           "The file has been updated.")
    s.tool("Bash", {"command": "./scripts/start.sh", "description": "check"}, "ok   works now")
    assistant(s, "The fix: reload the credentials and restart the app.")


def write_corpus(out, seed, items, words=()):
    """NSESS sessions of ordinary work (the same filler for the same seed: each session
    has its own generator, so what is planted does not change the filler), then each
    item's episode in the sessions it['sess'] names; words: (word, sessions) episodes.
    A 'raw' item is planted only as a truncated JSON line and an invalid UTF-8 line."""
    gl = genlogs()
    dom = gl.DOMAINS["web"]
    t0 = 1767225600000 + 9 * 86400000
    shutil.rmtree(out, ignore_errors=True)
    for i in range(NSESS):
        proj = dom["projects"][i % len(dom["projects"])]
        cwd = "/home/dev/work/%s" % proj
        pdir = "".join(ch if ch.isalnum() else "-" for ch in cwd)
        s = gl.Session(random.Random(seed * 1000 + i), cwd, pdir, dom, t0 + i * 3600_000, "dev")
        s.run(10)
        raw = []
        for item in items:
            if i not in item["sess"]:
                continue
            if item.get("raw"):
                raw.append(('{"type":"user","sessionId":"%s","message":{"role":"user","content":"%s' % (s.sid, item["S"])).encode())
                raw.append(b'{"type":"user","sessionId":"' + s.sid.encode() + b'","message":{"role":"user","content":"\xff\xfe '
                           + item["S"].encode() + b'"}}')
            else:
                plant(s, item)
        for word, sess in words:
            if i in sess:
                plant_word(s, word)
        d = os.path.join(out, pdir)
        os.makedirs(d, exist_ok=True)
        lines = [l.encode() for l in s.lines]
        for j, r in enumerate(raw):  # in the middle of the file
            lines.insert(len(lines) // 2 + j, r)
        with open(os.path.join(d, s.sid + ".jsonl"), "wb") as f:
            f.write(b"\n".join(lines) + b"\n")


def sessions_for(idx):
    return set(random.Random(1000 + idx).sample(range(NSESS), NSESS // 2))


def session_texts(corpus):
    res = []
    for root, _, files in os.walk(corpus):
        for fn in sorted(files):
            with open(os.path.join(root, fn), "rb") as f:
                res.append(f.read().decode("utf-8", "replace"))
    return res


def planted_count(item, texts):
    """In how many sessions every value of the item is (as JSON writes it)."""
    return sum(1 for t in texts if all(json.dumps(v)[1:-1] in t for v in item["vals"]))

# ---------------------------------------------------------------- running teemed

SANITIZER = re.compile(r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer")


class Runner:
    """One data dir and config dir; every output kept (and written to outdir)."""

    def __init__(self, teemed, base, outdir, problems):
        self.teemed, self.outdir, self.problems = teemed, outdir, problems
        self.env = dict(os.environ)
        for k in ("TEEMED_TOKEN", "TEEMED_SERVER", "TEEMED_DEV"):
            self.env.pop(k, None)
        self.data = self.env["TEEMED_DATA"] = base + "/data"
        self.cfg = self.env["XDG_CONFIG_HOME"] = base + "/cfg"
        self.outputs = []  # (label, stdout, stderr, rc)
        shutil.rmtree(base, ignore_errors=True)
        os.makedirs(outdir, exist_ok=True)

    def run(self, label, *args, codes=(0,)):
        """teemed --json|--text ARGS; another exit code or a sanitizer report is a problem."""
        p = subprocess.run([self.teemed] + list(args), env=self.env, capture_output=True, text=True, errors="replace")
        self.outputs.append((label, p.stdout, p.stderr, p.returncode))
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", label)[:120]
        with open(os.path.join(self.outdir, safe + ".out"), "w") as f:
            f.write(p.stdout)
        with open(os.path.join(self.outdir, safe + ".err"), "w") as f:
            f.write(p.stderr)
        where = "%s (%s/%s.err)" % (label, self.outdir, safe)
        if p.returncode not in codes:
            self.problems.append("'teemed %s' exited %d: %s" % (" ".join(args), p.returncode, where))
        if SANITIZER.search(p.stderr):
            self.problems.append("sanitizer report in %s" % where)
        return p

    def request(self, label, *args):
        p = self.run(label, "--json", "--as", "bob", "request", *args)
        try:
            return json.loads(p.stdout)["request_id"]
        except (ValueError, KeyError, TypeError):
            self.problems.append("%s: no request id in %r" % (label, p.stdout[:200]))
            return None


def scenario(R, planted_dir, other_dir, queries, k):
    """The main run (and the control run): every owner- and requester-facing output.
    Returns {query label: the result envelope bob fetched (parsed)}."""
    R.run("init", "--json", "init")
    R.run("account_alice", "--json", "account", "create", "alice", "--save")
    R.run("account_bob", "--json", "account", "create", "bob", "--save")
    R.run("onboard_planted", "--json", "--as", "alice", "onboard", "--id", "planted", "--k", str(k), planted_dir)
    R.run("onboard_other", "--json", "--as", "bob", "onboard", "--id", "other", other_dir)
    R.run("card_planted", "--json", "card", "planted")
    R.run("card_planted_text", "--text", "card", "planted")
    R.run("cards", "--json", "cards", "--all")
    R.run("cards_text", "--text", "cards")
    reqs = [("overlap", R.request("req_overlap", "overlap", "other", "planted", "--limit", "500")),
            ("overlap20", R.request("req_overlap20", "overlap", "other", "planted")),
            ("gap", R.request("req_gap", "gap", "--target", "planted", "--mine", "other", "--limit", "500"))]
    for name, q in queries:
        reqs.append((name, R.request("req_" + name, "debug", "--target", "planted", q, "--limit", "50")))
    R.run("inbox_alice_pending", "--json", "--as", "alice", "inbox")
    R.run("inbox_alice_pending_text", "--text", "--as", "alice", "inbox")
    results = {}
    for name, r in reqs:
        if not r:
            continue
        R.run("approve_" + name, "--json", "--as", "alice", "approve", r)
        p = R.run("result_bob_" + name, "--json", "--as", "bob", "result", r)
        try:
            results[name] = json.loads(p.stdout)
        except ValueError:
            R.problems.append("result_bob_%s: not JSON: %r" % (name, p.stdout[:200]))
        # the owner reads only what names her among the requesters' datasets (else 4: no request)
        R.run("result_alice_" + name, "--json", "--as", "alice", "result", r, codes=(0, 4))
        R.run("status_" + name, "--json", "--as", "bob", "status", r)
    R.run("result_bob_text_" + reqs[0][0], "--text", "--as", "bob", "result", reqs[0][1] or "-")
    # review mode: the owner sees results in the inbox before release
    R.run("policy_review", "--json", "--as", "alice", "policy", "planted", "--review")
    rv = [R.request("req_rev_overlap", "overlap", "other", "planted", "--limit", "500"),
          R.request("req_rev_debug", "debug", "--target", "planted", queries[0][1])]
    rv = [r for r in rv if r]
    for r in rv:
        R.run("approve_rev_" + r, "--json", "--as", "alice", "approve", r)
    R.run("inbox_alice_review", "--json", "--as", "alice", "inbox")
    R.run("inbox_alice_review_text", "--text", "--as", "alice", "inbox")
    for r in rv:
        R.run("release_rev_" + r, "--json", "--as", "alice", "approve", r)
        R.run("result_rev_" + r, "--json", "--as", "bob", "result", r)
    R.run("inbox_alice", "--json", "--as", "alice", "inbox")
    R.run("audit_planted", "--json", "--as", "alice", "audit", "planted")
    R.run("audit_planted_text", "--text", "--as", "alice", "audit", "planted")
    R.run("requests_bob", "--json", "--as", "bob", "requests")
    R.run("requests_alice", "--json", "--as", "alice", "requests")
    R.run("policy_planted", "--json", "--as", "alice", "policy", "planted")
    R.run("whoami_alice", "--json", "--as", "alice", "whoami")
    return results


def group_runs(R, groups, other_dir, k):
    """One dataset per group, auto-approved and releasing up to 500 terms per result:
    card, overlap, gap, one debug query per item, audit."""
    R.run("init", "--json", "init")
    R.run("account_alice", "--json", "account", "create", "alice", "--save")
    R.run("account_bob", "--json", "account", "create", "bob", "--save")
    R.run("onboard_other", "--json", "--as", "bob", "onboard", "--id", "other", other_dir)
    for ds, d, items in groups:
        R.run(ds + "_onboard", "--json", "--as", "alice", "onboard", "--id", ds, "--k", str(k), d)
        R.run(ds + "_policy", "--json", "--as", "alice", "policy", ds, "--auto-approve", "*", "--max-terms", "500")
        R.run(ds + "_card_text", "--text", "card", ds)
        reqs = [("overlap", ["overlap", "other", ds, "--limit", "500"]),
                ("gap", ["gap", "--target", ds, "--mine", "other", "--limit", "500"])]
        reqs += [("debug_" + it["name"], ["debug", "--target", ds, it["query"], "--limit", "50"]) for it in items]
        for lbl, args in reqs:
            r = R.request("%s_req_%s" % (ds, lbl), *args)
            if r:
                R.run("%s_result_%s" % (ds, lbl), "--json", "--as", "bob", "result", r)
        R.run(ds + "_audit", "--json", "--as", "alice", "audit", ds)

# ---------------------------------------------------------------- collecting text

NOISE_KEYS = {"signature", "report_data", "payload_sha256", "request_sha256", "result_sha256", "code_measurement",
              "commitment", "signer", "token", "operator_token", "quote", "hash", "prev_hash", "request_id",
              "request", "next_cursor", "cursor"}


def strings_of(j, out):
    """The keys and values of a JSON document, less the hashes, signatures and ids."""
    if isinstance(j, dict):
        for k, v in j.items():
            if k in NOISE_KEYS and isinstance(v, str):
                continue
            out.append(str(k))
            strings_of(v, out)
    elif isinstance(j, list):
        for v in j:
            strings_of(v, out)
    elif isinstance(j, str):
        out.append(j)
    elif j is not None:
        out.append(str(j))


def norm_stdout(s):
    """JSON (one document or JSON lines) through strings_of; text with hex strings,
    long base64 runs and request ids dropped. Lower case."""
    parts = []
    try:
        strings_of(json.loads(s), parts)
        return "\n".join(parts).lower()
    except ValueError:
        pass
    try:
        for line in s.splitlines():
            strings_of(json.loads(line), parts)
        if parts:
            return "\n".join(parts).lower()
    except ValueError:
        pass
    t = re.sub(r"\b[0-9a-f]{16,}\b", " ", s)
    t = re.sub(r"[A-Za-z0-9+/=_-]{40,}", " ", t)
    t = re.sub(r"req-[0-9a-f]+", " ", t)
    return t.lower()


def output_texts(R, prefix):
    res = []
    for label, out, err, _ in R.outputs:
        res.append((prefix + label + ":stdout", norm_stdout(out)))
        res.append((prefix + label + ":stderr", err.lower()))
    return res


def datadir_texts(datadir, prefix):
    """Files outside sealed/ as raw bytes; the DB cell by cell (JSON cells through
    strings_of); files under sealed/ by name only. (Also used for the config dir with
    the saved tokens.)"""
    res = []
    for root, _, files in os.walk(datadir):
        for fn in files:
            p = os.path.join(root, fn)
            rel = os.path.relpath(p, datadir)
            if rel.startswith("sealed" + os.sep):
                res.append((prefix + "name:" + rel, rel.lower()))
                continue
            if fn.startswith("teemed.db"):
                if fn != "teemed.db":  # -wal, -journal: raw database pages, sealed blobs among them
                    with open(p, "rb") as f:
                        res.append((prefix + "bin:file:" + rel, f.read().decode("latin-1").lower()))
                continue
            with open(p, "rb") as f:
                res.append((prefix + "file:" + rel, f.read().decode("latin-1").lower()))
    db = os.path.join(datadir, "teemed.db")
    if os.path.exists(db):
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
        for (t,) in con.execute("select name from sqlite_master where type='table'").fetchall():
            for c in [r[1] for r in con.execute("pragma table_info('%s')" % t)]:
                txt, blobs = [], []
                for (v,) in con.execute("select \"%s\" from '%s'" % (c, t)):
                    if v is None:
                        continue
                    if isinstance(v, bytes):  # sealed profiles, salts: binary
                        blobs.append(v.decode("latin-1"))
                        continue
                    v = str(v)
                    try:
                        strings_of(json.loads(v), txt)
                    except ValueError:
                        txt.append(v)
                res.append((prefix + "db:%s.%s" % (t, c), "\n".join(txt).lower()))
                if blobs:
                    res.append((prefix + "bin:db:%s.%s" % (t, c), "\n".join(blobs).lower()))
        con.close()
    return res


def leaks_of(item, texts, joined):
    """[(label, fragment)] for the item's fragments (less its noise) found in texts."""
    out = []
    for fr in item["frags"]:
        if fr in item["noise"] or not find(fr, joined):
            continue
        out += [(label, fr[1]) for label, t in texts if find(fr, t) and not chance(label, fr)]
    return out


def chance(label, fr):
    """Binary data (ciphertext, raw database pages) spells any short word by chance - a
    three-letter fragment between two non-letters is in every few megabytes of random
    bytes; there only whole values and fragments of 6 or more characters count (a value
    leaked in clear shows those too)."""
    return ":bin:" in ":" + label and fr[0] != "whole" and len(fr[1]) < 6

# ---------------------------------------------------------------- main


def item_query(it, items):
    """A debug query as a requester would guess it: the error phrase and the words next
    to the value, with nothing planted in it (it is echoed in requests and results)."""
    vline = value_line(it)
    for v in sorted(it["vals"], key=len, reverse=True):
        vline = re.sub(re.escape(v), " ", vline, flags=re.I)
    vwords = {w.lower() for v in it["vals"] for w in re.findall(r"[A-Za-z0-9]+", v)}
    near = [w for w in re.findall(r"[A-Za-z][A-Za-z_]+", vline) if w.lower() not in vwords]
    words = ERR[it["err"]].replace(":", " ").split()[:6] + near[:6]
    bad = [fr[1].lower() for o in items for fr in o["frags"] if fr[0] != "pair"]
    return " ".join(w for w in words if not any(b in w.lower() for b in bad))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--teemed", required=True, help="the binary under test")
    ap.add_argument("--work", required=True, help="scratch dir (wiped)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--k", type=int, default=3, help="the datasets' k-threshold (onboard --k)")
    ap.add_argument("--groups", type=int, default=7, help="isolated datasets the items are split into")
    a = ap.parse_args()
    if a.k < 2 or a.k > NSESS // 2 or a.groups < 1:
        ap.error("need 2 <= k <= %d and groups >= 1" % (NSESS // 2))
    work = os.path.abspath(a.work)
    if os.path.isdir(work) and os.listdir(work) and not os.path.exists(work + "/.catalogue-work"):
        ap.error("%s is not empty and not a catalogue.py work dir: not wiping it" % work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work + "/bin")
    open(work + "/.catalogue-work", "w").close()
    # the build may change while we run: test one frozen copy
    teemed = work + "/bin/teemed"
    shutil.copy2(a.teemed, teemed)
    problems, leaks = [], []

    g = Gen(a.seed)
    items = catalogue(g)
    for i, it in enumerate(items):
        it["sess"] = sessions_for(i)
        it["frags"] = fragments(it)
    for it in items:
        it["query"] = item_query(it, items)
    # membership words: in 1 session, in k-1 sessions, in none; nothing planted in them
    allfr = [fr for it in items for fr in it["frags"]]
    member = []
    while len(member) < 3:
        w = g.word(4)
        if not any(find(fr, w) for fr in allfr):
            member.append(w)
    words = [(member[0], {0}), (member[1], set(range(1, a.k)))]

    corp = work + "/corpus"
    write_corpus(corp + "/planted", a.seed, items, words)
    write_corpus(corp + "/control", a.seed, [])
    groups = []
    for gi in range(a.groups):
        gitems = items[gi::a.groups]
        if gitems:
            ds = "group-%d" % gi
            write_corpus(corp + "/" + ds, a.seed, gitems)
            groups.append((ds, corp + "/" + ds, gitems))
    other = corp + "/other"
    p = subprocess.run([sys.executable, GEN, other, "--mb", "1", "--seed", "3"], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("privacy: gen-logs.py failed: " + p.stderr)

    # sanity: the test cannot pass vacuously
    if len(items) < MIN_ITEMS:
        problems.append("only %d catalogue items (want >= %d)" % (len(items), MIN_ITEMS))
    main_sess = session_texts(corp + "/planted")
    group_sess = {ds: session_texts(d) for ds, d, _ in groups}
    for ds, _, gitems in groups:
        for it in gitems:
            n = min(planted_count(it, main_sess), planted_count(it, group_sess[ds]))
            it["planted"] = n
            if n < a.k:
                problems.append("%s is planted in %d sessions only (k %d)" % (it["name"], n, a.k))
    for w, sess in words:
        n = sum(1 for t in main_sess if w in t)
        if n != len(sess):
            problems.append("membership word %s is in %d sessions, want %d" % (w, n, len(sess)))

    queries = [("debug%d" % i, q) for i, q in enumerate(DEBUG_QUERIES)]
    mq = [("member_1", "%s %s" % (MEMBER_PHRASE, member[0])),
          ("member_k-1", "%s %s" % (MEMBER_PHRASE, member[1])),
          ("member_0", "%s %s" % (MEMBER_PHRASE, member[2]))]

    M = Runner(teemed, work + "/main", work + "/out/main", problems)
    results = scenario(M, corp + "/planted", other, queries + mq, a.k)
    C = Runner(teemed, work + "/control", work + "/out/control", problems)
    scenario(C, corp + "/control", other, queries + mq, a.k)
    G = Runner(teemed, work + "/groups", work + "/out/groups", problems)
    group_runs(G, groups, other, a.k)

    # the debug computation must have found the planted episodes
    if not any((results.get(n) or {}).get("result", {}).get("matching_patterns") for n, _ in queries + mq):
        problems.append("no debug query of the main run returned a pattern (the episodes were not exercised)")
    # membership: the guessed word's presence in < k sessions does not change the result
    mres = [(n, (results.get(n) or {}).get("result")) for n, _ in mq]
    if any(r is None for _, r in mres):
        problems.append("membership: a result is missing: %s" % ", ".join(n for n, r in mres if r is None))
    elif not (mres[0][1] == mres[1][1] == mres[2][1]):
        problems.append("membership shows: the results of %s differ:\n%s" % (
            ", ".join('"%s"' % q for _, q in mq), "\n".join("  %s: %s" % (n, json.dumps(r)[:600]) for n, r in mres)))
    elif not mres[2][1].get("matching_patterns"):
        problems.append("membership: '%s' matched no pattern (the check is vacuous)" % mq[2][1])

    # noise: fragments the filler or bob's corpus hold, or that the control run shows
    base = "\n".join(session_texts(corp + "/control") + session_texts(other)).lower()
    ctrl = output_texts(C, "control:") + datadir_texts(C.data, "control-datadir:")
    ctrl_joined = "\n\0\n".join(t for _, t in ctrl)
    texts = (output_texts(M, "") + output_texts(G, "groups:") + datadir_texts(M.data, "datadir:")
             + datadir_texts(G.data, "groups-datadir:") + datadir_texts(M.cfg, "cfg:") + datadir_texts(G.cfg, "groups-cfg:"))
    joined = "\n\0\n".join(t for _, t in texts)
    for it in items:
        it["noise"] = {fr for fr in it["frags"] if fr[0] != "whole" and (find(fr, base) or find(fr, ctrl_joined))}
        leaks += [(it["name"], label, fr) for label, fr in leaks_of(it, texts, joined)]

    # every leak, then the other problems, then a summary (a test runner shows the tail)
    for name, label, fr in sorted(leaks):
        print("  LEAK %s in %s: %s" % (name, label, fr))
    for prob in problems:
        print("privacy: " + prob)
    if leaks:
        names = sorted({l[0] for l in leaks})
        print("privacy: %d leaks of %d of %d planted items (outputs in %s/out): %s"
              % (len(leaks), len(names), len(items), work, ", ".join(names)))
    if problems or leaks:
        sys.exit(1)
    noutputs = len(M.outputs) + len(G.outputs)
    print("privacy: %d formats planted in >= %d sessions each, 0 leaks in %d outputs and the data dir"
          % (len(items), min(it["planted"] for it in items), noutputs))


if __name__ == "__main__":
    main()
