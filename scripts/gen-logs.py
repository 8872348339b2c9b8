#!/usr/bin/env python3
"""gen-logs.py - a deterministic generator of synthetic Claude Code trees, for tests and
benchmarks (no real data in it, nothing copied from anywhere).

    gen-logs.py OUT --mb 40 [--seed 7] [--projects 6] [--user dev] [--domain tee|web|data]

writes OUT/<encoded project dir>/<session uuid>.jsonl in the shape Claude Code 2.x
writes them (docs/claude-code-format.md in ../shared describes the real files): user
prompts, assistant text and thinking, tool calls (Bash, Read, Edit, Grep, Write) and
their results, failing commands and their fixes, progress and system records,
file-history snapshots and session titles. The same seed gives the same bytes. It
prints one JSON line of figures (records, sessions, projects, bytes).
"""
import argparse
import json
import os
import random
import uuid

DOMAINS = {
    "tee": {
        "projects": ["attest-verifier", "dstack-gateway", "kms-sidecar", "ra-tls-proxy", "cvm-infra", "quote-bench"],
        "terms": ["attestation", "quote", "tdx", "rtmr3", "mrtd", "compose_hash", "report_data", "event log",
                  "dcap", "collateral", "tcb status", "enclave", "sealing key", "kms", "app id", "ra-tls",
                  "measurement", "verifier", "pck certificate", "qe identity"],
        "errors": [("attestation verification failed: RTMR3 mismatch", "replay the event log and compare RTMR3"),
                   ("quote verification error: TCB status OutOfDate", "refresh the collateral and pin the TCB"),
                   ("tls handshake failed: certificate has no quote extension", "regenerate the RA-TLS certificate"),
                   ("kms: key derivation refused for app id", "register the compose hash before deploying")],
    },
    "web": {
        "projects": ["shop-frontend", "api-gateway", "auth-service", "design-system", "checkout", "admin-panel"],
        "terms": ["react", "component", "router", "hydration", "tailwind", "webpack", "typescript", "jwt",
                  "session cookie", "graphql", "resolver", "middleware", "rate limiter", "cache header",
                  "service worker", "lighthouse", "accessibility", "form validation", "redux", "vite"],
        "errors": [("TypeError: Cannot read properties of undefined (reading 'map')", "guard the list before rendering"),
                   ("Hydration failed because the initial UI does not match", "move the date formatting to the client"),
                   ("401 Unauthorized: jwt expired", "refresh the token before the request"),
                   ("Module not found: Can't resolve './styles'", "fix the import path")],
    },
    "data": {
        "projects": ["etl-pipeline", "feature-store", "dashboards", "model-training", "warehouse", "ingest-jobs"],
        "terms": ["dataframe", "parquet", "partition", "spark", "airflow", "dag", "schema drift", "backfill",
                  "warehouse", "dbt model", "join key", "null handling", "window function", "feature vector",
                  "embedding", "training loop", "validation split", "checkpoint", "gradient", "batch size"],
        "errors": [("KeyError: 'customer_id' in merge", "rename the join key before merging"),
                   ("AnalysisException: cannot resolve column", "update the schema after the drift"),
                   ("CUDA out of memory", "halve the batch size and use gradient accumulation"),
                   ("airflow task failed: upstream_failed", "fix the sensor timeout")],
    },
}

GENERIC = ["let me check", "looks good", "the tests pass", "next step", "I'll update", "run the build",
           "here is the change", "that should fix it", "can you look at", "please add", "what about",
           "the config", "the function", "the file", "a quick fix", "the output", "works now"]

TOOLS_OK = ["total 48\ndrwxr-xr-x  5 dev dev 4096 Jan  3 10:00 src\n-rw-r--r--  1 dev dev  912 Jan  3 10:00 README.md",
            "ok   all 42 tests passed", "Compiling... done in 3.2s", "On branch main\nnothing to commit"]


def ts(ms):
    s, m = divmod(ms, 1000)
    import time
    t = time.gmtime(s)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, m)


class Session:
    def __init__(self, rng, cwd, project_dir, dom, start_ms, user):
        self.rng, self.cwd, self.dom, self.t, self.user = rng, cwd, dom, start_ms, user
        self.sid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        self.parent = None
        self.lines = []
        self.project_dir = project_dir

    def env(self, kind, **kw):
        self.t += self.rng.randint(200, 40000)
        u = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        rec = {"parentUuid": self.parent, "isSidechain": False, "userType": "external", "cwd": self.cwd,
               "sessionId": self.sid, "version": "2.1.9", "gitBranch": "main", "type": kind, "uuid": u,
               "timestamp": ts(self.t)}
        rec.update(kw)
        self.parent = u
        self.lines.append(json.dumps(rec, separators=(",", ":")))

    def sentence(self, n=2):
        r = self.rng
        words = []
        for _ in range(n):
            words.append(r.choice(GENERIC))
            words.append("the " + r.choice(self.dom["terms"]))
        return " ".join(words).capitalize() + "."

    def prompt(self):
        r = self.rng
        self.env("user", message={"role": "user", "content": "%s %s for the %s" % (
            r.choice(["Please fix", "Can you add", "Explain", "Refactor", "Check"]),
            r.choice(self.dom["terms"]), r.choice(self.dom["terms"]))})

    def assistant_text(self):
        mid = "msg_%024x" % self.rng.getrandbits(96)
        if self.rng.random() < 0.4:
            self.env("assistant", message={"id": mid, "type": "message", "role": "assistant", "model": "claude-sonnet-4",
                                           "content": [{"type": "thinking", "thinking": self.sentence(3), "signature": "sig"}],
                                           "stop_reason": None})
        self.env("assistant", message={"id": mid, "type": "message", "role": "assistant", "model": "claude-sonnet-4",
                                       "content": [{"type": "text", "text": self.sentence(self.rng.randint(2, 6))}],
                                       "stop_reason": None})

    def tool(self, name, inp, out, error=False):
        tid = "toolu_%024x" % self.rng.getrandbits(96)
        self.env("assistant", message={"id": "msg_%024x" % self.rng.getrandbits(96), "type": "message",
                                       "role": "assistant", "model": "claude-sonnet-4",
                                       "content": [{"type": "tool_use", "id": tid, "name": name, "input": inp}],
                                       "stop_reason": "tool_use"})
        block = {"tool_use_id": tid, "type": "tool_result", "content": out}
        if error:
            block["is_error"] = True
        result = ("Error: " + out) if error else ({"stdout": out, "stderr": "", "interrupted": False, "isImage": False}
                                                   if name == "Bash" else {"type": "text"})
        self.env("user", message={"role": "user", "content": [block]}, toolUseResult=result)

    def work(self):
        r = self.rng
        path = "%s/src/%s.py" % (self.cwd, r.choice(["main", "util", "server", "client", "config"]))
        kind = r.random()
        if kind < 0.35:
            self.tool("Bash", {"command": "make test", "description": "run tests"}, r.choice(TOOLS_OK))
        elif kind < 0.6:
            body = "\n".join("%5d\u2192%s" % (i + 1, self.sentence(1)) for i in range(r.randint(3, 30)))
            self.tool("Read", {"file_path": path}, body)
        elif kind < 0.8:
            self.tool("Edit", {"file_path": path, "old_string": self.sentence(1), "new_string": self.sentence(1)},
                      "The file %s has been updated." % path)
        else:
            self.tool("Grep", {"pattern": r.choice(self.dom["terms"]).replace(" ", "_"), "path": self.cwd},
                      "%s:12: %s" % (path, self.sentence(1)))
        if r.random() < 0.2:
            self.env("progress", data={"type": "bash_progress", "output": "...", "fullOutput": "..."},
                     toolUseID="toolu_x", parentToolUseID="toolu_x")

    def debug_episode(self):
        err, fix = self.rng.choice(self.dom["errors"])
        self.env("user", message={"role": "user", "content": "I'm getting %s, can you look?" % err})
        self.tool("Bash", {"command": "make run", "description": "reproduce"}, "Exit code 1\n" + err, error=True)
        self.assistant_text()
        self.tool("Edit", {"file_path": self.cwd + "/src/main.py", "old_string": "a", "new_string": "b"},
                  "The file has been updated.")
        self.env("assistant", message={"id": "msg_%024x" % self.rng.getrandbits(96), "type": "message",
                                       "role": "assistant", "model": "claude-sonnet-4",
                                       "content": [{"type": "text", "text": "The fix: %s." % fix}], "stop_reason": None})
        self.tool("Bash", {"command": "make run", "description": "check"}, "ok   works now")

    def run(self, turns):
        self.lines.append(json.dumps({"type": "summary", "summary": "Work on %s" % self.rng.choice(self.dom["terms"]),
                                      "leafUuid": str(uuid.UUID(int=self.rng.getrandbits(128), version=4))}))
        for _ in range(turns):
            self.prompt()
            self.assistant_text()
            for _ in range(self.rng.randint(1, 5)):
                self.work()
            if self.rng.random() < 0.15:
                self.debug_episode()
            self.assistant_text()
            self.env("system", subtype="turn_duration", durationMs=self.rng.randint(1000, 90000))
            if self.rng.random() < 0.1:
                self.lines.append(json.dumps({"type": "file-history-snapshot", "messageId": self.parent,
                                              "snapshot": {"trackedFileBackups": {}}, "isSnapshotUpdate": False}))
        return "\n".join(self.lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--mb", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--projects", type=int, default=6)
    ap.add_argument("--user", default="dev")
    ap.add_argument("--domain", default="tee", choices=sorted(DOMAINS))
    a = ap.parse_args()
    rng = random.Random(a.seed)
    dom = DOMAINS[a.domain]
    target = int(a.mb * 1_000_000)
    total = records = sessions = 0
    t0 = 1767225600000 + rng.randint(0, 86400000 * 30)  # January 2026
    projects = dom["projects"][:max(1, min(a.projects, len(dom["projects"])))]
    while total < target:
        proj = projects[sessions % len(projects)]
        cwd = "/home/%s/work/%s" % (a.user, proj)
        pdir = "".join(ch if ch.isalnum() else "-" for ch in cwd)
        s = Session(rng, cwd, pdir, dom, t0 + sessions * 3600_000, a.user)
        text = s.run(rng.randint(3, 12))
        d = os.path.join(a.out, pdir)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, s.sid + ".jsonl"), "w") as f:
            f.write(text)
        total += len(text.encode())
        records += text.count("\n")
        sessions += 1
    print(json.dumps({"records": records, "sessions": sessions, "projects": len(set(
        projects[i % len(projects)] for i in range(sessions))), "bytes": total}))


if __name__ == "__main__":
    main()
