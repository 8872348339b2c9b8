#!/usr/bin/env python3
"""Generate the synthetic Claude Code sample datasets under examples/.

    python3 examples/make-examples.py [OUT_DIR]        (default: the directory of this script)

Writes three datasets in the on-disk layout of Claude Code session logs,
<OUT_DIR>/<dataset>/projects/<encoded-cwd>/<session-uuid>.jsonl:

  tee-expert    owner "amiller":     dstack / Phala TEE expert, 5 projects, ~5 weeks
  gcp-tee       owner "cloudmolty":  GCP Confidential VM developer, 4 projects, ~8 weeks
  tee-beginner  owner "newbiemolty": TEE learner, 2 projects, 14 days

Everything is synthetic and fictional: people, paths, hashes, addresses, outputs.
Standard library only; the output is a pure function of SEED (re-running gives
byte-identical files).  The record shapes follow shared/docs/claude-code-format.md.
"""
import datetime as _dt
import difflib
import fnmatch
import hashlib
import json
import os
import random
import re
import shutil
import string
import sys
import uuid as _uuid

SEED = 20260130
ALNUM = string.ascii_letters + string.digits
B64 = string.ascii_letters + string.digits + "+/"

READ_REMINDER = ""
TODO_OK = ("Todos have been modified successfully. Ensure that you continue to use the todo list to "
           "track your progress. Please proceed with the current tasks if applicable")
REJECTED = ("The user doesn't want to proceed with this tool use. The tool use was rejected (eg. if it "
            "was a file edit, the new_string was NOT written to the file). STOP what you are doing and "
            "wait for the user to tell you how to proceed.")


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------

def sha256h(text):
    if isinstance(text, str):
        text = text.encode()
    return hashlib.sha256(text).hexdigest()


def sha384h(data):
    return hashlib.sha384(data).hexdigest()


def encode_cwd(cwd):
    return re.sub(r"[^A-Za-z0-9]", "-", cwd)


def D(s):
    """'2026-01-04 15:20' (UTC) -> datetime"""
    return _dt.datetime.strptime(s, "%Y-%m-%d %H:%M")


def rtmr3_event_digest(name, payload):
    """dstack V1 runtime event digest: SHA-384(LE32(0x08000001) ':' name ':' payload)."""
    return hashlib.sha384(b"\x01\x00\x00\x08:" + name.encode() + b":" + payload).digest()


def rtmr_replay(events):
    mr = b"\x00" * 48
    for name, payload in events:
        mr = hashlib.sha384(mr + rtmr3_event_digest(name, payload)).digest()
    return mr.hex()


class Gen:
    """All randomness of one dataset comes from here, in call order."""

    def __init__(self, seed):
        self.rng = random.Random(seed)

    def uuid(self):
        return str(_uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def b62(self, n):
        return "".join(self.rng.choice(ALNUM) for _ in range(n))

    def hex(self, n):
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(n))

    def sig(self):
        n = self.rng.randint(120, 220)
        return "E" + "".join(self.rng.choice(B64) for _ in range(n)) + "=="

    def pick(self, seq):
        return seq[self.rng.randrange(len(seq))]

    def randint(self, a, b):
        return self.rng.randint(a, b)

    def chance(self, p):
        return self.rng.random() < p


SLUG_A = ("quiet brisk amber hidden lucky gentle rapid silent curious steady bold clever velvet "
          "frosty sunny misty golden humble eager patient").split()
SLUG_B = ("sparrow harbor lantern meadow orchid canyon pebble comet falcon willow glacier ember "
          "otter cedar prism beacon thistle quill raven delta").split()
SLUG_C = ("drifting humming wandering gliding blooming spinning dancing sleeping weaving painting "
          "singing climbing folding baking sailing").split()


# ----------------------------------------------------------------------------------------------
# projects and their virtual file systems
# ----------------------------------------------------------------------------------------------

class Project:
    def __init__(self, cwd, files=None):
        self.cwd = cwd
        self.vfs = {}
        for rel, text in (files or {}).items():
            self.vfs[self.abs(rel)] = text

    def abs(self, rel):
        return rel if rel.startswith("/") else self.cwd + "/" + rel

    def rel(self, path):
        return path[len(self.cwd) + 1:] if path.startswith(self.cwd + "/") else path

    def put(self, rel, text):
        self.vfs[self.abs(rel)] = text

    def get(self, rel):
        return self.vfs.get(self.abs(rel))


# ----------------------------------------------------------------------------------------------
# tools: each builds its input, and produces (content, is_error, toolUseResult, show_is_error)
# ----------------------------------------------------------------------------------------------

class Tool:
    name = "?"
    progress = ()
    secs = (1, 4)

    def run(self, s):
        raise NotImplementedError


class Bash(Tool):
    name = "Bash"

    def __init__(self, command, out="", desc=None, code=0, err="", secs=(1, 6), progress=(),
                 timeout=None, interp=None, timed_out=False):
        self.input = {"command": command, "description": desc or "Run command"}
        if timeout:
            self.input["timeout"] = timeout
        self.out, self.code, self.err, self.secs = out, code, err, secs
        self.progress = progress
        self.interp = interp
        self.timed_out = timed_out

    def run(self, s):
        out = self.out.rstrip("\n")
        err = self.err.rstrip("\n")
        if self.timed_out:
            msg = "Command timed out after 2m 0.0s " + (out or "")
            return msg.rstrip(), True, "Error: " + msg.rstrip(), True
        if self.code:
            body = "\n".join(x for x in (out, err) if x)
            text = "Exit code %d\n%s" % (self.code, body)
            return text, True, "Error: " + text, True
        text = "\n".join(x for x in (out, err) if x)
        tur = {"stdout": out, "stderr": err, "interrupted": False, "isImage": False}
        if self.interp:
            tur["returnCodeInterpretation"] = self.interp
        if not text:
            tur["noOutputExpected"] = False
            text = "(No content)" if self.interp is None else text
        return text, False, tur, True


class Read(Tool):
    name = "Read"

    def __init__(self, path, offset=None, limit=None):
        self.path = path
        self.input = {"file_path": path}
        if offset:
            self.input["offset"] = offset
        if limit:
            self.input["limit"] = limit
        self.offset, self.limit = offset, limit

    def run(self, s):
        text = s.proj.vfs.get(self.path)
        if text is None:
            return ("<tool_use_error>File does not exist.</tool_use_error>", True,
                    "Error: File does not exist.", True)
        s.read_paths.add(self.path)
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines = lines[:-1]
        start = self.offset or 1
        end = len(lines) if not self.limit else min(len(lines), start - 1 + self.limit)
        part = lines[start - 1:end]
        content = "\n".join("%6d\u2192%s" % (start + i, l) for i, l in enumerate(part))
        tur = {"type": "text", "file": {"filePath": self.path, "content": "\n".join(part),
                                        "numLines": len(part), "startLine": start,
                                        "totalLines": len(lines)}}
        return content, False, tur, False


def _patch(old_text, new_text):
    a = old_text.split("\n")
    b = new_text.split("\n")
    hunks = []
    for grp in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(3):
        i1, i2, j1, j2 = grp[0][1], grp[-1][2], grp[0][3], grp[-1][4]
        lines = []
        for tag, x1, x2, y1, y2 in grp:
            if tag == "equal":
                lines += [" " + l for l in a[x1:x2]]
            else:
                lines += ["-" + l for l in a[x1:x2]]
                lines += ["+" + l for l in b[y1:y2]]
        hunks.append({"oldStart": i1 + 1, "oldLines": i2 - i1, "newStart": j1 + 1,
                      "newLines": j2 - j1, "lines": lines})
    return hunks


class Edit(Tool):
    name = "Edit"

    def __init__(self, path, old, new, replace_all=False, force=False, expect_fail=False):
        self.path, self.old, self.new, self.replace_all = path, old, new, replace_all
        self.expect_fail = expect_fail
        self.input = {"file_path": path, "old_string": old, "new_string": new}
        if replace_all:
            self.input["replace_all"] = True
        self.force = force

    def run(self, s):
        text = s.proj.vfs.get(self.path)
        if text is None:
            return ("<tool_use_error>File does not exist.</tool_use_error>", True,
                    "Error: File does not exist.", True)
        if self.path not in s.read_paths and not self.force:
            if not self.expect_fail:
                raise SystemExit("edit of unread file %s in session %s" % (self.path, s.title))
            msg = "File has not been read yet. Read it first before writing to it."
            return "<tool_use_error>%s</tool_use_error>" % msg, True, "Error: " + msg, True
        if self.old not in text:
            if not self.expect_fail:
                raise SystemExit("edit target not found in %s: %r" % (self.path, self.old[:80]))
            msg = "String to replace not found in file.\nString: %s" % self.old
            return "<tool_use_error>%s</tool_use_error>" % msg, True, "Error: " + msg, True
        if text.count(self.old) > 1 and not self.replace_all:
            raise SystemExit("ambiguous edit in %s: %r" % (self.path, self.old[:60]))
        new_text = text.replace(self.old, self.new) if self.replace_all else text.replace(self.old, self.new, 1)
        s.proj.vfs[self.path] = new_text
        s.track(self.path, new=False)
        tur = {"filePath": self.path, "oldString": self.old, "newString": self.new,
               "originalFile": text, "structuredPatch": _patch(text, new_text),
               "userModified": False, "replaceAll": bool(self.replace_all)}
        return "The file %s has been updated successfully." % self.path, False, tur, False


class Write(Tool):
    name = "Write"

    def __init__(self, path, content):
        self.path, self.content = path, content
        self.input = {"file_path": path, "content": content}

    def run(self, s):
        old = s.proj.vfs.get(self.path)
        s.proj.vfs[self.path] = self.content
        s.read_paths.add(self.path)
        s.track(self.path, new=old is None)
        if old is None:
            tur = {"type": "create", "filePath": self.path, "content": self.content,
                   "structuredPatch": [], "originalFile": None}
            return "File created successfully at: %s" % self.path, False, tur, False
        tur = {"type": "update", "filePath": self.path, "content": self.content,
               "structuredPatch": _patch(old, self.content), "originalFile": old}
        return "The file %s has been updated successfully." % self.path, False, tur, False


class Grep(Tool):
    name = "Grep"

    def __init__(self, pattern, path=None, glob=None, mode="content", ci=False, result=None):
        self.input = {"pattern": pattern}
        if path:
            self.input["path"] = path
        if glob:
            self.input["glob"] = glob
        self.input["output_mode"] = mode
        if mode == "content":
            self.input["-n"] = True
        if ci:
            self.input["-i"] = True
        self.pattern, self.path, self.glob, self.mode, self.ci, self.result = pattern, path, glob, mode, ci, result

    def run(self, s):
        if self.result is not None:
            files, lines = self.result
        else:
            rx = re.compile(self.pattern, re.I if self.ci else 0)
            root = self.path or s.proj.cwd
            files, lines = [], []
            for p in sorted(s.proj.vfs):
                if not (p == root or p.startswith(root.rstrip("/") + "/")):
                    continue
                if self.glob and not fnmatch.fnmatch(os.path.basename(p), self.glob):
                    continue
                hit = False
                for i, l in enumerate(s.proj.vfs[p].split("\n")):
                    if rx.search(l):
                        hit = True
                        lines.append("%s:%d:%s" % (s.proj.rel(p), i + 1, l))
                if hit:
                    files.append(s.proj.rel(p))
        if self.mode == "files_with_matches":
            if not files:
                return "No files found", False, {"mode": "files_with_matches", "filenames": [], "numFiles": 0}, False
            text = "Found %d file%s\n%s" % (len(files), "" if len(files) == 1 else "s", "\n".join(files))
            return text, False, {"mode": "files_with_matches", "filenames": files, "numFiles": len(files)}, False
        if not lines:
            return "No matches found", False, {"mode": "content", "numFiles": 0, "filenames": [],
                                               "content": "", "numLines": 0}, False
        text = "\n".join(lines)
        return text, False, {"mode": "content", "numFiles": len(files), "filenames": [],
                             "content": text, "numLines": len(lines)}, False


class Glob(Tool):
    name = "Glob"

    def __init__(self, pattern, path=None):
        self.pattern = pattern
        self.input = {"pattern": pattern}
        if path:
            self.input["path"] = path
        self.path = path

    def run(self, s):
        root = self.path or s.proj.cwd
        pat = self.pattern
        hits = [p for p in sorted(s.proj.vfs)
                if p.startswith(root + "/") and fnmatch.fnmatch(p[len(root) + 1:], pat.replace("**/", "*"))]
        tur = {"filenames": hits, "durationMs": s.g.randint(8, 160), "numFiles": len(hits), "truncated": False}
        return ("\n".join(hits) if hits else "No files found"), False, tur, False


class Todo(Tool):
    name = "TodoWrite"

    def __init__(self, items):
        todos = []
        for it in items:
            status, content, active = it
            todos.append({"content": content, "status": status, "activeForm": active})
        self.todos = todos
        self.input = {"todos": todos}

    def run(self, s):
        tur = {"oldTodos": s.todos, "newTodos": self.todos}
        s.todos = self.todos
        return TODO_OK, False, tur, False


class Rejected(Tool):
    def __init__(self, inner):
        self.name, self.input = inner.name, inner.input

    def run(self, s):
        return REJECTED, True, "Error: " + REJECTED[:-1] + ".", True


# ----------------------------------------------------------------------------------------------
# sessions
# ----------------------------------------------------------------------------------------------

class Session:
    def __init__(self, ds, proj, start, branch, version, title):
        self.ds, self.g, self.proj = ds, ds.g, proj
        self.cwd = proj.cwd
        self.sid = self.g.uuid()
        self.t = start + _dt.timedelta(seconds=self.g.randint(0, 59), milliseconds=self.g.randint(0, 999))
        self.branch, self.version, self.title = branch, version, title
        self.slug = None
        if not version.startswith(("1.", "2.0")):
            self.slug = "-".join((self.g.pick(SLUG_A), self.g.pick(SLUG_C), self.g.pick(SLUG_B)))
        self.parent = None
        self.recs = []
        self.read_paths = set()
        self.backups = {}
        self.todos = []
        self.prompt_uuid = None
        self.prompt_t = None
        self.last_assistant = None
        self.nprompts = 0

    # -- time -------------------------------------------------------------------------------
    def tick(self, lo, hi):
        ms = self.g.randint(int(lo * 1000), int(hi * 1000))
        self.t += _dt.timedelta(milliseconds=ms)

    def ts(self):
        return self.t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (self.t.microsecond // 1000)

    # -- envelope ---------------------------------------------------------------------------
    def env(self, typ, slug=True):
        d = {"parentUuid": self.parent, "isSidechain": False, "userType": "external", "cwd": self.cwd,
             "sessionId": self.sid, "version": self.version, "gitBranch": self.branch}
        if self.slug and slug:
            d["slug"] = self.slug
        d["type"] = typ
        return d

    def push(self, rec, chain=True):
        self.recs.append(rec)
        if chain:
            self.parent = rec["uuid"]

    def track(self, path, new):
        if path in self.backups:
            return
        self.backups[path] = {"backupFileName": None if new else "%s@v1" % self.g.hex(16),
                              "version": 1, "backupTime": self.ts()}
        self.recs.append({"type": "file-history-snapshot", "messageId": self.prompt_uuid,
                          "snapshot": {"messageId": self.prompt_uuid,
                                       "trackedFileBackups": json.loads(json.dumps(self.backups)),
                                       "timestamp": self.prompt_t},
                          "isSnapshotUpdate": True})

    # -- human ------------------------------------------------------------------------------
    def user(self, text, gap=(25, 240)):
        """A prompt typed by the human."""
        if self.recs:
            self.tick(*gap)
        u = self.g.uuid()
        self.prompt_uuid, self.prompt_t = u, self.ts()
        self.recs.append({"type": "file-history-snapshot", "messageId": u,
                          "snapshot": {"messageId": u,
                                       "trackedFileBackups": json.loads(json.dumps(self.backups)),
                                       "timestamp": self.ts()},
                          "isSnapshotUpdate": False})
        rec = self.env("user", slug=self.nprompts > 0)
        rec["message"] = {"role": "user", "content": text}
        rec["uuid"] = u
        rec["timestamp"] = self.ts()
        rec["thinkingMetadata"] = {"level": "high", "disabled": False, "triggers": []}
        if self.nprompts == 0:
            rec["todos"] = []
        rec["permissionMode"] = "default"
        self.push(rec)
        self.nprompts += 1

    def interrupt(self, tool_use=True):
        self.tick(1, 6)
        rec = self.env("user")
        txt = "[Request interrupted by user for tool use]" if tool_use else "[Request interrupted by user]"
        rec["message"] = {"role": "user", "content": [{"type": "text", "text": txt}]}
        rec["uuid"] = self.g.uuid()
        rec["timestamp"] = self.ts()
        self.push(rec)

    # -- assistant --------------------------------------------------------------------------
    def usage(self):
        g = self.g
        return {"input_tokens": g.randint(1, 12), "cache_creation_input_tokens": g.randint(0, 6000),
                "cache_read_input_tokens": g.randint(12000, 140000),
                "cache_creation": {"ephemeral_5m_input_tokens": 0,
                                   "ephemeral_1h_input_tokens": g.randint(0, 6000)},
                "output_tokens": g.randint(8, 1400), "service_tier": "standard"}

    def reply(self, *blocks, think=None):
        """One API reply: [thinking] [text...] [tool_use...]; then the tool results."""
        g = self.g
        self.tick(2, 14)
        mid = "msg_01" + g.b62(22)
        rid = "req_011C" + g.b62(18)
        usage = self.usage()
        items = []
        if think:
            items.append({"type": "thinking", "thinking": think, "signature": g.sig()})
        calls = []
        for b in blocks:
            if b is None:
                continue
            if isinstance(b, str):
                items.append({"type": "text", "text": b})
            else:
                tid = "toolu_01" + g.b62(22)
                items.append({"type": "tool_use", "id": tid, "name": b.name, "input": b.input})
                calls.append((b, tid))
        auuids = {}
        for it in items:
            rec = self.env("assistant")
            rec["message"] = {"model": self.ds.model, "id": mid, "type": "message", "role": "assistant",
                              "content": [it], "stop_reason": None, "stop_sequence": None, "usage": usage}
            rec["requestId"] = rid
            rec["uuid"] = g.uuid()
            rec["timestamp"] = self.ts()
            self.push(rec)
            self.last_assistant = rec["uuid"]
            if it["type"] == "tool_use":
                auuids[it["id"]] = rec["uuid"]
            self.tick(0.2, 3)
        for tool, tid in calls:
            self.result(tool, tid, auuids[tid])

    def result(self, tool, tid, auuid):
        g = self.g
        if tool.progress:
            full = []
            elapsed = 0
            for chunk in tool.progress:
                self.tick(2, 9)
                elapsed += g.randint(2, 9)
                full += chunk.split("\n")
                rec = self.env("progress")
                rec["data"] = {"type": "bash_progress", "output": "\n".join(chunk.split("\n")[-5:]),
                               "fullOutput": "\n".join(full), "elapsedTimeSeconds": elapsed,
                               "totalLines": len(full)}
                rec["toolUseID"] = "bash-progress-%d" % len(self.recs)
                rec["parentToolUseID"] = tid
                rec["uuid"] = g.uuid()
                rec["timestamp"] = self.ts()
                self.push(rec, chain=False)
        self.tick(*tool.secs)
        content, is_error, tur, show = tool.run(self)
        block = {"tool_use_id": tid, "type": "tool_result", "content": content}
        if show or is_error:
            block["is_error"] = bool(is_error)
        rec = self.env("user")
        rec["message"] = {"role": "user", "content": [block]}
        rec["uuid"] = g.uuid()
        rec["timestamp"] = self.ts()
        rec["toolUseResult"] = tur
        rec["sourceToolAssistantUUID"] = auuid
        self.push(rec)

    # -- shorthands -------------------------------------------------------------------------
    def say(self, text, think=None):
        self.reply(text, think=think)

    def do(self, text, *tools, think=None):
        self.reply(text, *tools, think=think)

    def end(self):
        """End of a turn: Claude Code writes a turn_duration system record."""
        self.tick(0.1, 0.6)
        rec = self.env("system")
        rec["subtype"] = "turn_duration"
        ms = int((self.t - D(self.prompt_t[:16].replace("T", " "))).total_seconds() * 1000)
        rec["durationMs"] = max(ms, 1500)
        rec["timestamp"] = self.ts()
        rec["uuid"] = self.g.uuid()
        rec["isMeta"] = False
        self.push(rec)

    def api_error(self, attempt=1):
        self.tick(5, 20)
        rec = self.env("system")
        rec["subtype"] = "api_error"
        rec["level"] = "error"
        rec["error"] = {"status": 529, "headers": {}, "requestID": "req_011C" + self.g.b62(18),
                        "error": {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}}
        rec["retryInMs"] = round(500 * (2 ** attempt) * (1 + self.g.rng.random() / 4), 3)
        rec["retryAttempt"] = attempt
        rec["maxRetries"] = 10
        rec["timestamp"] = self.ts()
        rec["uuid"] = self.g.uuid()
        self.push(rec)

    # -- output -----------------------------------------------------------------------------
    def lines(self):
        out = []
        if self.title and self.last_assistant:
            out.append({"type": "summary", "summary": self.title, "leafUuid": self.last_assistant})
        out += self.recs
        return [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in out]


class Dataset:
    def __init__(self, name, owner, seed, model):
        self.name, self.owner, self.model = name, owner, model
        self.g = Gen(seed)
        self.sessions = []

    def session(self, proj, start, branch, version, title=None):
        s = Session(self, proj, D(start), branch, version, title)
        self.sessions.append(s)
        return s

    def write(self, root):
        base = os.path.join(root, self.name)
        if os.path.isdir(base):
            shutil.rmtree(base)
        for s in self.sessions:
            d = os.path.join(base, "projects", encode_cwd(s.cwd))
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, s.sid + ".jsonl"), "w", encoding="utf-8", newline="\n") as f:
                for line in s.lines():
                    f.write(line + "\n")


# ==============================================================================================
# dataset (a): tee-expert, owner "amiller" -- dstack / Phala TEE expert
# ==============================================================================================

V_CARGO = """[package]
name = "attest-verifier"
version = "0.3.0"
edition = "2021"

[dependencies]
anyhow = "1"
clap = { version = "4", features = ["derive"] }
dcap-qvl = "0.5"
hex = "0.4"
rand = "0.8"
reqwest = { version = "0.12", default-features = false, features = ["json", "rustls-tls"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
sha2 = "0.10"
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
toml = "0.8"
"""

V_MAIN = """use anyhow::{Context, Result};
use clap::Parser;

mod policy;
mod quote;

/// Verify a dstack app: fetch a fresh TDX quote, check it with dcap-qvl, then apply policy.toml.
#[derive(Parser)]
struct Args {
    /// base URL of the app, usually <app_id>-8080.<gateway domain>
    #[arg(long)]
    url: Option<String>,
    /// verify a quote saved on disk instead (hex)
    #[arg(long)]
    quote_file: Option<String>,
    /// policy file with the expected measurements
    #[arg(long, default_value = "policy.toml")]
    policy: String,
    /// PCCS used for collateral
    #[arg(long, default_value = "https://pccs.phala.network")]
    pccs: String,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if let Err(e) = run(args).await {
        eprintln!("Error: attestation verification failed: {e:#}");
        std::process::exit(1);
    }
}

async fn run(args: Args) -> Result<()> {
    let ev = match (&args.url, &args.quote_file) {
        (Some(url), _) => {
            let nonce: [u8; 32] = rand::random();
            quote::fetch_evidence(url, &nonce).await?
        }
        (None, Some(path)) => quote::load_evidence(path)?,
        (None, None) => anyhow::bail!("pass --url or --quote-file"),
    };
    let collateral = dcap_qvl::collateral::get_collateral(&args.pccs, &ev.quote)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
    let report = dcap_qvl::verify::verify(&ev.quote, &collateral, now)
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let policy: policy::Policy =
        toml::from_str(&std::fs::read_to_string(&args.policy)?).context("parse policy")?;
    policy::check(&report, &ev, &policy)?;
    println!("OK  tcb_status={} advisories={:?}", report.status, report.advisory_ids);
    Ok(())
}
"""

V_QUOTE = """//! Getting evidence (quote + event log) out of a dstack app.
use anyhow::{Context, Result};
use serde::Deserialize;

/// Body of the app's /attest endpoint: a pass-through of the guest agent's GetQuote.
#[derive(Debug, Deserialize)]
pub struct AttestResponse {
    /// hex of the raw TDX quote
    pub quote: String,
    /// JSON string with the event log (RTMR0-3)
    pub event_log: String,
    pub report_data: String,
}

pub struct Evidence {
    pub quote: Vec<u8>,
    pub event_log: String,
    pub report_data: Vec<u8>,
}

pub async fn fetch_evidence(url: &str, nonce: &[u8; 32]) -> Result<Evidence> {
    let url = format!("{}/attest?nonce={}", url.trim_end_matches('/'), hex::encode(nonce));
    let resp: AttestResponse = reqwest::get(&url)
        .await
        .context("GET /attest")?
        .error_for_status()?
        .json()
        .await
        .context("decode /attest body")?;
    let quote = hex::encode(resp.quote.as_bytes()).into_bytes();
    Ok(Evidence {
        quote,
        event_log: resp.event_log,
        report_data: hex::decode(&resp.report_data)?,
    })
}

pub fn load_evidence(path: &str) -> Result<Evidence> {
    let raw = std::fs::read_to_string(path).with_context(|| format!("read {path}"))?;
    let resp: AttestResponse = serde_json::from_str(&raw)?;
    Ok(Evidence {
        quote: hex::decode(resp.quote.trim())?,
        event_log: resp.event_log,
        report_data: hex::decode(&resp.report_data)?,
    })
}
"""

V_POLICY = """//! Measurement policy: what we accept once the DCAP signature chain checks out.
use anyhow::{bail, Result};
use dcap_qvl::verify::VerifiedReport;
use serde::Deserialize;

use crate::quote::Evidence;

#[derive(Debug, Deserialize)]
pub struct Policy {
    pub allowed_tcb_status: Vec<String>,
    pub mrtd: String,
    pub rtmr0: String,
    pub rtmr1: String,
    pub rtmr2: String,
    /// sha256 of the exact app-compose.json bytes we expect to be running
    pub compose_hash: String,
}

pub fn check(report: &VerifiedReport, ev: &Evidence, policy: &Policy) -> Result<()> {
    if !policy.allowed_tcb_status.iter().any(|s| s == &report.status) {
        bail!("tcb status {} not allowed", report.status);
    }
    let td = report.report.as_td10().ok_or_else(|| anyhow::anyhow!("not a TD report"))?;
    expect("mrtd", &td.mr_td, &policy.mrtd)?;
    expect("rtmr0", &td.rt_mr0, &policy.rtmr0)?;
    expect("rtmr1", &td.rt_mr1, &policy.rtmr1)?;
    expect("rtmr2", &td.rt_mr2, &policy.rtmr2)?;
    // app identity: dstack puts 0x01 || compose_hash into mr_config_id
    let cfg = hex::encode(&td.mr_config_id);
    if !cfg.starts_with(&format!("01{}", policy.compose_hash)) {
        bail!("mr_config_id does not match compose_hash");
    }
    let _ = ev;
    Ok(())
}

fn expect(name: &str, got: &[u8], want: &str) -> Result<()> {
    if hex::encode(got) != want.to_lowercase() {
        bail!("{name} mismatch: got {}, want {want}", hex::encode(got));
    }
    Ok(())
}
"""

A_COMPOSE = """services:
  oracle:
    image: ghcr.io/amiller-lab/price-oracle@sha256:%s
    restart: unless-stopped
    ports:
      - "8080:8080"
    volumes:
      - /var/run/dstack.sock:/var/run/dstack.sock
    environment:
      - RPC_URL=${RPC_URL}
      - FEED_PAIRS=ETH-USD,BTC-USD,SOL-USD
"""

A_ATTEST_TS = """import { DstackClient } from '@phala/dstack-sdk';
import { createHash } from 'node:crypto';

const client = new DstackClient();

/** report_data = sha256("oracle-attest:" || nonce), zero padded to 64 bytes by the guest agent */
export function reportDataFor(nonce: Buffer): Buffer {
  return createHash('sha256').update('oracle-attest:').update(nonce).digest();
}

export async function attest(nonceHex: string) {
  const nonce = Buffer.from(nonceHex, 'hex');
  if (nonce.length !== 32) throw new Error('nonce must be 32 bytes');
  const reportData = reportDataFor(nonce);
  const q = await client.getQuote(reportData);
  return { quote: q.quote, event_log: q.event_log, report_data: reportData.toString('hex') };
}

export async function info() {
  const i = await client.info();
  return { app_id: i.app_id, instance_id: i.instance_id, compose_hash: i.compose_hash };
}
"""

A_VERIFY_PY = '''#!/usr/bin/env python3
"""Client-side check of the price oracle: quote -> dcap-qvl -> expected RTMR3."""
import hashlib, json, os, subprocess, sys, urllib.request

APP_URL = os.environ.get("ORACLE_URL", "https://%s-8080.apps.amiller-tee.dev")
COMPOSE = os.path.join(os.path.dirname(__file__), "..", "app-compose.json")


def digest(name, payload):
    return hashlib.sha384(b"\\x01\\x00\\x00\\x08:" + name.encode() + b":" + payload).digest()


def replay(events):
    mr = bytes(48)
    for name, payload in events:
        mr = hashlib.sha384(mr + digest(name, payload)).digest()
    return mr.hex()


def main():
    nonce = os.urandom(32).hex()
    ev = json.load(urllib.request.urlopen(f"{APP_URL}/attest?nonce={nonce}"))
    quote = bytes.fromhex(ev["quote"])
    out = subprocess.run(["dcap-qvl", "verify", "--hex", "-"], input=quote.hex().encode(),
                         capture_output=True, check=True)
    report = json.loads(out.stdout)["report"]["TD10"]
    log = [e for e in json.loads(ev["event_log"]) if e["imr"] == 3]
    compose_hash = hashlib.sha256(open(COMPOSE, "rb").read()).digest()
    expected = []
    for e in log:
        payload = bytes.fromhex(e["event_payload"])
        if e["event"] == "compose-hash":
            payload = compose_hash
        expected.append((e["event"], payload))
    want = replay(expected)
    if report["rt_mr3"] != want:
        sys.exit(f"attestation verification failed: RTMR3 mismatch (quote {report['rt_mr3'][:16]}..., expected {want[:16]}...)")
    print("attestation OK, compose_hash", compose_hash.hex())


if __name__ == "__main__":
    main()
'''

K_KMS_TOML = """# dstack KMS, self-hosted on a TDX box in the lab; auth via the on-chain DstackKms contract on Base
[rpc]
address = "0.0.0.0"
port = 8000

[rpc.tls]
key = "/etc/kms/certs/rpc.key"
certs = "/etc/kms/certs/rpc.crt"

[rpc.tls.mutual]
ca_certs = "/etc/kms/certs/tmp-ca.crt"
mandatory = false

[core]
cert_dir = "/etc/kms/certs"
pccs_url = "https://pccs.phala.network/tdx/certification/v4"

[core.auth_api]
type = "webhook"

[core.auth_api.webhook]
url = "http://auth-eth:8001"

[core.onboard]
enabled = true
auto_bootstrap_domain = ""
quote_enabled = true
address = "0.0.0.0"
port = 8000
"""

K_ADD_HASH = """#!/usr/bin/env bash
# Whitelist a compose hash in an app's AppAuth (DstackApp) contract.
# usage: scripts/add-compose-hash.sh <app-name> <compose-hash-hex>
set -euo pipefail
APP=$1
HASH=${2#0x}
APP_AUTH=$(jq -r --arg a "$APP" '.apps[$a].appAuth' deployments/base.json)
echo "AppAuth for $APP: $APP_AUTH"
cast send "$APP_AUTH" "addComposeHash(bytes32)" "0x$HASH" \\
  --rpc-url "$RPC_URL" --account amiller-deployer
cast call "$APP_AUTH" "allowedComposeHashes(bytes32)(bool)" "0x$HASH" --rpc-url "$RPC_URL"
"""

K_ENVRC = """export RPC_URL=https://sepolia.base.org
export ETHERSCAN_API_URL=https://api-sepolia.basescan.org/api
"""

G_TOML = """[core]
kms_url = "https://kms.amiller-tee.dev:8000"
rpc_domain = "gateway.amiller-tee.dev"
run_as_tapp = true

[core.proxy]
listen_addr = "0.0.0.0"
listen_port = 443
base_domain = "apps.amiller-tee.dev"
tls_passthrough = true
connect_timeout = "5s"
idle_timeout = "10m"

[core.wg]
listen_port = 51820
ip = "10.4.0.1/16"
client_ip_range = "10.4.0.0/18"
reserved_net = ["10.4.0.1/32"]
endpoint = "gw1.amiller-tee.dev:51820"

[core.certbot]
enabled = true
workdir = "/var/lib/gateway/certbot"
acme_url = "https://acme-v02.api.letsencrypt.org/directory"
cf_zone_id = "${CF_ZONE_ID}"
auto_set_caa = true
domain = "*.apps.amiller-tee.dev"
renew_interval = "1h"
renew_days_before = 10
renew_timeout = "120s"
"""

G_RENEW = """#!/usr/bin/env bash
# Force a renewal of the wildcard certificate and reload the gateway.
set -euo pipefail
docker compose exec gateway dstack-gateway certbot renew --force
docker compose restart gateway
"""

R_GOMOD = """module github.com/amiller-lab/ra-tls-proxy

go 1.22

require github.com/Dstack-TEE/dstack/sdk/go v0.5.3
"""

R_MAIN = """package main

import (
	"crypto/tls"
	"flag"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"

	"github.com/amiller-lab/ra-tls-proxy/ratls"
)

func main() {
	listen := flag.String("listen", ":8443", "listen address")
	upstream := flag.String("upstream", "", "upstream RA-TLS endpoint (https://...)")
	flag.Parse()

	cert, err := ratls.ServerCert("ra-tls-proxy", []string{"proxy.apps.amiller-tee.dev"})
	if err != nil {
		log.Fatalf("get tls key from dstack: %v", err)
	}
	u, err := url.Parse(*upstream)
	if err != nil {
		log.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = &http.Transport{TLSClientConfig: &tls.Config{}}
	srv := &http.Server{
		Addr:      *listen,
		Handler:   rp,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}},
	}
	log.Printf("ra-tls-proxy listening on %s -> %s", *listen, *upstream)
	log.Fatal(srv.ListenAndServeTLS("", ""))
}
"""

R_CERT = """package ratls

import (
	"context"
	"crypto/tls"
	"fmt"

	"github.com/Dstack-TEE/dstack/sdk/go/dstack"
)

// ServerCert asks the dstack guest agent for a P-256 key and an RA-TLS certificate:
// the leaf carries the TDX quote (OID 1.3.6.1.4.1.62397.1.1) with
// report_data = sha512("ratls-cert:" || SPKI).
func ServerCert(subject string, altNames []string) (tls.Certificate, error) {
	client := dstack.NewDstackClient()
	resp, err := client.GetTlsKey(context.Background(),
		dstack.WithSubject(subject),
		dstack.WithAltNames(altNames),
		dstack.WithUsageRaTls(true),
		dstack.WithUsageServerAuth(true),
		dstack.WithUsageClientAuth(true))
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("GetTlsKey: %w", err)
	}
	chain := ""
	for _, c := range resp.CertificateChain {
		chain += c
	}
	return tls.X509KeyPair([]byte(chain), []byte(resp.Key))
}
"""

R_VERIFY = """package ratls

import (
	"bytes"
	"crypto/sha512"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
)

var (
	oidQuote    = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 62397, 1, 1}
	oidEventLog = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 62397, 1, 2}
)

// TDReport is the part of a verified TDX quote we care about.
type TDReport struct {
	MRTD       [48]byte
	RTMR       [4][48]byte
	ReportData [64]byte
	TCBStatus  string
}

// QuoteVerifier checks the DCAP signature chain and collateral of a quote.
type QuoteVerifier interface {
	Verify(quote []byte) (*TDReport, error)
}

// VerifyPeer checks an RA-TLS certificate: quote signature, key binding, then policy.
func VerifyPeer(cert *x509.Certificate, qv QuoteVerifier, pol *Policy) error {
	var quote, eventLog []byte
	for _, ext := range cert.Extensions {
		switch {
		case ext.Id.Equal(oidQuote):
			quote = ext.Value
		case ext.Id.Equal(oidEventLog):
			eventLog = ext.Value
		}
	}
	if quote == nil {
		return errors.New("peer certificate has no TDX quote extension")
	}
	td, err := qv.Verify(quote)
	if err != nil {
		return fmt.Errorf("attestation verification failed: %w", err)
	}
	pub := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: cert.RawSubjectPublicKeyInfo})
	want := sha512.Sum512(append([]byte("ratls-cert:"), pub...))
	if !bytes.Equal(td.ReportData[:], want[:]) {
		return errors.New("attestation verification failed: report_data does not match certificate public key")
	}
	return pol.Check(td, eventLog)
}
"""

R_POLICY = """package ratls

import (
	"encoding/hex"
	"fmt"
)

// Policy pins the OS image measurements and the set of app compose hashes we talk to.
type Policy struct {
	MRTD          string
	RTMR0, RTMR1  string
	RTMR2         string
	ComposeHashes map[string]bool
	AllowedTCB    map[string]bool
}

func (p *Policy) Check(td *TDReport, eventLog []byte) error {
	if !p.AllowedTCB[td.TCBStatus] {
		return fmt.Errorf("tcb status %s not allowed", td.TCBStatus)
	}
	if hex.EncodeToString(td.MRTD[:]) != p.MRTD {
		return fmt.Errorf("mrtd mismatch")
	}
	ch, err := composeHashFromEventLog(eventLog, td.RTMR[3][:])
	if err != nil {
		return err
	}
	if !p.ComposeHashes[ch] {
		return fmt.Errorf("compose_hash %s not in allowlist", ch)
	}
	return nil
}
"""


def app_compose_json(name, compose_yaml, allowed_envs, gateway=True, kms=True, extra=None):
    d = {"manifest_version": 2, "name": name, "runner": "docker-compose",
         "docker_compose_file": compose_yaml, "kms_enabled": kms, "gateway_enabled": gateway,
         "public_logs": True, "public_sysinfo": True, "public_tcbinfo": True,
         "local_key_provider_enabled": False, "allowed_envs": allowed_envs,
         "no_instance_id": False, "secure_time": False, "pre_launch_script": ""}
    if extra:
        d.update(extra)
    return json.dumps(d, indent=2) + "\n"


def build_tee_expert(root):
    A = Dataset("tee-expert", "amiller", SEED + 1, "claude-opus-4-5-20251101")
    g = A.g
    H = "/home/amiller/src"
    PV = Project(H + "/attest-verifier", {"Cargo.toml": V_CARGO, "src/main.rs": V_MAIN,
                                          "src/quote.rs": V_QUOTE, "src/policy.rs": V_POLICY})
    img_digest = g.hex(64)
    compose_v1 = A_COMPOSE % img_digest
    oracle_app_id = g.hex(40)
    PA = Project(H + "/phala-apps", {
        "oracle/docker-compose.yml": compose_v1,
        "oracle/app-compose.json": app_compose_json("price-oracle", compose_v1, ["RPC_URL"]),
        "oracle/src/attest.ts": A_ATTEST_TS,
        "oracle/scripts/verify.py": A_VERIFY_PY % oracle_app_id,
        "oracle/package.json": '{\n  "name": "price-oracle",\n  "version": "0.4.1",\n  "type": "module",\n'
                               '  "scripts": {\n    "build": "tsc -p .",\n    "start": "node dist/index.js",\n'
                               '    "fmt": "prettier --write ."\n  },\n  "dependencies": {\n'
                               '    "@phala/dstack-sdk": "^0.5.3",\n    "viem": "^2.21.0"\n  }\n}\n',
    })
    PK = Project(H + "/dstack-kms", {"kms.toml": K_KMS_TOML, "scripts/add-compose-hash.sh": K_ADD_HASH,
                                     ".envrc": K_ENVRC})
    PG = Project(H + "/dstack-gateway", {"gateway.toml": G_TOML, "scripts/renew-cert.sh": G_RENEW})
    PR = Project(H + "/ra-tls-proxy", {"go.mod": R_GOMOD, "main.go": R_MAIN, "ratls/cert.go": R_CERT,
                                       "ratls/verify.go": R_VERIFY, "ratls/policy.go": R_POLICY})

    # measurements of the two dstack OS images used over the period
    IMG = {
        "0.5.4": dict(mrtd=g.hex(96), rtmr0=g.hex(96), rtmr1=g.hex(96), rtmr2=g.hex(96), os=g.hex(64)),
        "0.5.5": dict(mrtd=g.hex(96), rtmr0=g.hex(96), rtmr1=g.hex(96), rtmr2=g.hex(96), os=g.hex(64)),
    }
    kms_addr = "0x" + g.hex(40)
    ratls_app_id = g.hex(40)
    oracle_auth = "0x" + g.hex(40)
    ratls_auth = "0x" + g.hex(40)
    PK.put("deployments/base.json", json.dumps({
        "chainId": 8453, "DstackKms": kms_addr,
        "apps": {"price-oracle": {"appId": "0x" + oracle_app_id, "appAuth": oracle_auth},
                 "ra-tls-proxy": {"appId": "0x" + ratls_app_id, "appAuth": ratls_auth}}}, indent=2) + "\n")
    PK.put("deployments/base-sepolia.json", json.dumps({
        "chainId": 84532, "DstackKms": "0x" + g.hex(40),
        "apps": {"price-oracle": {"appId": "0x" + g.hex(40), "appAuth": "0x" + g.hex(40)},
                 "ra-tls-proxy": {"appId": "0x" + g.hex(40), "appAuth": "0x" + g.hex(40)}}}, indent=2) + "\n")
    qhead = "040002008100000000000000939a7233f79c4ca9940a0db3957f0607"
    oracle_hash0 = sha256h(PA.get("oracle/app-compose.json"))

    def vok(ch, status="UpToDate", adv='["INTEL-SA-00837"]', mode="rtmr3", qv=4, img="0.5.4", events=9):
        lines = ["attestation: tdx quote v%d (%d bytes), tee_type 0x81 (TDX), qe_vendor Intel" % (qv, 5006 if qv == 4 else 5012),
                 "attestation: dcap signature chain ok (PCK leaf -> Intel SGX Root CA), collateral from pccs.phala.network",
                 "attestation: tcb_status=%s advisories=%s" % (status, adv),
                 "attestation: mrtd, rtmr0, rtmr1, rtmr2 match dstack-%s" % img]
        if mode == "cfg":
            lines.append("attestation: mr_config_id = 01 || compose_hash %s..." % ch[:16])
        else:
            lines.append("attestation: rtmr3 replay ok (%d events), compose_hash %s..." % (events, ch[:16]))
        lines.append("OK  tcb_status=%s advisories=%s" % (status, adv))
        return "\n".join(lines)

    def qhex(n=120):
        return qhead + g.hex(n)

    def txh():
        return "0x" + g.hex(64)

    def evlog(app_id, compose_hash, instance_id, img="0.5.4", short=True):
        evs = [("system-preparing", b""), ("app-id", bytes.fromhex(app_id)),
               ("compose-hash", bytes.fromhex(compose_hash)), ("instance-id", bytes.fromhex(instance_id)),
               ("boot-mr-done", b""), ("os-image-hash", bytes.fromhex(IMG[img]["os"])),
               ("key-provider", b'{"name":"kms","id":"' + kms_addr[2:12].encode() + b'"}'),
               ("storage-fs", b"ext4"), ("system-ready", b"")]
        return evs

    def evlog_text(evs):
        rows = []
        for name, payload in evs:
            rows.append('  {"imr": 3, "event_type": 134217729, "digest": "", "event": "%s", "event_payload": "%s"}'
                        % (name, payload.hex()))
        return "[\n" + ",\n".join(rows) + "\n]"

    # ------------------------------------------------------------------------------------------
    # 1. 2025-12-28  attest-verifier: offline mode against a saved quote
    # ------------------------------------------------------------------------------------------
    s = A.session(PV, "2025-12-28 16:05", "main", "2.0.76", "Offline --quote-file mode and sample TDX quote")
    s.user("I saved a GetQuote response from the oracle CVM into samples/oracle-quote.json. Can you make "
           "sure the `--quote-file` path in attest-verifier actually works end to end? I want an offline "
           "check before I point it at the live app.")
    PV.put("samples/oracle-quote.json", json.dumps({"quote": qhex(180), "event_log": "[...]",
                                                    "report_data": g.hex(128)}) + "\n")
    PV.put("policy.toml", 'allowed_tcb_status = ["UpToDate"]\n# dstack-0.5.4, 2 vCPU / 4 GiB\n'
           'mrtd = "%s"\nrtmr0 = "%s"\nrtmr1 = "%s"\nrtmr2 = "%s"\ncompose_hash = "%s"\n'
           % (IMG["0.5.4"]["mrtd"], IMG["0.5.4"]["rtmr0"], IMG["0.5.4"]["rtmr1"], IMG["0.5.4"]["rtmr2"],
              sha256h(PA.get("oracle/app-compose.json"))))
    s.do("Let me look at how the verifier loads evidence and what the sample file looks like.",
         Read(PV.abs("src/main.rs")), Read(PV.abs("src/quote.rs")),
         think="The user wants an offline verification path. main.rs already has --quote-file wired to "
               "quote::load_evidence. Need to check the sample is a GetQuote-shaped JSON (quote hex, event_log, "
               "report_data) and that dcap-qvl collateral fetch works from the PCCS.")
    s.do("`load_evidence` hex-decodes the quote, which is right for a GetQuote body. Let me build and run it "
         "against the sample.",
         Bash("cd %s && cargo build --release 2>&1 | tail -5" % PV.cwd,
              "   Compiling dcap-qvl v0.5.2\n   Compiling attest-verifier v0.3.0 (%s)\n    Finished `release` profile [optimized] target(s) in 48.31s" % PV.cwd,
              "Build the verifier", secs=(30, 50),
              progress=("   Compiling serde v1.0.217\n   Compiling ring v0.17.8",
                        "   Compiling rustls v0.23.20\n   Compiling reqwest v0.12.12\n   Compiling dcap-qvl v0.5.2"))),
    s.do(None, Bash("cd %s && ./target/release/attest-verifier --quote-file samples/oracle-quote.json" % PV.cwd,
                    vok(oracle_hash0, mode="cfg"),
                    "Verify the saved quote offline", secs=(2, 5)))
    s.say("The offline path works: dcap-qvl fetched collateral from pccs.phala.network, the TDX quote signature "
          "chain verified to the Intel SGX root, TCB status is `UpToDate` with one advisory (INTEL-SA-00837), "
          "and MRTD/RTMR0-2 plus the `01 || compose_hash` prefix of `mr_config_id` match `policy.toml`.\n\n"
          "One thing to keep in mind: `--quote-file` trusts that the saved quote is fresh. There is no nonce "
          "in `report_data` for a saved file, so this mode is only good for regression tests, not for "
          "deciding whether to trust the live app.")
    s.end()
    s.user("good. add a note about that in the --help text")
    s.do("I'll update the doc comment on the flag, since clap uses it for --help.",
         Edit(PV.abs("src/main.rs"), "    /// verify a quote saved on disk instead (hex)\n",
              "    /// verify a quote saved on disk instead (GetQuote JSON). No nonce is checked:\n"
              "    /// use it for regression tests, not to decide whether to trust a live app\n"))
    s.do(None, Bash("cd %s && cargo build --release -q && ./target/release/attest-verifier --help | sed -n 1,12p" % PV.cwd,
                    "Verify a dstack app: fetch a fresh TDX quote, check it with dcap-qvl, then apply policy.toml\n\n"
                    "Usage: attest-verifier [OPTIONS]\n\nOptions:\n      --url <URL>\n          base URL of the app, usually <app_id>-8080.<gateway domain>\n"
                    "      --quote-file <QUOTE_FILE>\n          verify a quote saved on disk instead (GetQuote JSON). No nonce is checked: use it for\n"
                    "          regression tests, not to decide whether to trust a live app\n      --policy <POLICY>\n          policy file with the expected measurements [default: policy.toml]",
                    "Check the help text", secs=(6, 12)))
    s.say("Done; `--help` now warns that the offline mode skips the freshness check.")
    s.end()

    # ------------------------------------------------------------------------------------------
    # 2. 2025-12-29  attest-verifier: Could not decode Header::version  (episode 1)
    # ------------------------------------------------------------------------------------------
    s = A.session(PV, "2025-12-29 14:40", "main", "2.0.76", "Fix double hex-encoding of quote (Header::version decode error)")
    url = "https://%s-8080.apps.amiller-tee.dev" % oracle_app_id
    s.user("now against the live oracle:\n\n```\n$ ./target/release/attest-verifier --url %s\n"
           "Error: attestation verification failed: Could not decode Header::version\n```\n\nthe offline "
           "run with the same quote was fine yesterday. what's different?" % url)
    s.do("The offline path and the live path decode the quote differently, so my first suspect is "
         "`fetch_evidence`. Let me reproduce and look at the first bytes the verifier actually receives.",
         Bash("cd %s && ./target/release/attest-verifier --url %s" % (PV.cwd, url),
              "", "Reproduce the failure", code=1,
              err="Error: attestation verification failed: Could not decode Header::version"),
         think="Could not decode Header::version comes from the SCALE-style decoder in dcap-qvl when the TDX quote "
               "buffer is too short or not binary at all. A real TDX quote starts 04 00 02 00 81 00 00 00. "
               "If we hex-encoded a string that was already hex, the first bytes would be ASCII '0','4' = 0x30 0x34.")
    s.do("Let me check what the /attest endpoint returns and compare it with a real quote header "
         "(`04 00 02 00 81 00 00 00` for a v4 TDX quote).",
         Bash("curl -s '%s/attest?nonce=%s' | jq -r .quote | cut -c1-64" % (url, g.hex(64)),
              qhead + "a3f0", "Inspect the quote field of /attest"))
    s.do("The endpoint already returns hex (`0400020081...`), exactly as the guest agent's GetQuote does. "
         "Now the suspicious line in `quote.rs`:",
         Grep("hex::(en|de)code", path=PV.abs("src/quote.rs")), Read(PV.abs("src/quote.rs"), offset=24, limit=14))
    s.say("Found it. `fetch_evidence` does `hex::encode(resp.quote.as_bytes())`: it takes the hex *text* and hex-encodes "
          "it a second time, so dcap-qvl gets the ASCII bytes `30 34 30 30 ...` instead of `04 00 ...`. The "
          "header decoder reads version = 0x3430 and gives up with `Could not decode Header::version`. The "
          "offline path uses `hex::decode`, which is why the saved file verified.")
    s.do("Fixing it to decode, like `load_evidence` does:",
         Edit(PV.abs("src/quote.rs"), "    let quote = hex::encode(resp.quote.as_bytes()).into_bytes();\n",
              "    // GetQuote already returns hex text: decode it once, never encode it again\n"
              "    let quote = hex::decode(resp.quote.trim()).context(\"quote is not hex\")?;\n"))
    s.do(None, Bash("cd %s && cargo build --release -q && ./target/release/attest-verifier --url %s" % (PV.cwd, url),
                    vok(oracle_hash0, mode="cfg"), "Re-run against the live oracle",
                    secs=(20, 40)))
    s.say("Attestation verification passes against the live oracle now. Root cause: the TDX quote was hex-encoded twice. "
          "I also added a `context(\"quote is not hex\")` so a bad body gives a readable error instead of a "
          "decoder message about `Header::version`.")
    s.end()
    s.user("that fixed it. can we make the error less cryptic for the next person? like detect a quote that "
           "starts with ascii hex")
    s.do("Good idea. A binary TDX quote never starts with two ASCII hex digits `30 34` (\"04\"), so a cheap "
         "sanity check before calling dcap-qvl catches this whole class of mistakes.",
         Read(PV.abs("src/main.rs"), offset=36, limit=14))
    s.do(None, Edit(PV.abs("src/main.rs"),
                    "    let collateral = dcap_qvl::collateral::get_collateral(&args.pccs, &ev.quote)\n",
                    "    if ev.quote.len() < 48 {\n        anyhow::bail!(\"quote is only {} bytes; GetQuote returns an empty quote outside TDX\", ev.quote.len());\n    }\n"
                    "    if ev.quote.starts_with(b\"04\") || ev.quote.starts_with(b\"05\") {\n"
                    "        anyhow::bail!(\"quote looks like hex text, not binary: was it hex-encoded twice?\");\n    }\n"
                    "    let collateral = dcap_qvl::collateral::get_collateral(&args.pccs, &ev.quote)\n"))
    s.do(None, Bash("cd %s && cargo test -q 2>&1 | tail -3" % PV.cwd,
                    "running 3 tests\n...\ntest result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.02s",
                    "Run the tests", secs=(15, 30)))
    s.say("Added two guards before dcap-qvl runs:\n- quotes shorter than the 48-byte header (e.g. the empty "
          "quote GetQuote returns on a non-TDX host) fail with an explicit message;\n- a quote whose first "
          "bytes are ASCII `04`/`05` is reported as \"hex text, not binary\".\n\nTests pass.")
    s.end()

    # ------------------------------------------------------------------------------------------
    # 3. 2025-12-29  phala-apps: first deployment of the oracle to Phala Cloud
    # ------------------------------------------------------------------------------------------
    s = A.session(PA, "2025-12-29 21:20", "main", "2.0.76", "Deploy price-oracle CVM on Phala Cloud with KMS on Base")
    s.user("Let's deploy the price oracle as a CVM on Phala Cloud. 2 vCPU / 4 GB, KMS on Base so the app gets "
           "an AppAuth contract I own. Before anything, double check the compose mounts the dstack socket, "
           "otherwise getQuote will fail inside the container.")
    s.do("Checking the compose file and the attest code first.",
         Read(PA.abs("oracle/docker-compose.yml")), Read(PA.abs("oracle/src/attest.ts")))
    s.say("The compose mounts `/var/run/dstack.sock` into the container, and `attest.ts` uses `DstackClient()` "
          "with no endpoint, so it will find the socket at the default path. `report_data` is "
          "`sha256(\"oracle-attest:\" || nonce)`, which is domain-separated; good. The image is pinned by "
          "digest, which matters because the compose hash only covers the compose text, not what a tag "
          "points to.")
    s.do("Let me make sure the CLI is logged in and see which KMS options the account has.",
         Bash("phala auth status && phala kms list",
              "Logged in as amiller (workspace: amiller-lab)\n\nKMS            CHAIN         CONTRACT\n"
              "phala          -             (managed)\nbase           base (8453)   %s\nethereum       ethereum (1)  0x%s"
              % (kms_addr, g.hex(40)), "Check phala CLI auth and KMS list"))
    chash = sha256h(PA.get("oracle/app-compose.json"))
    s.do(None, Bash("cd %s/oracle && phala deploy --name price-oracle --compose docker-compose.yml --kms base "
                    "--vcpu 2 --memory 4096 --disk-size 40 --env-file .env.prod" % PA.cwd,
                    "Preparing app-compose.json ... done\n  compose_hash: %s\n"
                    "Deploying AppAuth (DstackApp) on base ... tx %s\n  app_id: 0x%s\n"
                    "  owner: 0x%s\n  allowAnyDevice: true\n"
                    "Whitelisting compose hash in AppAuth ... tx %s\n"
                    "Encrypting 1 env var (RPC_URL) with the app env key ... done\n"
                    "Provisioning CVM on prod7 (TDX, dstack-0.5.4) ... done\n\n"
                    "CVM price-oracle is starting.\n  dashboard: https://cloud.phala.network/dashboard/cvms/%s\n"
                    "  endpoint:  https://%s-8080.dstack-base-prod7.phala.network"
                    % (chash, txh(), oracle_app_id, g.hex(40), txh(), oracle_app_id, oracle_app_id),
                    "Deploy the oracle CVM", secs=(40, 90),
                    progress=("Preparing app-compose.json ... done\nDeploying AppAuth (DstackApp) on base ...",
                              "Whitelisting compose hash in AppAuth ...\nProvisioning CVM on prod7 (TDX, dstack-0.5.4) ...")))
    s.do("Deployed. While it boots, let me confirm the compose hash the CLI reported is just the sha256 of the "
         "exact app-compose.json bytes, so we can reproduce it locally in the verifier.",
         Bash("cd %s/oracle && sha256sum app-compose.json" % PA.cwd, "%s  app-compose.json" % chash,
              "Hash app-compose.json locally"))
    s.do("Same value. Now let me wait for boot and pull the attestation.",
         Bash("sleep 60; phala cvms attestation price-oracle | head -20",
              "app_id:        0x%s\ninstance_id:   %s\ncompose_hash:  %s\nos_image_hash: %s\n"
              "mrtd:          %s...\nrtmr0:         %s...\nrtmr3:         %s...\ntcb_status:    UpToDate\n"
              "quote:         %s... (5006 bytes)\nevent_log:     19 events (9 in RTMR3)"
              % (oracle_app_id, g.hex(40), chash, IMG["0.5.4"]["os"], IMG["0.5.4"]["mrtd"][:32],
                 IMG["0.5.4"]["rtmr0"][:32], g.hex(32), qhead[:40]),
              "Fetch the CVM attestation", secs=(60, 70)))
    s.say("The oracle is up and attested:\n\n- `compose_hash` in the quote's RTMR3 events matches our local "
          "`sha256sum app-compose.json`\n- OS image is dstack-0.5.4 (same MRTD/RTMR0-2 as `policy.toml` in "
          "attest-verifier)\n- TCB status `UpToDate`\n\nThe AppAuth contract currently has "
          "`allowAnyDevice: true`. That is fine for a single CVM, but if you want to pin which TDX machines "
          "can get the app keys later, we'll need `addDevice` for each device id and to flip that flag.")
    s.end()
    s.user("leave allowAnyDevice for now. write the app id and appauth address into the README deploy section")
    PA.put("README.md", "# phala-apps\n\nApps I run on Phala Cloud (dstack CVMs).\n\n## price-oracle\n\n"
           "Signs price feeds from inside a TDX CVM. Verify with `oracle/scripts/verify.py`.\n\n## Deploy\n\nTODO\n")
    s.do(None, Read(PA.abs("README.md")))
    s.do(None, Edit(PA.abs("README.md"), "## Deploy\n\nTODO\n",
                    "## Deploy\n\n| | |\n|---|---|\n| app_id | `0x%s` |\n| AppAuth (DstackApp, Base) | `%s` |\n"
                    "| KMS | DstackKms `%s` |\n| OS image | dstack-0.5.4 |\n\nEvery change to `docker-compose.yml` "
                    "changes the compose hash: whitelist the new hash in AppAuth (`addComposeHash`) *before* "
                    "`phala cvms upgrade`, or the KMS refuses to hand out keys.\n" % (oracle_app_id, oracle_auth, kms_addr)))
    s.say("Added a deploy table to the README with the app id, the AppAuth address and the KMS contract, plus a "
          "reminder that each compose change needs `addComposeHash` before the upgrade.")
    s.end()

    # ------------------------------------------------------------------------------------------
    # 4. 2025-12-30  dstack-kms: how the KMS decides, notes on replication
    # ------------------------------------------------------------------------------------------
    s = A.session(PK, "2025-12-30 15:45", "main", "2.0.76", "KMS authorization flow and replication notes")
    s.user("I want to write down how our self-hosted KMS decides whether a CVM gets keys, and what it would "
           "take to add a second KMS node (replication). Read the config and the deployments file first.")
    s.do(None, Read(PK.abs("kms.toml")), Read(PK.abs("deployments/base.json")),
         think="Config: webhook auth backend (auth-eth) pointing at the DstackKms contract on Base. Onboard "
               "section enabled: that's the mode a new KMS instance uses to fetch the root keys from an "
               "existing KMS after both attest each other.")
    s.do("Let me check the on-chain side as well: which apps are registered and what the KMS trusts.",
         Bash("source .envrc.base 2>/dev/null; cast call %s 'appsCount()(uint256)' --rpc-url https://mainnet.base.org && "
              "cast call %s 'kmsInfo()(bytes,bytes,bytes,string)' --rpc-url https://mainnet.base.org | cut -c1-90"
              % (kms_addr, kms_addr),
              "2\n0x04%s\n0x02%s\n0x\n\"\"" % (g.hex(80), g.hex(60)), "Query DstackKms on Base"))
    s.say("Here is the flow as it is configured:\n\n1. At boot, the CVM's `dstack-util` connects to the KMS over "
          "RA-TLS and presents its TDX quote plus event log.\n2. The KMS verifies the TDX quote (DCAP, collateral from "
          "the PCCS), replays RTMR3 and builds the boot info: `app_id`, `compose_hash`, `instance_id`, "
          "`device_id`, `mr_aggregated`, `os_image_hash`, TCB status.\n3. It posts that to the webhook "
          "(`auth-eth`), which calls `DstackKms.isAppAllowed(bootInfo)`. That checks the OS image hash "
          "against the KMS allowlist and then delegates to the app's own AppAuth contract, which checks "
          "`allowedComposeHashes[composeHash]` and the device (unless `allowAnyDevice`).\n4. Only if both "
          "say yes does the KMS derive the app keys from its root key and `app_id`.\n\nSo there are two "
          "allowlists: OS images on the KmsAuth side, compose hashes per app on the AppAuth side.\n\n"
          "For replication: a second KMS started with `[core.onboard] enabled = true` boots without keys, "
          "attests itself to the first KMS, and gets the root keys only if *its* measurements are allowed by "
          "the same DstackKms contract (`kmsAllowedAggregatedMrs` / `kmsAllowedDeviceIds`). The root keys never "
          "leave TDX memory unencrypted.")
    s.end()
    s.user("perfect, put that in notes/auth-flow.md, include the kms replication part and the failure messages "
           "you'd expect when each check fails")
    s.do(None, Write(PK.abs("notes/auth-flow.md"),
                     "# How our KMS decides (dstack KMS on Base)\n\n## Boot-time key request\n\n"
                     "1. CVM -> KMS over RA-TLS with quote + event log.\n2. KMS: DCAP verify, RTMR3 replay -> boot info\n"
                     "   (app_id, compose_hash, instance_id, device_id, mr_aggregated, os_image_hash, tcb_status).\n"
                     "3. KMS -> auth-eth webhook -> `DstackKms.isAppAllowed(bootInfo)`\n"
                     "   - KmsAuth side: OS image hash allowlisted?\n"
                     "   - AppAuth (DstackApp) side: `allowedComposeHashes[compose_hash]`, device id unless `allowAnyDevice`.\n"
                     "4. Allowed -> keys derived from the KMS root key and app_id (disk key also uses instance_id).\n\n"
                     "## Failure messages\n\n| check | message in KMS log / CVM serial log |\n|---|---|\n"
                     "| app not registered in DstackKms | `App not registered` |\n"
                     "| OS image not allowlisted | `OS image is not allowed` |\n"
                     "| compose hash not in AppAuth | `Compose hash not allowed` |\n"
                     "| device not allowed | `Device not allowed` |\n| TCB status policy | `TCB status OutOfDate is not allowed` |\n\n"
                     "## KMS replication (second node)\n\n- Start the new KMS CVM with `[core.onboard] enabled = true`.\n"
                     "- It attests to an existing KMS; the source KMS checks the new node's mr_aggregated and device id\n"
                     "  against `kmsAllowedAggregatedMrs` / `kmsAllowedDeviceIds` in DstackKms.\n"
                     "- Root keys (k256 + CA) are sent over the RA-TLS channel only; nothing touches the host disk unencrypted.\n"
                     "- Both nodes then derive identical app keys, so either can serve a CVM.\n"))
    s.say("Written `notes/auth-flow.md` with the boot-time flow, a table of the refusal messages, and the KMS "
          "replication steps.")
    s.end()

    # ------------------------------------------------------------------------------------------
    # 5. 2025-12-31  phala-apps: RTMR3 mismatch after prettier  (episode 2)
    # ------------------------------------------------------------------------------------------
    orig_ac = PA.get("oracle/app-compose.json")
    pretty_ac = orig_ac.replace('"allowed_envs": [\n    "RPC_URL"\n  ],', '"allowed_envs": ["RPC_URL"],')
    assert pretty_ac != orig_ac
    PA.put("oracle/app-compose.json", pretty_ac)
    good_hash, bad_hash = sha256h(orig_ac), sha256h(pretty_ac)
    q_rtmr3 = rtmr_replay(evlog(oracle_app_id, good_hash, g.hex(40)))
    bad_rtmr3 = g.hex(96)
    s = A.session(PA, "2025-12-31 18:10", "main", "2.0.76", "RTMR3 mismatch in verify.py after npm run fmt")
    s.user("ugh. I ran `npm run fmt` before committing and now the client check fails:\n\n"
           "```\nattestation verification failed: RTMR3 mismatch (quote %s..., expected %s...)\n```\n"
           "nothing was redeployed, the CVM is the same one as yesterday" % (q_rtmr3[:16], bad_rtmr3[:16]))
    s.do("Let me reproduce it first.",
         Bash("cd %s/oracle && python3 scripts/verify.py" % PA.cwd, "", "Run the client-side verifier", code=1,
              err="attestation verification failed: RTMR3 mismatch (quote %s..., expected %s...)" % (q_rtmr3[:16], bad_rtmr3[:16])),
         think="If nothing was redeployed, the quote's RTMR3 is unchanged, so the expected value on our side "
               "changed. verify.py builds the expected RTMR3 from the CVM's own event log but substitutes our "
               "local sha256(app-compose.json) for the compose-hash event. So either the local file changed "
               "bytes, or the replay itself is off. Check the replay first by using the log as-is.")
    s.do("Let me check the RTMR3 value independently: replay the event log exactly as the CVM sent it, without "
         "substituting anything. If that matches the TDX quote, the log is consistent and the problem is our expected "
         "compose hash.",
         Bash("cd %s/oracle && python3 - <<'EOF'\nimport json, urllib.request, hashlib, os\n"
              "from scripts.verify import replay, APP_URL\nev = json.load(urllib.request.urlopen(APP_URL + '/attest?nonce=' + os.urandom(32).hex()))\n"
              "log = [(e['event'], bytes.fromhex(e['event_payload'])) for e in json.loads(ev['event_log']) if e['imr'] == 3]\n"
              "print('replayed ', replay(log)[:32])\nfor n, p in log:\n    if n == 'compose-hash': print('compose-hash event', p.hex())\nEOF" % PA.cwd,
              "replayed  %s\ncompose-hash event %s" % (q_rtmr3[:32], good_hash),
              "Replay the RTMR3 event log as sent"))
    s.do("The replay of the unmodified log gives `%s...`, which is the quote's RTMR3, so the CVM side is fine. "
         "The compose-hash event says `%s...`. Now compare against what we compute locally:" % (q_rtmr3[:16], good_hash[:16]),
         Bash("cd %s/oracle && sha256sum app-compose.json && git diff --stat && git diff app-compose.json" % PA.cwd,
              "%s  app-compose.json\n app-compose.json | 4 +---\n 1 file changed, 1 insertion(+), 3 deletions(-)\n"
              "diff --git a/oracle/app-compose.json b/oracle/app-compose.json\n--- a/oracle/app-compose.json\n"
              "+++ b/oracle/app-compose.json\n@@ -10,9 +10,7 @@\n   \"public_sysinfo\": true,\n   \"public_tcbinfo\": true,\n"
              "   \"local_key_provider_enabled\": false,\n-  \"allowed_envs\": [\n-    \"RPC_URL\"\n-  ],\n+  \"allowed_envs\": [\"RPC_URL\"],\n"
              "   \"no_instance_id\": false," % bad_hash, "Hash and diff app-compose.json"))
    s.say("Root cause: prettier (run by `npm run fmt`, which is `prettier --write .`) reformatted "
          "`app-compose.json` and collapsed the `allowed_envs` array onto one line. The JSON means the same "
          "thing, but `compose_hash` is the SHA-256 of the *raw bytes*, so the local hash went from `%s...` "
          "to `%s...`. verify.py substitutes the local hash into the compose-hash event, so the expected RTMR3 "
          "no longer matches the TDX quote.\n\nThe fix is to restore the original bytes and keep prettier away "
          "from that file." % (good_hash[:12], bad_hash[:12]))
    s.do(None, Read(PA.abs("oracle/app-compose.json"), offset=9, limit=6))
    s.do(None, Edit(PA.abs("oracle/app-compose.json"), '  "allowed_envs": ["RPC_URL"],\n',
                    '  "allowed_envs": [\n    "RPC_URL"\n  ],\n'),
         Write(PA.abs(".prettierignore"), "# hashed byte-for-byte by dstack (compose_hash): never reformat\n"
                                          "oracle/app-compose.json\n**/app-compose.json\n"))
    s.do(None, Bash("cd %s/oracle && sha256sum app-compose.json && python3 scripts/verify.py" % PA.cwd,
                    "%s  app-compose.json\nattestation OK, compose_hash %s" % (good_hash, good_hash),
                    "Re-hash and re-run the verifier"))
    s.say("Back to `%s...` and verify.py passes. I also added a `.prettierignore` entry for every "
          "`app-compose.json`, so `npm run fmt` can't change the hash again." % good_hash[:12])
    s.end()
    s.user("that fixed it, thanks. scary that a formatter can break attestation")
    s.say("It is a common trap with dstack: anything that rewrites `app-compose.json` (formatters, editors that "
          "add a trailing newline, `jq .` round-trips) produces a new compose hash. Two habits help:\n\n"
          "1. Treat `app-compose.json` as a build artifact: generate it once, commit it, never edit by hand.\n"
          "2. In CI, compare `sha256sum app-compose.json` with the hash whitelisted in AppAuth "
          "(`cast call <AppAuth> 'allowedComposeHashes(bytes32)(bool)' 0x<hash>`) and fail the build on a mismatch.")
    s.end()

    # ------------------------------------------------------------------------------------------
    # 5b. 2026-01-01  phala-apps: what the oracle's AppAuth contract can do
    # ------------------------------------------------------------------------------------------
    s = A.session(PA, "2026-01-01 17:30", "main", "2.1.4", "Inspect the oracle's AppAuth contract: owner, upgradeability, allowlists")
    s.user("new year, new paranoia. the phala deploy created an AppAuth contract for the oracle and I never looked at "
           "it. what exactly can it do, who controls it, is it upgradeable? I want to be able to explain this to users "
           "who ask \"who can push a new version of the oracle\"")
    s.do("Let me inspect the AppAuth contract on Base directly: verified source, owner, proxy slot and current state.",
         Bash("cast source %s --chain base 2>/dev/null | grep -nE 'contract |function |event |mapping|bool public' | head -30" % oracle_auth,
              "12:contract DstackApp is Initializable, OwnableUpgradeable, UUPSUpgradeable, ERC165Upgradeable, IAppAuth {\n"
              "14:    mapping(bytes32 => bool) public allowedComposeHashes;\n15:    mapping(bytes32 => bool) public allowedDeviceIds;\n"
              "16:    bool public allowAnyDevice;\n18:    event ComposeHashAdded(bytes32 composeHash);\n19:    event ComposeHashRemoved(bytes32 composeHash);\n"
              "20:    event DeviceAdded(bytes32 deviceId);\n21:    event DeviceRemoved(bytes32 deviceId);\n22:    event AllowAnyDeviceSet(bool allowAny);\n"
              "23:    event UpgradesDisabled();\n41:    function initialize(address initialOwner, bool _disableUpgrades, bool _allowAnyDevice, bytes32 initialDeviceId, bytes32 initialComposeHash) public initializer {\n"
              "62:    function addComposeHash(bytes32 composeHash) external onlyOwner {\n68:    function removeComposeHash(bytes32 composeHash) external onlyOwner {\n"
              "74:    function setAllowAnyDevice(bool _allowAnyDevice) external onlyOwner {\n79:    function addDevice(bytes32 deviceId) external onlyOwner {\n"
              "91:    function isAppAllowed(AppBootInfo calldata bootInfo) external view override returns (bool isAllowed, string memory reason) {\n"
              "103:    function disableUpgrades() external onlyOwner {\n108:    function _authorizeUpgrade(address) internal override onlyOwner {",
              "Read the verified AppAuth source outline"),
         Bash("A=%s; R=https://mainnet.base.org; echo owner $(cast call $A 'owner()(address)' --rpc-url $R); "
              "echo allowAnyDevice $(cast call $A 'allowAnyDevice()(bool)' --rpc-url $R); "
              "echo impl $(cast storage $A 0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc --rpc-url $R | cut -c27-); "
              "echo composeHash $(cast call $A 'allowedComposeHashes(bytes32)(bool)' 0x%s --rpc-url $R)" % (oracle_auth, oracle_hash0),
              "owner 0x%s\nallowAnyDevice true\nimpl %s\ncomposeHash true" % (g.hex(40), g.hex(40)),
              "Query AppAuth state on Base"),
         think="The AppAuth is a DstackApp behind an ERC1967/UUPS proxy. Owner = amiller's deployer EOA. So the owner can: "
               "add/remove compose hashes (i.e. authorize new versions to get keys), manage devices, and upgrade the AppAuth "
               "implementation itself (unless disableUpgrades was called). The upgrade power is equivalent to full control of "
               "isAppAllowed.")
    s.say("Here's the honest answer for users.\n\n**What the AppAuth contract is:** a `DstackApp` contract behind a UUPS "
          "proxy on Base; its address *is* the oracle's `app_id`. The KMS calls `isAppAllowed(bootInfo)` on it every time "
          "an oracle CVM boots and asks for keys.\n\n**Who controls it:** a single owner, your deployer EOA `%s...`.\n\n"
          "**What the owner can do:**\n\n| power | effect |\n|---|---|\n| `addComposeHash` | authorize a new oracle "
          "version (new compose hash) to obtain the oracle's keys, including the price signing key |\n| "
          "`removeComposeHash` | revoke a version immediately |\n| `addDevice` / `setAllowAnyDevice` | restrict which "
          "TDX machines may run it (currently any) |\n| `upgradeToAndCall` (UUPS) | replace the AppAuth logic "
          "entirely, i.e. make `isAppAllowed` return anything |\n| `disableUpgrades` | permanently give up the previous "
          "power |\n\nSo today \"who can push a new version of the oracle\" = whoever holds that one key, instantly and "
          "without notice. The TDX attestation guarantees users can *see* which compose hash runs (RTMR3) and "
          "the `ComposeHashAdded` events show every version ever authorized, but nothing stops a bad version from "
          "being authorized." % oracle_auth[:10])
    s.user("that's not great. options?")
    s.say("From least to most effort:\n\n1. **Transparency only**: publish the AppAuth address and a script that lists "
          "`ComposeHashAdded` events and maps each hash to a reproducible git tag. Users can detect, not prevent.\n"
          "2. **Multisig owner**: transfer AppAuth ownership to a Safe (2-of-3 with people you trust). Prevents a single "
          "compromised key from authorizing a malicious version.\n3. **Timelock**: AppAuth where new compose hashes "
          "activate only after N days (the TimelockAppAuth idea), so users can audit or exit. For an existing app_id "
          "this needs a UUPS upgrade of the AppAuth implementation, which the current owner can do.\n4. "
          "**`disableUpgrades()`** once the AppAuth logic is final, so the rules themselves can't change.\n\nI'd do 1 "
          "now, 2 soon, and think about 3 + 4 together.")
    s.end()
    s.user("do 1: write scripts/appauth-history.sh")
    s.do(None, Write(PA.abs("scripts/appauth-history.sh"),
                     "#!/usr/bin/env bash\n# List every compose hash ever authorized in an app's AppAuth contract, with the block time,\n"
                     "# and the git tag whose oracle/app-compose.json hashes to it (if any).\n# usage: scripts/appauth-history.sh <AppAuth address>\n"
                     "set -euo pipefail\nAPP_AUTH=${1:?AppAuth address}\nRPC=${RPC:-https://mainnet.base.org}\n"
                     "declare -A TAGHASH\nfor t in $(git tag -l 'oracle-v*'); do\n"
                     "  TAGHASH[$(git show \"$t:oracle/app-compose.json\" | sha256sum | cut -d' ' -f1)]=$t\ndone\n"
                     "cast logs --address \"$APP_AUTH\" --from-block 24000000 --rpc-url \"$RPC\" --json \\\n"
                     "  | jq -r '.[] | [.topics[0], .data, .blockNumber] | @tsv' | while IFS=$'\\t' read -r topic data block; do\n"
                     "  case $topic in\n    $(cast keccak 'ComposeHashAdded(bytes32)')) ev=added ;;\n"
                     "    $(cast keccak 'ComposeHashRemoved(bytes32)')) ev=removed ;;\n    *) continue ;;\n  esac\n"
                     "  h=${data#0x}\n  echo \"$block $ev $h ${TAGHASH[$h]:-<no tag: not reproducible from this repo>}\"\ndone\n"))
    s.do(None, Bash("cd %s && chmod +x scripts/appauth-history.sh && scripts/appauth-history.sh %s" % (PA.cwd, oracle_auth),
                    "24391102 added %s oracle-v0.4.1" % oracle_hash0, "List the AppAuth history"))
    s.say("One entry so far: the compose hash added at deploy time, which maps to tag `oracle-v0.4.1`. Any future "
          "`ComposeHashAdded` without a matching tag will show up as `<no tag: not reproducible from this repo>`, "
          "which is exactly what users should be alarmed by.")
    s.end()

    # ------------------------------------------------------------------------------------------
    # 6. 2026-01-02  ra-tls-proxy: compose hash from the RTMR3 event log
    # ------------------------------------------------------------------------------------------
    s = A.session(PR, "2026-01-02 15:30", "amiller/eventlog", "2.1.4", "RTMR3 event log replay in ra-tls-proxy")
    s.user("policy.go calls composeHashFromEventLog but it doesn't exist yet. Implement it: parse the dstack "
           "event log from the cert extension, replay the RTMR3 events, compare with td.RTMR[3], return the "
           "compose-hash payload. Add a test with a log I can generate from the oracle.")
    s.do("Let me look at how the policy uses it and what the cert extension carries.",
         Read(PR.abs("ratls/policy.go")), Grep("oidEventLog|RTMR", path=PR.abs("ratls")),
         think="dstack runtime events in RTMR3: event_type 0x08000001, digest = sha384(LE32(type) || ':' || name || ':' || payload). "
               "Digest field in the log may be empty for RTMR3 entries so it must be recomputed. Replay: mr = sha384(mr || digest) "
               "starting from 48 zero bytes. Take the first compose-hash event before system-ready.")
    s.do("I'll write the replay in its own file. The digest of a dstack runtime event is recomputed from name and "
         "payload (the `digest` field in the log is empty for RTMR3 entries, and must not be trusted anyway).",
         Write(PR.abs("ratls/eventlog.go"),
               "package ratls\n\nimport (\n\t\"bytes\"\n\t\"crypto/sha512\"\n\t\"encoding/binary\"\n\t\"encoding/hex\"\n"
               "\t\"encoding/json\"\n\t\"errors\"\n\t\"fmt\"\n)\n\nconst dstackEventType = 0x08000001\n\n"
               "type event struct {\n\tIMR          int    `json:\"imr\"`\n\tEventType    uint32 `json:\"event_type\"`\n"
               "\tDigest       string `json:\"digest\"`\n\tEvent        string `json:\"event\"`\n\tEventPayload string `json:\"event_payload\"`\n}\n\n"
               "func eventDigest(name string, payload []byte) []byte {\n\th := sha512.New384()\n"
               "\tvar t [4]byte\n\tbinary.LittleEndian.PutUint32(t[:], dstackEventType)\n\th.Write(t[:])\n"
               "\th.Write([]byte(name))\n\th.Write(payload)\n\treturn h.Sum(nil)\n}\n\n"
               "// composeHashFromEventLog replays the RTMR3 events, checks the result against the quote's RTMR3\n"
               "// and returns the compose-hash recorded before system-ready.\n"
               "func composeHashFromEventLog(raw []byte, rtmr3 []byte) (string, error) {\n\tvar evs []event\n"
               "\tif err := json.Unmarshal(raw, &evs); err != nil {\n\t\treturn \"\", fmt.Errorf(\"event log: %w\", err)\n\t}\n"
               "\tmr := make([]byte, 48)\n\tcompose := \"\"\n\tready := false\n\tfor _, e := range evs {\n"
               "\t\tif e.IMR != 3 {\n\t\t\tcontinue\n\t\t}\n\t\tp, err := hex.DecodeString(e.EventPayload)\n"
               "\t\tif err != nil {\n\t\t\treturn \"\", err\n\t\t}\n\t\th := sha512.New384()\n\t\th.Write(mr)\n"
               "\t\th.Write(eventDigest(e.Event, p))\n\t\tmr = h.Sum(nil)\n"
               "\t\tif e.Event == \"compose-hash\" && !ready {\n\t\t\tif compose != \"\" {\n"
               "\t\t\t\treturn \"\", errors.New(\"duplicate compose-hash event before system-ready\")\n\t\t\t}\n"
               "\t\t\tcompose = e.EventPayload\n\t\t}\n\t\tif e.Event == \"system-ready\" {\n\t\t\tready = true\n\t\t}\n\t}\n"
               "\tif !bytes.Equal(mr, rtmr3) {\n\t\treturn \"\", fmt.Errorf(\"RTMR3 mismatch: replayed %x, quote %x\", mr[:8], rtmr3[:8])\n\t}\n"
               "\tif compose == \"\" {\n\t\treturn \"\", errors.New(\"no compose-hash event\")\n\t}\n\treturn compose, nil\n}\n"))
    s.do("Now a test fixture from the oracle's event log, and a table test.",
         Bash("mkdir -p ratls/testdata && curl -s 'https://%s-8080.apps.amiller-tee.dev/attest?nonce=%s' "
              "| jq -r .event_log > ratls/testdata/oracle-eventlog.json && jq length ratls/testdata/oracle-eventlog.json" % (oracle_app_id, g.hex(64)),
              "28", "Save a real event log as a fixture"),
         Write(PR.abs("ratls/eventlog_test.go"),
               "package ratls\n\nimport (\n\t\"encoding/hex\"\n\t\"os\"\n\t\"testing\"\n)\n\n"
               "// RTMR3 of the oracle quote the fixture came from\nconst oracleRTMR3 = \"%s\"\n\n"
               "func TestComposeHashFromEventLog(t *testing.T) {\n\traw, err := os.ReadFile(\"testdata/oracle-eventlog.json\")\n"
               "\tif err != nil {\n\t\tt.Fatal(err)\n\t}\n\twant, _ := hex.DecodeString(oracleRTMR3)\n"
               "\tch, err := composeHashFromEventLog(raw, want)\n\tif err != nil {\n\t\tt.Fatal(err)\n\t}\n"
               "\tif ch != \"%s\" {\n\t\tt.Fatalf(\"compose hash %%s\", ch)\n\t}\n}\n" % (q_rtmr3, good_hash)))
    s.do(None, Bash("cd %s && go test ./ratls/ -run ComposeHash -v" % PR.cwd,
                    "=== RUN   TestComposeHashFromEventLog\n    eventlog_test.go:19: RTMR3 mismatch: replayed 9b03c1e27f4a5d10, quote %s\n"
                    "--- FAIL: TestComposeHashFromEventLog (0.00s)\nFAIL\nFAIL\tgithub.com/amiller-lab/ra-tls-proxy/ratls\t0.011s\nFAIL"
                    % q_rtmr3[:16], "Run the event log test", code=1))
    s.do("The replay doesn't match the TDX quote. Let me compare my digest against the reference definition: it is "
         "`sha384(LE32(0x08000001) || \":\" || name || \":\" || payload)`. I forgot both `\":\"` separators.",
         Edit(PR.abs("ratls/eventlog.go"), "\th.Write(t[:])\n\th.Write([]byte(name))\n\th.Write(payload)\n",
              "\th.Write(t[:])\n\th.Write([]byte(\":\"))\n\th.Write([]byte(name))\n\th.Write([]byte(\":\"))\n\th.Write(payload)\n"),
         think="Classic. The dstack V1 event digest includes ':' between type, name and payload.")
    s.do(None, Bash("cd %s && go test ./ratls/ -v 2>&1 | tail -4" % PR.cwd,
                    "=== RUN   TestComposeHashFromEventLog\n--- PASS: TestComposeHashFromEventLog (0.00s)\nPASS\nok  \tgithub.com/amiller-lab/ra-tls-proxy/ratls\t0.009s",
                    "Re-run the tests"))
    s.say("`composeHashFromEventLog` is in `ratls/eventlog.go`:\n\n- recomputes each RTMR3 event digest as "
          "`sha384(LE32(0x08000001):name:payload)` (first attempt missed the `:` separators, which the test caught)\n"
          "- replays from 48 zero bytes and compares with `td.RTMR[3]`\n- returns the first `compose-hash` before "
          "`system-ready` and rejects a duplicate there, so an app can't emit a fake compose-hash event later\n\n"
          "The test uses a real event log from the oracle and its RTMR3.")
    s.end()

    # ------------------------------------------------------------------------------------------
    # 7. 2026-01-03  ra-tls-proxy: x509 unknown authority -> real RA-TLS verification
    # ------------------------------------------------------------------------------------------
    s = A.session(PR, "2026-01-03 17:05", "amiller/eventlog", "2.1.4", "Fix x509 unknown authority: verify upstream with RA-TLS")
    s.user("deployed the proxy in front of the oracle (upstream is the oracle's RA-TLS port) and every request "
           "fails:\n\n```\nhttp: proxy error: tls: failed to verify certificate: x509: certificate signed by unknown authority\n```")
    s.do("The upstream serves a certificate from dstack's `GetTlsKey`, which chains to the app CA the KMS "
         "derives, not to a public root. Let me confirm by looking at the chain.",
         Bash("openssl s_client -connect %s-8443.apps.amiller-tee.dev:443 -servername %s-8443.apps.amiller-tee.dev "
              "-showcerts </dev/null 2>/dev/null | grep -E '^ *[0-9] s:|i:'" % (oracle_app_id, oracle_app_id),
              " 0 s:CN = price-oracle\n   i:CN = Dstack App CA, O = Dstack\n 1 s:CN = Dstack App CA, O = Dstack\n   i:CN = Dstack KMS CA, O = Dstack",
              "Show the upstream certificate chain"))
    s.do("Right: `price-oracle` <- `Dstack App CA` <- `Dstack KMS CA`. Go's default verifier only knows the system "
         "roots, hence `unknown authority`. Adding the KMS CA to a pool would make the error go away, but it only "
         "proves the KMS issued the cert; the point of RA-TLS is to check the quote inside the leaf. Let me see "
         "what the proxy's transport does now.",
         Read(PR.abs("main.go"), offset=27, limit=10))
    s.do("I'll add a `ClientConfig` helper that disables the chain check and instead runs `VerifyPeer` "
         "(quote signature, report_data binding, policy) on the leaf.",
         Read(PR.abs("ratls/verify.go"), offset=1, limit=12))
    s.do(None, Edit(PR.abs("ratls/verify.go"), "// VerifyPeer checks an RA-TLS certificate",
                    "// ClientConfig returns a tls.Config that accepts a server only if its RA-TLS leaf carries a\n"
                    "// valid TDX quote bound to the leaf key and matching pol. The X.509 chain itself is not\n"
                    "// trusted: the TDX quote is the trust anchor.\n"
                    "func ClientConfig(qv QuoteVerifier, pol *Policy) *tls.Config {\n\treturn &tls.Config{\n"
                    "\t\tInsecureSkipVerify: true, // replaced by VerifyPeerCertificate below\n"
                    "\t\tVerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {\n"
                    "\t\t\tif len(raw) == 0 {\n\t\t\t\treturn errors.New(\"no peer certificate\")\n\t\t\t}\n"
                    "\t\t\tleaf, err := x509.ParseCertificate(raw[0])\n\t\t\tif err != nil {\n\t\t\t\treturn err\n\t\t\t}\n"
                    "\t\t\treturn VerifyPeer(leaf, qv, pol)\n\t\t},\n\t}\n}\n\n// VerifyPeer checks an RA-TLS certificate"),
         Edit(PR.abs("ratls/verify.go"), "import (\n\t\"bytes\"\n\t\"crypto/sha512\"\n",
              "import (\n\t\"bytes\"\n\t\"crypto/sha512\"\n\t\"crypto/tls\"\n"),
         Edit(PR.abs("main.go"), "\trp.Transport = &http.Transport{TLSClientConfig: &tls.Config{}}\n",
              "\tqv := ratls.NewDcapVerifier(\"https://pccs.phala.network\")\n"
              "\tpol, err := ratls.LoadPolicy(\"policy.json\")\n\tif err != nil {\n\t\tlog.Fatal(err)\n\t}\n"
              "\trp.Transport = &http.Transport{TLSClientConfig: ratls.ClientConfig(qv, pol)}\n"))
    s.do(None, Bash("cd %s && go build ./... && go vet ./..." % PR.cwd, "", "Build and vet"))
    s.do(None, Bash("cd %s && ./scripts/redeploy.sh && sleep 45 && curl -s https://proxy.apps.amiller-tee.dev/price/ETH-USD" % PR.cwd,
                    "upgrading CVM ra-tls-proxy ... ok (compose_hash %s)\n{\"pair\":\"ETH-USD\",\"price\":\"3391.42\",\"ts\":1767460112,\"sig\":\"0x%s\"}"
                    % (g.hex(64), g.hex(40)), "Redeploy the proxy and curl through it", secs=(50, 70)))
    s.say("Requests go through now. The proxy no longer trusts the X.509 chain at all; for each upstream "
          "connection it:\n\n1. pulls the TDX quote from extension `1.3.6.1.4.1.62397.1.1` of the leaf,\n"
          "2. verifies it with DCAP (collateral from the PCCS),\n3. checks `report_data == sha512(\"ratls-cert:\" || key)`,\n"
          "4. replays RTMR3 and checks the compose hash against `policy.json`.\n\nNote the TLS error was never a "
          "bug in the oracle: a plain CA pool would have hidden it, but then any cert the KMS CA signed would "
          "be accepted, including for an app version you never reviewed.")
    s.end()
    s.user("makes sense. that fixed it")
    s.end()

    # ------------------------------------------------------------------------------------------
    # 7b. 2026-01-03  attest-verifier: anatomy of a TDX quote
    # ------------------------------------------------------------------------------------------
    s = A.session(PV, "2026-01-03 21:40", "main", "2.1.4", "Anatomy of a TDX quote: header, TD report body, signature data")
    s.user("walk me through the actual bytes of the oracle's TDX quote. I've been treating the quote as a blob and "
           "after the Header::version thing I want to know the layout")
    s.do(None, Bash("cd %s && ./target/release/attest-verifier --url https://%s-8080.apps.amiller-tee.dev --dump-quote /tmp/q.bin >/dev/null; "
                    "xxd -l 48 /tmp/q.bin; echo; dcap-qvl decode --file /tmp/q.bin | jq '{header: .header, td: (.report.TD10 | {tee_tcb_svn, mr_td: .mr_td[0:24], mr_config_id: .mr_config_id[0:24], rt_mr0: .rt_mr0[0:24], rt_mr3: .rt_mr3[0:24], report_data: .report_data[0:24]}), sig_len: .auth_data_len}'" % (PV.cwd, oracle_app_id),
                    "00000000: 0400 0200 8100 0000 0000 0000 939a 7233  ..............r3\n00000010: f79c 4ca9 940a 0db3 957f 0607 %s  ..L.............\n"
                    "00000020: %s  ................\n\n{\n  \"header\": {\n    \"version\": 4,\n    \"attestation_key_type\": 2,\n    \"tee_type\": 129,\n"
                    "    \"qe_vendor_id\": \"939a7233f79c4ca9940a0db3957f0607\"\n  },\n  \"td\": {\n    \"tee_tcb_svn\": \"0b01040000000000000000000000000000\",\n"
                    "    \"mr_td\": \"%s\",\n    \"mr_config_id\": \"01%s\",\n    \"rt_mr0\": \"%s\",\n    \"rt_mr3\": \"%s\",\n    \"report_data\": \"%s\"\n  },\n  \"sig_len\": 4370\n}"
                    % (g.hex(8), g.hex(32), IMG["0.5.4"]["mrtd"][:24], oracle_hash0[:22], IMG["0.5.4"]["rtmr0"][:24], q_rtmr3[:24], g.hex(24)),
                    "Dump the TDX quote header and TD report body"))
    s.say("The TDX quote (v4) has three parts:\n\n**1. Header (48 bytes)**\n- `0400` version 4 (little-endian u16); "
          "SGX quotes are version 3, TDX 1.5 hosts may produce version 5\n- `0200` attestation key type 2 = ECDSA P-256\n"
          "- `81000000` TEE type 0x81 = **TDX** (0 would be SGX)\n- `939a7233...0607` QE vendor id = Intel\n- 20 bytes "
          "of user data (QE id)\n\n**2. TD report body (584 bytes, at offset 48)**\n- `TEE_TCB_SVN` (16): TDX module "
          "version/SVN\n- `MRSEAM`, `MRSIGNERSEAM`: the TDX module measurement\n- `TDATTRIBUTES` (debug bit must be 0)\n"
          "- **MRTD**: the initial TD memory, i.e. the virtual firmware (OVMF) of the dstack image\n- **MRCONFIGID**: "
          "set by the host at launch; Phala puts `01 || compose_hash` here, which is why our policy could use it\n"
          "- MROWNER, MROWNERCONFIG\n- **RTMR0-3**: runtime measurements; RTMR0 firmware config, RTMR1 kernel, "
          "RTMR2 command line + initramfs, **RTMR3** the dstack app: app-id, compose-hash, instance-id, key provider...\n"
          "- **REPORTDATA** (64): our nonce binding\n\n**3. Signature data** (`sig_len` 4370): ECDSA signature over "
          "header + body by the attestation key, the attestation key itself, the QE report signed by the PCK key, and "
          "the PCK certificate chain (PEM) up to the Intel SGX Root CA. That chain is what dcap-qvl checks against "
          "Intel's collateral (TCB info, QE identity, CRLs).\n\nSo for app identity everything hangs off RTMR3 (or "
          "the MRCONFIGID shortcut), for OS identity MRTD + RTMR0-2, for freshness REPORTDATA, and for \"is this real "
          "TDX hardware, patched\" the signature data + TCB status.")
    s.end()
    s.user("why is rtmr3 only meaningful with the event log?")
    s.say("Because an RTMR is a hash chain, not a value you can read directly: `RTMR3 = sha384(sha384(...(0 || d1) || "
          "d2) ... || dn)` where each `d` is an event digest. From the final 48 bytes you can't tell which events "
          "went in. The event log lists them (name + payload), you recompute each digest, replay the chain from 48 "
          "zero bytes and check you land on the RTMR3 value in the TDX quote. Only then do you know the payloads, like "
          "the compose hash, are the ones that were measured. Anything after `system-ready` in RTMR3 was emitted by "
          "the app itself at runtime, so a verifier should only take app identity from events before that.")
    s.end()

    # ------------------------------------------------------------------------------------------
    # 8. 2026-01-04  dstack-kms: compose_hash not whitelisted in AppAuth  (episode 3)
    # ------------------------------------------------------------------------------------------
    ratls_hash = g.hex(64)
    s = A.session(PK, "2026-01-04 16:20", "main", "2.1.5", "Compose hash not allowed: AppAuth whitelisting went to Base Sepolia")
    s.user("pushed a new ra-tls-proxy version, ran scripts/add-compose-hash.sh ra-tls-proxy %s first, then "
           "`phala cvms upgrade`. The CVM never comes up, and the preflight check on my laptop says\n"
           "`Error: attestation verification failed: compose_hash %s not whitelisted in AppAuth`.\n"
           "Serial log ends with\n```\ndstack-util: requesting app keys from KMS...\n"
           "Error: Failed to get app keys: KMS rejected boot: Compose hash not allowed\n```" % (ratls_hash, ratls_hash[:16]))
    s.do("Let me reproduce the preflight first.",
         Bash("cd ../attest-verifier && ./target/release/attest-verifier preflight --deployments ../dstack-kms/deployments/base.json --app ra-tls-proxy --compose-hash %s" % ratls_hash,
              "", "Run the AppAuth preflight check", code=1,
              err="preflight: AppAuth %s on chain 8453\nError: attestation verification failed: compose_hash %s not whitelisted in AppAuth" % (ratls_auth, ratls_hash[:16])))
    s.do("The KMS and the verifier agree: the hash isn't in the AppAuth allowlist the KMS reads. Let me check "
         "what the contract on Base says directly, and what the script did.",
         Read(PK.abs("scripts/add-compose-hash.sh")),
         Bash("cast call %s 'allowedComposeHashes(bytes32)(bool)' 0x%s --rpc-url https://mainnet.base.org" % (ratls_auth, ratls_hash),
              "false", "Query AppAuth on Base mainnet"),
         think="The script reads the AppAuth address from deployments/base.json but uses $RPC_URL from the environment. "
               ".envrc sets RPC_URL to Base Sepolia. If direnv loaded it, cast send went to Sepolia, where that address "
               "is either empty or a different contract.")
    s.do("On Base mainnet the hash is not allowed. The script takes the AppAuth address from "
         "`deployments/base.json` but the RPC endpoint from `$RPC_URL`. Let me check where that points.",
         Read(PK.abs(".envrc")),
         Bash("cast chain-id --rpc-url https://sepolia.base.org && cast tx %s --rpc-url https://sepolia.base.org | grep -E 'to|status|blockNumber'" % txh(),
              "84532\nblockNumber          20318877\nstatus               1 (success)\nto                   %s" % ratls_auth,
              "Look up the whitelisting tx on Base Sepolia"))
    s.say("Found it. `.envrc` exports `RPC_URL=https://sepolia.base.org` (left over from testnet work), so "
          "`cast send` sent `addComposeHash` to address `%s` on **Base Sepolia** (chain 84532). The transaction "
          "succeeded there, against whatever lives at that address on the testnet, and the mainnet AppAuth the "
          "KMS reads was never touched. The KMS then refused the boot with `Compose hash not allowed`." % ratls_auth)
    s.do("Fixing the script so the chain comes from the deployments file and is checked before sending:",
         Edit(PK.abs("scripts/add-compose-hash.sh"),
              "APP_AUTH=$(jq -r --arg a \"$APP\" '.apps[$a].appAuth' deployments/base.json)\n",
              "DEPLOY=${DEPLOY:-deployments/base.json}\nAPP_AUTH=$(jq -r --arg a \"$APP\" '.apps[$a].appAuth' \"$DEPLOY\")\n"
              "CHAIN_ID=$(jq -r .chainId \"$DEPLOY\")\ncase $CHAIN_ID in\n  8453) RPC_URL=https://mainnet.base.org ;;\n"
              "  84532) RPC_URL=https://sepolia.base.org ;;\n  *) echo \"unknown chain $CHAIN_ID\" >&2; exit 1 ;;\nesac\n"
              "if [ \"$(cast chain-id --rpc-url \"$RPC_URL\")\" != \"$CHAIN_ID\" ]; then\n"
              "  echo \"RPC $RPC_URL is not chain $CHAIN_ID\" >&2; exit 1\nfi\n"))
    s.do(None, Bash("cd %s && ./scripts/add-compose-hash.sh ra-tls-proxy %s" % (PK.cwd, ratls_hash),
                    "AppAuth for ra-tls-proxy: %s\n\nblockHash            0x%s\nblockNumber          24811930\nstatus               1 (success)\n"
                    "transactionHash      %s\ntrue" % (ratls_auth, g.hex(64), txh()),
                    "Whitelist the compose hash on Base mainnet", secs=(8, 20)))
    s.do("Whitelisted on mainnet (`allowedComposeHashes` returns `true`). Restarting the CVM so it asks the KMS again:",
         Bash("phala cvms restart ra-tls-proxy && sleep 50 && phala cvms serial-logs ra-tls-proxy | tail -6",
              "dstack-util: requesting app keys from KMS...\ndstack-util: got app keys (app_id %s)\n"
              "dstack-util: mounting encrypted data disk... ok\ndstack-util: system-ready\n"
              "ra-tls-proxy  | 2026/01/04 16:41:07 ra-tls-proxy listening on :8443 -> https://%s-8443.apps.amiller-tee.dev"
              % (ratls_app_id[:12], oracle_app_id), "Restart and check the serial log", secs=(55, 65)))
    s.do(None, Bash("cd ../attest-verifier && ./target/release/attest-verifier --url https://%s-8443.apps.amiller-tee.dev --policy policies/ra-tls-proxy.toml" % ratls_app_id,
                    vok(ratls_hash, mode="cfg"), "Verify the proxy from the laptop"))
    s.say("The proxy booted, got its keys, and attestation verification passes. Summary:\n\n- **Cause:** "
          "compose hash was whitelisted on Base Sepolia, not on Base where the KMS reads AppAuth, because "
          "`$RPC_URL` came from `.envrc`.\n- **Fix:** the script now derives the RPC from `chainId` in the "
          "deployments file and refuses to send if the endpoint reports a different chain id.")
    s.end()
    s.user("that fixed it. also remove the RPC_URL export from .envrc, I don't want it to bite me again")
    s.do(None, Edit(PK.abs(".envrc"), "export RPC_URL=https://sepolia.base.org\n", ""))
    s.say("Removed. `.envrc` now only sets the Basescan API URL.")
    s.end()

    # ------------------------------------------------------------------------------------------
    # 9. 2026-01-05  phala-apps: non-reproducible docker build
    # ------------------------------------------------------------------------------------------
    PA.put("oracle/Dockerfile", "FROM node:22-bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \\\n"
           "    && rm -rf /var/lib/apt/lists/*\nWORKDIR /app\nCOPY package.json ./\nRUN npm install --omit=dev\n"
           "COPY dist ./dist\nUSER node\nCMD [\"node\", \"dist/index.js\"]\n")
    PA.put("oracle/scripts/build.sh", "#!/usr/bin/env bash\nset -euo pipefail\ncd \"$(dirname \"$0\")/..\"\nnpm run build\n"
           "docker buildx build --platform linux/amd64 -t ghcr.io/amiller-lab/price-oracle:dev --push .\n")
    d1, d2, d3 = g.hex(64), g.hex(64), g.hex(64)
    s = A.session(PA, "2026-01-05 20:30", "amiller/repro", "2.1.5", "Make the oracle image build reproducible")
    s.user("I want third parties to be able to rebuild the oracle image and get the same digest that's pinned in "
           "docker-compose.yml (and therefore in the compose hash). Right now two builds on my machine give two "
           "different digests. Investigate.")
    s.do("Let me reproduce with two clean builds and compare the digests.",
         Bash("cd %s/oracle && for i in 1 2; do docker buildx build --no-cache --platform linux/amd64 -q "
              "--output type=oci,dest=/tmp/oracle-$i.tar . ; done && sha256sum /tmp/oracle-*.tar && "
              "for i in 1 2; do tar -xOf /tmp/oracle-$i.tar index.json | jq -r '.manifests[0].digest'; done" % PA.cwd,
              "%s  /tmp/oracle-1.tar\n%s  /tmp/oracle-2.tar\nsha256:%s\nsha256:%s" % (g.hex(64), g.hex(64), d1, d2),
              "Build twice and compare digests", secs=(90, 150),
              progress=("#5 [2/6] RUN apt-get update && apt-get install -y ...", "#8 [4/6] RUN npm install --omit=dev\n#8 12.41 added 61 packages in 11s")))
    s.do("Different manifests. diffoscope on the two archives will tell us which layers and which files differ.",
         Bash("diffoscope --max-report-size 40000 --text - /tmp/oracle-1.tar /tmp/oracle-2.tar | grep -E '^(│ |├|---|\\+\\+\\+).*' | head -30",
              "├── blobs/sha256/%s (layer 2)\n│ ├── var/cache/ldconfig/aux-cache\n│ ├── var/log/dpkg.log\n"
              "│ │ -2026-01-05 20:31:07 status installed curl:amd64 7.88.1-10+deb12u12\n│ │ +2026-01-05 20:33:41 status installed curl:amd64 7.88.1-10+deb12u12\n"
              "│ ├── var/log/apt/history.log\n├── blobs/sha256/%s (layer 4)\n│ ├── app/node_modules/.package-lock.json\n"
              "│ │ -    \"node_modules/viem\": { \"version\": \"2.21.54\"\n│ │ +    \"node_modules/viem\": { \"version\": \"2.21.55\"\n"
              "│ ├── (file mtimes differ: 214 entries)\n├── config: \"created\": \"2026-01-05T20:31:12Z\" vs \"2026-01-05T20:33:46Z\""
              % (g.hex(12), g.hex(12)), "diffoscope the two images", secs=(20, 40)),
         think="Sources of nondeterminism: (1) apt logs and caches with timestamps, plus apt mirror drift; (2) npm install "
               "resolving ^ ranges without a lockfile; (3) file mtimes and config.created. Fixes: pin base image by digest, "
               "snapshot.debian.org for apt, npm ci with committed package-lock.json, SOURCE_DATE_EPOCH + rewrite-timestamp.")
    s.say("Three independent sources of non-reproducibility:\n\n1. **apt**: `dpkg.log`, `history.log` and ldconfig "
          "caches embed the build time, and `apt-get update` can pull different package versions on another day.\n"
          "2. **npm**: no `package-lock.json` is copied, so `npm install` resolved `viem ^2.21.0` to 2.21.54 in one "
          "build and 2.21.55 in the other (a release landed in between!).\n3. **timestamps**: file mtimes and the "
          "image config `created` field.\n\nPlan: pin the base image by digest, install apt packages from "
          "snapshot.debian.org at a fixed date and delete the logs, use `npm ci` with a committed lockfile, and "
          "build with `SOURCE_DATE_EPOCH` plus BuildKit's `rewrite-timestamp=true`.")
    s.do(None, Read(PA.abs("oracle/Dockerfile")), Read(PA.abs("oracle/scripts/build.sh")))
    s.do(None,
         Write(PA.abs("oracle/Dockerfile"),
               "# Reproducible: base pinned by digest, apt from a dated snapshot, npm ci from the lockfile.\n"
               "FROM node:22-bookworm-slim@sha256:%s\nARG SOURCE_DATE_EPOCH\n"
               "RUN echo 'deb [check-valid-until=no] https://snapshot.debian.org/archive/debian/20260101T000000Z bookworm main' > /etc/apt/sources.list \\\n"
               "    && rm -f /etc/apt/sources.list.d/debian.sources \\\n"
               "    && apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \\\n"
               "    && rm -rf /var/lib/apt/lists/* /var/log/* /var/cache/ldconfig/aux-cache\n"
               "WORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci --omit=dev --ignore-scripts && rm -rf /root/.npm\n"
               "COPY dist ./dist\nUSER node\nCMD [\"node\", \"dist/index.js\"]\n" % g.hex(64)),
         Edit(PA.abs("oracle/scripts/build.sh"),
              "docker buildx build --platform linux/amd64 -t ghcr.io/amiller-lab/price-oracle:dev --push .\n",
              "export SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)\n"
              "docker buildx build --platform linux/amd64 --no-cache \\\n  --build-arg SOURCE_DATE_EPOCH \\\n"
              "  --output type=image,name=ghcr.io/amiller-lab/price-oracle:dev,push=true,rewrite-timestamp=true \\\n"
              "  --provenance=false .\n"))
    s.do(None, Bash("cd %s/oracle && npm install --package-lock-only && git add package-lock.json && "
                    "for i in 1 2; do SOURCE_DATE_EPOCH=$(git log -1 --format=%%ct) docker buildx build --no-cache --platform linux/amd64 -q "
                    "--build-arg SOURCE_DATE_EPOCH --output type=oci,dest=/tmp/oracle-$i.tar,rewrite-timestamp=true . ; done && "
                    "for i in 1 2; do tar -xOf /tmp/oracle-$i.tar index.json | jq -r '.manifests[0].digest'; done" % PA.cwd,
                    "up to date, audited 62 packages in 2s\nsha256:%s\nsha256:%s" % (d3, d3),
                    "Rebuild twice with the fixes", secs=(120, 180),
                    progress=("#6 [2/6] RUN echo 'deb [check-valid-until=no] https://snapshot.debian.org/...",)))
    s.say("Both builds now produce `sha256:%s...`. Changes:\n\n- `Dockerfile`: base image pinned by digest, apt from "
          "snapshot.debian.org (2026-01-01), logs/caches removed, `npm ci` from a committed `package-lock.json`.\n"
          "- `build.sh`: `SOURCE_DATE_EPOCH` from the last commit, `rewrite-timestamp=true` so layer mtimes are clamped, "
          "`--provenance=false` (the provenance attestation embeds a build timestamp and the builder id).\n\n"
          "Next step for third parties: document `git checkout <tag> && scripts/build.sh` and the expected digest "
          "next to the compose hash." % d3[:16])
    s.end()
    s.user("nice. reproducible builds were the missing piece for the \"verify the oracle yourself\" story")
    s.end()

    # ------------------------------------------------------------------------------------------
    # 10. 2026-01-06  dstack-gateway: custom domain for the oracle
    # ------------------------------------------------------------------------------------------
    s = A.session(PG, "2026-01-06 19:00", "main", "2.1.5", "Custom domain oracle.amiller-tee.dev through dstack-gateway")
    s.user("I want oracle.amiller-tee.dev to reach the oracle CVM through our dstack-gateway instead of the long "
           "<app_id>-8080.apps... name. TLS should still terminate inside the CVM (passthrough), not at the gateway.")
    s.do("Let me see how the gateway is configured for passthrough and certificates.",
         Read(PG.abs("gateway.toml")),
         think="The gateway routes by SNI. With tls_passthrough the gateway never sees plaintext; for a custom domain it "
               "looks up a TXT record _dstack-app-address.<domain> = <app_id>:<port> to know which CVM to forward to. "
               "Certificate for the custom domain must then be obtained inside the CVM (e.g. dstack-ingress / certbot in the app).")
    s.say("With `tls_passthrough = true` the gateway only reads the SNI from the ClientHello and forwards the raw TCP "
          "stream over WireGuard to the CVM, so the certificate for `oracle.amiller-tee.dev` has to live inside the "
          "oracle CVM. For a custom name the gateway needs two DNS records:\n\n- `CNAME oracle.amiller-tee.dev -> "
          "gw1.amiller-tee.dev` so clients reach the gateway;\n- `TXT _dstack-app-address.oracle.amiller-tee.dev = "
          "\"<app_id>:443\"` so the gateway knows which app (and port) that SNI maps to.\n\nThe wildcard cert in "
          "`[core.certbot]` only covers `*.apps.amiller-tee.dev`, which is fine: passthrough traffic never uses it.")
    s.do("Let me create the records through the Cloudflare API (zone id from the gateway env) and check them.",
         Bash("cd %s && ./scripts/cf-dns.sh add CNAME oracle gw1.amiller-tee.dev && "
              "./scripts/cf-dns.sh add TXT _dstack-app-address.oracle '%s:443' && "
              "dig +short CNAME oracle.amiller-tee.dev && dig +short TXT _dstack-app-address.oracle.amiller-tee.dev" % (PG.cwd, oracle_app_id),
              "created CNAME oracle.amiller-tee.dev\ncreated TXT _dstack-app-address.oracle.amiller-tee.dev\n"
              "gw1.amiller-tee.dev.\n\"%s:443\"" % oracle_app_id, "Create and check the DNS records", secs=(4, 12)))
    s.do("DNS is in place. The oracle needs a certificate for the new name inside the CVM; the simplest is a "
         "certbot sidecar using the DNS-01 challenge, so nothing has to be exposed on port 80.",
         Bash("cd ../phala-apps/oracle && git diff --stat HEAD~1 -- docker-compose.yml",
              " oracle/docker-compose.yml | 14 ++++++++++++++\n 1 file changed, 14 insertions(+)",
              "Check the ingress sidecar diff"))
    s.do(None, Bash("curl -sv https://oracle.amiller-tee.dev/health 2>&1 | grep -E 'subject:|issuer:|SSL connection|HTTP/'",
                    "* SSL connection using TLSv1.3 / TLS_AES_256_GCM_SHA384\n*  subject: CN=oracle.amiller-tee.dev\n"
                    "*  issuer: C=US; O=Let's Encrypt; CN=R11\n< HTTP/2 200", "Curl the custom domain"))
    s.say("`https://oracle.amiller-tee.dev` now works: SNI `oracle.amiller-tee.dev` -> TXT lookup -> app `%s...` "
          "port 443 over WireGuard, and the Let's Encrypt certificate is served from inside the CVM, so the gateway "
          "operator can't read the traffic.\n\nOne caveat for anyone verifying: a Let's Encrypt cert proves control "
          "of the DNS name, not that the key lives in the TEE. The ingress sidecar can publish an attestation of "
          "its certificate key (quote with `report_data` bound to the key) so clients can check that too." % oracle_app_id[:12])
    s.end()

    # ------------------------------------------------------------------------------------------
    # 11. 2026-01-07  attest-verifier: mr_config_id vs RTMR3  (episode 4)
    # ------------------------------------------------------------------------------------------
    s = A.session(PV, "2026-01-07 15:15", "main", "2.1.6", "mr_config_id is all zero: switch app identity check to RTMR3 replay")
    s.user("pointed attest-verifier at the gateway CVM (self-hosted, not Phala Cloud) with the right compose hash in "
           "its policy and got\n\n`Error: attestation verification failed: mr_config_id does not match compose_hash`\n\n"
           "but I'm 100% sure the compose is the one I whitelisted")
    gw_app = g.hex(40)
    gw_hash = g.hex(64)
    gw_rtmr3 = rtmr_replay(evlog(gw_app, gw_hash, g.hex(40)))
    s.do("Reproducing first.",
         Bash("cd %s && ./target/release/attest-verifier --url https://%s-8000.apps.amiller-tee.dev --policy policies/gateway.toml" % (PV.cwd, gw_app),
              "attestation: tdx quote v4 (5006 bytes), tee_type 0x81 (TDX), qe_vendor Intel\n"
              "attestation: dcap signature chain ok (PCK leaf -> Intel SGX Root CA), collateral from pccs.phala.network\n"
              "attestation: tcb_status=UpToDate advisories=[\"INTEL-SA-00837\"]\nattestation: mrtd, rtmr0, rtmr1, rtmr2 match dstack-0.5.4",
              "Reproduce against the gateway CVM", code=1,
              err="Error: attestation verification failed: mr_config_id does not match compose_hash"))
    s.do("Everything up to the OS measurements passes; it fails exactly at the app identity step. Let me check the "
         "raw `mr_config_id` in that quote before touching the code.",
         Bash("cd %s && curl -s 'https://%s-8000.apps.amiller-tee.dev/attest?nonce=%s' > /tmp/gw.json && "
              "dcap-qvl decode --hex \"$(jq -r .quote /tmp/gw.json)\" | jq '.report.TD10 | {mr_config_id, rt_mr3}'" % (PV.cwd, gw_app, g.hex(64)),
              "{\n  \"mr_config_id\": \"%s\",\n  \"rt_mr3\": \"%s\"\n}" % ("0" * 96, gw_rtmr3), "Decode the gateway quote"),
         think="mr_config_id all zeros: the VMM that launched this CVM didn't set it. dstack's 0x01||compose_hash in "
               "MRCONFIGID is a shortcut the VMM provides (Phala Cloud does); self-hosted dstack-vmm may leave it zero. "
               "The authoritative source is RTMR3: replay the event log and read the compose-hash event.")
    s.say("`mr_config_id` is all zeros. The verifier's check assumed dstack always puts `0x01 || compose_hash` "
          "into MRCONFIGID; that's true for the VMM Phala Cloud runs, but this gateway CVM was launched by our own "
          "`dstack-vmm`, which leaves the field unset. MRCONFIGID is only a shortcut set by the host at launch; "
          "the authoritative app identity is in RTMR3, extended by dstack-util at boot with `app-id`, "
          "`compose-hash`, `instance-id`, ...\n\nSo the policy check should: use MRCONFIGID when byte 0 is `01`, "
          "and otherwise replay the event log and compare the `compose-hash` event. Let me check the RTMR3 value "
          "against a replay first, to be sure the log is usable.")
    s.do(None, Bash("cd %s && jq -r .event_log /tmp/gw.json | jq -c '.[] | select(.imr==3) | [.event, (.event_payload|.[0:16])]'" % PV.cwd,
                    "\n".join('["%s","%s"]' % (n, p.hex()[:16]) for n, p in evlog(gw_app, gw_hash, g.hex(40))),
                    "List the RTMR3 events"))
    s.do("The compose-hash event carries `%s...`, the hash you whitelisted. I'll add an `eventlog` module with the "
         "replay and use it as the fallback." % gw_hash[:16], Read(PV.abs("src/policy.rs"), offset=30, limit=20),
         Read(PV.abs("src/main.rs"), limit=8),
         Write(PV.abs("src/eventlog.rs"),
               "//! dstack RTMR3 event log replay.\nuse anyhow::{bail, Context, Result};\nuse serde::Deserialize;\n"
               "use sha2::{Digest, Sha384};\n\n#[derive(Deserialize)]\nstruct Event {\n    imr: u32,\n    event: String,\n"
               "    event_payload: String,\n}\n\nfn event_digest(name: &str, payload: &[u8]) -> [u8; 48] {\n"
               "    let mut h = Sha384::new();\n    h.update(0x0800_0001u32.to_le_bytes());\n    h.update(b\":\");\n"
               "    h.update(name.as_bytes());\n    h.update(b\":\");\n    h.update(payload);\n    h.finalize().into()\n}\n\n"
               "/// Replays the RTMR3 events, requires equality with the quote's RTMR3 and returns the\n"
               "/// first compose-hash recorded before system-ready.\n"
               "pub fn compose_hash(event_log: &str, rtmr3: &[u8]) -> Result<String> {\n"
               "    let events: Vec<Event> = serde_json::from_str(event_log).context(\"event log\")?;\n"
               "    let mut mr = [0u8; 48];\n    let mut compose = None;\n    let mut ready = false;\n"
               "    for e in events.iter().filter(|e| e.imr == 3) {\n        let payload = hex::decode(&e.event_payload)?;\n"
               "        let mut h = Sha384::new();\n        h.update(mr);\n        h.update(event_digest(&e.event, &payload));\n"
               "        mr = h.finalize().into();\n        match e.event.as_str() {\n"
               "            \"compose-hash\" if !ready => {\n                if compose.is_some() {\n"
               "                    bail!(\"duplicate compose-hash event before system-ready\");\n                }\n"
               "                compose = Some(e.event_payload.clone());\n            }\n"
               "            \"system-ready\" => ready = true,\n            _ => {}\n        }\n    }\n"
               "    if mr[..] != rtmr3[..] {\n        bail!(\"RTMR3 mismatch: replayed {}, quote {}\", hex::encode(&mr[..8]), hex::encode(&rtmr3[..8]));\n    }\n"
               "    compose.context(\"no compose-hash event in RTMR3\")\n}\n"))
    s.do(None, Edit(PV.abs("src/policy.rs"),
                    "    // app identity: dstack puts 0x01 || compose_hash into mr_config_id\n"
                    "    let cfg = hex::encode(&td.mr_config_id);\n"
                    "    if !cfg.starts_with(&format!(\"01{}\", policy.compose_hash)) {\n"
                    "        bail!(\"mr_config_id does not match compose_hash\");\n    }\n    let _ = ev;\n",
                    "    // app identity. MRCONFIGID = 0x01 || compose_hash is a shortcut some VMMs set at launch;\n"
                    "    // when it is absent (all zero) fall back to the authoritative RTMR3 event log replay.\n"
                    "    let cfg = hex::encode(&td.mr_config_id);\n    let compose = if cfg.starts_with(\"01\") {\n"
                    "        cfg[2..66].to_string()\n    } else if td.mr_config_id.iter().all(|b| *b == 0) {\n"
                    "        crate::eventlog::compose_hash(&ev.event_log, &td.rt_mr3)?\n    } else {\n"
                    "        bail!(\"unsupported mr_config_id version {}\", &cfg[..2]);\n    };\n"
                    "    if compose != policy.compose_hash {\n        bail!(\"compose_hash {compose} is not the expected {}\", policy.compose_hash);\n    }\n"),
         Edit(PV.abs("src/main.rs"), "mod policy;\n", "mod eventlog;\nmod policy;\n"))
    s.do(None, Bash("cd %s && cargo build --release -q && ./target/release/attest-verifier --url https://%s-8000.apps.amiller-tee.dev --policy policies/gateway.toml" % (PV.cwd, gw_app),
                    vok(gw_hash), "Re-run against the gateway CVM", secs=(25, 45)))
    s.say("Attestation verification passes now. The verifier takes the compose hash from MRCONFIGID only when it is a v1 value "
          "(`01...`), replays RTMR3 from the event log when MRCONFIGID is all zero, and rejects other versions "
          "explicitly rather than guessing. The RTMR3 path also refuses a duplicate `compose-hash` event before "
          "`system-ready`.")
    s.end()
    s.user("ok that fixed it. add a test for the zero config_id path so it stays fixed")
    PV.put("tests/data/gateway-evidence.json", json.dumps({"quote": qhex(60), "event_log": "[]", "report_data": g.hex(128)}) + "\n")
    s.do(None, Write(PV.abs("tests/eventlog.rs"),
                     "use attest_verifier::eventlog::compose_hash;\n\n#[test]\nfn zero_config_id_uses_rtmr3_replay() {\n"
                     "    let ev: serde_json::Value =\n        serde_json::from_str(include_str!(\"data/gateway-evidence.json\")).unwrap();\n"
                     "    let rtmr3 = hex::decode(\"%s\").unwrap();\n"
                     "    let ch = compose_hash(ev[\"event_log\"].as_str().unwrap(), &rtmr3).unwrap();\n"
                     "    assert_eq!(ch, \"%s\");\n}\n\n#[test]\nfn tampered_log_is_rejected() {\n"
                     "    let log = r#\"[{\"imr\":3,\"event\":\"compose-hash\",\"event_payload\":\"00\"}]\"#;\n"
                     "    assert!(compose_hash(log, &[0u8; 48]).is_err());\n}\n" % (gw_rtmr3, gw_hash)))
    s.do(None, Bash("cd %s && cargo test -q 2>&1 | tail -4" % PV.cwd,
                    "running 2 tests\n..\ntest result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s",
                    "Run the tests", secs=(20, 35)))
    s.say("Added `tests/eventlog.rs` with the gateway's real evidence (zero MRCONFIGID, RTMR3 replay) and a tampered "
          "log that must be rejected. Both pass.")
    s.end()

    # ------------------------------------------------------------------------------------------
    # 12. 2026-01-08  dstack-kms: replication to a second KMS node
    # ------------------------------------------------------------------------------------------
    kms2_mr = g.hex(64)
    s = A.session(PK, "2026-01-08 17:40", "amiller/kms-replica", "2.1.6", "Onboard a second KMS node (kms replication)")
    s.user("starting the second KMS node (kms-b) in onboard mode from kms-a. it loops with:\n\n```\n"
           "onboard: requesting root keys from https://kms.amiller-tee.dev:8000\n"
           "Error: onboard failed: source KMS rejected the request: KMS not allowed: mr_aggregated 0x%s\n```" % kms2_mr[:20])
    s.do("The source KMS checks the new node against the DstackKms contract before it hands over the root keys. "
         "Let me see what kms-b reports as its aggregated measurement and what the contract allows.",
         Bash("ssh kms-b 'sudo journalctl -u dstack-vmm --since -10min | grep -E \"mr_aggregated|os_image_hash|device_id\" | tail -3'",
              "Jan 08 17:38:12 kms-b dstack-vmm[1422]: vm kms-b: mr_aggregated=%s\n"
              "Jan 08 17:38:12 kms-b dstack-vmm[1422]: vm kms-b: os_image_hash=%s\n"
              "Jan 08 17:38:12 kms-b dstack-vmm[1422]: vm kms-b: device_id=%s" % (kms2_mr, IMG["0.5.4"]["os"], g.hex(64)),
              "Read kms-b measurements from the VMM log"),
         Bash("cast call %s 'kmsAllowedAggregatedMrs(bytes32)(bool)' 0x%s --rpc-url https://mainnet.base.org" % (kms_addr, kms2_mr),
              "false", "Ask DstackKms whether kms-b's MR is allowed"))
    s.say("kms-b's `mr_aggregated` isn't allowlisted in DstackKms. That's expected the first time: `mr_aggregated` "
          "covers MRTD, RTMR0-3, so it changes with the KMS image *and* with the VM shape (RTMR0 includes CPU count "
          "and memory size). kms-a was launched with 4 vCPU / 8 GB; let me check kms-b's shape before allowlisting, "
          "because if they differ by accident we'd be allowlisting a configuration we didn't intend.")
    s.do(None, Bash("ssh kms-b 'dstack-vmm-cli lsvm --json' | jq '.[] | select(.name==\"kms-b\") | {vcpu, memory, image}'",
                    "{\n  \"vcpu\": 4,\n  \"memory\": 8192,\n  \"image\": \"dstack-kms-0.5.4\"\n}", "Check kms-b VM shape"))
    s.do("Same shape and image as kms-a, so the difference is only the instance identity in RTMR3. Allowlisting it "
         "from the owner account:",
         Bash("cast send %s 'addKmsAggregatedMr(bytes32)' 0x%s --rpc-url https://mainnet.base.org --account amiller-deployer && "
              "cast call %s 'kmsAllowedAggregatedMrs(bytes32)(bool)' 0x%s --rpc-url https://mainnet.base.org" % (kms_addr, kms2_mr, kms_addr, kms2_mr),
              "status               1 (success)\ntransactionHash      %s\ntrue" % txh(), "Allowlist kms-b in DstackKms", secs=(8, 15)))
    s.do(None, Bash("ssh kms-b 'sudo journalctl -u kms -f --since -1min' | head -6",
                    "onboard: requesting root keys from https://kms.amiller-tee.dev:8000\n"
                    "onboard: source KMS accepted attestation (tcb_status UpToDate)\nonboard: received k256 root key and CA key\n"
                    "onboard: root public key 0x02%s matches DstackKms.kmsInfo\nonboard: done, restarting in serving mode\n"
                    "kms: listening on 0.0.0.0:8000" % g.hex(20), "Watch kms-b onboard", secs=(20, 40)))
    s.say("kms-b onboarded: it received the root keys from kms-a over RA-TLS, checked the root public key against "
          "`DstackKms.kmsInfo`, and is serving. Both nodes now derive identical app keys, so the KMS replication "
          "is in place. I'd put kms-b behind the same DNS name only after a test CVM boots against it directly.")
    s.end()
    s.user("do that test boot now with the oracle's staging copy")
    s.do(None, Bash("phala cvms create --name oracle-staging --compose ../phala-apps/oracle/docker-compose.yml --kms-url https://kms-b.amiller-tee.dev:8000 --vcpu 2 --memory 4096 2>&1 | tail -3 && sleep 60 && phala cvms serial-logs oracle-staging | grep -E 'app keys|system-ready'",
                    "CVM oracle-staging is starting.\n  app_id: 0x%s\n  kms: https://kms-b.amiller-tee.dev:8000\n"
                    "dstack-util: got app keys (app_id %s)\ndstack-util: system-ready" % (oracle_app_id, oracle_app_id[:12]),
                    "Boot a staging CVM against kms-b", secs=(70, 90)))
    s.say("The staging oracle got its app keys from kms-b and reached `system-ready`. Since it's the same `app_id`, "
          "`GetKey` inside it returns the same keys as production, which confirms the replicated root key.")
    s.end()

    # ------------------------------------------------------------------------------------------
    # 13. 2026-01-09  dstack-gateway: 502 / no wireguard handshake
    # ------------------------------------------------------------------------------------------
    PG.put("scripts/healthcheck.sh", "#!/usr/bin/env bash\n# Probe every app registered with the gateway.\nset -u\n"
           "for host in $(docker compose exec -T gateway dstack-gateway list-hosts); do\n"
           "  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \"https://$host/health\")\n"
           "  echo \"$code $host\"\ndone\n")
    s = A.session(PG, "2026-01-09 22:10", "main", "2.1.6", "502 from gateway: WireGuard port closed after firewall change")
    s.user("all apps behind gw1 return 502 since about an hour. nothing deployed. help")
    s.do("Let me start from the gateway side: the health script, then WireGuard state.",
         Bash("cd %s && ./scripts/healthcheck.sh" % PG.cwd,
              "502 oracle.amiller-tee.dev\n502 %s-8080.apps.amiller-tee.dev\n502 %s-8443.apps.amiller-tee.dev" % (oracle_app_id, ratls_app_id),
              "Run the health check"),
         Bash("ssh gw1 'sudo wg show wg-gw latest-handshakes'",
              "%s=\t1767990841\n%s=\t1767990855\n%s=\t1767990860" % (g.b62(43), g.b62(43), g.b62(43)),
              "Show WireGuard handshakes"))
    s.do("The last handshakes are all around 20:34 UTC and nothing since, which matches \"about an hour\". The "
         "gateway reaches CVMs only through WireGuard, so no handshakes means every proxied connection times out "
         "and the gateway answers 502. Let me check whether UDP 51820 still gets in.",
         Bash("ssh gw1 'sudo ufw status numbered | head -12; sudo journalctl --since -90min -g ufw | tail -3'",
              "Status: active\n\n     To                         Action      From\n     --                         ------      ----\n"
              "[ 1] 22/tcp                     ALLOW IN    Anywhere\n[ 2] 443/tcp                    ALLOW IN    Anywhere\n"
              "[ 3] 8000/tcp                   ALLOW IN    Anywhere\n"
              "Jan 09 20:33:57 gw1 sudo[88211]: amiller : COMMAND=/usr/sbin/ufw enable\n"
              "Jan 09 20:34:02 gw1 kernel: [UFW BLOCK] IN=eth0 OUT= SRC=%s DST=10.0.0.5 PROTO=UDP SPT=51820 DPT=51820" % "203.0.113.17",
              "Check the firewall"))
    s.say("Root cause: `ufw enable` at 20:33 (hardening session earlier today) turned on the firewall without a rule "
          "for WireGuard; the kernel log shows `[UFW BLOCK] ... DPT=51820`. The CVMs' WireGuard packets are dropped, "
          "handshakes expire after ~3 minutes, and the gateway has no route to any app.")
    s.do(None, Bash("ssh gw1 'sudo ufw allow 51820/udp comment \"dstack-gateway wireguard\" && sleep 30 && sudo wg show wg-gw latest-handshakes | head -3'",
                    "Rule added\nRule added (v6)\n%s=\t1767996912\n%s=\t1767996915\n%s=\t1767996920" % (g.b62(43), g.b62(43), g.b62(43)),
                    "Allow WireGuard and re-check handshakes"),
         Bash("cd %s && ./scripts/healthcheck.sh" % PG.cwd,
              "200 oracle.amiller-tee.dev\n200 %s-8080.apps.amiller-tee.dev\n200 %s-8443.apps.amiller-tee.dev" % (oracle_app_id, ratls_app_id),
              "Re-run the health check"))
    s.say("Handshakes are fresh again and all three apps answer 200. To make this visible next time I'll have the "
          "health check print the WireGuard handshake age when a probe fails.")
    s.do(None, Read(PG.abs("scripts/healthcheck.sh")))
    s.do(None, Edit(PG.abs("scripts/healthcheck.sh"), "  echo \"$code $host\"\ndone\n",
                    "  echo \"$code $host\"\n  if [ \"$code\" != 200 ]; then failed=1; fi\ndone\n"
                    "if [ \"${failed:-0}\" = 1 ]; then\n  now=$(date +%s)\n"
                    "  ssh gw1 'sudo wg show wg-gw latest-handshakes' | while read -r peer ts; do\n"
                    "    echo \"  wg peer ${peer:0:8}... last handshake $((now - ts))s ago\"\n  done\nfi\n"))
    s.say("Done. If any probe fails, the script now lists each WireGuard peer with the age of its last handshake; "
          "anything above ~180 s means the tunnel is down rather than the app.")
    s.end()
    s.user("thanks, that was it")
    s.end()

    # ------------------------------------------------------------------------------------------
    # 13b. 2026-01-09  attest-verifier: docs/ATTESTATION.md
    # ------------------------------------------------------------------------------------------
    s = A.session(PV, "2026-01-09 16:30", "main", "2.1.6", "docs/ATTESTATION.md: what attest-verifier checks and why")
    s.user("write docs/ATTESTATION.md for attest-verifier: the exact list of checks in order, what each one protects "
           "against, and what a failure message means. people keep asking me in DMs")
    s.do(None, Read(PV.abs("src/main.rs")), Read(PV.abs("src/policy.rs")), Read(PV.abs("src/eventlog.rs")))
    s.do(None, Write(PV.abs("docs/ATTESTATION.md"),
                     "# What attest-verifier checks\n\nInput: a fresh TDX quote and the dstack event log from the app's `/attest` endpoint,\n"
                     "requested with a random 32-byte nonce.\n\n| # | check | protects against | failure message |\n|---|---|---|---|\n"
                     "| 1 | quote parses as binary TDX quote v4/v5 | garbage, hex-encoded-twice or empty quotes | `Could not decode Header::version`, `quote looks like hex text` |\n"
                     "| 2 | DCAP: quote signature, QE report, PCK chain to Intel SGX Root CA, CRLs | forged quotes, non-Intel hardware | `attestation verification failed: ...signature...` |\n"
                     "| 3 | TCB status (platform, TDX module, QE) allowed by policy | unpatched hardware / microcode | `tcb status OutOfDate not allowed` |\n"
                     "| 4 | REPORTDATA = sha256(\"oracle-attest:\" \\|\\| nonce) | replay of an old attestation | `report_data does not match nonce` |\n"
                     "| 5 | MRTD, RTMR0-2 = pinned dstack OS image + VM shape | a modified OS image, firmware or kernel | `rtmr1 mismatch: got ..., want ...` |\n"
                     "| 6 | RTMR3 replay of the event log == RTMR3 in the TDX quote | a forged event log | `RTMR3 mismatch: replayed ..., quote ...` |\n"
                     "| 7 | compose-hash event (before system-ready) in policy | a different app / version | `compose_hash ... is not the expected ...` |\n\n"
                     "MRCONFIGID shortcut: when MRCONFIGID is `01 || compose_hash` (Phala Cloud) step 6-7 can use it; when it is\n"
                     "all zero (self-hosted dstack-vmm) the verifier replays RTMR3.\n\n"
                     "## What a pass means\n\nReal, patched Intel TDX hardware is running the pinned dstack OS image with the expected\n"
                     "app compose (docker images pinned by digest), and produced this attestation after it saw your nonce.\n\n"
                     "## What a pass does not mean\n\n- That the compose hash is *good*: check the AppAuth contract history (who authorized it).\n"
                     "- That the app has no bugs.\n- Anything about the host's availability.\n"))
    s.say("Written. The table follows the code order: quote parsing, DCAP signature chain, TCB status, REPORTDATA "
          "freshness, OS measurements (MRTD/RTMR0-2), RTMR3 replay, compose hash; each with the attack it stops "
          "and the exact error string the verifier prints, so people can grep their failure.")
    s.end()
    s.user("add a line about the dstack simulator: its quotes must never pass")
    s.do(None, Edit(PV.abs("docs/ATTESTATION.md"), "## What a pass means\n",
                    "Simulator quotes (dstack simulator) are recorded real quotes with REPORTDATA overwritten, so step 2\n"
                    "must fail for them. If a simulator attestation ever passes, the verifier is broken.\n\n## What a pass means\n"))
    s.end()

    # ------------------------------------------------------------------------------------------
    # 14. 2026-01-10  phala-apps: timelocked AppAuth
    # ------------------------------------------------------------------------------------------
    PA.put("contracts/foundry.toml", "[profile.default]\nsrc = \"src\"\nout = \"out\"\nlibs = [\"lib\"]\nsolc = \"0.8.24\"\n")
    PA.put("contracts/src/IAppAuth.sol", "// SPDX-License-Identifier: Apache-2.0\npragma solidity ^0.8.22;\n\ninterface IAppAuth {\n"
           "    struct AppBootInfo {\n        address appId;\n        bytes32 composeHash;\n        address instanceId;\n"
           "        bytes32 deviceId;\n        bytes32 mrAggregated;\n        bytes32 mrSystem;\n        bytes32 osImageHash;\n"
           "        string tcbStatus;\n        string[] advisoryIds;\n    }\n\n"
           "    function isAppAllowed(AppBootInfo calldata bootInfo) external view returns (bool isAllowed, string memory reason);\n}\n")
    s = A.session(PA, "2026-01-10 16:00", "amiller/timelock-appauth", "2.1.7", "TimelockAppAuth: delay before new compose hashes activate")
    s.user("For the oracle I want users to have time to audit a new version before it can get keys. Write an AppAuth "
           "contract where addComposeHash only schedules the hash and it becomes allowed after a delay (say 3 days). "
           "Removal should be immediate. Foundry tests please.")
    s.do("Let me look at the interface the KMS calls.", Read(PA.abs("contracts/src/IAppAuth.sol")),
         think="isAppAllowed(bootInfo) returns (bool, reason). Timelock: mapping composeHash => activation timestamp. "
               "Scheduled hash allowed iff activation != 0 && block.timestamp >= activation. Removal sets to 0 immediately "
               "(also cancels pending). Owner only. Events for transparency: ComposeHashScheduled, ComposeHashRemoved. "
               "Device check: keep allowAnyDevice + allowedDevices like DstackApp.")
    s.do(None, Todo([("in_progress", "Write TimelockAppAuth.sol", "Writing TimelockAppAuth.sol"),
                     ("pending", "Foundry tests: schedule, activate after delay, immediate removal, device check", "Writing Foundry tests"),
                     ("pending", "Deploy script for Base", "Writing the deploy script")]))
    s.do(None, Write(PA.abs("contracts/src/TimelockAppAuth.sol"),
                     "// SPDX-License-Identifier: Apache-2.0\npragma solidity ^0.8.22;\n\nimport {IAppAuth} from \"./IAppAuth.sol\";\n\n"
                     "/// AppAuth for dstack apps where a new compose hash only becomes allowed after a public delay,\n"
                     "/// giving users time to audit (and reproduce the build of) a new version before it can get keys.\n"
                     "contract TimelockAppAuth is IAppAuth {\n    address public owner;\n    uint256 public immutable delay;\n"
                     "    bool public allowAnyDevice;\n    mapping(bytes32 => uint256) public activatesAt;\n"
                     "    mapping(bytes32 => bool) public allowedDevices;\n\n"
                     "    event ComposeHashScheduled(bytes32 indexed composeHash, uint256 activatesAt);\n"
                     "    event ComposeHashRemoved(bytes32 indexed composeHash);\n    event DeviceAdded(bytes32 indexed deviceId);\n\n"
                     "    modifier onlyOwner() {\n        require(msg.sender == owner, \"not owner\");\n        _;\n    }\n\n"
                     "    constructor(uint256 _delay, bool _allowAnyDevice) {\n        owner = msg.sender;\n        delay = _delay;\n"
                     "        allowAnyDevice = _allowAnyDevice;\n    }\n\n"
                     "    function addComposeHash(bytes32 h) external onlyOwner {\n        require(activatesAt[h] == 0, \"already scheduled\");\n"
                     "        activatesAt[h] = block.timestamp + delay;\n        emit ComposeHashScheduled(h, activatesAt[h]);\n    }\n\n"
                     "    function removeComposeHash(bytes32 h) external onlyOwner {\n        delete activatesAt[h];\n"
                     "        emit ComposeHashRemoved(h);\n    }\n\n"
                     "    function addDevice(bytes32 d) external onlyOwner {\n        allowedDevices[d] = true;\n        emit DeviceAdded(d);\n    }\n\n"
                     "    function isAppAllowed(AppBootInfo calldata b) external view returns (bool, string memory) {\n"
                     "        uint256 t = activatesAt[b.composeHash];\n        if (t == 0) return (false, \"Compose hash not allowed\");\n"
                     "        if (block.timestamp < t) return (false, \"Compose hash still in timelock\");\n"
                     "        if (!allowAnyDevice && !allowedDevices[b.deviceId]) return (false, \"Device not allowed\");\n"
                     "        return (true, \"\");\n    }\n}\n"))
    s.do(None, Write(PA.abs("contracts/test/TimelockAppAuth.t.sol"),
                     "// SPDX-License-Identifier: Apache-2.0\npragma solidity ^0.8.22;\n\nimport {Test} from \"forge-std/Test.sol\";\n"
                     "import {TimelockAppAuth} from \"../src/TimelockAppAuth.sol\";\nimport {IAppAuth} from \"../src/IAppAuth.sol\";\n\n"
                     "contract TimelockAppAuthTest is Test {\n    TimelockAppAuth auth;\n    bytes32 constant H = keccak256(\"compose-v2\");\n\n"
                     "    function setUp() public {\n        auth = new TimelockAppAuth(3 days, true);\n    }\n\n"
                     "    function boot(bytes32 h) internal view returns (bool ok, string memory why) {\n"
                     "        IAppAuth.AppBootInfo memory b;\n        b.composeHash = h;\n        return auth.isAppAllowed(b);\n    }\n\n"
                     "    function test_scheduledHashIsNotAllowedYet() public {\n        auth.addComposeHash(H);\n"
                     "        (bool ok, string memory why) = boot(H);\n        assertFalse(ok);\n        assertEq(why, \"Compose hash still in timelock\");\n    }\n\n"
                     "    function test_hashActivatesAfterDelay() public {\n        auth.addComposeHash(H);\n        vm.warp(block.timestamp + 3 days);\n"
                     "        (bool ok,) = boot(H);\n        assertTrue(ok);\n    }\n\n"
                     "    function test_removalIsImmediate() public {\n        auth.addComposeHash(H);\n        vm.warp(block.timestamp + 4 days);\n"
                     "        auth.removeComposeHash(H);\n        (bool ok, string memory why) = boot(H);\n        assertFalse(ok);\n"
                     "        assertEq(why, \"Compose hash not allowed\");\n    }\n\n"
                     "    function test_onlyOwner() public {\n        vm.prank(address(0xBEEF));\n        vm.expectRevert(\"not owner\");\n"
                     "        auth.addComposeHash(H);\n    }\n}\n"))
    s.do(None, Bash("cd %s/contracts && forge test -vv" % PA.cwd,
                    "[⠊] Compiling...\n[⠒] Compiling 3 files with Solc 0.8.24\n[⠑] Solc 0.8.24 finished in 1.12s\nCompiler run successful!\n\n"
                    "Ran 4 tests for test/TimelockAppAuth.t.sol:TimelockAppAuthTest\n[PASS] test_hashActivatesAfterDelay() (gas: 38411)\n"
                    "[PASS] test_onlyOwner() (gas: 11207)\n[PASS] test_removalIsImmediate() (gas: 30877)\n[PASS] test_scheduledHashIsNotAllowedYet() (gas: 36102)\n"
                    "Suite result: ok. 4 passed; 0 failed; 0 skipped; finished in 1.84ms (1.21ms CPU time)",
                    "Run the Foundry tests", secs=(5, 12)))
    s.do(None, Todo([("completed", "Write TimelockAppAuth.sol", "Writing TimelockAppAuth.sol"),
                     ("completed", "Foundry tests: schedule, activate after delay, immediate removal, device check", "Writing Foundry tests"),
                     ("pending", "Deploy script for Base", "Writing the deploy script")]))
    s.say("`TimelockAppAuth` is written and the 4 Foundry tests pass:\n\n- `addComposeHash` schedules a hash; it is "
          "allowed only once `block.timestamp >= activatesAt[h]` (the KMS gets `Compose hash still in timelock` "
          "before that, which shows up in the CVM serial log).\n- `removeComposeHash` is immediate and also cancels a "
          "pending hash, so a bad release can be pulled at once.\n- `ComposeHashScheduled` events give auditors a feed "
          "of upcoming versions.\n\nBefore the deploy script: to register this with DstackKms the contract must be "
          "the app's AppAuth at `registerApp`; an existing app can't switch AppAuth, so the oracle would get a new "
          "`app_id` and therefore new derived keys. Do you want that, or should this be for the next app only?")
    s.end()
    s.user("next app only. skip the deploy script for now")
    s.say("OK, leaving the deploy script out. The contract and tests are in `contracts/`.")
    s.end()

    # ------------------------------------------------------------------------------------------
    # 14b. 2026-01-11  dstack-kms: verify the KMS's own TDX attestation
    # ------------------------------------------------------------------------------------------
    s = A.session(PK, "2026-01-11 20:00", "main", "2.1.7", "Attest the KMS itself: TDX attestation of kms-a and kms-b")
    s.user("we verify apps all the time but nobody verifies the KMS. the KMS runs in a TDX CVM too, right? I want a "
           "script that fetches the KMS's own TDX attestation and checks it against what DstackKms allows "
           "(kmsAllowedAggregatedMrs), for both kms-a and kms-b")
    s.do(None, think="The KMS exposes its attestation over RA-TLS: its RPC certificate carries a TDX quote + event log in the "
                     "dstack RA-TLS extensions, bound to the cert key (report_data = sha512('ratls-cert:' || SPKI)). Also the "
                     "KMS GetMeta endpoint returns bootstrap info. Plan: fetch the RPC cert, extract quote and event log, DCAP "
                     "verify, check report_data binding, compute mr_aggregated = sha256(mrtd||rtmr0..3) and check it's allowed "
                     "in DstackKms; also check the KMS root public key in GetMeta matches kmsInfo on chain.")
    s.say("Yes, the KMS is itself a dstack app in a TDX CVM, and its RPC endpoint speaks RA-TLS: the server certificate "
          "carries the KMS's TDX quote and event log in the dstack extensions, bound to the certificate key. So the "
          "attestation check for a KMS is:\n\n1. connect, take the leaf certificate, extract the TDX quote "
          "(`1.3.6.1.4.1.62397.1.1`) and event log (`.1.2`);\n2. DCAP-verify the TDX quote (Intel collateral, TCB status);\n"
          "3. check `report_data = sha512(\"ratls-cert:\" || SPKI)` so the attestation belongs to this TLS key;\n"
          "4. replay RTMR3 and compute `mr_aggregated = sha256(MRTD || RTMR0 || RTMR1 || RTMR2 || RTMR3)`;\n"
          "5. require `kmsAllowedAggregatedMrs(mr_aggregated)` on DstackKms, and the KMS root public key it reports "
          "to equal `kmsInfo()` on chain.")
    s.do(None, Write(PK.abs("scripts/attest-kms.sh"),
                     "#!/usr/bin/env bash\n# Verify the TDX attestation of a KMS node against the DstackKms contract on Base.\n"
                     "# usage: scripts/attest-kms.sh kms.amiller-tee.dev:8000\nset -euo pipefail\nHOSTPORT=$1\nRPC=https://mainnet.base.org\n"
                     "KMS=$(jq -r .DstackKms deployments/base.json)\nT=$(mktemp -d)\n"
                     "openssl s_client -connect \"$HOSTPORT\" -servername \"${HOSTPORT%:*}\" </dev/null 2>/dev/null | openssl x509 -outform DER > \"$T/leaf.der\"\n"
                     "ratls-extract --cert \"$T/leaf.der\" --quote \"$T/quote.bin\" --event-log \"$T/eventlog.json\"   # dstack RA-TLS extensions\n"
                     "dcap-qvl verify --file \"$T/quote.bin\" > \"$T/verified.json\"                                 # DCAP attestation\n"
                     "jq -e '.status == \"UpToDate\"' \"$T/verified.json\" >/dev/null || { echo \"KMS TCB status: $(jq -r .status \"$T/verified.json\")\"; exit 1; }\n"
                     "SPKI_HASH=$( (printf 'ratls-cert:'; openssl x509 -inform DER -in \"$T/leaf.der\" -pubkey -noout | openssl pkey -pubin -outform DER) | sha512sum | cut -c1-128)\n"
                     "[ \"$(jq -r .report.TD10.report_data \"$T/verified.json\")\" = \"$SPKI_HASH\" ] || { echo 'report_data does not bind the RA-TLS key'; exit 1; }\n"
                     "MR=$(rtmr3-replay --quote-json \"$T/verified.json\" --event-log \"$T/eventlog.json\" --mr-aggregated)\n"
                     "echo \"mr_aggregated $MR\"\n"
                     "[ \"$(cast call \"$KMS\" 'kmsAllowedAggregatedMrs(bytes32)(bool)' 0x$MR --rpc-url $RPC)\" = true ] || { echo 'KMS measurement not allowed in DstackKms'; exit 1; }\n"
                     "echo \"KMS attestation OK: $HOSTPORT\"\n"))
    s.do(None, Bash("cd %s && chmod +x scripts/attest-kms.sh && scripts/attest-kms.sh kms.amiller-tee.dev:8000 && scripts/attest-kms.sh kms-b.amiller-tee.dev:8000" % PK.cwd,
                    "mr_aggregated %s\nKMS attestation OK: kms.amiller-tee.dev:8000\nmr_aggregated %s\nKMS attestation OK: kms-b.amiller-tee.dev:8000" % (g.hex(64), kms2_mr),
                    "Attest both KMS nodes", secs=(6, 14)))
    s.say("Both KMS nodes pass: genuine TDX, `UpToDate`, the TDX quote is bound to the RA-TLS key they serve, RTMR3 "
          "replays, and their aggregated measurements are allowlisted in DstackKms (kms-b's is the one we added during "
          "the replication on Jan 8). This is the check every CVM's dstack-util does implicitly when it boots; now we "
          "can run it from outside, e.g. daily from CI.")
    s.end()
    s.user("add the root key check from step 5 too")
    s.do(None, Read(PK.abs("scripts/attest-kms.sh")))
    s.do(None, Edit(PK.abs("scripts/attest-kms.sh"), "echo \"KMS attestation OK: $HOSTPORT\"\n",
                    "ROOT=$(curl -sk \"https://$HOSTPORT/prpc/KMS.GetMeta?json\" | jq -r .k256_pubkey)\n"
                    "CHAIN=$(cast call \"$KMS\" 'kmsInfo()(bytes,bytes,bytes,string)' --rpc-url $RPC | sed -n 1p | cut -c3-)\n"
                    "[ \"$ROOT\" = \"$CHAIN\" ] || { echo \"KMS root key $ROOT != DstackKms.kmsInfo $CHAIN\"; exit 1; }\n"
                    "echo \"KMS attestation OK: $HOSTPORT (root key matches DstackKms)\"\n"))
    s.do(None, Bash("cd %s && scripts/attest-kms.sh kms-b.amiller-tee.dev:8000 | tail -1" % PK.cwd,
                    "KMS attestation OK: kms-b.amiller-tee.dev:8000 (root key matches DstackKms)", "Re-run for kms-b"))
    s.end()

    # ------------------------------------------------------------------------------------------
    # 15. 2026-01-12  ra-tls-proxy: report_data mismatch (PEM vs DER)  (episode 5)
    # ------------------------------------------------------------------------------------------
    s = A.session(PR, "2026-01-12 18:25", "amiller/mtls", "2.1.12", "report_data does not match certificate key: hash SPKI DER, not PEM")
    s.user("after yesterday's refactor (moved key binding check into VerifyPeer) the proxy rejects the oracle:\n\n"
           "```\nhttp: proxy error: attestation verification failed: report_data does not match certificate public key\n```\n"
           "the quote itself verifies fine")
    s.do(None, Bash("cd %s && go build -o ra-tls-proxy . && ./ra-tls-proxy -selftest -upstream https://%s-8443.apps.amiller-tee.dev" % (PR.cwd, oracle_app_id),
                    "selftest: dcap ok (tcb UpToDate)", "Reproduce with the proxy self-test", code=1,
                    err="selftest: attestation verification failed: report_data does not match certificate public key"))
    s.do("If the DCAP check passes, the TDX quote is genuine and the mismatch is in how we compute the expected "
         "`report_data`. Let me look at that code.",
         Read(PR.abs("ratls/verify.go"), offset=40))
    s.do("dstack's RA-TLS binding is `report_data = sha512(\"ratls-cert:\" || public key)`. Let me check which "
         "encoding of the key dstack hashes, by recomputing both variants against the oracle's live certificate.",
         Bash("openssl s_client -connect %s-8443.apps.amiller-tee.dev:443 -servername %s-8443.apps.amiller-tee.dev </dev/null 2>/dev/null "
              "| openssl x509 -outform DER > /tmp/leaf.der && openssl x509 -inform DER -in /tmp/leaf.der -pubkey -noout > /tmp/pub.pem && "
              "openssl pkey -pubin -in /tmp/pub.pem -outform DER > /tmp/spki.der && "
              "echo der: $( (printf 'ratls-cert:'; cat /tmp/spki.der) | sha512sum | cut -c1-32) && "
              "echo pem: $( (printf 'ratls-cert:'; cat /tmp/pub.pem) | sha512sum | cut -c1-32) && "
              "echo quote: $(go run ./cmd/dumpquote /tmp/leaf.der | jq -r .report_data | cut -c1-32)" % (oracle_app_id, oracle_app_id),
              "der: %s\npem: %s\nquote: %s" % (g.hex(32), g.hex(32), "REPLACE"), "Compare report_data candidates"),
         think="Need the quote's report_data to equal one of these. The code PEM-encodes RawSubjectPublicKeyInfo. "
               "dstack hashes the DER SubjectPublicKeyInfo.")
    # make the "quote" line equal to the der line
    last = s.recs[-1]
    txt = last["message"]["content"][0]["content"]
    der = txt.split("\n")[0].split(": ")[1]
    fixed = txt.replace("quote: REPLACE", "quote: " + der)
    last["message"]["content"][0]["content"] = fixed
    last["toolUseResult"]["stdout"] = fixed
    s.say("The TDX quote's `report_data` matches the hash over the **DER** SubjectPublicKeyInfo. `VerifyPeer` wraps "
          "`cert.RawSubjectPublicKeyInfo` in PEM (`-----BEGIN PUBLIC KEY-----` ...) before hashing, so it can never "
          "match. Before the refactor we hashed `RawSubjectPublicKeyInfo` directly; the PEM step came in when I "
          "moved the code.")
    s.do(None, Edit(PR.abs("ratls/verify.go"),
                    "\tpub := pem.EncodeToMemory(&pem.Block{Type: \"PUBLIC KEY\", Bytes: cert.RawSubjectPublicKeyInfo})\n"
                    "\twant := sha512.Sum512(append([]byte(\"ratls-cert:\"), pub...))\n",
                    "\t// dstack binds the key as sha512(\"ratls-cert:\" || DER SubjectPublicKeyInfo)\n"
                    "\twant := sha512.Sum512(append([]byte(\"ratls-cert:\"), cert.RawSubjectPublicKeyInfo...))\n"),
         Edit(PR.abs("ratls/verify.go"), "\t\"encoding/asn1\"\n\t\"encoding/pem\"\n", "\t\"encoding/asn1\"\n"))
    s.do(None, Bash("cd %s && go test ./... && go build -o ra-tls-proxy . && ./ra-tls-proxy -selftest -upstream https://%s-8443.apps.amiller-tee.dev" % (PR.cwd, oracle_app_id),
                    "ok  \tgithub.com/amiller-lab/ra-tls-proxy/ratls\t0.014s\n"
                    "selftest: upstream RA-TLS ok (tcb UpToDate, compose_hash %s, report_data bound to leaf key)" % good_hash[:16],
                    "Test and self-test against the oracle"))
    s.say("Fixed: the expected `report_data` is now `sha512(\"ratls-cert:\" || DER SPKI)` and the self-test against "
          "the oracle passes. I'll add a regression test that builds a cert, computes the binding the way dstack "
          "does, and runs `VerifyPeer` with a fake quote verifier, so this can't regress silently.")
    s.do(None, Write(PR.abs("ratls/verify_test.go"),
                     "package ratls\n\nimport (\n\t\"crypto/ecdsa\"\n\t\"crypto/elliptic\"\n\t\"crypto/rand\"\n\t\"crypto/sha512\"\n"
                     "\t\"crypto/x509\"\n\t\"crypto/x509/pkix\"\n\t\"math/big\"\n\t\"testing\"\n)\n\n"
                     "type fakeQV struct{ rd [64]byte }\n\nfunc (f fakeQV) Verify([]byte) (*TDReport, error) {\n"
                     "\treturn &TDReport{ReportData: f.rd, TCBStatus: \"UpToDate\"}, nil\n}\n\n"
                     "func TestReportDataBindsDERSPKI(t *testing.T) {\n\tk, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)\n"
                     "\ttmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: \"t\"},\n"
                     "\t\tExtraExtensions: []pkix.Extension{{Id: oidQuote, Value: []byte{4}}}}\n"
                     "\tder, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)\n\tcert, _ := x509.ParseCertificate(der)\n"
                     "\tqv := fakeQV{rd: sha512.Sum512(append([]byte(\"ratls-cert:\"), cert.RawSubjectPublicKeyInfo...))}\n"
                     "\terr := VerifyPeer(cert, qv, &Policy{AllowedTCB: map[string]bool{\"UpToDate\": true}})\n"
                     "\tif err != nil && err.Error() == \"attestation verification failed: report_data does not match certificate public key\" {\n"
                     "\t\tt.Fatal(err)\n\t}\n}\n"))
    s.do(None, Bash("cd %s && go test ./ratls/ -run ReportData -v | tail -3" % PR.cwd,
                    "=== RUN   TestReportDataBindsDERSPKI\n--- PASS: TestReportDataBindsDERSPKI (0.00s)\nPASS", "Run the regression test"))
    s.end()
    s.user("that fixed it, proxy is happy again")
    s.end()

    # ------------------------------------------------------------------------------------------
    # 16. 2026-01-13  attest-verifier: TCB status OutOfDate after TCB recovery  (episode 6)
    # ------------------------------------------------------------------------------------------
    PV.put("policy.toml", PV.get("policy.toml"))
    s = A.session(PV, "2026-01-13 14:50", "main", "2.1.12", "TCB recovery: OutOfDate status after new TCB evaluation data")
    s.user("this morning every verification fails:\n\n`Error: attestation verification failed: tcb status OutOfDate not allowed`\n\n"
           "all three apps. what happened on Intel's side?")
    s.do("All apps at once points at the collateral rather than the apps. Let me look at the TCB info the PCCS "
         "serves for our platform's FMSPC.",
         Bash("cd %s && ./target/release/attest-verifier --url https://%s-8080.apps.amiller-tee.dev -v 2>&1 | grep -E 'fmspc|tcbEvaluationDataNumber|status|advisor'" % (PV.cwd, oracle_app_id),
              "collateral: fmspc 90c06f000000 tcbEvaluationDataNumber 19 issueDate 2026-01-13T09:12:44Z nextUpdate 2026-02-12T09:12:44Z\n"
              "platform tcb status: OutOfDate advisories: [\"INTEL-SA-00837\", \"INTEL-SA-01142\"]\n"
              "tdx module tcb status: UpToDate\nqe tcb status: UpToDate\n"
              "Error: attestation verification failed: tcb status OutOfDate not allowed", "Verbose verification", code=1),
         Bash("curl -s 'https://api.trustedservices.intel.com/tdx/certification/v4/tcb?fmspc=90c06f000000' | jq '.tcbInfo | {tcbEvaluationDataNumber, issueDate, lvl0: .tcbLevels[0].tcbStatus, lvl0date: .tcbLevels[0].tcbDate}'",
              "{\n  \"tcbEvaluationDataNumber\": 19,\n  \"issueDate\": \"2026-01-13T09:12:44Z\",\n  \"lvl0\": \"UpToDate\",\n  \"lvl0date\": \"2026-01-13T00:00:00Z\"\n}",
              "Fetch TCB info from Intel PCS"))
    s.say("This is a TCB recovery event. Intel published new TCB evaluation data (`tcbEvaluationDataNumber` 19, issued "
          "today) with a new top TCB level and a new advisory, INTEL-SA-01142. Our hosts' platform TCB (microcode/"
          "BIOS SVNs in the PCK certificate) is now below the newest level, so the platform status dropped to "
          "`OutOfDate`; the TDX module and QE are still `UpToDate`. Nothing is wrong with the apps or the quotes.\n\n"
          "Real fix: the host operators (Phala for the oracle, us for the gateway box) apply the microcode/BIOS "
          "update and re-provision the PCK cert. Until then we either accept `OutOfDate` or go dark.")
    s.user("I don't want to go dark. accept OutOfDate but only for the listed advisories and only until end of month, "
           "and make the verifier print a loud warning")
    s.do(None, Read(PV.abs("src/policy.rs"), offset=1, limit=30), Read(PV.abs("policy.toml")))
    s.do(None, Edit(PV.abs("src/policy.rs"),
                    "    /// sha256 of the exact app-compose.json bytes we expect to be running\n    pub compose_hash: String,\n}\n",
                    "    /// sha256 of the exact app-compose.json bytes we expect to be running\n    pub compose_hash: String,\n"
                    "    /// temporary waiver for a TCB recovery: accept these extra statuses if every advisory is listed\n"
                    "    #[serde(default)]\n    pub tcb_grace: Option<TcbGrace>,\n}\n\n#[derive(Debug, Deserialize)]\n"
                    "pub struct TcbGrace {\n    pub statuses: Vec<String>,\n    pub advisories: Vec<String>,\n    /// unix seconds\n    pub until: u64,\n}\n"),
         Edit(PV.abs("src/policy.rs"),
              "    if !policy.allowed_tcb_status.iter().any(|s| s == &report.status) {\n        bail!(\"tcb status {} not allowed\", report.status);\n    }\n",
              "    if !policy.allowed_tcb_status.iter().any(|s| s == &report.status) {\n        let now = std::time::SystemTime::now()\n"
              "            .duration_since(std::time::UNIX_EPOCH)?\n            .as_secs();\n        match &policy.tcb_grace {\n"
              "            Some(g) if now < g.until\n                && g.statuses.iter().any(|s| s == &report.status)\n"
              "                && report.advisory_ids.iter().all(|a| g.advisories.contains(a)) =>\n            {\n"
              "                eprintln!(\"WARNING: accepting tcb status {} under grace until {} (advisories {:?})\",\n"
              "                    report.status, g.until, report.advisory_ids);\n            }\n"
              "            _ => bail!(\"tcb status {} not allowed\", report.status),\n        }\n    }\n"),
         Edit(PV.abs("policy.toml"), "allowed_tcb_status = [\"UpToDate\"]\n",
              "allowed_tcb_status = [\"UpToDate\"]\n\n# TCB recovery 2026-01-13 (tcbEvaluationDataNumber 19): hosts need the\n"
              "# microcode update for INTEL-SA-01142. Remove once every host is UpToDate again.\n"
              "[tcb_grace]\nstatuses = [\"OutOfDate\"]\nadvisories = [\"INTEL-SA-00837\", \"INTEL-SA-01142\"]\nuntil = 1769904000  # 2026-02-01T00:00:00Z\n"))
    s.do(None, Bash("cd %s && cargo build --release -q && ./target/release/attest-verifier --url https://%s-8080.apps.amiller-tee.dev" % (PV.cwd, oracle_app_id),
                    vok(good_hash, "OutOfDate", '["INTEL-SA-00837", "INTEL-SA-01142"]', mode="cfg"),
                    "Re-run with the grace policy", err="WARNING: accepting tcb status OutOfDate under grace until 1769904000 (advisories [\"INTEL-SA-00837\", \"INTEL-SA-01142\"])",
                    secs=(25, 40)))
    s.say("Verification passes with a warning on stderr. The waiver is narrow: only `OutOfDate`, only if *every* "
          "advisory is in the list (a new advisory would fail again), and only until 2026-02-01. I'd also ping "
          "Phala about the microcode rollout for prod7.")
    s.end()

    # ------------------------------------------------------------------------------------------
    # 17. 2026-01-14  phala-apps: "verify it yourself" doc (reproducible builds + compose hash)
    # ------------------------------------------------------------------------------------------
    s = A.session(PA, "2026-01-14 19:30", "amiller/repro", "2.1.12", "VERIFY.md: rebuild the image, recompute compose hash, check AppAuth")
    s.user("write oracle/VERIFY.md for outsiders: how to go from the git tag to \"this exact code is what runs in the "
           "CVM and is the only version allowed to get keys\". Keep it concrete, commands they can paste.")
    s.do("Let me gather the pieces it has to reference: the build script, the compose file and the README deploy table.",
         Read(PA.abs("oracle/scripts/build.sh")), Read(PA.abs("oracle/docker-compose.yml")), Grep("AppAuth|app_id", path=PA.abs("README.md")))
    s.do(None, Write(PA.abs("oracle/VERIFY.md"),
                     "# Verifying the price oracle yourself\n\nThe chain of evidence, from source to running code:\n\n"
                     "```\ngit tag --(reproducible build)--> image digest --(pinned in)--> docker-compose.yml\n"
                     "  --(embedded in)--> app-compose.json --sha256--> compose_hash --(RTMR3 event)--> TDX quote\n"
                     "compose_hash --(addComposeHash)--> AppAuth allowlist --(checked by)--> KMS before releasing keys\n```\n\n"
                     "## 1. Rebuild the image\n\n```sh\ngit clone https://github.com/amiller-lab/phala-apps && cd phala-apps\n"
                     "git checkout oracle-v0.4.2\noracle/scripts/build.sh --local   # SOURCE_DATE_EPOCH + rewrite-timestamp\n"
                     "docker buildx imagetools inspect ghcr.io/amiller-lab/price-oracle:dev --format '{{.Manifest.Digest}}'\n```\n\n"
                     "The digest must equal the one pinned in `oracle/docker-compose.yml`.\n\n"
                     "## 2. Recompute the compose hash\n\n```sh\nsha256sum oracle/app-compose.json\n```\n\n"
                     "`app-compose.json` is hashed byte for byte: never reformat it (see `.prettierignore`).\n\n"
                     "## 3. Check the running CVM\n\n```sh\npython3 oracle/scripts/verify.py\n```\n\n"
                     "This fetches a fresh quote with your nonce, verifies it with `dcap-qvl` (Intel DCAP collateral),\n"
                     "replays the RTMR3 event log and checks that the `compose-hash` event equals step 2.\n\n"
                     "## 4. Check who may get keys\n\n```sh\ncast call %s 'allowedComposeHashes(bytes32)(bool)' 0x<hash> --rpc-url https://mainnet.base.org\n"
                     "cast logs --address %s 'ComposeHashAdded(bytes32)' --from-block 24000000 --rpc-url https://mainnet.base.org\n```\n\n"
                     "Every hash ever whitelisted in the AppAuth contract is a version that could have obtained the\n"
                     "oracle's signing key. Each of them should map to a tag you can rebuild.\n\n"
                     "## What this does not prove\n\n- The OS image: MRTD/RTMR0-2 are compared against dstack's published,\n"
                     "  reproducible OS image measurements (`dstack-mr`), which you have to trust or rebuild.\n"
                     "- Hardware: TDX is trusted as far as Intel's TCB status says (`UpToDate`, advisories listed).\n"
                     % (oracle_auth, oracle_auth)))
    s.say("Wrote `oracle/VERIFY.md`: rebuild (reproducible build -> digest), recompute the compose hash, verify the "
          "live quote and RTMR3, then audit the AppAuth allowlist history with `cast logs`. It ends with what the "
          "procedure does *not* cover (OS image measurements, hardware TCB).")
    s.end()
    s.user("step 4: the DstackApp contract event is ComposeHashAdded right? double check")
    s.do(None, Bash("cast logs --address %s --from-block 24000000 --rpc-url https://mainnet.base.org | grep -m3 topics -A1" % oracle_auth,
                    "topics: [\n\t\t0xfecb34306dd9d8b785b54d65489d06afc8822a0893ddacedff40c50a4942d0af", "Look at the AppAuth event topics"),
         Bash("cast keccak 'ComposeHashAdded(bytes32)'", "0xfecb34306dd9d8b785b54d65489d06afc8822a0893ddacedff40c50a4942d0af", "Compute the event selector"))
    s.say("Confirmed: the topic in the oracle's AppAuth logs is `keccak256(\"ComposeHashAdded(bytes32)\")`, so the "
          "`cast logs` line in step 4 is right.")
    s.end()

    # ------------------------------------------------------------------------------------------
    # 18. 2026-01-15  dstack-kms: GetKey signature chain verification
    # ------------------------------------------------------------------------------------------
    s = A.session(PK, "2026-01-15 16:10", "main", "2.1.14", "Verify dstack GetKey signature chain offline (k256, keccak256)")
    s.user("the oracle signs prices with a key from GetKey(\"oracle/signing\"). I want a script that proves to a "
           "third party that this public key belongs to app_id X under our KMS, using the signature_chain, without a "
           "quote. python is fine.")
    s.do(None, think="GetKey returns key (32 bytes) and signature_chain [sig_app, sig_kms]. sig_app: app root key signs "
                     "keccak256(purpose + ':' + hex(derived pubkey compressed)). sig_kms: KMS root k256 key signs "
                     "keccak256('dstack-kms-issued:' + app_id(20 bytes) + app root pubkey SEC1 compressed). Recover the "
                     "signers (ecrecover on secp256k1) and compare the last with the KMS public key from DstackKms.kmsInfo.")
    s.say("The chain has two links:\n\n1. `signature_chain[0]`: the **app root key** signs `keccak256(purpose || \":\" || "
          "hex(derived public key))`.\n2. `signature_chain[1]`: the **KMS root key** signs `keccak256(\"dstack-kms-issued:\" "
          "|| app_id (20 bytes) || app root public key)`.\n\nRecovering the signer of (2) and comparing it with the KMS "
          "public key published in `DstackKms.kmsInfo()` proves the derived key belongs to `app_id` under our KMS. "
          "Both are recoverable secp256k1 signatures, so we need keccak256 and ecrecover; `eth_keys` gives both.")
    s.do(None, Write(PK.abs("scripts/verify-key-chain.py"),
                     "#!/usr/bin/env python3\n\"\"\"Prove that a dstack GetKey public key belongs to app_id under our KMS.\n\n"
                     "usage: verify-key-chain.py getkey.json <app_id hex> <purpose>\n\"\"\"\nimport json, sys\n"
                     "from eth_keys import keys\nfrom eth_utils import keccak\n\nKMS_PUBKEY = bytes.fromhex(open('deployments/kms-k256.pub').read().strip())\n\n\n"
                     "def recover(msg: bytes, sig: bytes) -> keys.PublicKey:\n    s = keys.Signature(sig[:64] + bytes([sig[64] % 27]))\n"
                     "    return s.recover_public_key_from_msg_hash(keccak(msg))\n\n\ndef main():\n"
                     "    gk = json.load(open(sys.argv[1]))\n    app_id = bytes.fromhex(sys.argv[2].removeprefix('0x'))\n    purpose = sys.argv[3]\n"
                     "    derived = keys.PrivateKey(bytes.fromhex(gk['key'])).public_key if 'key' in gk else keys.PublicKey.from_compressed_bytes(bytes.fromhex(gk['public_key']))\n"
                     "    sig_app, sig_kms = (bytes.fromhex(x) for x in gk['signature_chain'])\n"
                     "    app_root = recover(f\"{purpose}:{derived.to_compressed_bytes().hex()}\".encode(), sig_app)\n"
                     "    kms = recover(b'dstack-kms-issued:' + app_id + app_root.to_compressed_bytes(), sig_kms)\n"
                     "    if kms.to_compressed_bytes() != KMS_PUBKEY:\n        sys.exit('FAIL: chain does not end at our KMS root key')\n"
                     "    print('OK derived key', derived.to_checksum_address(), 'belongs to app', '0x' + app_id.hex())\n\n\n"
                     "if __name__ == '__main__':\n    main()\n"))
    s.do("Let me get the KMS public key from the contract and run the script against a GetKey response the oracle "
         "exported (public key only, no private key).",
         Bash("cd %s && cast call %s 'kmsInfo()(bytes,bytes,bytes,string)' --rpc-url https://mainnet.base.org | sed -n 1p | cut -c3- > deployments/kms-k256.pub && "
              "python3 scripts/verify-key-chain.py /tmp/oracle-getkey.json %s oracle/signing" % (PK.cwd, kms_addr, oracle_app_id),
              "Traceback (most recent call last):\n  File \"scripts/verify-key-chain.py\", line 27, in main\n"
              "    kms = recover(b'dstack-kms-issued:' + app_id + app_root.to_compressed_bytes(), sig_kms)\n"
              "eth_keys.exceptions.BadSignature: Invalid signature", "Run the chain verification", code=1))
    s.do("`BadSignature` on the second link. Let me check the recovery id byte: eth_keys wants v in {0,1}; if dstack "
         "already returns 0/1, `% 27` is harmless, but if it returns 27/28 then... also fine. Let me print the raw v "
         "bytes and the app_id length instead of guessing.",
         Bash("python3 -c \"import json;g=json.load(open('/tmp/oracle-getkey.json'));print([s[-2:] for s in g['signature_chain']]);print(len(bytes.fromhex('%s')))\"" % oracle_app_id,
              "['01', '00']\n20", "Inspect recovery ids and app_id length"))
    s.do("v is 0/1 and app_id is 20 bytes, both fine. Remaining suspect is the key encoding in the KMS message: "
         "I used the compressed app root key (33 bytes). Let me try the uncompressed SEC1 form (65 bytes).",
         Bash("cd %s && python3 - <<'EOF'\nimport json\nfrom eth_keys import keys\nfrom eth_utils import keccak\n"
              "exec(open('scripts/verify-key-chain.py').read().split('def main')[0])\ng=json.load(open('/tmp/oracle-getkey.json'))\n"
              "d=keys.PublicKey.from_compressed_bytes(bytes.fromhex(g['public_key']))\nsa,sk=(bytes.fromhex(x) for x in g['signature_chain'])\n"
              "ar=recover(f\"oracle/signing:{d.to_compressed_bytes().hex()}\".encode(), sa)\nfor name,enc in [('compressed',ar.to_compressed_bytes()),('uncompressed',b'\\x04'+ar.to_bytes())]:\n"
              "    try:\n        k=recover(b'dstack-kms-issued:'+bytes.fromhex('%s')+enc, sk)\n        print(name, k.to_compressed_bytes().hex()[:20], k.to_compressed_bytes()==KMS_PUBKEY)\n"
              "    except Exception as e: print(name, 'error', e)\nEOF" % (PK.cwd, oracle_app_id),
              "compressed error Invalid signature\nuncompressed 02%s True" % g.hex(18), "Try both SEC1 encodings"))
    s.do("The KMS signs over the **uncompressed** app root public key. Fixing the script:",
         Edit(PK.abs("scripts/verify-key-chain.py"),
              "    kms = recover(b'dstack-kms-issued:' + app_id + app_root.to_compressed_bytes(), sig_kms)\n",
              "    # the KMS signs the app root key in uncompressed SEC1 form (0x04 || X || Y)\n"
              "    kms = recover(b'dstack-kms-issued:' + app_id + b'\\x04' + app_root.to_bytes(), sig_kms)\n"))
    s.do(None, Bash("cd %s && python3 scripts/verify-key-chain.py /tmp/oracle-getkey.json %s oracle/signing" % (PK.cwd, oracle_app_id),
                    "OK derived key 0x%s belongs to app 0x%s" % (g.hex(40), oracle_app_id), "Re-run the verification"))
    s.say("`scripts/verify-key-chain.py` works: it recovers the app root key from `signature_chain[0]`, then the KMS "
          "root key from `signature_chain[1]` over `\"dstack-kms-issued:\" || app_id || uncompressed app root key`, and "
          "compares it with `kmsInfo()` from DstackKms on Base. A third party needs only the public key, the purpose, "
          "the two signatures and the contract address; no quote and no trust in us.")
    s.end()

    # ------------------------------------------------------------------------------------------
    # 19. 2026-01-16  attest-verifier: quote v5 body offset  (episode 7)
    # ------------------------------------------------------------------------------------------
    s = A.session(PV, "2026-01-16 15:35", "main", "2.1.14", "Quote v5: report_data read at the wrong offset")
    s.user("new problem, only on the new TDX 1.5 host the gateway moved to:\n\n"
           "`Error: attestation verification failed: report_data does not match nonce`\n\n"
           "dcap-qvl says the quote is fine. on the old host it passes")
    s.do(None, Bash("cd %s && ./target/release/attest-verifier --url https://%s-8000.apps.amiller-tee.dev --policy policies/gateway.toml" % (PV.cwd, gw_app),
                    "attestation: tdx quote v5 (5012 bytes), tee_type 0x81 (TDX), qe_vendor Intel\n"
                    "attestation: dcap signature chain ok (PCK leaf -> Intel SGX Root CA), collateral from pccs.phala.network\n"
                    "attestation: tcb_status=UpToDate advisories=[]", "Reproduce on the TDX 1.5 host", code=1,
                    err="Error: attestation verification failed: report_data does not match nonce"))
    s.do("dcap-qvl passing means the signature chain is fine, so our own parsing is the suspect. Let me find where "
         "the verifier reads `report_data` out of the TDX quote.",
         Grep("report_data|568|632", path=PV.abs("src"), mode="content"),
         think="There is no report_data check in the files as I last saw them; maybe the user added one. The classic "
               "bug: v4 quotes have the TD report body at offset 48, v5 quotes insert a 6-byte body descriptor "
               "(body_type u16, body_size u32), so body starts at 54 and REPORTDATA at 574 instead of 568.")
    PV.put("src/nonce.rs", "//! Freshness: report_data must commit to our nonce.\nuse anyhow::{bail, Result};\nuse sha2::{Digest, Sha256};\n\n"
           "const REPORT_DATA_OFFSET: usize = 568; // 48-byte header + 520 into the TD report body\n\n"
           "pub fn check(quote: &[u8], nonce: &[u8; 32]) -> Result<()> {\n    let rd = &quote[REPORT_DATA_OFFSET..REPORT_DATA_OFFSET + 64];\n"
           "    let want = Sha256::new().chain_update(b\"oracle-attest:\").chain_update(nonce).finalize();\n"
           "    if rd[..32] != want[..] {\n        bail!(\"report_data does not match nonce\");\n    }\n    Ok(())\n}\n")
    s.do(None, Read(PV.abs("src/nonce.rs")))
    s.do("Let me check the quote version on the new host.",
         Bash("curl -s 'https://%s-8000.apps.amiller-tee.dev/attest?nonce=%s' | jq -r .quote | cut -c1-8,97-108" % (gw_app, g.hex(64)),
              "05000200030088020000", "Read the TDX quote header"))
    s.say("The header starts `0500 0200`: it's a **v5** quote (TDX 1.5 host). v5 inserts a 6-byte body descriptor after "
          "the 48-byte header: `body_type` = `0300` (3 = TD report 1.5) and `body_size` = `88020000` (648). So the TD "
          "report body starts at 54, and REPORTDATA is at 54 + 520 = **574**, not 568. `nonce.rs` hard-codes the v4 "
          "offset, so it compares 64 bytes straddling RTMR3 and REPORTDATA.")
    s.do(None, Edit(PV.abs("src/nonce.rs"),
                    "const REPORT_DATA_OFFSET: usize = 568; // 48-byte header + 520 into the TD report body\n\n"
                    "pub fn check(quote: &[u8], nonce: &[u8; 32]) -> Result<()> {\n    let rd = &quote[REPORT_DATA_OFFSET..REPORT_DATA_OFFSET + 64];\n",
                    "/// Offset of REPORTDATA: v4 body at 48; v5 has a 6-byte body descriptor, body at 54.\n"
                    "fn report_data_offset(quote: &[u8]) -> Result<usize> {\n    if quote.len() < 56 {\n        bail!(\"quote too short\");\n    }\n"
                    "    let body = match u16::from_le_bytes([quote[0], quote[1]]) {\n        4 => 48,\n"
                    "        5 => match u16::from_le_bytes([quote[48], quote[49]]) {\n            2 | 3 => 54,\n"
                    "            t => bail!(\"unsupported v5 body type {t}\"),\n        },\n        v => bail!(\"unsupported quote version {v}\"),\n    };\n"
                    "    Ok(body + 520)\n}\n\npub fn check(quote: &[u8], nonce: &[u8; 32]) -> Result<()> {\n"
                    "    let off = report_data_offset(quote)?;\n    if quote.len() < off + 64 {\n        bail!(\"quote too short\");\n    }\n"
                    "    let rd = &quote[off..off + 64];\n"))
    s.do(None, Bash("cd %s && cargo build --release -q && ./target/release/attest-verifier --url https://%s-8000.apps.amiller-tee.dev --policy policies/gateway.toml && "
                    "./target/release/attest-verifier --url https://%s-8080.apps.amiller-tee.dev" % (PV.cwd, gw_app, oracle_app_id),
                    vok(gw_hash, adv="[]", qv=5) + "\n" + vok(good_hash, mode="cfg"),
                    "Verify the v5 gateway quote and the v4 oracle quote", secs=(25, 45)))
    s.say("Both pass: the gateway on the TDX 1.5 host (v5 quote, REPORTDATA at 574) and the oracle (v4, at 568). "
          "Better still would be to take `report_data` from dcap-qvl's verified report instead of re-parsing the "
          "bytes ourselves; that way only one parser decides where fields are.")
    s.end()
    s.user("yes do that instead, and delete the offset logic")
    s.do(None, Read(PV.abs("src/nonce.rs")))
    s.do(None, Write(PV.abs("src/nonce.rs"),
                     "//! Freshness: report_data must commit to our nonce.\nuse anyhow::{bail, Result};\nuse dcap_qvl::verify::VerifiedReport;\n"
                     "use sha2::{Digest, Sha256};\n\n/// Takes report_data from the verified report, so v4/v5 layout is dcap-qvl's problem.\n"
                     "pub fn check(report: &VerifiedReport, nonce: &[u8; 32]) -> Result<()> {\n"
                     "    let rd = match &report.report {\n        r if r.as_td10().is_some() => r.as_td10().unwrap().report_data,\n"
                     "        r if r.as_td15().is_some() => r.as_td15().unwrap().base.report_data,\n        _ => bail!(\"not a TD report\"),\n    };\n"
                     "    let want = Sha256::new().chain_update(b\"oracle-attest:\").chain_update(nonce).finalize();\n"
                     "    if rd[..32] != want[..] || rd[32..].iter().any(|b| *b != 0) {\n        bail!(\"report_data does not match nonce\");\n    }\n    Ok(())\n}\n"))
    s.do(None, Bash("cd %s && cargo build --release -q 2>&1 | head -5; cargo test -q 2>&1 | tail -2" % PV.cwd,
                    "test result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s",
                    "Build and test", secs=(25, 40)))
    s.say("Switched: `nonce::check` now takes the verified report and reads `report_data` from the TD 1.0 or TD 1.5 "
          "body that dcap-qvl parsed. It also requires the upper 32 bytes to be zero, as the app pads them.")
    s.end()
    s.user("perfect, that fixed it on both hosts")
    s.end()

    # ------------------------------------------------------------------------------------------
    # 20. 2026-01-17  dstack-gateway: wildcard certificate expired
    # ------------------------------------------------------------------------------------------
    s = A.session(PG, "2026-01-17 13:20", "main", "2.1.14", "Wildcard cert expired: Cloudflare token rotated, certbot renewals failing")
    s.user("browsers show NET::ERR_CERT_DATE_INVALID for *.apps.amiller-tee.dev. renew_days_before is 10, why "
           "didn't the gateway renew?")
    s.do(None, Bash("echo | openssl s_client -connect gw1.amiller-tee.dev:443 -servername x.apps.amiller-tee.dev 2>/dev/null | openssl x509 -noout -dates -subject",
                    "notBefore=Oct 19 04:11:02 2025 GMT\nnotAfter=Jan 17 04:11:01 2026 GMT\nsubject=CN = *.apps.amiller-tee.dev",
                    "Check the served certificate dates"),
         Bash("ssh gw1 'docker compose -f /opt/gateway/docker-compose.yml logs --since 240h gateway 2>&1 | grep -i certbot | tail -5'",
              "gateway  | 2026-01-16T23:12:40Z WARN certbot: renewal of *.apps.amiller-tee.dev failed: acme: error: 403 :: urn:ietf:params:acme:error:unauthorized :: Incorrect TXT record\n"
              "gateway  | 2026-01-16T23:12:40Z WARN certbot: dns-01: cloudflare: failed to create TXT record: 9109: Invalid access token\n"
              "gateway  | 2026-01-17T00:12:41Z WARN certbot: dns-01: cloudflare: failed to create TXT record: 9109: Invalid access token\n"
              "gateway  | 2026-01-17T01:12:41Z WARN certbot: dns-01: cloudflare: failed to create TXT record: 9109: Invalid access token\n"
              "gateway  | 2026-01-17T02:12:43Z WARN certbot: dns-01: cloudflare: failed to create TXT record: 9109: Invalid access token",
              "Look for certbot errors in the gateway log"))
    s.say("The certificate expired at 04:11 UTC today. The gateway *did* try to renew every hour for 10 days, but the "
          "DNS-01 challenge fails: Cloudflare answers `9109: Invalid access token`, so the ACME TXT record "
          "`_acme-challenge.apps.amiller-tee.dev` is never created and Let's Encrypt rejects the order. The API token "
          "the gateway uses was invalidated (rotated or expired).")
    s.user("yeah I rotated the CF tokens on the 6th when I set up the oracle domain. new token is in 1password, I'll "
           "paste it into the gateway's encrypted env myself. just tell me what to run after")
    s.say("After you update `CF_API_TOKEN` in the gateway's encrypted env (`phala`-style env encryption on our own "
          "VMM: `dstack-vmm-cli update-env gateway --env-file ...`), run:\n\n```\n"
          "./scripts/renew-cert.sh\n```\n\nwhich forces a renewal and restarts the gateway. Then I'll verify the new dates.")
    s.user("done, ran it")
    s.do(None, Bash("echo | openssl s_client -connect gw1.amiller-tee.dev:443 -servername x.apps.amiller-tee.dev 2>/dev/null | openssl x509 -noout -dates -issuer",
                    "notBefore=Jan 17 13:05:44 2026 GMT\nnotAfter=Apr 17 13:05:43 2026 GMT\nissuer=C = US, O = Let's Encrypt, CN = E6",
                    "Check the renewed certificate"))
    s.say("New wildcard certificate is served, valid until April 17. To catch this earlier next time, the health check "
          "could warn when the served certificate has fewer than 7 days left, since renewal failures only show up as "
          "WARN lines in the gateway log.")
    s.do(None, Read(PG.abs("scripts/healthcheck.sh")))
    s.do(None, Edit(PG.abs("scripts/healthcheck.sh"), "set -u\n",
                    "set -u\nexp=$(echo | openssl s_client -connect gw1.amiller-tee.dev:443 -servername x.apps.amiller-tee.dev 2>/dev/null \\\n"
                    "  | openssl x509 -noout -enddate | cut -d= -f2)\n"
                    "days=$(( ($(date -d \"$exp\" +%s) - $(date +%s)) / 86400 ))\n"
                    "[ \"$days\" -lt 7 ] && echo \"WARN wildcard certificate expires in $days days ($exp)\"\n"))
    s.end()

    # ------------------------------------------------------------------------------------------
    # 20b. 2026-01-18  dstack-kms: AppAuth audit across apps
    # ------------------------------------------------------------------------------------------
    stale = g.hex(64)
    s = A.session(PK, "2026-01-18 15:10", "main", "2.1.14", "AppAuth audit: every whitelisted compose hash, remove stale ones")
    s.user("audit time. for every app in deployments/base.json list the compose hashes currently allowed in its AppAuth "
           "and tell me which ones don't correspond to anything we actually deployed. anything stale should go")
    s.do(None, Read(PK.abs("deployments/base.json")))
    s.do("Each AppAuth emits `ComposeHashAdded` / `ComposeHashRemoved`; replaying those events per AppAuth gives the "
         "current allowlist. Then I'll cross-check each hash with what the KMS actually saw at boot time (its log "
         "records the compose hash of every CVM it authorized).",
         Bash("cd %s && for app in price-oracle ra-tls-proxy; do a=$(jq -r --arg a $app '.apps[$a].appAuth' deployments/base.json); echo \"== $app AppAuth $a\"; "
              "cast logs --address $a --from-block 24000000 --rpc-url https://mainnet.base.org --json | jq -r '.[] | [.blockNumber, .topics[0][0:10], .data] | @tsv'; done" % PK.cwd,
              "== price-oracle AppAuth %s\n24391102\t0xfecb3430\t0x%s\n24522871\t0xfecb3430\t0x%s\n"
              "== ra-tls-proxy AppAuth %s\n24418560\t0xfecb3430\t0x%s\n24811930\t0xfecb3430\t0x%s"
              % (oracle_auth, oracle_hash0, stale, ratls_auth, g.hex(64), ratls_hash), "Replay AppAuth events for both apps"),
         Bash("ssh kms-a 'sudo journalctl -u kms --since 2025-12-25 | grep -oE \"boot auth allowed: app_id=[0-9a-f]+ compose_hash=[0-9a-f]{16}\" | sort | uniq -c'",
              "     41 boot auth allowed: app_id=%s compose_hash=%s\n     12 boot auth allowed: app_id=%s compose_hash=%s"
              % (oracle_app_id, oracle_hash0[:16], ratls_app_id, ratls_hash[:16]),
              "Compose hashes the KMS actually authorized"))
    s.say("Current AppAuth allowlists (no `ComposeHashRemoved` events yet, so every added hash is still allowed):\n\n"
          "**price-oracle AppAuth** `%s`\n- `%s...` added at deploy (oracle-v0.4.1), booted 41 times: keep\n- `%s...` "
          "added in block 24522871 (Jan 8), **never booted**: stale\n\n**ra-tls-proxy AppAuth** `%s`\n- first hash "
          "(Jan 2 build): superseded by the Jan 4 version, never booted since: stale\n- `%s...` (Jan 4): running, keep\n\n"
          "The oracle one is the interesting one: a hash that was authorized but never used is exactly what an "
          "attacker would need; it can still obtain the oracle signing key today. Let me find where it came from "
          "before removing it." % (oracle_auth, oracle_hash0[:16], stale[:16], ratls_auth, ratls_hash[:16]))
    s.do(None, Bash("cd ../phala-apps && for c in $(git rev-list --all -- oracle/app-compose.json); do h=$(git show $c:oracle/app-compose.json | sha256sum | cut -c1-16); echo \"$h $(git log -1 --format='%%h %%ad %%s' --date=short $c)\"; done | grep %s" % stale[:16],
                    "%s %s 2026-01-08 oracle: staging compose for kms-b test" % (stale[:16], g.hex(7)), "Find the commit that produced the stale hash"))
    s.say("It's the staging compose from the kms-b replication test on Jan 8 (the `oracle-staging` CVM used the same "
          "app_id). Legitimate, but it should not stay authorized. Removing both stale hashes:")
    s.do(None, Bash("cast send %s 'removeComposeHash(bytes32)' 0x%s --rpc-url https://mainnet.base.org --account amiller-deployer | grep status && "
                    "cast call %s 'allowedComposeHashes(bytes32)(bool)' 0x%s --rpc-url https://mainnet.base.org" % (oracle_auth, stale, oracle_auth, stale),
                    "status               1 (success)\nfalse", "Remove the stale oracle compose hash from AppAuth", secs=(8, 15)))
    s.do(None, Write(PK.abs("notes/appauth-audit-2026-01-18.md"),
                     "# AppAuth audit 2026-01-18\n\n| app | compose hash | origin | action |\n|---|---|---|---|\n"
                     "| price-oracle | %s... | oracle-v0.4.1 | keep |\n| price-oracle | %s... | staging compose (kms-b test) | removed |\n"
                     "| ra-tls-proxy | (Jan 2 build) | superseded | removed |\n| ra-tls-proxy | %s... | Jan 4 release | keep |\n\n"
                     "Rule from now on: remove a compose hash from AppAuth as soon as the version it belongs to is no longer running.\n"
                     % (oracle_hash0[:16], stale[:16], ratls_hash[:16])))
    s.say("Removed the stale oracle hash (`allowedComposeHashes` now returns false) and wrote the audit to "
          "`notes/appauth-audit-2026-01-18.md`. I did not remove the old ra-tls-proxy hash yet since I don't have "
          "its full value in the output above; run `cast logs` for that AppAuth and `removeComposeHash` the first "
          "entry, or tell me to do it.")
    s.end()
    s.user("do it")
    old_ratls = g.hex(64)
    s.do(None, Bash("cast send %s 'removeComposeHash(bytes32)' 0x%s --rpc-url https://mainnet.base.org --account amiller-deployer | grep status" % (ratls_auth, old_ratls),
                    "status               1 (success)", "Remove the superseded ra-tls-proxy compose hash", secs=(8, 15)))
    s.say("Done; both AppAuth allowlists now contain only the compose hashes that are actually running.")
    s.end()

    # ------------------------------------------------------------------------------------------
    # 21. 2026-01-19  phala-apps: empty quote on a non-TDX dev box  (episode 8)
    # ------------------------------------------------------------------------------------------
    PA.put("oracle/docker-compose.dev.yml", "services:\n  oracle:\n    build: .\n    ports:\n      - \"8080:8080\"\n"
           "    volumes:\n      - /var/run/dstack.sock:/var/run/dstack.sock\n    environment:\n      - RPC_URL=${RPC_URL}\n"
           "      - FEED_PAIRS=ETH-USD\n")
    s = A.session(PA, "2026-01-19 21:05", "amiller/dev-loop", "2.1.14", "Empty quote outside TDX: use the dstack simulator for local dev")
    s.user("trying a local dev loop on my workstation. `docker compose -f docker-compose.dev.yml up` then\n"
           "`ORACLE_URL=http://localhost:8080 python3 scripts/verify.py` gives\n\n```\n"
           "subprocess.CalledProcessError: Command '['dcap-qvl', 'verify', '--hex', '-']' returned non-zero exit status 1.\n"
           "stderr: Error: attestation verification failed: Could not decode Header::version\n```")
    s.do(None, Bash("cd %s/oracle && ORACLE_URL=http://localhost:8080 python3 scripts/verify.py" % PA.cwd,
                    "  File \"/usr/lib/python3.12/subprocess.py\", line 571, in run\n    raise CalledProcessError(retcode, process.args,\n"
                    "subprocess.CalledProcessError: Command '['dcap-qvl', 'verify', '--hex', '-']' returned non-zero exit status 1.\n"
                    "stderr: Error: attestation verification failed: Could not decode Header::version",
                    "Reproduce the local verification failure", code=1))
    s.do("Same decoder error we saw in attest-verifier last month, but that was a double hex-encoding. Here I'd first "
         "check the size of what /attest returns.",
         Bash("curl -s 'http://localhost:8080/attest?nonce=%s' | jq '{quote_len: (.quote|length), event_log_len: (.event_log|length), report_data}'" % g.hex(64),
              "{\n  \"quote_len\": 0,\n  \"event_log_len\": 2,\n  \"report_data\": \"%s\"\n}" % g.hex(64), "Inspect /attest locally"))
    s.do("The quote is empty (`\"\"`) and the event log is `[]`. Let me check what's behind `/var/run/dstack.sock` on "
         "this workstation.",
         Bash("ls -l /var/run/dstack.sock; curl -s --unix-socket /var/run/dstack.sock http://dstack/Info | jq '{app_id, cloud_vendor, key_provider_info}'",
              "srw-rw---- 1 root docker 0 Jan 12 10:02 /var/run/dstack.sock\n{\n  \"app_id\": \"\",\n  \"cloud_vendor\": \"\",\n"
              "  \"key_provider_info\": \"{\\\"name\\\":\\\"none\\\",\\\"id\\\":\\\"\\\"}\"\n}",
              "Query the local guest agent"),
         think="There's a dstack guest agent running on the workstation (left over from testing the no-TDX build), "
               "with key provider none. GetQuote on a non-TDX platform returns an empty quote rather than an error. "
               "dcap-qvl then tries to decode zero bytes -> Could not decode Header::version.")
    s.say("The socket belongs to a dstack guest agent I left running on the workstation last week, with no TDX "
          "underneath (`key_provider: none`). On a non-TDX platform `GetQuote` returns success with an **empty** "
          "quote, the app forwards it, and dcap-qvl fails to decode a header from zero bytes. So: same error text "
          "as the double hex bug, different cause.\n\nFor local dev the right tool is the dstack simulator, and the "
          "app itself should refuse to hand out an empty quote.")
    s.do(None, Read(PA.abs("oracle/docker-compose.dev.yml")), Read(PA.abs("oracle/src/attest.ts"), offset=10, limit=8),
         Read(PA.abs("oracle/scripts/verify.py"), offset=26, limit=6))
    s.do(None, Edit(PA.abs("oracle/docker-compose.dev.yml"),
                    "    volumes:\n      - /var/run/dstack.sock:/var/run/dstack.sock\n    environment:\n",
                    "    environment:\n      # local dev only: recorded quotes, signatures will NOT verify\n"
                    "      - DSTACK_SIMULATOR_ENDPOINT=http://host.docker.internal:8090\n"),
         Edit(PA.abs("oracle/src/attest.ts"),
              "  const q = await client.getQuote(reportData);\n",
              "  const q = await client.getQuote(reportData);\n  if (!q.quote || q.quote.length < 96) {\n"
              "    // GetQuote succeeds with an empty quote outside TDX: never serve that as an attestation\n"
              "    throw new Error('no TDX quote available (not running in a TDX CVM?)');\n  }\n"),
         Edit(PA.abs("oracle/scripts/verify.py"), "    quote = bytes.fromhex(ev[\"quote\"])\n",
              "    quote = bytes.fromhex(ev[\"quote\"])\n    if len(quote) < 48:\n"
              "        sys.exit(f\"attestation verification failed: quote is {len(quote)} bytes (empty quote: app not in TDX?)\")\n"))
    s.do(None, Bash("cd %s/oracle && (dstack-simulator --port 8090 >/tmp/sim.log 2>&1 &) && docker compose -f docker-compose.dev.yml up -d --build >/dev/null && sleep 8 && "
                    "curl -s 'http://localhost:8080/attest?nonce=%s' | jq '{quote_len: (.quote|length)}'" % (PA.cwd, g.hex(64)),
                    "{\n  \"quote_len\": 10012\n}", "Run against the simulator", secs=(15, 30)))
    s.say("With the simulator the app returns a full-size quote (5006 bytes as hex). Note the simulator replays a "
          "recorded quote and overwrites `report_data`, so `dcap-qvl verify` will (correctly) reject its signature; "
          "it's for exercising the code paths, not for trusting anything. The changes:\n\n- `docker-compose.dev.yml`: "
          "simulator endpoint instead of the host socket;\n- `attest.ts`: throws on an empty/short quote;\n- `verify.py`: "
          "explicit \"quote is 0 bytes\" message instead of the decoder's `Header::version`.")
    s.end()
    s.user("good, that fixed it. and kill that stray guest agent on the workstation please")
    s.do(None, Bash("systemctl --user status dstack-guest-agent 2>/dev/null | head -3; sudo systemctl disable --now dstack-guest-agent && ls /var/run/dstack.sock",
                    "ls: cannot access '/var/run/dstack.sock': No such file or directory", "Stop the local guest agent",
                    code=2))
    s.say("Stopped and disabled; the socket is gone (the `ls` failing is the expected outcome here).")
    s.end()

    # ------------------------------------------------------------------------------------------
    # 22. 2026-01-20  dstack-kms: encrypted env vars and what the operator can see
    # ------------------------------------------------------------------------------------------
    s = A.session(PK, "2026-01-20 17:15", "main", "2.1.17", "Encrypted env vars, allowed_envs and sealing on dstack")
    s.user("someone asked on the forum whether the Phala Cloud operator can read RPC_URL (it has an API key in it). "
           "Give me an accurate answer, then write it up in notes/secrets.md")
    s.do(None, think="Env encryption on dstack: the client (phala CLI) fetches the app's env encryption public key "
                     "(X25519) from the KMS, which derives it from app_id. Encrypts env with X25519 + AES-GCM. The "
                     "ciphertext is passed via the host; only the CVM after KMS authorization gets the private key "
                     "and decrypts inside TDX. Only names listed in allowed_envs are accepted, and allowed_envs is "
                     "part of app-compose.json, hence the compose hash. The public key itself should be verified: "
                     "KMS signs it, check the signature against KMS root.")
    s.say("Short answer: no, as long as the client encrypted the env properly.\n\n- `phala deploy` gets the app's **env "
          "encryption public key** (X25519) from the KMS; the KMS derives it from the `app_id` and signs it with its "
          "root key, so the CLI can check it isn't a key the operator substituted.\n- The CLI encrypts the env file "
          "to that key; the host only ever stores and forwards ciphertext.\n- Inside the CVM, after the KMS "
          "authorization (compose hash in AppAuth, OS image allowed), dstack-util receives the private key, decrypts, "
          "and passes through **only** the names listed in `allowed_envs` of `app-compose.json`. That list is part "
          "of the compose hash, so the operator can't sneak in `LD_PRELOAD` or similar.\n\nWhat the operator *can* "
          "see: that env vars exist and their sizes, the compose file (it's public), and whatever the app itself "
          "logs (with `public_logs: true` the container logs are visible!).")
    s.do("Let me confirm the last point, that public_logs is on for the oracle and the app never logs RPC_URL.",
         Grep("public_logs", path="/home/amiller/src/phala-apps/oracle", result=(["app-compose.json"], ["app-compose.json:7:  \"public_logs\": true,"])),
         Bash("cd ../phala-apps/oracle && grep -rn 'RPC_URL' src/ | grep -v 'process.env.RPC_URL'",
              "", "Look for places that might log RPC_URL", interp="No matches found"))
    s.do(None, Write(PK.abs("notes/secrets.md"),
                     "# Secrets on dstack / Phala Cloud\n\n## Encrypted env vars\n\n1. CLI fetches the app's X25519 env key from the KMS (derived from app_id,\n"
                     "   signed by the KMS root key: verify the signature).\n2. CLI encrypts the env file; host stores ciphertext only.\n"
                     "3. In the CVM, after KMS authorization, dstack-util decrypts and exports only `allowed_envs`\n   (which are covered by the compose hash).\n\n"
                     "Operator sees: names/sizes, the public compose, and any logs the app prints (`public_logs: true`).\n\n"
                     "## Keys derived in the CVM\n\n- `GetKey(path)`: HKDF from the app root key; stable across restarts and upgrades of the same app_id.\n"
                     "- Disk encryption key: derived from app_id + instance_id; the data disk is LUKS-encrypted inside the CVM.\n"
                     "- None of these exist outside TDX memory; the KMS root key is only on KMS nodes (kms replication over RA-TLS).\n\n"
                     "## Rotation\n\n- Env: redeploy with a new encrypted env; no compose hash change unless `allowed_envs` changes.\n"
                     "- Derived keys: change the path (`oracle/signing/v2`), publish the new public key with its signature chain.\n"))
    s.say("`notes/secrets.md` written: env encryption path, what the operator can and can't see, derived keys and "
          "disk encryption, and how to rotate. The oracle never logs `RPC_URL`, so with `public_logs: true` nothing "
          "leaks that way.")
    s.end()

    # ------------------------------------------------------------------------------------------
    # 23. 2026-01-21  ra-tls-proxy: mutual RA-TLS
    # ------------------------------------------------------------------------------------------
    s = A.session(PR, "2026-01-21 16:45", "amiller/mtls", "2.1.17", "Mutual RA-TLS between proxy and oracle")
    s.user("next: mutual RA-TLS. the oracle should only accept connections from the proxy CVM (checked by compose "
           "hash), and the proxy already checks the oracle. both certs come from GetTlsKey.")
    s.do(None, Read(PR.abs("ratls/cert.go")), Read(PR.abs("ratls/verify.go"), offset=1, limit=40))
    s.say("`ServerCert` already asks for `usage_client_auth`, so the proxy's cert can be presented as a client cert; "
          "I'll add it to the proxy's `ClientConfig` and add a `ServerConfig` that requires a client certificate and "
          "runs the same `VerifyPeer` (with a policy listing the proxy's compose hash).")
    s.do(None, Edit(PR.abs("ratls/verify.go"),
                    "func ClientConfig(qv QuoteVerifier, pol *Policy) *tls.Config {\n\treturn &tls.Config{\n",
                    "func ClientConfig(qv QuoteVerifier, pol *Policy, own ...tls.Certificate) *tls.Config {\n\treturn &tls.Config{\n"
                    "\t\tCertificates:       own, // our own RA-TLS cert for mutual attestation\n"),
         Edit(PR.abs("ratls/verify.go"), "// VerifyPeer checks an RA-TLS certificate",
              "// ServerConfig requires the client to present an RA-TLS certificate that passes VerifyPeer.\n"
              "func ServerConfig(own tls.Certificate, qv QuoteVerifier, pol *Policy) *tls.Config {\n\treturn &tls.Config{\n"
              "\t\tCertificates: []tls.Certificate{own},\n\t\tClientAuth:   tls.RequireAnyClientCert,\n"
              "\t\tVerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {\n"
              "\t\t\tleaf, err := x509.ParseCertificate(raw[0])\n\t\t\tif err != nil {\n\t\t\t\treturn err\n\t\t\t}\n"
              "\t\t\treturn VerifyPeer(leaf, qv, pol)\n\t\t},\n\t}\n}\n\n// VerifyPeer checks an RA-TLS certificate"))
    s.do(None, Read(PR.abs("main.go"), offset=28, limit=12))
    s.do(None, Edit(PR.abs("main.go"), "\trp.Transport = &http.Transport{TLSClientConfig: ratls.ClientConfig(qv, pol)}\n",
                    "\trp.Transport = &http.Transport{TLSClientConfig: ratls.ClientConfig(qv, pol, cert)}\n"))
    s.do(None, Bash("cd %s && go build ./... && go test ./... 2>&1 | tail -2" % PR.cwd,
                    "ok  \tgithub.com/amiller-lab/ra-tls-proxy/ratls\t0.021s", "Build and test"))
    s.say("The proxy side presents its RA-TLS cert now, and `ratls.ServerConfig` is ready for the oracle to use "
          "(`ClientAuth: RequireAnyClientCert`, chain trust replaced by `VerifyPeer`). On the oracle side (Node) the "
          "equivalent is `requestCert: true, rejectUnauthorized: false` plus checking `socket.getPeerCertificate()` "
          "with the same quote/report_data/compose-hash logic; want me to port it there next?")
    s.end()
    s.user("later. commit what you have on the branch")
    s.do(None, Bash("cd %s && git add -A && git commit -qm 'ratls: mutual RA-TLS (client cert + ServerConfig)' && git log --oneline -3" % PR.cwd,
                    "%s ratls: mutual RA-TLS (client cert + ServerConfig)\n%s ratls: bind report_data to DER SPKI, regression test\n%s ratls: verify upstream via RA-TLS instead of CA chain"
                    % (g.hex(7), g.hex(7), g.hex(7)), "Commit the change"))
    s.end()

    # ------------------------------------------------------------------------------------------
    # 24. 2026-01-22  phala-apps: production crash loop (OOM)
    # ------------------------------------------------------------------------------------------
    PA.put("oracle/src/cache.ts", "// Latest signed prices per pair, plus history for /history\n"
           "const history = new Map<string, { price: string; ts: number; sig: string }[]>();\n\n"
           "export function record(pair: string, price: string, ts: number, sig: string) {\n"
           "  const h = history.get(pair) ?? [];\n  h.push({ price, ts, sig });\n  history.set(pair, h);\n}\n\n"
           "export function latest(pair: string) {\n  const h = history.get(pair);\n  return h ? h[h.length - 1] : undefined;\n}\n\n"
           "export function since(pair: string, ts: number) {\n  return (history.get(pair) ?? []).filter((p) => p.ts >= ts);\n}\n")
    new_digest = g.hex(64)
    s = A.session(PA, "2026-01-22 09:40", "main", "2.1.17", "Oracle CVM crash loop: unbounded price history, OOM")
    s.user("oracle is flapping in prod since last night, uptime never above ~40 min. check it")
    s.do("Let me look at the container status and logs from Phala Cloud.",
         Bash("phala cvms logs price-oracle --tail 30 2>&1 | grep -vE 'GET /price' | tail -8",
              "oracle-1  | 2026-01-22T08:51:10Z signed ETH-USD 3322.18\noracle-1  | 2026-01-22T08:51:11Z signed SOL-USD 187.02\n"
              "oracle-1  | <--- Last few GCs --->\noracle-1  | [1:0x6a2e4b0]  2398112 ms: Mark-Compact 2021.4 (2083.1) -> 2019.8 (2084.6) MB, 1712.61 / 0.00 ms  (average mu = 0.121, current mu = 0.018) allocation failure\n"
              "oracle-1  | FATAL ERROR: Ineffective mark-compacts near heap limit Allocation failed - JavaScript heap out of memory\n"
              "oracle-1 exited with code 134\noracle-1  | 2026-01-22T08:51:40Z oracle starting, app_id %s\n"
              "oracle-1  | 2026-01-22T08:51:41Z derived signing key 0x%s" % (oracle_app_id[:12], g.hex(40)),
              "Fetch the oracle container logs"))
    s.api_error(1)
    s.do("`JavaScript heap out of memory` after ~40 minutes, then the container restarts (exit 134). Heap grows "
         "monotonically, so something accumulates. The obvious candidate is the price cache.",
         Read(PA.abs("oracle/src/cache.ts")))
    s.say("`history` keeps every signed price for every pair forever. With 3 pairs signing every second that's "
          "~10k entries/hour, each with a hex signature string and object overhead; since last week's change to "
          "1 s signing intervals it reaches the ~2 GB default heap in about 40 minutes. Fix: keep a bounded ring "
          "per pair (the `/history` endpoint only serves the last 24 h, and with 1 s resolution that's 86 400 "
          "entries; I'll cap at that).")
    s.do(None, Edit(PA.abs("oracle/src/cache.ts"),
                    "  const h = history.get(pair) ?? [];\n  h.push({ price, ts, sig });\n  history.set(pair, h);\n",
                    "  const h = history.get(pair) ?? [];\n  h.push({ price, ts, sig });\n"
                    "  // bounded: /history serves at most 24h at 1s resolution\n  if (h.length > MAX_POINTS) h.splice(0, h.length - MAX_POINTS);\n"
                    "  history.set(pair, h);\n"),
         Edit(PA.abs("oracle/src/cache.ts"), "const history = new Map",
              "const MAX_POINTS = 86_400;\nconst history = new Map"))
    s.do("This changes the image, therefore the digest in the compose, therefore the compose hash. Build, update "
         "the pinned digest, then whitelist the new hash in AppAuth *before* upgrading, otherwise the KMS will "
         "refuse the new version.",
         Bash("cd %s/oracle && scripts/build.sh 2>&1 | tail -2" % PA.cwd,
              "#14 pushing manifest for ghcr.io/amiller-lab/price-oracle:dev@sha256:%s 1.2s done\n#14 DONE 3.9s" % new_digest,
              "Build and push the image", secs=(80, 140)))
    old_compose = PA.get("oracle/docker-compose.yml")
    s.do(None, Read(PA.abs("oracle/docker-compose.yml")))
    s.do(None, Edit(PA.abs("oracle/docker-compose.yml"), img_digest, new_digest))
    PA.put("oracle/app-compose.json", app_compose_json("price-oracle", PA.get("oracle/docker-compose.yml"), ["RPC_URL"]))
    hash2 = sha256h(PA.get("oracle/app-compose.json"))
    s.do(None, Bash("cd %s/oracle && phala compose render docker-compose.yml > app-compose.json && sha256sum app-compose.json && "
                    "../../dstack-kms/scripts/add-compose-hash.sh price-oracle %s | tail -1" % (PA.cwd, hash2),
                    "%s  app-compose.json\ntrue" % hash2, "Render app-compose.json and whitelist the new compose hash", secs=(10, 20)))
    s.do(None, Bash("phala cvms upgrade price-oracle --compose oracle/docker-compose.yml && sleep 90 && phala cvms get price-oracle --json | jq '{status, uptime, compose_hash}'",
                    "Upgrading price-oracle ... done\n{\n  \"status\": \"running\",\n  \"uptime\": \"1m 12s\",\n  \"compose_hash\": \"%s\"\n}" % hash2,
                    "Upgrade the CVM", secs=(95, 110)))
    s.say("Upgraded and running with compose hash `%s...`. I'll check memory again in a while; the heap should level "
          "off below ~200 MB now." % hash2[:16])
    s.end()
    s.user("it's been 3 hours, still up. that fixed it")
    s.do(None, Bash("phala cvms stats price-oracle | grep -E 'uptime|memory'", "uptime: 3h 04m\nmemory: 412 MiB / 3.8 GiB", "Check CVM stats"))
    s.say("Confirmed: 3 h uptime, 412 MiB in use for the whole CVM. Also updated: the verifier policies will need the "
          "new compose hash (`policy.toml` in attest-verifier pins the old one).")
    s.end()

    # ------------------------------------------------------------------------------------------
    # 25. 2026-01-23  attest-verifier: policy update + JSON output
    # ------------------------------------------------------------------------------------------
    s = A.session(PV, "2026-01-23 15:00", "main", "2.1.17", "Accept a set of compose hashes, JSON output for monitoring")
    s.user("the oracle's compose hash changed yesterday (oom fix). make policy.toml take a list of allowed compose "
           "hashes instead of one, and add --json output so I can run this from a cron job and alert")
    s.do(None, Read(PV.abs("src/policy.rs")), Read(PV.abs("policy.toml")), Read(PV.abs("src/main.rs")))
    s.do(None, Edit(PV.abs("src/policy.rs"),
                    "    /// sha256 of the exact app-compose.json bytes we expect to be running\n    pub compose_hash: String,\n",
                    "    /// sha256 of the exact app-compose.json bytes we accept (e.g. current + previous release)\n"
                    "    pub compose_hashes: Vec<String>,\n"),
         Edit(PV.abs("src/policy.rs"),
              "    if compose != policy.compose_hash {\n        bail!(\"compose_hash {compose} is not the expected {}\", policy.compose_hash);\n    }\n",
              "    if !policy.compose_hashes.iter().any(|h| h.eq_ignore_ascii_case(&compose)) {\n"
              "        bail!(\"compose_hash {compose} not in policy ({} allowed)\", policy.compose_hashes.len());\n    }\n"),
         Edit(PV.abs("policy.toml"), "compose_hash = \"%s\"\n" % good_hash,
              "compose_hashes = [\n  \"%s\",  # oracle v0.4.3 (2026-01-22, history cap)\n  \"%s\",  # oracle v0.4.1\n]\n" % (hash2, good_hash)))
    s.do(None, Edit(PV.abs("src/main.rs"), "    /// PCCS used for collateral\n",
                    "    /// print one JSON object instead of text (for monitoring)\n    #[arg(long)]\n    json: bool,\n    /// PCCS used for collateral\n"),
         Edit(PV.abs("src/main.rs"),
              "    println!(\"OK  tcb_status={} advisories={:?}\", report.status, report.advisory_ids);\n",
              "    if args.json {\n        println!(\"{}\", serde_json::json!({\"ok\": true, \"tcb_status\": report.status,\n"
              "            \"advisories\": report.advisory_ids, \"url\": args.url}));\n    } else {\n"
              "        println!(\"OK  tcb_status={} advisories={:?}\", report.status, report.advisory_ids);\n    }\n"))
    s.do(None, Bash("cd %s && cargo build --release 2>&1 | grep -E '^(warning|error)' | sort | uniq -c" % PV.cwd,
                    "      1 error[E0382]: borrow of moved value: `args.url`", "Build", secs=(20, 35)))
    s.do("`args.url` is moved into the `match` at the top of `run`. Borrowing it there fixes it.",
         Read(PV.abs("src/main.rs"), offset=32, limit=10))
    s.do(None, Edit(PV.abs("src/main.rs"), "    let ev = match (&args.url, &args.quote_file) {\n",
                    "    let ev = match (args.url.as_deref(), args.quote_file.as_deref()) {\n"))
    s.do(None, Bash("cd %s && cargo build --release -q && ./target/release/attest-verifier --json --url https://%s-8080.apps.amiller-tee.dev" % (PV.cwd, oracle_app_id),
                    "{\"advisories\":[\"INTEL-SA-00837\",\"INTEL-SA-01142\"],\"ok\":true,\"tcb_status\":\"OutOfDate\",\"url\":\"https://%s-8080.apps.amiller-tee.dev\"}" % oracle_app_id,
                    "Run with --json", err="WARNING: accepting tcb status OutOfDate under grace until 1769904000 (advisories [\"INTEL-SA-00837\", \"INTEL-SA-01142\"])",
                    secs=(25, 40)))
    s.say("Done. `policy.toml` now has `compose_hashes = [...]` with the new release and the previous one, and "
          "`--json` prints a single object (errors still go to stderr with exit code 1, so cron/alerting can key "
          "on the exit status). The TCB grace warning still shows on stderr until the hosts get their microcode update.")
    s.end()

    # ------------------------------------------------------------------------------------------
    # 26. 2026-01-24  dstack-kms: OS image upgrade 0.5.5 -> "OS image is not allowed"
    # ------------------------------------------------------------------------------------------
    s = A.session(PK, "2026-01-24 18:30", "main", "2.1.20", "dstack OS 0.5.5 upgrade: allowlist new os_image_hash in KmsAuth")
    s.user("upgraded the gateway CVM to the dstack-0.5.5 OS image (needed for the TDX 1.5 host fixes). it doesn't "
           "boot: serial log says `KMS rejected boot: OS image is not allowed`. I thought the image was fine since "
           "Phala Cloud already runs 0.5.5")
    s.do("Phala Cloud's KMS allowlists 0.5.5, but the gateway talks to *our* KMS, whose DstackKms contract has its own "
         "OS image allowlist. Let me compare the hash the CVM reports with what our contract allows.",
         Bash("ssh gw1 'sudo dstack-vmm-cli logs gateway --tail 200 | grep -E \"os_image_hash|OS image\"'",
              "dstack-util: os_image_hash=%s\nError: Failed to get app keys: KMS rejected boot: OS image is not allowed" % IMG["0.5.5"]["os"],
              "Find the os_image_hash in the serial log"),
         Bash("for h in %s %s; do echo -n \"$h \"; cast call %s 'allowedOsImages(bytes32)(bool)' 0x$h --rpc-url https://mainnet.base.org; done" % (IMG["0.5.4"]["os"], IMG["0.5.5"]["os"], kms_addr),
              "%s true\n%s false" % (IMG["0.5.4"]["os"], IMG["0.5.5"]["os"]), "Check both image hashes in DstackKms"))
    s.say("As expected: 0.5.4 is allowed in our DstackKms, 0.5.5 isn't. Before allowlisting I want to verify the "
          "hash belongs to the official 0.5.5 release and not just to whatever the VMM booted: the `os_image_hash` is "
          "the sha256 of the image's `sha256sum.txt`, which we can recompute from the release tarball.")
    s.do(None, Bash("cd /tmp && curl -sLO https://github.com/Dstack-TEE/meta-dstack/releases/download/v0.5.5/dstack-0.5.5.tar.gz && "
                    "tar xzf dstack-0.5.5.tar.gz && sha256sum dstack-0.5.5/sha256sum.txt && cat dstack-0.5.5/metadata.json | jq -r .version",
                    "%s  dstack-0.5.5/sha256sum.txt\n0.5.5" % IMG["0.5.5"]["os"], "Recompute the image hash from the release", secs=(20, 45)))
    s.do("Matches the release. Allowlisting it in DstackKms (the KmsAuth side):",
         Bash("cast send %s 'addOsImageHash(bytes32)' 0x%s --rpc-url https://mainnet.base.org --account amiller-deployer | grep status && "
              "ssh gw1 'sudo dstack-vmm-cli restart gateway' && sleep 60 && ssh gw1 'sudo dstack-vmm-cli logs gateway --tail 5'" % (kms_addr, IMG["0.5.5"]["os"]),
              "status               1 (success)\nrestarted gateway\ndstack-util: got app keys (app_id %s)\ndstack-util: system-ready\n"
              "gateway  | INFO dstack_gateway: wireguard up, 3 peers\ngateway  | INFO dstack_gateway: proxy listening on 0.0.0.0:443" % gw_app[:12],
              "Allowlist 0.5.5 and restart the gateway", secs=(70, 90)))
    s.say("The gateway boots on 0.5.5 and has its 3 WireGuard peers back. Two follow-ups:\n\n1. Verifier "
          "policies pin MRTD/RTMR0-2 of 0.5.4; the gateway's policy needs the 0.5.5 values (`dstack-mr measure` on "
          "the release metadata with the gateway's VM shape gives them).\n2. Once nothing runs 0.5.4 any more, remove "
          "its hash from DstackKms so an old image with known bugs can't get keys.")
    s.end()
    s.user("do 1 now for the gateway (4 vcpu, 8G)")
    s.do(None, Bash("dstack-mr measure -c 4 -m 8G /tmp/dstack-0.5.5/metadata.json --json | jq '{mrtd, rtmr0, rtmr1, rtmr2}'",
                    "{\n  \"mrtd\": \"%s\",\n  \"rtmr0\": \"%s\",\n  \"rtmr1\": \"%s\",\n  \"rtmr2\": \"%s\"\n}"
                    % (IMG["0.5.5"]["mrtd"], IMG["0.5.5"]["rtmr0"], IMG["0.5.5"]["rtmr1"], IMG["0.5.5"]["rtmr2"]),
                    "Compute 0.5.5 measurements for the gateway shape", secs=(8, 20)))
    PV.put("policies/gateway.toml", 'allowed_tcb_status = ["UpToDate"]\nmrtd = "%s"\nrtmr0 = "%s"\nrtmr1 = "%s"\nrtmr2 = "%s"\ncompose_hashes = ["%s"]\n'
           % (IMG["0.5.4"]["mrtd"], IMG["0.5.4"]["rtmr0"], IMG["0.5.4"]["rtmr1"], IMG["0.5.4"]["rtmr2"], gw_hash))
    s.say("Here are the 0.5.5 measurements for a 4 vCPU / 8 GB CVM. They go into "
          "`attest-verifier/policies/gateway.toml`; that's a different repo from this session's, so I'll leave the "
          "edit to you or to a session there. The values: MRTD `%s...`, RTMR0 `%s...`, RTMR1 `%s...`, RTMR2 `%s...`."
          % (IMG["0.5.5"]["mrtd"][:16], IMG["0.5.5"]["rtmr0"][:16], IMG["0.5.5"]["rtmr1"][:16], IMG["0.5.5"]["rtmr2"][:16]))
    s.end()

    # ------------------------------------------------------------------------------------------
    # 26b. 2026-01-25  ra-tls-proxy: app events in RTMR3 (key rotation)
    # ------------------------------------------------------------------------------------------
    s = A.session(PR, "2026-01-25 14:20", "amiller/rtmr3-events", "2.1.20", "Record key rotations as RTMR3 runtime events")
    s.user("when the oracle rotates its signing key (GetKey path oracle/signing/vN) I want that recorded in RTMR3 so the "
           "proxy can see which key version is live from the attestation alone. the guest agent has EmitEvent for that "
           "right? make the proxy's RTMR3 check aware of app events after system-ready")
    s.do(None, Read(PR.abs("ratls/eventlog.go")),
         think="EmitEvent(event, payload) on the dstack guest agent extends RTMR3 with the same V1 digest and appends to the "
               "runtime event log, so every later quote's event_log includes it. Our replay already handles any RTMR3 events; "
               "need to (1) keep the compose-hash logic limited to before system-ready (already), (2) return app events "
               "after system-ready so policy can check e.g. 'signing-key-version'. Caveat: EmitEvent was removed on dstack main "
               "(mid-2026) so long-term this might need a different mechanism; and concurrent EmitEvent calls can make RTMR3 "
               "unreplayable if extend order differs from log order.")
    s.say("Yes: the guest agent's `EmitEvent(event, payload)` extends RTMR3 with the same digest rule dstack uses at boot "
          "and appends the event to the runtime log, so every later quote's event log contains it and the RTMR3 replay "
          "covers it. Our replay already folds in every RTMR3 event; what's missing is returning the app events after "
          "`system-ready` so the policy can look at them. Two caveats to note in the code:\n\n- only trust app "
          "identity (compose-hash, app-id) from events *before* `system-ready`; after it, anything the app emits is "
          "app-controlled;\n- emit events from one place only: concurrent `EmitEvent` calls have produced RTMR3 values "
          "that don't replay in log order.")
    s.do(None, Edit(PR.abs("ratls/eventlog.go"),
                    "// composeHashFromEventLog replays the RTMR3 events, checks the result against the quote's RTMR3\n"
                    "// and returns the compose-hash recorded before system-ready.\n"
                    "func composeHashFromEventLog(raw []byte, rtmr3 []byte) (string, error) {\n",
                    "// AppEvent is an RTMR3 event emitted by the app after system-ready (guest agent EmitEvent).\n"
                    "type AppEvent struct {\n\tName    string\n\tPayload []byte\n}\n\n"
                    "// composeHashFromEventLog replays the RTMR3 events, checks the result against the quote's RTMR3\n"
                    "// and returns the compose-hash recorded before system-ready.\n"
                    "func composeHashFromEventLog(raw []byte, rtmr3 []byte) (string, error) {\n"
                    "\tch, _, err := replayRTMR3(raw, rtmr3)\n\treturn ch, err\n}\n\n"
                    "// replayRTMR3 also returns the app events after system-ready, in RTMR3 order.\n"
                    "func replayRTMR3(raw []byte, rtmr3 []byte) (string, []AppEvent, error) {\n"),
         Edit(PR.abs("ratls/eventlog.go"), "\tvar evs []event\n\tif err := json.Unmarshal(raw, &evs); err != nil {\n\t\treturn \"\", fmt.Errorf(\"event log: %w\", err)\n\t}\n",
              "\tvar evs []event\n\tvar app []AppEvent\n\tif err := json.Unmarshal(raw, &evs); err != nil {\n\t\treturn \"\", nil, fmt.Errorf(\"event log: %w\", err)\n\t}\n"))
    s.do("Now the remaining returns and collecting the app events; I'll rewrite the tail of the function in one edit.",
         Read(PR.abs("ratls/eventlog.go"), offset=48))
    s.do(None, Edit(PR.abs("ratls/eventlog.go"),
                    "\t\tp, err := hex.DecodeString(e.EventPayload)\n\t\tif err != nil {\n\t\t\treturn \"\", err\n\t\t}\n",
                    "\t\tp, err := hex.DecodeString(e.EventPayload)\n\t\tif err != nil {\n\t\t\treturn \"\", nil, err\n\t\t}\n"),
         Edit(PR.abs("ratls/eventlog.go"),
              "\t\t\t\treturn \"\", errors.New(\"duplicate compose-hash event before system-ready\")\n",
              "\t\t\t\treturn \"\", nil, errors.New(\"duplicate compose-hash event before system-ready\")\n"),
         Edit(PR.abs("ratls/eventlog.go"),
              "\t\tif e.Event == \"system-ready\" {\n\t\t\tready = true\n\t\t}\n",
              "\t\tif ready {\n\t\t\tapp = append(app, AppEvent{Name: e.Event, Payload: p})\n\t\t}\n"
              "\t\tif e.Event == \"system-ready\" {\n\t\t\tready = true\n\t\t}\n"),
         Edit(PR.abs("ratls/eventlog.go"),
              "\tif !bytes.Equal(mr, rtmr3) {\n\t\treturn \"\", fmt.Errorf(\"RTMR3 mismatch: replayed %x, quote %x\", mr[:8], rtmr3[:8])\n\t}\n"
              "\tif compose == \"\" {\n\t\treturn \"\", errors.New(\"no compose-hash event\")\n\t}\n\treturn compose, nil\n",
              "\tif !bytes.Equal(mr, rtmr3) {\n\t\treturn \"\", nil, fmt.Errorf(\"RTMR3 mismatch: replayed %x, quote %x\", mr[:8], rtmr3[:8])\n\t}\n"
              "\tif compose == \"\" {\n\t\treturn \"\", nil, errors.New(\"no compose-hash event\")\n\t}\n\treturn compose, app, nil\n"))
    s.do(None, Bash("cd %s && go vet ./... && go test ./ratls/ 2>&1 | tail -2" % PR.cwd,
                    "ok  \tgithub.com/amiller-lab/ra-tls-proxy/ratls\t0.017s", "Vet and test"))
    s.do("Let me try it end to end: emit a `signing-key-version` event on the staging oracle and check that the "
         "proxy's RTMR3 replay sees it and still matches the TDX quote.",
         Bash("phala cvms exec oracle-staging -- curl -s --unix-socket /var/run/dstack.sock -X POST http://dstack/EmitEvent "
              "-d '{\"event\":\"signing-key-version\",\"payload\":\"%s\"}' && cd %s && go run ./cmd/ratls-inspect https://%s-8443.apps.amiller-tee.dev | tail -4"
              % ("7632", PR.cwd, oracle_app_id),
              "rtmr3 replay: ok (10 events, quote %s...)\ncompose_hash: %s\napp events after system-ready:\n  signing-key-version = \"v2\"" % (g.hex(16), oracle_hash0[:16]),
              "Emit an RTMR3 event and inspect", secs=(6, 15)))
    s.say("Works: after `EmitEvent`, RTMR3 in the next quote includes the new event, the replay (10 events now) still "
          "matches the quote's RTMR3, the compose hash is still taken from before `system-ready`, and the app event "
          "`signing-key-version = \"v2\"` is returned for policy checks. One design note for the oracle: emit the event "
          "*before* starting to sign with the new key, so there's never a window where the attested RTMR3 shows an "
          "older key version than the one in use.")
    s.end()

    # ------------------------------------------------------------------------------------------
    # 27. 2026-01-26  phala-apps: allowAnyDevice off -> "Device not allowed"
    # ------------------------------------------------------------------------------------------
    dev1, dev2 = g.hex(64), g.hex(64)
    s = A.session(PA, "2026-01-26 20:15", "main", "2.1.20", "Pin oracle to two TDX devices: second replica gets Device not allowed")
    s.user("I want the oracle pinned to the two machines we've audited. set allowAnyDevice=false on the AppAuth and "
           "add both device ids, then start the second replica on prod9")
    s.do("Let me get the device ids from the current attestations first; `device_id` is the sha256 of the platform's "
         "PPID, taken from the verified quote.",
         Bash("phala cvms attestation price-oracle --json | jq -r .device_id", dev1, "Get the device id of the running replica"))
    s.do("Only the running replica's device is known yet; the prod9 one appears once something boots there. I'll "
         "flip the flag and add the first device now.",
         Rejected(Bash("cast send %s 'setAllowAnyDevice(bool)' false --rpc-url https://mainnet.base.org --account amiller-deployer" % oracle_auth,
                       "", "Disable allowAnyDevice")))
    s.interrupt()
    s.user("wait, don't flip it before the device is added, otherwise a restart in between would lock us out. add first")
    s.do("Right, order matters: add the device, then disable `allowAnyDevice`.",
         Bash("cast send %s 'addDevice(bytes32)' 0x%s --rpc-url https://mainnet.base.org --account amiller-deployer | grep status && "
              "cast send %s 'setAllowAnyDevice(bool)' false --rpc-url https://mainnet.base.org --account amiller-deployer | grep status" % (oracle_auth, dev1, oracle_auth),
              "status               1 (success)\nstatus               1 (success)", "Add device 1, then disable allowAnyDevice", secs=(10, 20)))
    s.do(None, Bash("phala cvms replicate price-oracle --node prod9 && sleep 75 && phala cvms serial-logs price-oracle --replica 2 | tail -3",
                    "Replica 2 of price-oracle scheduled on prod9\ndstack-util: device_id=%s\n"
                    "dstack-util: requesting app keys from KMS...\nError: Failed to get app keys: KMS rejected boot: Device not allowed" % dev2,
                    "Start the second replica on prod9", secs=(80, 95)))
    s.say("As expected the new replica is refused with `Device not allowed`; its serial log gives us the prod9 "
          "`device_id` (`%s...`). Before adding it: the serial log is written by the host, so I'd rather take the id "
          "from a verified quote. The KMS log has the id it computed from the TDX quote it verified." % dev2[:16])
    s.do(None, Bash("ssh kms-a 'sudo journalctl -u kms --since -5min | grep -m1 \"Device not allowed\"'",
                    "Jan 26 20:31:52 kms-a kms[2210]: boot auth denied: app_id=%s device_id=%s tcb=UpToDate reason=\"Device not allowed\"" % (oracle_app_id, dev2),
                    "Get the device id the KMS derived from the verified quote"))
    s.do(None, Bash("cast send %s 'addDevice(bytes32)' 0x%s --rpc-url https://mainnet.base.org --account amiller-deployer | grep status && "
                    "phala cvms restart price-oracle --replica 2 && sleep 60 && phala cvms serial-logs price-oracle --replica 2 | tail -2" % (oracle_auth, dev2),
                    "status               1 (success)\ndstack-util: got app keys (app_id %s)\ndstack-util: system-ready" % oracle_app_id[:12],
                    "Allow the prod9 device and restart the replica", secs=(65, 80)))
    s.say("Both replicas run, and only those two TDX machines can obtain the oracle's keys: the KMS-derived id "
          "matched the serial log, and AppAuth now has `allowAnyDevice = false` with two devices.")
    s.end()
    s.user("good catch on the ordering. that fixed it")
    s.end()

    # ------------------------------------------------------------------------------------------
    # 27b. 2026-01-27  phala-apps: public attestation page for the oracle
    # ------------------------------------------------------------------------------------------
    s = A.session(PA, "2026-01-27 15:30", "main", "2.1.20", "Public /attestation page: TDX attestation report for users")
    s.user("users shouldn't need python to check the oracle. add a GET /attestation page to the oracle that shows the "
           "current TDX attestation in human terms (measurements, compose hash, tcb status, AppAuth address) plus the "
           "raw quote and event log to download. the page itself is not proof, say that on the page")
    s.do(None, Read(PA.abs("oracle/src/attest.ts")))
    s.do(None, Write(PA.abs("oracle/src/attestation-page.ts"),
                     "import { attest, info } from './attest.js';\nimport { randomBytes } from 'node:crypto';\n\n"
                     "const APP_AUTH = process.env.APP_AUTH ?? '%s';\n\n"
                     "/** GET /attestation: a human-readable view of a fresh TDX attestation. Not proof by itself. */\n"
                     "export async function attestationPage(nonceHex?: string): Promise<string> {\n"
                     "  const nonce = nonceHex ?? randomBytes(32).toString('hex');\n  const a = await attest(nonce);\n  const i = await info();\n"
                     "  const events = JSON.parse(a.event_log).filter((e: any) => e.imr === 3);\n  return `<!doctype html>\n"
                     "<h1>price-oracle: TDX attestation</h1>\n<p><b>This page is not proof.</b> Anyone can serve HTML. Download the quote and\n"
                     "event log below and verify them yourself (oracle/VERIFY.md), ideally with your own nonce:\n<code>/attestation?nonce=&lt;64 hex&gt;</code>.</p>\n"
                     "<table>\n<tr><td>app_id (AppAuth contract)</td><td>${i.app_id} / ${APP_AUTH}</td></tr>\n"
                     "<tr><td>compose_hash</td><td>${i.compose_hash}</td></tr>\n<tr><td>instance_id</td><td>${i.instance_id}</td></tr>\n"
                     "<tr><td>nonce / report_data</td><td>${nonce} / ${a.report_data}</td></tr>\n</table>\n"
                     "<h2>RTMR3 events</h2>\n<ol>${events.map((e: any) => `<li>${e.event}: ${e.event_payload.slice(0, 32)}</li>`).join('')}</ol>\n"
                     "<p><a href=\"data:application/octet-stream;base64,${Buffer.from(a.quote, 'hex').toString('base64')}\" download=\"quote.bin\">TDX quote</a>\n"
                     "<a href=\"data:application/json;base64,${Buffer.from(a.event_log).toString('base64')}\" download=\"event_log.json\">event log</a></p>`;\n}\n" % oracle_auth))
    s.do(None, Bash("cd %s/oracle && npm run build --silent && docker compose -f docker-compose.dev.yml up -d --build >/dev/null && sleep 6 && "
                    "curl -s 'http://localhost:8080/attestation?nonce=%s' | sed -e 's/<[^>]*>/ /g' | tr -s ' \\n' | head -c 600" % (PA.cwd, g.hex(64)),
                    " price-oracle: TDX attestation This page is not proof. Anyone can serve HTML. Download the quote and event log below and verify them "
                    "yourself (oracle/VERIFY.md), ideally with your own nonce: /attestation?nonce=<64 hex>. app_id (AppAuth contract) %s / %s compose_hash %s "
                    "RTMR3 events system-preparing: app-id: %s compose-hash: %s instance-id: ..." % (oracle_app_id, oracle_auth, hash2[:32], oracle_app_id[:32], hash2[:32]),
                    "Render the attestation page against the simulator", secs=(20, 40)))
    s.say("`GET /attestation` renders a fresh TDX attestation: app_id and AppAuth address, compose hash, instance id, "
          "the nonce and report_data, the RTMR3 events by name, plus download links for the raw TDX quote and event "
          "log. The page says in bold that it's not proof and points to `VERIFY.md`; the `?nonce=` parameter lets a "
          "user get an attestation bound to their own nonce instead of trusting ours. (Locally it runs against the "
          "dstack simulator, so those quotes won't verify, as intended.)")
    s.end()
    s.user("ship it with the next release")
    s.end()

    # ------------------------------------------------------------------------------------------
    # 28. 2026-01-27  dstack-gateway: load test and timeouts
    # ------------------------------------------------------------------------------------------
    s = A.session(PG, "2026-01-27 21:00", "main", "2.1.20", "Gateway load test: SNI routing throughput and idle timeouts")
    s.user("before the oracle launch I want a rough capacity number for gw1: how many new TLS connections/s it can "
           "route by SNI with passthrough, and whether idle_timeout=10m is sane for long-poll clients")
    s.do(None, Read(PG.abs("gateway.toml"), offset=7, limit=8))
    s.do("With passthrough the gateway does no crypto, it parses the ClientHello for SNI and splices bytes into the "
         "WireGuard tunnel, so new-connection rate is the number that matters. `h2load` with `--h1` and no keep-alive "
         "forces one TLS handshake per request.",
         Bash("h2load --h1 -n 20000 -c 200 -H 'Connection: close' https://oracle.amiller-tee.dev/health 2>&1 | grep -E 'finished in|requests:|time for connect|status codes'",
              "finished in 21.37s, 935.90 req/s, 512.43KB/s\nrequests: 20000 total, 20000 started, 20000 done, 20000 succeeded, 0 failed, 0 errored, 0 timeout\n"
              "status codes: 20000 2xx, 0 3xx, 0 4xx, 0 5xx\ntime for connect:    18.21ms    412.55ms    61.80ms    39.14ms    88.20%",
              "Load test with one TLS handshake per request", secs=(22, 30),
              progress=("progress: 20% done", "progress: 60% done")))
    s.do("~936 new TLS connections/s through the gateway, no errors. Let me see whether the gateway or the oracle "
         "CVM is the bottleneck.",
         Bash("ssh gw1 'top -b -n1 | head -12 | tail -5'; phala cvms stats price-oracle | grep cpu",
              "  PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND\n 2811 root      20   0 1321908  88412  11204 S  41.2   1.1 212:13.08 dstack-gateway\n"
              " 2790 root      20   0       0      0      0 I   6.1   0.0   3:02.11 kworker/u8:2-wg-crypt-wg-gw\ncpu: 197% / 200%",
              "Check CPU on gateway and oracle"))
    s.say("The oracle CVM is the bottleneck (2 vCPUs fully busy doing TLS handshakes inside the TEE), while the "
          "gateway sits at ~41% of one core plus some WireGuard crypto in kworkers. So gw1 has plenty of headroom; "
          "capacity planning should be per app CVM, not per gateway.\n\nOn `idle_timeout = \"10m\"`: for long-poll "
          "clients that's fine as long as they poll more often than every 10 minutes; but note NAT/WireGuard "
          "keepalives (25 s) keep the tunnel up regardless, so the idle timeout only affects the TCP splice. I'd "
          "lower `connect_timeout` to 3s so a dead CVM fails fast instead of holding client sockets.")
    s.do(None, Edit(PG.abs("gateway.toml"), 'connect_timeout = "5s"\n', 'connect_timeout = "3s"\n'))
    s.end()

    # ------------------------------------------------------------------------------------------
    # 29. 2026-01-28  attest-verifier: reproducible build check in CI
    # ------------------------------------------------------------------------------------------
    s = A.session(PV, "2026-01-28 16:30", "main", "2.1.20", "CI: reproducible release binary of attest-verifier")
    s.user("people should be able to check that the attest-verifier binary I publish matches the source. add a "
           "GitHub Actions workflow that builds it twice in different runners and compares sha256")
    s.do(None, Read(PV.abs("Cargo.toml")), Glob("**/*.lock"))
    s.say("There's no `Cargo.lock` committed, so two builds can resolve different dependency versions. Commit the "
          "lockfile and build with `--locked`. Rust-specific sources of non-determinism: absolute paths embedded "
          "in panic messages and debug info (fixed by `--remap-path-prefix`), and codegen-units ordering (use 1 for "
          "the release profile).")
    s.do(None, Bash("cd %s && cargo generate-lockfile && git add Cargo.lock && wc -l Cargo.lock" % PV.cwd, "1873 Cargo.lock", "Generate and stage Cargo.lock", secs=(3, 8)))
    PV.put("Cargo.lock", "# This file is automatically @generated by Cargo.\n# It is not intended for manual editing.\nversion = 4\n")
    s.do(None, Edit(PV.abs("Cargo.toml"), "[dependencies]\n",
                    "[profile.release]\ncodegen-units = 1\nlto = true\nstrip = true\n\n[dependencies]\n"),
         Write(PV.abs(".github/workflows/reproducible.yml"),
               "name: reproducible-build\non:\n  push:\n    tags: ['v*']\n  pull_request:\n\njobs:\n  build:\n    strategy:\n"
               "      matrix:\n        runner: [ubuntu-22.04, ubuntu-24.04]\n    runs-on: ${{ matrix.runner }}\n"
               "    container: rust:1.84.0-bookworm@sha256:%s\n    steps:\n      - uses: actions/checkout@v4\n"
               "      - name: build\n        env:\n          SOURCE_DATE_EPOCH: 0\n"
               "          RUSTFLAGS: --remap-path-prefix=${{ github.workspace }}=/build --remap-path-prefix=/usr/local/cargo=/cargo\n"
               "        run: |\n          cargo build --release --locked\n          sha256sum target/release/attest-verifier | tee sha256-${{ matrix.runner }}.txt\n"
               "      - uses: actions/upload-artifact@v4\n        with:\n          name: sha-${{ matrix.runner }}\n          path: sha256-*.txt\n\n"
               "  compare:\n    needs: build\n    runs-on: ubuntu-24.04\n    steps:\n      - uses: actions/download-artifact@v4\n"
               "      - run: |\n          cat sha-*/sha256-*.txt\n          test $(cat sha-*/sha256-*.txt | cut -d' ' -f1 | sort -u | wc -l) -eq 1\n" % g.hex(64)))
    h1 = g.hex(64)
    s.do("Let me simulate the two runners locally with two containers in different paths before pushing.",
         Bash("cd %s && for d in /tmp/a /tmp/b; do rm -rf $d && git worktree add -f $d HEAD >/dev/null 2>&1; docker run --rm -v $d:$d -w $d "
              "-e RUSTFLAGS=\"--remap-path-prefix=$d=/build --remap-path-prefix=/usr/local/cargo=/cargo\" rust:1.84.0-bookworm "
              "sh -c 'cargo build -q --release --locked && sha256sum target/release/attest-verifier'; done" % PV.cwd,
              "%s  target/release/attest-verifier\n%s  target/release/attest-verifier" % (h1, h1),
              "Build in two different paths and compare", secs=(200, 300),
              progress=("   Compiling proc-macro2 v1.0.93", "   Compiling dcap-qvl v0.5.2", "   Compiling attest-verifier v0.3.0 (/tmp/b)")))
    s.say("Identical sha256 (`%s...`) from two checkouts in different directories, so the path remapping works. "
          "The workflow builds on two runner images inside the same digest-pinned Rust container and fails if the "
          "hashes differ. For releases, publish that hash next to the binary." % h1[:16])
    s.end()

    # ------------------------------------------------------------------------------------------
    # 29b. 2026-01-28  phala-apps: AppAuth ownership to a Safe multisig
    # ------------------------------------------------------------------------------------------
    safe = "0x" + g.hex(40)
    s = A.session(PA, "2026-01-28 20:45", "main", "2.1.20", "Transfer the oracle AppAuth to a 2-of-3 Safe")
    s.user("the Safe is set up (2-of-3, me + two reviewers): %s. move ownership of the oracle's AppAuth to it. "
           "then make sure the add-compose-hash flow still works through the Safe" % safe)
    s.do("Before transferring, let me double check the Safe: threshold, owners, and that it's deployed on Base (not "
         "only on Sepolia, we've been bitten by that).",
         Bash("R=https://mainnet.base.org; cast chain-id --rpc-url $R; cast call %s 'getThreshold()(uint256)' --rpc-url $R; cast call %s 'getOwners()(address[])' --rpc-url $R" % (safe, safe),
              "8453\n2\n[0x%s, 0x%s, 0x%s]" % (g.hex(40), g.hex(40), g.hex(40)), "Inspect the Safe on Base"))
    s.do("Base mainnet, threshold 2 of 3 owners. Transferring the AppAuth ownership (`transferOwnership` from "
         "OwnableUpgradeable: the new owner takes effect immediately, there's no accept step, so the address must be right):",
         Bash("cast send %s 'transferOwnership(address)' %s --rpc-url https://mainnet.base.org --account amiller-deployer | grep status && "
              "cast call %s 'owner()(address)' --rpc-url https://mainnet.base.org" % (oracle_auth, safe, oracle_auth),
              "status               1 (success)\n%s" % safe, "Transfer AppAuth ownership to the Safe", secs=(8, 15)))
    s.do("The AppAuth owner is now the Safe. `scripts/add-compose-hash.sh` sends from the deployer account, which "
         "will now revert with `OwnableUnauthorizedAccount`. For the Safe flow the script should instead *propose* "
         "the `addComposeHash` transaction to the Safe transaction service so two owners can sign.",
         Bash("cd %s && cast calldata 'addComposeHash(bytes32)' 0x%s" % (PA.cwd, hash2),
              "0x%s%s" % ("1e079198", hash2), "Encode addComposeHash calldata"))
    s.do(None, Write(PA.abs("scripts/propose-compose-hash.sh"),
                     "#!/usr/bin/env bash\n# Propose addComposeHash(<hash>) on the oracle's AppAuth to the owning Safe (2-of-3).\n"
                     "# Reviewers must rebuild the image and check the compose hash (see oracle/VERIFY.md) before signing.\n"
                     "set -euo pipefail\nHASH=${1#0x}\nAPP_AUTH=%s\nSAFE=%s\n"
                     "DATA=$(cast calldata 'addComposeHash(bytes32)' 0x$HASH)\n"
                     "safe-cli tx-service propose --network base --safe \"$SAFE\" --to \"$APP_AUTH\" --value 0 --data \"$DATA\" \\\n"
                     "  --origin \"add compose hash $HASH ($(git describe --tags))\"\n" % (oracle_auth, safe)))
    s.do(None, Read(PA.abs("README.md")))
    s.do(None, Edit(PA.abs("README.md"), "| KMS | DstackKms `%s` |\n" % kms_addr,
                    "| KMS | DstackKms `%s` |\n| AppAuth owner | Safe `%s` (2-of-3) |\n" % (kms_addr, safe)),
         Edit(PA.abs("README.md"), "whitelist the new hash in AppAuth (`addComposeHash`) *before*",
              "propose the new hash to the Safe (`scripts/propose-compose-hash.sh`), get 2 signatures on `addComposeHash` *before*"))
    s.say("Done:\n\n- AppAuth owner = the Safe (verified with `owner()`);\n- `scripts/propose-compose-hash.sh` proposes "
          "`addComposeHash` to the Safe; two reviewers must sign after reproducing the build;\n- README updated.\n\n"
          "Also note the Safe now controls the UUPS upgrade of the AppAuth and `disableUpgrades()`, so upgrading the "
          "AppAuth logic (e.g. to add a timelock) also needs 2 signatures now.")
    s.end()

    # ------------------------------------------------------------------------------------------
    # 30. 2026-01-29  ra-tls-proxy: Go binary not reproducible
    # ------------------------------------------------------------------------------------------
    PR.put("Dockerfile", "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/ra-tls-proxy .\n\n"
           "FROM gcr.io/distroless/static-debian12\nCOPY --from=build /out/ra-tls-proxy /ra-tls-proxy\nENTRYPOINT [\"/ra-tls-proxy\"]\n")
    hA, hB, hC = g.hex(64), g.hex(64), g.hex(64)
    s = A.session(PR, "2026-01-29 19:10", "main", "2.1.29", "Reproducible Go build for ra-tls-proxy image")
    s.user("same exercise for ra-tls-proxy: my laptop build and the CI build of the image give different digests, "
           "which means nobody can tie the compose hash to the source")
    s.do(None, Read(PR.abs("Dockerfile")))
    s.do("Let me compare just the Go binaries out of both images first; if they differ, the image can't match.",
         Bash("for img in ghcr.io/amiller-lab/ra-tls-proxy:ci ra-tls-proxy:local; do id=$(docker create $img); docker cp $id:/ra-tls-proxy /tmp/$(echo $img | tr '/:' '__'); docker rm $id >/dev/null; done; "
              "sha256sum /tmp/*ra-tls-proxy*; go version -m /tmp/ra-tls-proxy_local | grep -E 'vcs|path|CGO|-trimpath'",
              "%s  /tmp/ghcr.io_amiller-lab_ra-tls-proxy_ci\n%s  /tmp/ra-tls-proxy_local\n\tpath\tgithub.com/amiller-lab/ra-tls-proxy\n"
              "\tbuild\tCGO_ENABLED=1\n\tbuild\tvcs=git\n\tbuild\tvcs.revision=%s\n\tbuild\tvcs.time=2026-01-29T18:40:12Z\n\tbuild\tvcs.modified=true" % (hA, hB, g.hex(40)),
              "Extract and compare the binaries"))
    s.say("The binaries differ, and `go version -m` shows why:\n\n- `vcs.modified=true` on my laptop build: the "
          "working tree was dirty, and Go stamps VCS info into the binary (`-buildvcs`);\n- `CGO_ENABLED=1`: the "
          "binary links against the builder's libc, and the base `golang:1.22` tag floats;\n- no `-trimpath`, so "
          "`/src` vs the CI checkout path is embedded.\n\nFix: pin the builder by digest, `CGO_ENABLED=0`, "
          "`-trimpath`, `-buildvcs=false`, `-ldflags=-buildid=`, and pin the distroless base too.")
    s.do(None, Write(PR.abs("Dockerfile"),
                     "FROM golang:1.22.10-bookworm@sha256:%s AS build\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\n"
                     "ENV CGO_ENABLED=0 GOFLAGS=-trimpath\nRUN go build -buildvcs=false -ldflags='-s -w -buildid=' -o /out/ra-tls-proxy .\n\n"
                     "FROM gcr.io/distroless/static-debian12@sha256:%s\nCOPY --from=build /out/ra-tls-proxy /ra-tls-proxy\n"
                     "ENTRYPOINT [\"/ra-tls-proxy\"]\n" % (g.hex(64), g.hex(64))))
    s.do(None, Bash("cd %s && for i in 1 2; do docker buildx build --no-cache -q --output type=oci,dest=/tmp/p$i.tar,rewrite-timestamp=true --build-arg SOURCE_DATE_EPOCH=$(git log -1 --format=%%ct) . ; "
                    "tar -xOf /tmp/p$i.tar index.json | jq -r '.manifests[0].digest'; done" % PR.cwd,
                    "sha256:%s\nsha256:%s" % (hC, hC), "Build the image twice", secs=(60, 120)))
    s.say("Two clean builds give the same image digest `sha256:%s...`. Once CI uses the same `buildx` flags "
          "(`rewrite-timestamp=true`, `SOURCE_DATE_EPOCH` from the commit), its digest will match too, and the digest "
          "pinned in the compose (and so the compose hash in AppAuth) traces back to a commit." % hC[:16])
    s.end()
    s.user("CI digest matches now. that fixed it")
    s.end()

    # ------------------------------------------------------------------------------------------
    # 31. 2026-01-30  dstack-kms: postmortem of January's attestation failures
    # ------------------------------------------------------------------------------------------
    s = A.session(PK, "2026-01-30 17:00", "main", "2.1.29", "Postmortem: attestation verification failures in January")
    s.user("write notes/2026-01-attestation-postmortem.md. I want every \"attestation verification failed\" we hit "
           "this month: symptom, how we found the cause, fix, and a checklist for next time. use git log across the "
           "repos to get dates right")
    s.do(None, Bash("cd ~/src && for r in attest-verifier phala-apps ra-tls-proxy dstack-kms dstack-gateway; do echo \"== $r\"; "
                    "git -C $r log --since 2025-12-25 --format='%ad %s' --date=short | grep -iE 'quote|rtmr|compose|report_data|tcb|attest|mr_config|device|os image' ; done",
                    "== attest-verifier\n2026-01-23 policy: list of compose hashes, --json\n2026-01-16 nonce: take report_data from verified report (v4/v5)\n"
                    "2026-01-13 policy: time-limited TCB grace for OutOfDate\n2026-01-07 policy: RTMR3 replay when mr_config_id is zero\n"
                    "2025-12-29 quote: decode GetQuote hex once; sanity checks\n== phala-apps\n2026-01-26 oracle: pin devices in AppAuth\n"
                    "2026-01-19 oracle: refuse empty quote; simulator for dev\n2025-12-31 prettierignore app-compose.json (compose hash)\n"
                    "== ra-tls-proxy\n2026-01-12 ratls: bind report_data to DER SPKI, regression test\n2026-01-02 ratls: RTMR3 event log replay\n"
                    "== dstack-kms\n2026-01-24 allowlist dstack-0.5.5 os image\n2026-01-04 add-compose-hash: derive RPC from chainId\n== dstack-gateway",
                    "Collect relevant commits"))
    s.do(None, Write(PK.abs("notes/2026-01-attestation-postmortem.md"),
                     "# January 2026: attestation verification failures\n\n"
                     "| date | symptom | root cause | fix |\n|---|---|---|---|\n"
                     "| 12-29 | `Could not decode Header::version` | GetQuote hex hex-encoded again | decode once; reject ASCII-hex quotes |\n"
                     "| 12-31 | `RTMR3 mismatch` in verify.py | prettier reformatted app-compose.json -> new compose_hash | restore bytes, .prettierignore |\n"
                     "| 01-04 | `compose_hash ... not whitelisted in AppAuth` / KMS `Compose hash not allowed` | addComposeHash sent to Base Sepolia | RPC from chainId |\n"
                     "| 01-07 | `mr_config_id does not match compose_hash` | self-hosted VMM leaves MRCONFIGID zero | RTMR3 replay fallback |\n"
                     "| 01-12 | `report_data does not match certificate public key` | hashed PEM instead of DER SPKI | hash DER SPKI |\n"
                     "| 01-13 | `tcb status OutOfDate not allowed` | Intel TCB recovery (eval number 19) | time-boxed grace |\n"
                     "| 01-16 | `report_data does not match nonce` | v5 quote: 6-byte body descriptor | use dcap-qvl's parsed report |\n"
                     "| 01-19 | `Could not decode Header::version` (again) | empty quote from non-TDX guest agent | simulator for dev; refuse empty quote |\n\n"
                     "Related boot refusals: `OS image is not allowed` (01-24, new dstack OS not in KmsAuth), `Device not allowed` (01-26).\n\n"
                     "## Patterns\n\n- The same error text had different causes (`Header::version` twice). Always look at the bytes:\n"
                     "  length of the quote and its first 8 bytes (`04000200 81000000` = v4 TDX).\n"
                     "- Measurements fail for boring reasons: formatting (compose hash is over raw bytes), wrong chain,\n"
                     "  host-provided fields (MRCONFIGID) that aren't always set.\n- Check the RTMR3 value by replaying the event log as sent\n"
                     "  before suspecting the TDX quote; then compare the compose-hash event with `sha256sum app-compose.json`.\n\n"
                     "## Checklist before a deploy\n\n1. `sha256sum app-compose.json` == hash you whitelist.\n"
                     "2. `cast chain-id` of the RPC == chain of the AppAuth; `allowedComposeHashes` returns true.\n"
                     "3. New OS image? allowlisted in DstackKms, verifier policies updated (dstack-mr measure).\n"
                     "4. Verifier: report_data from the parsed report; MRCONFIGID only as a shortcut; TCB policy explicit.\n"))
    s.say("Written. It lists all eight failures with symptom, cause and fix, the two related KMS refusals, the "
          "patterns (same error text, different causes; raw-bytes compose hash; host-set fields), and a pre-deploy "
          "checklist.")
    s.end()

    # ------------------------------------------------------------------------------------------
    # 35-36. the whitelisting problem again (the same root cause as session 8, in two other
    # projects): an upgrade changes the compose hash, the new hash never reached AppAuth
    # ------------------------------------------------------------------------------------------
    for proj, app, day, auth in ((PA, "price-oracle", "2026-01-31 10:40", oracle_auth),
                                 (PR, "ra-tls-proxy", "2026-02-01 17:05", ratls_auth)):
        new_hash = g.hex(64)
        s = A.session(proj, day, "main", "2.1.29", "%s upgrade stuck: compose hash not whitelisted again" % app)
        s.user("upgraded %s (new image digest), `phala cvms upgrade` went through but the CVM never gets ready. "
               "preflight says\n`Error: attestation verification failed: compose_hash %s not whitelisted in AppAuth`"
               % (app, new_hash[:16]))
        s.do("Let me reproduce the preflight first.",
             Bash("cd ../attest-verifier && ./target/release/attest-verifier preflight --deployments ../dstack-kms/deployments/base.json --app %s --compose-hash %s" % (app, new_hash),
                  "", "Run the AppAuth preflight check", code=1,
                  err="preflight: AppAuth %s on chain 8453\nError: attestation verification failed: compose_hash %s not whitelisted in AppAuth" % (auth, new_hash[:16])))
        s.do("The new image changed the compose hash, and the new hash is not in the AppAuth allowlist yet. "
             "Let me confirm on chain.",
             Bash("cast call %s 'allowedComposeHashes(bytes32)(bool)' 0x%s --rpc-url https://mainnet.base.org" % (auth, new_hash),
                  "false", "Query AppAuth on Base mainnet"))
        s.say("Same cause as on 01-04: the upgrade changed the compose hash and nobody added the new one to "
              "AppAuth, so the KMS refuses the boot.")
        s.do("Whitelisting the new compose hash with the fixed script:",
             Bash("cd ../dstack-kms && ./scripts/add-compose-hash.sh %s %s" % (app, new_hash),
                  "AppAuth for %s: %s\n\nstatus               1 (success)\ntransactionHash      %s\ntrue" % (app, auth, txh()),
                  "Whitelist the compose hash on Base mainnet", secs=(8, 20)))
        s.do("Fix: Whitelist the new compose hash in AppAuth before running the upgrade.",
             Bash("phala cvms restart %s && sleep 50 && phala cvms serial-logs %s | tail -3" % (app, app),
                  "dstack-util: requesting app keys from KMS...\ndstack-util: got app keys\ndstack-util: system-ready",
                  "Restart and check the serial log", secs=(55, 65)))
        s.do(None, Bash("cd ../attest-verifier && ./target/release/attest-verifier preflight --deployments ../dstack-kms/deployments/base.json --app %s --compose-hash %s" % (app, new_hash),
                        "preflight: AppAuth %s on chain 8453\nOK  compose_hash %s allowed" % (auth, new_hash[:16]),
                        "Re-run the preflight"))
        s.say("The CVM is up and the preflight passes. Add the hash before every upgrade: "
              "`scripts/add-compose-hash.sh` first, then `phala cvms upgrade`.")
        s.end()
        s.user("works now, thanks")
        s.say("Good. The checklist in notes/2026-01-attestation-postmortem.md already has this step.")
        s.end()
    return A


# ==============================================================================================
# dataset (b): gcp-tee, owner "cloudmolty" -- GCP Confidential VM developer
# ==============================================================================================

GI_MAIN_TF = """terraform {
  required_providers {
    google = { source = "hashicorp/google", version = "~> 6.12" }
  }
}

provider "google" {
  project = var.project
  region  = var.region
}

resource "google_compute_instance" "cvm" {
  name             = "tdx-attest-${var.suffix}"
  machine_type     = "c3-standard-4"
  zone             = var.zone
  min_cpu_platform = "Intel Sapphire Rapids"

  confidential_instance_config {
    confidential_instance_type = "TDX"
  }

  scheduling {
    on_host_maintenance = "MIGRATE"
    automatic_restart   = true
  }

  shielded_instance_config {
    enable_secure_boot          = true
    enable_vtpm                 = true
    enable_integrity_monitoring = true
  }

  boot_disk {
    initialize_params {
      image = "projects/ubuntu-os-cloud/global/images/family/ubuntu-2404-lts-amd64"
      size  = 30
    }
  }

  network_interface {
    network = "default"
    access_config {}
  }

  service_account {
    email  = google_service_account.attester.email
    scopes = ["cloud-platform"]
  }

  metadata_startup_script = file("${path.module}/startup.sh")
}

resource "google_service_account" "attester" {
  account_id   = "tdx-attester"
  display_name = "Runs the dual attestation agent"
}
"""

GI_VARS_TF = """variable "project" { type = string }
variable "region" {
  type    = string
  default = "us-central1"
}
variable "zone" {
  type    = string
  default = "us-central1-a"
}
variable "suffix" {
  type    = string
  default = "dev"
}
"""

GI_CREATE = """#!/usr/bin/env bash
# Quick one-off TDX Confidential VM for experiments (terraform is for the real ones).
set -euo pipefail
NAME=${1:-tdx-scratch}
ZONE=${ZONE:-us-west1-b}
gcloud compute instances create "$NAME" \\
  --zone="$ZONE" \\
  --machine-type=c3-standard-4 \\
  --confidential-compute-type=TDX \\
  --maintenance-policy=TERMINATE \\
  --image-family=ubuntu-2404-lts-amd64 --image-project=ubuntu-os-cloud \\
  --shielded-secure-boot --shielded-vtpm --shielded-integrity-monitoring \\
  --boot-disk-size=30GB
"""

DA_TDX_GO = """package tdx

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

const tsmRoot = "/sys/kernel/config/tsm/report"

// Quote asks the kernel (configfs-tsm) for a TDX quote over reportData.
func Quote(reportData []byte) ([]byte, error) {
	dir, err := os.MkdirTemp(tsmRoot, "dual-attest-")
	if err != nil {
		return nil, fmt.Errorf("configfs-tsm: %w", err)
	}
	defer os.Remove(dir)

	provider, err := os.ReadFile(filepath.Join(dir, "provider"))
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(string(provider)) != "tdx_guest" {
		return nil, fmt.Errorf("tsm provider is %q, not tdx_guest", provider)
	}
	gen0, err := readGen(dir)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "inblob"), reportData, 0o600); err != nil {
		return nil, fmt.Errorf("write inblob: %w", err)
	}
	quote, err := os.ReadFile(filepath.Join(dir, "outblob"))
	if err != nil {
		return nil, fmt.Errorf("read outblob: %w", err)
	}
	gen1, err := readGen(dir)
	if err != nil {
		return nil, err
	}
	if gen1 != gen0+1 {
		return nil, fmt.Errorf("configfs-tsm generation %d -> %d: concurrent writer, retry", gen0, gen1)
	}
	return bytes.Clone(quote), nil
}

func readGen(dir string) (int, error) {
	b, err := os.ReadFile(filepath.Join(dir, "generation"))
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}
"""

DA_MAIN_GO = """package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"log"
	"os"

	"github.com/cloudmolty/dual-attest/tdx"
)

func main() {
	nonceHex := flag.String("nonce", "", "32-byte hex nonce from the verifier (random if empty)")
	flag.Parse()

	nonce := make([]byte, 32)
	if *nonceHex != "" {
		n, err := hex.DecodeString(*nonceHex)
		if err != nil || len(n) != 32 {
			log.Fatal("nonce must be 32 bytes of hex")
		}
		nonce = n
	} else if _, err := rand.Read(nonce); err != nil {
		log.Fatal(err)
	}
	q, err := tdx.Quote(nonce)
	if err != nil {
		log.Fatalf("tdx quote: %v", err)
	}
	json.NewEncoder(os.Stdout).Encode(map[string]string{
		"tdx_quote": hex.EncodeToString(q),
		"nonce":     hex.EncodeToString(nonce),
	})
}
"""

SB_TYPES_RS = """//! SCALE types shared with the on-chain pallet (pallet-tee-attestation).
use parity_scale_codec::{Decode, Encode};
use scale_info::TypeInfo;

#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum TeeKind {
    GcpTdx,
    GcpSevSnp,
}

#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct TpmQuote {
    /// TPMS_ATTEST bytes
    pub quoted: Vec<u8>,
    /// TPMT_SIGNATURE bytes
    pub signature: Vec<u8>,
    /// selected PCRs (index, sha256 value)
    pub pcrs: Vec<(u8, [u8; 32])>,
}

#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct DualAttestation {
    pub kind: TeeKind,
    pub nonce: [u8; 32],
    pub tdx_quote: Vec<u8>,
    pub tpm_quote: TpmQuote,
    /// vTPM attestation key, DER SubjectPublicKeyInfo; sha512 of it is in the TDX report_data
    pub ak_pub: Vec<u8>,
}
"""


def build_gcp_tee(root):
    C = Dataset("gcp-tee", "cloudmolty", SEED + 2, "claude-sonnet-4-5-20250929")
    g = C.g
    W = "/home/cloudmolty/work"
    PI = Project(W + "/gcp-cvm-infra", {"main.tf": GI_MAIN_TF, "variables.tf": GI_VARS_TF,
                                        "scripts/create-cvm.sh": GI_CREATE,
                                        "startup.sh": "#!/bin/bash\napt-get update -q && apt-get install -y -q tpm2-tools jq\n"})
    PD = Project(W + "/dual-attest", {"go.mod": "module github.com/cloudmolty/dual-attest\n\ngo 1.23\n\nrequire (\n"
                                                "\tgithub.com/google/go-tpm v0.9.1\n\tgithub.com/google/go-tpm-tools v0.4.4\n"
                                                "\tgithub.com/google/go-tdx-guest v0.3.1\n)\n",
                                      "main.go": DA_MAIN_GO, "tdx/quote.go": DA_TDX_GO})
    PS = Project(W + "/scale-attest-bridge", {"Cargo.toml": "[package]\nname = \"scale-attest-bridge\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n"
                                                            "[dependencies]\nparity-scale-codec = { version = \"3.6\", features = [\"derive\"] }\n"
                                                            "scale-info = { version = \"2.11\", features = [\"derive\"] }\nsubxt = \"0.38\"\n"
                                                            "tokio = { version = \"1\", features = [\"full\"] }\nhex = \"0.4\"\nanyhow = \"1\"\n",
                                              "src/types.rs": SB_TYPES_RS})
    PW = Project(W + "/wi-federation", {"README.md": "# wi-federation\n\nWorkload identity federation for workloads running in Confidential Space / TDX CVMs.\n"})
    proj_id = "molty-cc-lab"
    proj_num = str(g.randint(100000000000, 999999999999))
    ext_ip = "34.%d.%d.%d" % (g.randint(1, 250), g.randint(1, 250), g.randint(1, 250))

    # --- G1 2025-11-24 infra: first TDX CVM, unsupported zone -------------------------------------
    s = C.session(PI, "2025-11-24 10:15", "main", "2.0.50", "First TDX Confidential VM: zone without TDX support")
    s.user("first time trying Intel TDX on GCP. run scripts/create-cvm.sh and tell me what we got")
    s.do("Let me look at the script before running it.", Read(PI.abs("scripts/create-cvm.sh")))
    s.do("It creates a c3-standard-4 with `--confidential-compute-type=TDX`, secure boot and vTPM. Running it:",
         Bash("cd %s && gcloud config set project %s -q && ./scripts/create-cvm.sh" % (PI.cwd, proj_id),
              "Updated property [core/project].", "Create a TDX Confidential VM", code=1,
              err="ERROR: (gcloud.compute.instances.create) Could not fetch resource:\n - Invalid value for field 'resource.confidentialInstanceConfig.confidentialInstanceType': 'TDX'. "
                  "Confidential instance type TDX is not supported in zone us-west1-b for machine type c3-standard-4."))
    s.do("TDX Confidential VMs are only offered in some zones. Let me list which zones have C3 with TDX rather than guess.",
         Bash("gcloud compute machine-types list --filter='name=c3-standard-4' --format='value(zone)' | sort | head -20",
              "asia-southeast1-a\neurope-west4-a\neurope-west4-b\nus-central1-a\nus-central1-b\nus-central1-c\nus-east1-c\nus-east4-a\nus-west1-a\nus-west1-b",
              "List zones with c3-standard-4"),
         think="machine-types list shows C3 availability, not TDX. The supported configurations doc lists TDX zones; "
               "us-central1-a/b/c, europe-west4-a, asia-southeast1-b etc. I'll just try us-central1-a which is in the docs list.")
    s.say("C3 exists in us-west1-b but TDX is only enabled in a subset of C3 zones (us-central1-a/b/c, europe-west4, "
          "asia-southeast1 at the time of writing). `us-central1-a` is also what terraform defaults to, so let's use "
          "that.")
    s.do(None, Bash("cd %s && ZONE=us-central1-a ./scripts/create-cvm.sh" % PI.cwd,
                    "Created [https://www.googleapis.com/compute/v1/projects/%s/zones/us-central1-a/instances/tdx-scratch].\n"
                    "NAME         ZONE           MACHINE_TYPE   PREEMPTIBLE  INTERNAL_IP  EXTERNAL_IP    STATUS\n"
                    "tdx-scratch  us-central1-a  c3-standard-4               10.128.0.7   %s  RUNNING" % (proj_id, ext_ip),
                    "Create the VM in us-central1-a", secs=(25, 45)))
    s.do(None, Edit(PI.abs("scripts/create-cvm.sh"), "ZONE=${ZONE:-us-west1-b}\n",
                    "# TDX is only available in some C3 zones; us-west1-b is not one of them\nZONE=${ZONE:-us-central1-a}\n"))
    s.say("`tdx-scratch` is running in us-central1-a as a TDX Confidential VM with secure boot and a vTPM. I changed "
          "the script's default zone so the next run doesn't hit the same error.")
    s.end()

    # --- G2 2025-11-25 infra: what's inside the guest ---------------------------------------------
    s = C.session(PI, "2025-11-25 14:30", "main", "2.0.50", "Inspect TDX guest: tdx_guest driver, configfs-tsm, vTPM")
    s.user("ssh into tdx-scratch and check what attestation interfaces the guest has: TDX quote via configfs-tsm? "
           "the vTPM? what kernel?")
    s.do(None, Bash("gcloud compute ssh tdx-scratch --zone us-central1-a --command 'uname -r; sudo dmesg | grep -iE \"tdx|tpm\" | head; ls /sys/kernel/config/tsm/report; ls -l /dev/tpm*'",
                    "6.8.0-1019-gcp\n[    0.000000] tdx: Guest detected\n[    0.412311] Memory Encryption Features active: Intel TDX\n"
                    "[    1.104522] tpm_tis MSFT0101:00: 2.0 TPM (device-id 0x0, rev-id 0)\n"
                    "ls: cannot access '/sys/kernel/config/tsm/report': No such file or directory\ncrw-rw---- 1 tss  root  10,   224 Nov 25 14:31 /dev/tpm0\n"
                    "crw-rw---- 1 tss  tss  253, 65536 Nov 25 14:31 /dev/tpmrm0",
                    "Probe TDX and vTPM interfaces in the guest", secs=(6, 12)))
    s.say("The guest detects TDX (`Memory Encryption Features active: Intel TDX`) and has the vTPM at "
          "`/dev/tpmrm0`. `/sys/kernel/config/tsm/report` is missing, which on 6.8 usually just means configfs "
          "isn't mounted, or the `tsm` module isn't loaded.")
    s.do(None, Bash("gcloud compute ssh tdx-scratch --zone us-central1-a --command 'mount | grep configfs || sudo mount -t configfs none /sys/kernel/config; sudo modprobe tdx_guest; ls /sys/kernel/config/tsm/report && cat /sys/kernel/config/tsm/report/*/provider 2>/dev/null; sudo mkdir /sys/kernel/config/tsm/report/probe && cat /sys/kernel/config/tsm/report/probe/provider && sudo rmdir /sys/kernel/config/tsm/report/probe'",
                    "\ntdx_guest", "Mount configfs and probe the TSM provider", secs=(5, 10)))
    s.say("After mounting configfs the `tsm/report` interface is there and the provider is `tdx_guest`, so we can "
          "get a TDX quote from userspace: write 64 bytes of report_data to `inblob`, read the quote from `outblob`. "
          "The kernel turns the TDREPORT into a quote through the host's quoting service.\n\nSo the guest has two "
          "independent roots for attestation:\n- **TDX quote** (Intel-signed, covers MRTD/RTMRs of the trust domain);\n"
          "- **vTPM quote** (signed by a Google-certified attestation key, covers PCRs of the measured boot).\n\n"
          "Unlike an SGX enclave, the whole VM is the TEE here, so both describe the full boot chain.")
    s.end()

    # --- G3 2025-11-27 dual-attest: configfs-tsm inblob EINVAL -----------------------------------
    s = C.session(PD, "2025-11-27 09:50", "main", "2.0.55", "configfs-tsm inblob must be exactly 64 bytes")
    s.user("ran the agent on the VM: `tdx quote: write inblob: write /sys/kernel/config/tsm/report/dual-attest-1723/inblob: invalid argument`")
    s.do(None, Read(PD.abs("tdx/quote.go")), Read(PD.abs("main.go")))
    s.say("`main.go` passes the 32-byte nonce straight into `tdx.Quote`, and the TDX provider of configfs-tsm "
          "accepts exactly 64 bytes in `inblob`; anything else gets `EINVAL`. The TDX REPORTDATA field is 64 bytes. "
          "Rather than zero-padding a raw nonce, I'd make the function take exactly `[64]byte` so the type system "
          "enforces it, and put a hash there (we'll need the space for the vTPM key binding anyway).")
    s.do(None, Edit(PD.abs("tdx/quote.go"), "// Quote asks the kernel (configfs-tsm) for a TDX quote over reportData.\nfunc Quote(reportData []byte) ([]byte, error) {\n",
                    "// Quote asks the kernel (configfs-tsm) for a TDX quote over reportData. The TDX provider only\n"
                    "// accepts exactly 64 bytes in inblob (EINVAL otherwise), hence the array type.\n"
                    "func Quote(reportData [64]byte) ([]byte, error) {\n"),
         Edit(PD.abs("tdx/quote.go"), "os.WriteFile(filepath.Join(dir, \"inblob\"), reportData, 0o600)",
              "os.WriteFile(filepath.Join(dir, \"inblob\"), reportData[:], 0o600)"),
         Edit(PD.abs("main.go"), "\tq, err := tdx.Quote(nonce)\n",
              "\t// report_data = sha512(\"dual-attest/v1:\" || nonce) fills all 64 bytes\n"
              "\trd := sha512.Sum512(append([]byte(\"dual-attest/v1:\"), nonce...))\n\tq, err := tdx.Quote(rd)\n"),
         Edit(PD.abs("main.go"), "import (\n\t\"crypto/rand\"\n", "import (\n\t\"crypto/rand\"\n\t\"crypto/sha512\"\n"))
    s.do(None, Bash("cd %s && GOOS=linux go build -o bin/dual-attest . && gcloud compute scp bin/dual-attest tdx-scratch:~ --zone us-central1-a && "
                    "gcloud compute ssh tdx-scratch --zone us-central1-a --command 'sudo ./dual-attest | jq \"{len: (.tdx_quote|length/2), head: .tdx_quote[0:16]}\"'" % PD.cwd,
                    "{\n  \"len\": 5006,\n  \"head\": \"0400020081000000\"\n}", "Build, copy and run on the VM", secs=(15, 30)))
    s.say("We get a 5006-byte quote starting `04 00 02 00 81 00 00 00`: version 4, ECDSA-P256 attestation key, TEE "
          "type 0x81 (TDX). The domain-separated `sha512(\"dual-attest/v1:\" || nonce)` fills the 64-byte report_data. "
          "The quote also carries the TD's measurements (MRTD, RTMR0-3), which we'll check against Google's firmware "
          "endorsement later.")
    s.end()
    s.user("nice, that fixed it")
    s.end()

    # --- G4 2025-12-01 dual-attest: vTPM quote with go-tpm-tools ----------------------------------
    ak_cert_idx = "0x01c10002"
    s = C.session(PD, "2025-12-01 13:20", "main", "2.0.55", "vTPM quote with go-tpm-tools and the GCE AK certificate")
    s.user("now the TPM half. I want a vTPM quote over PCRs 0-9 with the same nonce, signed by the Google-provisioned "
           "attestation key, plus the AK certificate so a verifier can chain it to Google's CA")
    s.do(None, think="On GCE Shielded/Confidential VMs the vTPM has an attestation key (AK) with a certificate in NV: "
                     "RSA AK cert at 0x01c10000, template 0x01c10001; ECC AK cert at 0x01c10002, template 0x01c10003. "
                     "go-tpm-tools client.GceAttestationKeyECC(rwc) loads it. key.Attest(client.AttestOpts{Nonce}) returns "
                     "an attest proto with quotes for sha1/sha256 banks, the event log and the AK cert.")
    s.say("On GCE the vTPM comes with a Google-provisioned attestation key; its certificate and template live in TPM "
          "NV indices (ECC AK certificate at `0x01c10002`, template at `0x01c10003`; the RSA pair is at "
          "`0x01c10000`/`0x01c10001`). go-tpm-tools loads it with `client.GceAttestationKeyECC`, and `Attest` "
          "returns quotes for each PCR bank, the measured boot event log and the AK cert in one proto.")
    s.do(None, Write(PD.abs("tpm/attest.go"),
                     "package tpm\n\nimport (\n\t\"fmt\"\n\n\t\"github.com/google/go-tpm-tools/client\"\n\tpb \"github.com/google/go-tpm-tools/proto/attest\"\n"
                     "\t\"github.com/google/go-tpm/legacy/tpm2\"\n)\n\n"
                     "// Attest returns a vTPM attestation (quotes over all PCR banks, event log, AK cert) bound to nonce,\n"
                     "// and the DER public key of the GCE attestation key.\n"
                     "func Attest(nonce []byte) (*pb.Attestation, []byte, error) {\n\trwc, err := tpm2.OpenTPM(\"/dev/tpmrm0\")\n"
                     "\tif err != nil {\n\t\treturn nil, nil, fmt.Errorf(\"open vTPM: %w\", err)\n\t}\n\tdefer rwc.Close()\n\n"
                     "\tak, err := client.GceAttestationKeyECC(rwc)\n\tif err != nil {\n\t\treturn nil, nil, fmt.Errorf(\"load GCE AK: %w\", err)\n\t}\n"
                     "\tdefer ak.Close()\n\tif ak.Cert() == nil {\n\t\treturn nil, nil, fmt.Errorf(\"no AK certificate in NV index 0x01c10002\")\n\t}\n"
                     "\tatt, err := ak.Attest(client.AttestOpts{Nonce: nonce})\n\tif err != nil {\n\t\treturn nil, nil, err\n\t}\n"
                     "\tpub, err := ak.PublicArea().Encode()\n\treturn att, pub, err\n}\n"))
    s.do(None, Bash("cd %s && go mod tidy >/dev/null && GOOS=linux go build -o bin/dual-attest . && gcloud compute scp bin/dual-attest tdx-scratch:~ --zone us-central1-a && "
                    "gcloud compute ssh tdx-scratch --zone us-central1-a --command 'sudo tpm2_nvreadpublic %s | grep -E \"name|size\"; sudo tpm2_pcrread sha256:0,1,2,3,4,7,9'" % (PD.cwd, ak_cert_idx),
                    "  name: 000b%s\n  size: 1138\nsha256:\n  0 : 0x%s\n  1 : 0x%s\n  2 : 0x%s\n  3 : 0x%s\n  4 : 0x%s\n  7 : 0x%s\n  9 : 0x%s"
                    % (g.hex(64), g.hex(64).upper(), g.hex(64).upper(), g.hex(64).upper(), g.hex(64).upper(), g.hex(64).upper(), g.hex(64).upper(), g.hex(64).upper()),
                    "Check the AK cert NV index and read PCRs", secs=(15, 30)))
    s.say("The ECC AK certificate is present (1138 bytes at `0x01c10002`) and the sha256 PCR bank is populated: "
          "PCR0 firmware (Google's OVMF), PCR4 boot manager/kernel, PCR7 secure boot policy, PCR9 kernel command line "
          "and initrd (GRUB measures them there). `tpm/attest.go` returns the full go-tpm-tools attestation. Next "
          "step is binding the two: the TDX quote should commit to this AK, otherwise someone could pair a TPM quote "
          "from one VM with a TDX quote from another.")
    s.end()

    # --- G5 2025-12-03 dual-attest: binding TDX report_data to the vTPM AK -------------------------
    s = C.session(PD, "2025-12-03 10:05", "dual-binding", "2.0.60", "Dual attestation: bind vTPM AK into TDX report_data")
    s.user("design the binding for dual attestation (TDX + TPM). I was thinking report_data = sha512(AK pub), and "
           "the nonce goes into the TPM quote's extraData. anything wrong with that?")
    s.do(None, think="Goal: a verifier should accept only if TDX quote and TPM quote come from the same VM and are fresh. "
                     "TDX report_data = H(domain || nonce || AK pub) gives freshness in the TDX quote too. TPM quote "
                     "extraData = nonce gives freshness on the TPM side; AK in report_data ties the AK to the TD. "
                     "If report_data only has AK pub, the TDX quote could be replayed from earlier boots (same AK "
                     "across reboots? GCE AK is stable per instance), so include the nonce.")
    s.say("Close, but I'd put the nonce in *both*:\n\n- `report_data = sha512(\"dual-attest/v1:\" || nonce || AK_pub_DER)`\n"
          "- TPM quote `extraData = nonce` (go-tpm-tools does that with `AttestOpts.Nonce`).\n\nWith only "
          "`sha512(AK pub)` in the TDX quote, that quote never changes for the life of the instance (the GCE AK is "
          "stable), so a TDX quote captured once could be replayed next to a fresh TPM quote from a *different* "
          "VM that had the same AK... unlikely, but it also means the TDX side proves nothing about freshness. With "
          "the nonce in both, the verifier checks: (1) TDX quote valid and report_data matches nonce + AK, (2) AK "
          "cert chains to Google's EK/AK CA, (3) TPM quote signed by that AK over the nonce, (4) PCRs and RTMRs "
          "match expected measurements.")
    s.user("ok go with that")
    s.do(None, Read(PD.abs("main.go")))
    s.do(None, Edit(PD.abs("main.go"),
                    "\t// report_data = sha512(\"dual-attest/v1:\" || nonce) fills all 64 bytes\n"
                    "\trd := sha512.Sum512(append([]byte(\"dual-attest/v1:\"), nonce...))\n\tq, err := tdx.Quote(rd)\n",
                    "\ttpmAtt, akPub, err := tpm.Attest(nonce)\n\tif err != nil {\n\t\tlog.Fatalf(\"vtpm attest: %v\", err)\n\t}\n"
                    "\t// dual attestation binding: the TDX quote commits to the nonce and to the vTPM AK\n"
                    "\th := sha512.New()\n\th.Write([]byte(\"dual-attest/v1:\"))\n\th.Write(nonce)\n\th.Write(akPub)\n"
                    "\tvar rd [64]byte\n\tcopy(rd[:], h.Sum(nil))\n\tq, err := tdx.Quote(rd)\n"),
         Edit(PD.abs("main.go"), "\t\t\"tdx_quote\": hex.EncodeToString(q),\n",
              "\t\t\"tdx_quote\": hex.EncodeToString(q),\n\t\t\"ak_pub\":    hex.EncodeToString(akPub),\n"
              "\t\t\"tpm_attestation\": mustMarshal(tpmAtt),\n"),
         Edit(PD.abs("main.go"), "\t\"github.com/cloudmolty/dual-attest/tdx\"\n",
              "\t\"github.com/cloudmolty/dual-attest/tdx\"\n\t\"github.com/cloudmolty/dual-attest/tpm\"\n"))
    s.do(None, Bash("cd %s && go build ./... " % PD.cwd, "", "Build", code=1,
                    err="# github.com/cloudmolty/dual-attest\n./main.go:52:25: undefined: mustMarshal"))
    s.do(None, Edit(PD.abs("main.go"), "func main() {\n",
                    "func mustMarshal(m proto.Message) string {\n\tb, err := proto.Marshal(m)\n\tif err != nil {\n\t\tlog.Fatal(err)\n\t}\n"
                    "\treturn base64.StdEncoding.EncodeToString(b)\n}\n\nfunc main() {\n"),
         Edit(PD.abs("main.go"), "import (\n\t\"crypto/rand\"\n", "import (\n\t\"crypto/rand\"\n\t\"encoding/base64\"\n"),
         Edit(PD.abs("main.go"), "\t\"os\"\n\n", "\t\"os\"\n\n\t\"google.golang.org/protobuf/proto\"\n"))
    s.do(None, Bash("cd %s && go build ./... && go vet ./..." % PD.cwd, "", "Build and vet"))
    s.say("Builds. The agent now emits `tdx_quote`, `ak_pub` and the base64 go-tpm-tools `tpm_attestation`, with "
          "the TDX report_data committing to nonce and AK. The verifier side comes next.")
    s.end()

    # --- G6 2025-12-05 infra: on_host_maintenance MIGRATE not allowed -------------------------------
    s = C.session(PI, "2025-12-05 16:40", "main", "2.0.60", "Terraform: TDX CVMs require onHostMaintenance=TERMINATE")
    s.user("terraform apply for the real CVM fails, paste:\n```\nError: Error creating instance: googleapi: Error 400: "
           "Invalid value for field 'resource.scheduling.onHostMaintenance': 'MIGRATE'. Confidential VMs with "
           "confidential_instance_type TDX do not support live migration., invalid\n```")
    s.do(None, Read(PI.abs("main.tf"), offset=18, limit=8))
    s.say("TDX Confidential VMs can't be live-migrated (the TD's memory is encrypted with keys bound to the host CPU), "
          "so GCE requires `on_host_maintenance = \"TERMINATE\"`. During host maintenance the VM is stopped and, with "
          "`automatic_restart = true`, started again on another host. That has consequences for attestation: the "
          "restarted VM gets a new TD, new quotes, and possibly a different TDX module/TCB, so verifiers must not "
          "cache results across a maintenance event.")
    s.do(None, Edit(PI.abs("main.tf"), '    on_host_maintenance = "MIGRATE"\n',
                    '    # TDX: no live migration. Host maintenance stops the VM (new TD on restart: re-attest)\n    on_host_maintenance = "TERMINATE"\n'))
    s.do(None, Bash("cd %s && terraform apply -auto-approve -var project=%s 2>&1 | tail -4" % (PI.cwd, proj_id),
                    "google_compute_instance.cvm: Creating...\ngoogle_compute_instance.cvm: Still creating... [10s elapsed]\n"
                    "google_compute_instance.cvm: Creation complete after 19s [id=%s]\n\nApply complete! Resources: 1 added, 0 changed, 0 destroyed." % g.randint(10**18, 10**19),
                    "terraform apply", secs=(25, 40)))
    s.say("Applied; `tdx-attest-dev` is up. To get notified before maintenance stops it, the guest can watch "
          "`maintenance-event` on the metadata server (`/computeMetadata/v1/instance/maintenance-event?wait_for_change=true`).")
    s.end()
    s.user("add that watcher to startup.sh, log to journal")
    s.do(None, Read(PI.abs("startup.sh")))
    s.do(None, Edit(PI.abs("startup.sh"), "apt-get update -q && apt-get install -y -q tpm2-tools jq\n",
                    "apt-get update -q && apt-get install -y -q tpm2-tools jq\n\n"
                    "# log GCE maintenance events (TDX VMs are terminated, not live-migrated)\ncat >/usr/local/bin/maint-watch <<'EOF'\n"
                    "#!/bin/bash\nMD=http://metadata.google.internal/computeMetadata/v1/instance/maintenance-event\nwhile true; do\n"
                    "  ev=$(curl -s -H 'Metadata-Flavor: Google' \"$MD?wait_for_change=true\")\n  logger -t maint-watch \"maintenance-event: $ev\"\ndone\nEOF\n"
                    "chmod +x /usr/local/bin/maint-watch\nsystemd-run --unit maint-watch /usr/local/bin/maint-watch\n"))
    s.say("Added: `maint-watch` long-polls the metadata server and logs each `maintenance-event` change "
          "(`NONE` -> `TERMINATE_ON_HOST_MAINTENANCE`) via `logger`, visible with `journalctl -t maint-watch`.")
    s.end()

    # --- G7 2025-12-09 wi-federation: pool and provider -----------------------------------------
    s = C.session(PW, "2025-12-09 11:00", "main", "2.0.64", "Workload identity pool for Confidential Space attestation tokens")
    s.user("set up workload identity federation so a workload in Confidential Space can read a secret from Secret "
           "Manager in another project (data owner side), but only if it runs our image on TDX with debug off")
    s.do(None, think="Confidential Space flow: the launcher gets an OIDC attestation token from the Google attestation "
                     "verifier (confidentialcomputing.googleapis.com); WIF pool trusts issuer "
                     "https://confidentialcomputing.googleapis.com/; provider attribute condition checks claims: "
                     "assertion.swname == 'CONFIDENTIAL_SPACE', 'STABLE' in assertion.submods.confidential_space.support_attributes, "
                     "assertion.hwmodel == 'GCP_INTEL_TDX', assertion.submods.container.image_digest == ..., dbgstat == 'disabled-since-boot'.")
    s.say("The data owner creates a workload identity pool whose OIDC provider trusts the Confidential Space attestation "
          "verifier, with an attribute condition over the token claims. The token carries `hwmodel` "
          "(`GCP_INTEL_TDX`), `swname` (`CONFIDENTIAL_SPACE`), `dbgstat`, and the container image digest; access is "
          "then granted to the pool principal set, not to a service account key.")
    img = "us-docker.pkg.dev/%s/cc/attest-worker@sha256:%s" % (proj_id, g.hex(64))
    s.do(None, Write(PW.abs("setup-pool.sh"),
                     "#!/usr/bin/env bash\n# Data-owner side: trust attestation tokens for one image on TDX, debug disabled.\nset -euo pipefail\n"
                     "OWNER_PROJECT=${OWNER_PROJECT:-molty-data-owner}\nIMAGE_DIGEST=${IMAGE_DIGEST:?sha256:...}\n\n"
                     "gcloud iam workload-identity-pools create cc-pool --project \"$OWNER_PROJECT\" --location global \\\n"
                     "  --display-name 'Confidential Space workloads'\n\n"
                     "gcloud iam workload-identity-pools providers create-oidc attestation-verifier --project \"$OWNER_PROJECT\" \\\n"
                     "  --location global --workload-identity-pool cc-pool \\\n"
                     "  --issuer-uri https://confidentialcomputing.googleapis.com/ \\\n  --allowed-audiences https://sts.googleapis.com \\\n"
                     "  --attribute-mapping 'google.subject=\"gcpcs::\"+assertion.submods.container.image_digest+\"::\"+assertion.submods.gce.project_number+\"::\"+assertion.submods.gce.instance_id,attribute.image_digest=assertion.submods.container.image_digest' \\\n"
                     "  --attribute-condition \"assertion.swname == 'CONFIDENTIAL_SPACE' && 'STABLE' in assertion.submods.confidential_space.support_attributes && assertion.hwmodel == 'GCP_INTEL_TDX' && assertion.dbgstat == 'disabled-since-boot' && assertion.submods.container.image_digest == '$IMAGE_DIGEST'\"\n"))
    s.do(None, Bash("cd %s && chmod +x setup-pool.sh && IMAGE_DIGEST=%s ./setup-pool.sh" % (PW.cwd, img.split("@")[1]),
                    "Created workload identity pool [cc-pool].\nCreated workload identity pool provider [attestation-verifier].",
                    "Create the pool and provider", secs=(6, 14)))
    s.say("Pool `cc-pool` and provider `attestation-verifier` exist. The condition pins: Confidential Space stable "
          "image, TDX hardware, debug disabled since boot, and the exact container digest. Next, grant the pool's "
          "principals `secretmanager.secretAccessor` on the secret, and the workload exchanges its attestation token "
          "at STS for a federated token.")
    s.end()

    # --- G8 2025-12-11 wi-federation: PERMISSION_DENIED -----------------------------------------
    s = C.session(PW, "2025-12-11 15:25", "main", "2.0.64", "PERMISSION_DENIED on secret access: principalSet binding")
    s.user("workload logs:\n```\nrpc error: code = PermissionDenied desc = Permission 'secretmanager.versions.access' "
           "denied for resource 'projects/molty-data-owner/secrets/model-key/versions/latest' (or it may not exist).\n```\n"
           "the STS exchange itself worked (got a federated token)")
    s.do("STS succeeding means the attestation token passed the provider's attribute condition. The denial is on the "
         "IAM side of the secret. Let me see the bindings.",
         Bash("gcloud secrets get-iam-policy model-key --project molty-data-owner --format=json | jq '.bindings'",
              "[\n  {\n    \"members\": [\n      \"principal://iam.googleapis.com/projects/%s/locations/global/workloadIdentityPools/cc-pool/subject/%s\"\n    ],\n"
              "    \"role\": \"roles/secretmanager.secretAccessor\"\n  }\n]" % (proj_num, img.split("@")[1]),
              "Show the secret's IAM bindings"))
    s.say("The binding grants access to `principal://.../subject/<image digest>`, but the attribute mapping sets "
          "`google.subject` to `gcpcs::<digest>::<project number>::<instance id>`, so the subject of the federated "
          "token never equals the bare digest. The robust way is to bind the **principal set** by the custom "
          "attribute `image_digest`, which the mapping does populate.")
    s.do(None, Bash("gcloud secrets remove-iam-policy-binding model-key --project molty-data-owner --role roles/secretmanager.secretAccessor "
                    "--member 'principal://iam.googleapis.com/projects/%s/locations/global/workloadIdentityPools/cc-pool/subject/%s' -q >/dev/null && "
                    "gcloud secrets add-iam-policy-binding model-key --project molty-data-owner --role roles/secretmanager.secretAccessor "
                    "--member 'principalSet://iam.googleapis.com/projects/%s/locations/global/workloadIdentityPools/cc-pool/attribute.image_digest/%s' --format='value(etag)'"
                    % (proj_num, img.split("@")[1], proj_num, img.split("@")[1]),
                    "BwY%s" % g.b62(8), "Rebind by attribute.image_digest principal set"))
    s.do(None, Bash("gcloud compute ssh cs-worker-1 --zone us-central1-a --command 'sudo journalctl -u container-runner -n 3 --no-pager' 2>/dev/null || "
                    "gcloud logging read 'resource.type=gce_instance AND logName:confidential-space' --limit 3 --format='value(textPayload)'",
                    "worker: attestation token ok (hwmodel=GCP_INTEL_TDX swname=CONFIDENTIAL_SPACE dbgstat=disabled-since-boot)\n"
                    "worker: federated token from sts.googleapis.com ok\nworker: loaded secret model-key (32 bytes)",
                    "Check the workload log", secs=(8, 15)))
    s.say("The workload now reads the secret. Note IAM propagation can take a minute or two; the worker's retry "
          "loop covered that. Principal sets by attribute are also what you want when several instances of the same "
          "image run at once.")
    s.end()
    s.user("that fixed it. document the subject vs principalSet thing in the README")
    s.do(None, Read(PW.abs("README.md")))
    s.do(None, Edit(PW.abs("README.md"), "Workload identity federation for workloads running in Confidential Space / TDX CVMs.\n",
                    "Workload identity federation for workloads running in Confidential Space / TDX CVMs.\n\n"
                    "## Granting access\n\nBind roles to the **principal set** of the image digest attribute:\n\n"
                    "    principalSet://iam.googleapis.com/projects/<NUM>/locations/global/workloadIdentityPools/cc-pool/attribute.image_digest/<sha256:...>\n\n"
                    "Not to `principal://.../subject/<digest>`: `google.subject` is `gcpcs::<digest>::<project>::<instance>`\n"
                    "(see the attribute mapping in setup-pool.sh), so a bare-digest subject never matches and access is denied\n"
                    "with `PermissionDenied ... secretmanager.versions.access` even though the STS exchange succeeded.\n"))
    s.end()

    # --- G9 2025-12-15 scale bridge: decode error (compact lengths) ---------------------------
    s = C.session(PS, "2025-12-15 10:30", "main", "2.0.64", "SCALE decode error: Go encoder wrote u32 lengths instead of compact")
    s.user("the Go agent now SCALE-encodes the DualAttestation so the bridge can submit it to the chain, but decoding "
           "on the Rust side fails:\n```\nError: Could not decode `DualAttestation::tdx_quote`, byte 38: Not enough data to fill buffer\n```")
    s.do(None, Read(PS.abs("src/types.rs")),
         Bash("cd ../dual-attest && grep -n 'binary.LittleEndian\\|func encode' scale/encode.go",
              "12:func encodeBytes(w *bytes.Buffer, b []byte) {\n13:\tbinary.Write(w, binary.LittleEndian, uint32(len(b)))\n"
              "31:func encodeDual(d *DualAttestation) []byte {", "Look at the Go encoder"))
    s.say("The Go encoder writes `Vec<u8>` lengths as a fixed `u32` little-endian, but SCALE encodes a `Vec` length as "
          "**compact** (`Compact<u32>`): `0b00` mode for < 64, `0b01` for < 2^14, `0b10` for < 2^30, each shifted left "
          "by 2 with the mode in the low bits. For a 5006-byte quote, compact is `0x3a 0x4e` (5006 << 2 | 0b01 = "
          "0x4e3a, LE), while the Go side writes `8e 13 00 00`. The decoder reads `0x8e` as 4-byte mode, gets a "
          "huge length, and runs out of data. Let me confirm from a sample:")
    s.do(None, Bash("cd %s && xxd -s 33 -l 8 /tmp/dual.scale" % PS.cwd,
                    "00000021: 008e 1300 0004 0002  ........", "Dump bytes around the tdx_quote length"))
    s.do("Byte 33 is the `kind` enum (0 = GcpTdx), then `8e 13 00 00` = 5006 as u32 after the 32-byte nonce: "
         "confirmed. The encoder lives in the dual-attest repo; I'll add a compact helper there and swap the length write.",
         Bash("cd ../dual-attest && cat > scale/compact.go <<'EOF'\npackage scale\n\nimport (\n\t\"bytes\"\n\t\"encoding/binary\"\n)\n\n"
              "// compact writes a SCALE Compact<u32>.\nfunc compact(w *bytes.Buffer, n uint32) {\n\tswitch {\n\tcase n < 1<<6:\n\t\tw.WriteByte(byte(n << 2))\n"
              "\tcase n < 1<<14:\n\t\tbinary.Write(w, binary.LittleEndian, uint16(n<<2|0b01))\n\tcase n < 1<<30:\n"
              "\t\tbinary.Write(w, binary.LittleEndian, n<<2|0b10)\n\tdefault:\n\t\tw.WriteByte(0b11) // 4 bytes follow\n"
              "\t\tbinary.Write(w, binary.LittleEndian, n)\n\t}\n}\nEOF\n"
              "sed -i 's/\\tbinary.Write(w, binary.LittleEndian, uint32(len(b)))/\\tcompact(w, uint32(len(b)))/' scale/encode.go && git diff --stat && go test ./scale/",
              " scale/encode.go | 2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)\nok  \tgithub.com/cloudmolty/dual-attest/scale\t0.004s",
              "Add compact encoding to the Go encoder"))
    s.do(None, Bash("cd %s && ../dual-attest/bin/encode-sample > /tmp/dual.scale && cargo run -q --bin decode -- /tmp/dual.scale" % PS.cwd,
                    "DualAttestation { kind: GcpTdx, nonce: 0x%s.., tdx_quote: 5006 bytes, tpm_quote: TpmQuote { quoted: 145 bytes, signature: 72 bytes, pcrs: 10 }, ak_pub: 91 bytes }" % g.hex(8),
                    "Re-encode and decode", secs=(10, 25)))
    s.say("Decodes now. I also added a round-trip test idea for later: encode in Go, decode in Rust, re-encode and "
          "compare bytes, so the two SCALE codecs can't drift apart again (e.g. when a field is added to "
          "`TpmQuote`, the Go side must add it in the same order since SCALE has no field names).")
    s.end()
    s.user("that fixed it")
    s.end()

    # --- G10 2025-12-17 scale bridge: subxt metadata mismatch ---------------------------------
    PS.put("src/submit.rs", "use anyhow::Result;\nuse parity_scale_codec::Encode;\nuse subxt::{OnlineClient, PolkadotConfig};\nuse subxt_signer::sr25519::dev;\n\n"
           "#[subxt::subxt(runtime_metadata_path = \"metadata/attest-chain.scale\")]\npub mod chain {}\n\n"
           "pub async fn submit(url: &str, att: &crate::types::DualAttestation) -> Result<String> {\n"
           "    let api = OnlineClient::<PolkadotConfig>::from_url(url).await?;\n"
           "    let tx = chain::tx().tee_attestation().submit_attestation(att.encode());\n"
           "    let ev = api.tx().sign_and_submit_then_watch_default(&tx, &dev::alice()).await?\n        .wait_for_finalized_success().await?;\n"
           "    Ok(format!(\"{:?}\", ev.extrinsic_hash()))\n}\n")
    s = C.session(PS, "2025-12-17 14:10", "main", "2.0.64", "subxt: runtime metadata out of date after pallet upgrade")
    s.user("submitting to the dev chain broke after I bumped the pallet (added a `tee_kind` arg to submit_attestation):\n"
           "```\nError: Metadata(IncompatibleCodegen)\n```")
    s.do(None, Read(PS.abs("src/submit.rs")))
    s.say("`subxt` generates the call types at compile time from `metadata/attest-chain.scale`. After the pallet "
          "change the node's runtime metadata differs, and subxt refuses to submit with stale codegen "
          "(`IncompatibleCodegen`): it compares a hash of the metadata the code was generated from with what the "
          "node reports. We need to re-download the metadata and rebuild, then pass the new argument.")
    s.do(None, Bash("cd %s && subxt metadata --url ws://127.0.0.1:9944 -f bytes > metadata/attest-chain.scale && cargo build -q 2>&1 | grep -E '^error' -A4 | head -8" % PS.cwd,
                    "error[E0061]: this function takes 2 arguments but 1 argument was supplied\n  --> src/submit.rs:11:50\n"
                    "   |\n11 |     let tx = chain::tx().tee_attestation().submit_attestation(att.encode());\n"
                    "   |                                                  ^^^^^^^^^^^^^^^^^^ an argument of type `TeeKind` is missing",
                    "Refresh metadata and rebuild", secs=(30, 60)))
    s.do(None, Edit(PS.abs("src/submit.rs"), "submit_attestation(att.encode());\n",
                    "submit_attestation(\n        chain::runtime_types::pallet_tee_attestation::TeeKind::GcpTdx,\n        att.encode(),\n    );\n"))
    s.do(None, Bash("cd %s && cargo run -q --bin submit -- --url ws://127.0.0.1:9944 /tmp/dual.scale" % PS.cwd,
                    "submitted: extrinsic 0x%s finalized in block #%d\nevent TeeAttestation::AttestationStored { who: 5GrwvaEF..., kind: GcpTdx, nonce: 0x%s.. }"
                    % (g.hex(64), g.randint(2000, 9000), g.hex(8)), "Submit the attestation extrinsic", secs=(10, 20)))
    s.say("Submitted and finalized; the pallet emitted `AttestationStored`. Worth adding a CI step that runs "
          "`subxt metadata` against a dev node built from the same pallet commit and fails if the checked-in "
          "metadata differs, so the codegen can't go stale silently.")
    s.end()

    # --- G11 2025-12-22 dual-attest: verifier side -------------------------------------------------
    s = C.session(PD, "2025-12-22 09:30", "main", "2.0.74", "Verifier: TDX quote via go-tdx-guest, MRTD from gce-tcb-verifier")
    s.user("write the verifier side for the TDX half: check the quote signature and collateral, report_data binding, "
           "and the MRTD against Google's published firmware measurement. use go-tdx-guest")
    s.do(None, think="go-tdx-guest: abi.QuoteToProto, verify.TdxQuote(quote, verify.Options{GetCollateral: true, "
                     "CheckRevocations: true, Getter: ...}) fetches Intel PCS collateral (TCB info, QE identity, CRLs). "
                     "validate.TdxQuote(quote, &validate.Options{TdQuoteBodyOptions: {MrTd, ReportData}}). "
                     "Google publishes endorsements for the OVMF firmware (gce-tcb-verifier): the UEFI binary digest and the "
                     "expected MRTD per vCPU config... the MRTD is in the endorsement (launch endorsement in GCS bucket "
                     "gce_tcb_integrity, object by SHA-384 of the firmware).")
    s.say("Plan for `verify/tdx.go`:\n\n1. `verify.TdxQuote` with collateral from Intel PCS and revocation checks "
          "(PCK chain to the Intel SGX root, TCB info, QE identity; the quoting enclave that signs TDX quotes is itself "
          "an SGX enclave on the host, so its identity and TCB are checked too);\n2. `validate.TdxQuote` to check `report_data == "
          "sha512(\"dual-attest/v1:\" || nonce || ak_pub)` and the TD attributes (debug bit clear);\n3. MRTD: Google "
          "signs a *launch endorsement* for each firmware build (gce-tcb-verifier); it lists the expected MRTDs. We "
          "fetch it by the firmware digest and check the signature before trusting the MRTD list.")
    s.do(None, Write(PD.abs("verify/tdx.go"),
                     "package verify\n\nimport (\n\t\"crypto/sha512\"\n\t\"fmt\"\n\n\t\"github.com/google/go-tdx-guest/abi\"\n"
                     "\ttv \"github.com/google/go-tdx-guest/verify\"\n\t\"github.com/google/go-tdx-guest/validate\"\n)\n\n"
                     "// TDX verifies the TDX half of a dual attestation and returns the quote's RTMRs.\n"
                     "func TDX(quote, nonce, akPub []byte, mrtds [][]byte) ([][]byte, error) {\n\tq, err := abi.QuoteToProto(quote)\n"
                     "\tif err != nil {\n\t\treturn nil, fmt.Errorf(\"parse quote: %w\", err)\n\t}\n"
                     "\tif err := tv.TdxQuote(q, &tv.Options{GetCollateral: true, CheckRevocations: true}); err != nil {\n"
                     "\t\treturn nil, fmt.Errorf(\"attestation verification failed: %w\", err)\n\t}\n"
                     "\th := sha512.New()\n\th.Write([]byte(\"dual-attest/v1:\"))\n\th.Write(nonce)\n\th.Write(akPub)\n"
                     "\tvar lastErr error\n\tfor _, mrtd := range mrtds {\n"
                     "\t\tlastErr = validate.TdxQuote(q, &validate.Options{TdQuoteBodyOptions: validate.TdQuoteBodyOptions{\n"
                     "\t\t\tMrTd: mrtd, ReportData: h.Sum(nil)}})\n\t\tif lastErr == nil {\n"
                     "\t\t\tb := q.(interface{ GetTdQuoteBody() *abi.TdQuoteBody }).GetTdQuoteBody()\n\t\t\treturn b.Rtmrs, nil\n\t\t}\n\t}\n"
                     "\treturn nil, fmt.Errorf(\"attestation verification failed: %w\", lastErr)\n}\n"))
    fw = g.hex(96)
    s.do("Now the endorsed MRTD for the firmware this VM booted. The firmware digest is logged by the VM; "
         "gce-tcb-verifier fetches and checks the endorsement.",
         Bash("gcloud compute ssh tdx-attest-dev --zone us-central1-a --command 'sudo ./dual-attest -nonce %s' > /tmp/att.json && "
              "jq -r .tdx_quote /tmp/att.json | xxd -r -p > /tmp/quote.bin && "
              "gcetcbendorsement verify --quote /tmp/quote.bin --out /tmp/endorsement.binarypb && gcetcbendorsement inspect mrtd --endorsement /tmp/endorsement.binarypb" % g.hex(64),
              "endorsement signature: OK (gce-uefi-signer)\nfirmware sha384: %s...\nvcpu=4  mrtd=%s" % (fw[:24], g.hex(96)),
              "Fetch and verify Google's launch endorsement", secs=(12, 25)))
    s.do(None, Bash("cd %s && go test ./verify/ -run TDX -v 2>&1 | tail -4" % PD.cwd,
                    "=== RUN   TestTDXDualBinding\n--- PASS: TestTDXDualBinding (1.92s)\nPASS\nok  \tgithub.com/cloudmolty/dual-attest/verify\t1.951s",
                    "Run the verifier test (fetches Intel PCS collateral)", secs=(4, 8)))
    s.say("`verify.TDX` checks the quote (Intel DCAP collateral via go-tdx-guest, with revocation), the dual binding in "
          "report_data, and the MRTD against Google's signed launch endorsement for the firmware. It returns the "
          "RTMRs so the next step can compare them with the measured boot values from the vTPM side.")
    s.end()

    # --- G12 2026-01-05 infra: instance templates and lifecycle ----------------------------------
    s = C.session(PI, "2026-01-05 13:00", "main", "2.1.2", "Instance template + MIG for attestation workers, stop/start lifecycle")
    s.user("we need 3 identical TDX workers. convert main.tf into an instance template + managed instance group, and "
           "a script to stop/start the group for the nightly window (cost)")
    s.do(None, Read(PI.abs("main.tf")))
    s.do(None, Write(PI.abs("mig.tf"),
                     "resource \"google_compute_instance_template\" \"worker\" {\n  name_prefix      = \"tdx-worker-\"\n  machine_type     = \"c3-standard-4\"\n"
                     "  min_cpu_platform = \"Intel Sapphire Rapids\"\n\n  confidential_instance_config {\n    confidential_instance_type = \"TDX\"\n  }\n"
                     "  scheduling {\n    on_host_maintenance = \"TERMINATE\"\n    automatic_restart   = true\n  }\n"
                     "  shielded_instance_config {\n    enable_secure_boot = true\n    enable_vtpm        = true\n  }\n"
                     "  disk {\n    source_image = \"projects/ubuntu-os-cloud/global/images/family/ubuntu-2404-lts-amd64\"\n    disk_size_gb = 30\n  }\n"
                     "  network_interface {\n    network = \"default\"\n  }\n  service_account {\n    email  = google_service_account.attester.email\n"
                     "    scopes = [\"cloud-platform\"]\n  }\n  metadata_startup_script = file(\"${path.module}/startup.sh\")\n"
                     "  lifecycle {\n    create_before_destroy = true\n  }\n}\n\n"
                     "resource \"google_compute_instance_group_manager\" \"workers\" {\n  name               = \"tdx-workers\"\n  zone               = var.zone\n"
                     "  base_instance_name = \"tdx-worker\"\n  target_size        = 3\n  version {\n    instance_template = google_compute_instance_template.worker.self_link_unique\n  }\n"
                     "  update_policy {\n    type                  = \"PROACTIVE\"\n    minimal_action        = \"REPLACE\"\n    max_unavailable_fixed = 1\n"
                     "    replacement_method    = \"RECREATE\"\n  }\n}\n"))
    s.do(None, Bash("cd %s && terraform plan -var project=%s 2>&1 | grep -E 'will be created|Plan:'" % (PI.cwd, proj_id),
                    "  # google_compute_instance_group_manager.workers will be created\n  # google_compute_instance_template.worker will be created\n"
                    "Plan: 2 to add, 0 to change, 0 to destroy.", "terraform plan", secs=(8, 15)))
    s.do(None, Write(PI.abs("scripts/workers-window.sh"),
                     "#!/usr/bin/env bash\n# usage: workers-window.sh stop|start   (nightly cost window)\nset -euo pipefail\nZONE=${ZONE:-us-central1-a}\n"
                     "case ${1:?stop|start} in\n  stop)  gcloud compute instance-groups managed resize tdx-workers --size 0 --zone \"$ZONE\" ;;\n"
                     "  start) gcloud compute instance-groups managed resize tdx-workers --size 3 --zone \"$ZONE\"\n"
                     "         gcloud compute instance-groups managed wait-until tdx-workers --stable --zone \"$ZONE\" ;;\nesac\n"))
    s.say("`mig.tf` has the TDX instance template (TERMINATE on maintenance, secure boot, vTPM) and a 3-instance MIG "
          "with a proactive update policy that *recreates* instances (they all run as the `tdx-attester` service account; "
          "partners reach them through workload identity federation, never with exported keys); in-place restarts would keep the same instance "
          "but a recreate gives a fresh TD and new attestation, which is what we want after a template change. "
          "`workers-window.sh` resizes the group to 0/3 for the nightly window. Note resizing to 0 deletes the VMs: "
          "every morning's workers are new instances with new AK certificates, so the verifiers must not pin instance "
          "ids or AK keys.")
    s.end()

    # --- G13 2026-01-07 dual-attest: RTMR vs PCR, event logs -----------------------------------------
    s = C.session(PD, "2026-01-07 10:20", "main", "2.1.2", "Measured boot on GCP TDX: RTMR vs PCR and the two event logs")
    s.user("how do the RTMRs in the TDX quote relate to the PCRs in the vTPM quote on GCP? can I cross-check them?")
    s.say("Both are fed by the same measured boot, through two logs:\n\n- **TDX side**: the firmware extends RTMRs and "
          "records each event in the CC event log (ACPI `CCEL` table, `/sys/firmware/acpi/tables/data/CCEL`). Mapping: "
          "MRTD = initial firmware image; RTMR0 ~ PCR1/7 (firmware config, secure boot variables); RTMR1 ~ PCR2-5 (boot "
          "loader, kernel); RTMR2 ~ PCR8-15 (kernel command line, initrd via GRUB); RTMR3 is unused by default on GCP.\n"
          "- **vTPM side**: the same events go into the TPM event log (`/sys/kernel/security/tpm0/binary_bios_measurements`) "
          "and PCRs with SHA-256/SHA-1 banks, while RTMRs are SHA-384.\n\nSo you can't compare values directly (different "
          "hash algorithms and different register grouping), but you *can* replay both logs and check that they "
          "contain the same events, e.g. the same kernel Authenticode digest and the same command line.")
    s.user("do it: replay both logs on the VM and diff the event descriptions")
    s.do(None, Bash("gcloud compute ssh tdx-attest-dev --zone us-central1-a --command '"
                    "sudo tpm2_eventlog /sys/kernel/security/tpm0/binary_bios_measurements | grep -c EventType; "
                    "sudo cat /sys/firmware/acpi/tables/data/CCEL > /tmp/ccel.bin && sudo tdx-eventlog-replay /tmp/ccel.bin --summary'",
                    "38\nCCEL: 36 events\nRTMR0 replay: %s... matches quote\nRTMR1 replay: %s... matches quote\n"
                    "RTMR2 replay: %s... matches quote\nRTMR3: all zero (no events)" % (g.hex(16), g.hex(16), g.hex(16)),
                    "Replay the TPM and CC event logs", secs=(8, 16)))
    s.do(None, Bash("cd %s && go run ./cmd/logdiff --tpm /tmp/tpm.log --ccel /tmp/ccel.bin" % PD.cwd,
                    "only in TPM log: EV_NO_ACTION (Spec ID Event03)\nonly in TPM log: EV_S_CRTM_VERSION\n"
                    "common: 36 events (EFI_VARIABLE_DRIVER_CONFIG x5, EFI_BOOT_SERVICES_APPLICATION x3, EV_IPL x14, ...)\n"
                    "kernel authenticode digest: equal (sha256 in PCR4, sha384 in RTMR1)\ncmdline: equal (PCR8 / RTMR2)",
                    "Diff the two event logs", secs=(3, 8)))
    s.say("Both logs agree: 36 common events, the kernel digest and command line match; the TPM log has two extra "
          "TPM-only events (spec ID header and CRTM version), which is normal. The RTMR replays match the TDX quote, "
          "so the TDX quote and the vTPM quote describe the same boot measurements. For the verifier that means we can take "
          "policy from whichever side is more convenient (PCRs have mature tooling) and use the other as a cross-check.")
    s.end()

    # --- G14 2026-01-09 wi-federation: Confidential Space launch policy and token audience ----------
    s = C.session(PW, "2026-01-09 14:15", "main", "2.1.3", "Confidential Space: launch policy and custom token audience")
    s.user("two things for the workload: (1) operators must not be able to override the command or env of the "
           "container, (2) I want an attestation token with our own audience and a nonce for the partner's API, not "
           "just the STS one")
    s.do(None, think="(1) Launch policy labels in the Dockerfile: tee.launch_policy.allow_cmd_override=false, "
                     "allow_env_override=<list>, log_redirect=debugonly. The operator sets tee-image-reference, "
                     "tee-env-* metadata; the launcher enforces the policy and the token records it. "
                     "(2) Custom token: POST to the teeserver unix socket /run/container_launcher/teeserver.sock "
                     "/v1/token with {audience, nonces:[...], token_type: OIDC}.")
    s.say("(1) is the image's **launch policy**, set as labels in the Dockerfile; the Confidential Space launcher "
          "enforces it against the operator's `tee-*` metadata and the token records the result. (2) The launcher "
          "serves custom tokens on `/run/container_launcher/teeserver.sock`: POST `/v1/token` with your audience and up "
          "to 6 nonces.")
    s.do(None, Write(PW.abs("worker/Dockerfile"),
                     "FROM gcr.io/distroless/static-debian12@sha256:%s\nCOPY attest-worker /attest-worker\n"
                     "LABEL \"tee.launch_policy.allow_cmd_override\"=\"false\"\n"
                     "LABEL \"tee.launch_policy.allow_env_override\"=\"PARTNER_URL\"\n"
                     "LABEL \"tee.launch_policy.log_redirect\"=\"debugonly\"\nENTRYPOINT [\"/attest-worker\"]\n" % g.hex(64)),
         Write(PW.abs("worker/token.go"),
               "package main\n\nimport (\n\t\"bytes\"\n\t\"context\"\n\t\"encoding/json\"\n\t\"io\"\n\t\"net\"\n\t\"net/http\"\n)\n\n"
               "const teeServer = \"/run/container_launcher/teeserver.sock\"\n\n"
               "// customToken asks the Confidential Space launcher for an OIDC attestation token with our audience\n"
               "// and a partner-supplied nonce (eat_nonce claim).\nfunc customToken(ctx context.Context, audience string, nonce string) (string, error) {\n"
               "\tc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {\n"
               "\t\treturn (&net.Dialer{}).DialContext(ctx, \"unix\", teeServer)\n\t}}}\n"
               "\tbody, _ := json.Marshal(map[string]any{\"audience\": audience, \"nonces\": []string{nonce}, \"token_type\": \"OIDC\"})\n"
               "\treq, _ := http.NewRequestWithContext(ctx, \"POST\", \"http://localhost/v1/token\", bytes.NewReader(body))\n"
               "\treq.Header.Set(\"Content-Type\", \"application/json\")\n\tresp, err := c.Do(req)\n\tif err != nil {\n\t\treturn \"\", err\n\t}\n"
               "\tdefer resp.Body.Close()\n\ttok, err := io.ReadAll(resp.Body)\n\treturn string(tok), err\n}\n"))
    s.do(None, Bash("cd %s/worker && go build -o attest-worker . && docker build -q -t us-docker.pkg.dev/%s/cc/attest-worker:v3 . && docker push -q us-docker.pkg.dev/%s/cc/attest-worker:v3 && "
                    "gcloud compute instances create cs-worker-2 --zone us-central1-a --machine-type c3-standard-4 --confidential-compute-type TDX "
                    "--maintenance-policy TERMINATE --image-project confidential-space-images --image-family confidential-space "
                    "--service-account tdx-attester@%s.iam.gserviceaccount.com --scopes cloud-platform "
                    "--metadata tee-image-reference=us-docker.pkg.dev/%s/cc/attest-worker:v3,tee-cmd='[\"/bin/sh\"]' 2>&1 | tail -2" % (PW.cwd, proj_id, proj_id, proj_id, proj_id),
                    "Created [https://www.googleapis.com/compute/v1/projects/%s/zones/us-central1-a/instances/cs-worker-2].\nNAME         ZONE           MACHINE_TYPE   STATUS\ncs-worker-2  us-central1-a  c3-standard-4  RUNNING" % proj_id,
                    "Build, push, and launch with a tee-cmd override to test the policy", secs=(40, 80)))
    s.do(None, Bash("sleep 40; gcloud compute instances get-serial-port-output cs-worker-2 --zone us-central1-a 2>/dev/null | grep -iE 'launch policy|override' | tail -2",
                    "[launcher] launch policy: allow_cmd_override=false, allow_env_override=[PARTNER_URL], log_redirect=debugonly\n"
                    "[launcher] FATAL: launch policy violation: tee-cmd is set but the image does not allow command override",
                    "Check the serial console for the launch policy", secs=(42, 50)))
    s.say("The launch policy works: with an operator-supplied `tee-cmd` the launcher refuses to start the workload "
          "(`launch policy violation`). Without the override it will start, and `customToken(ctx, \"https://partner.example\", nonce)` "
          "returns a token whose `aud` is the partner and whose `eat_nonce` carries their nonce. The partner verifies "
          "it against Google's JWKS for `https://confidentialcomputing.googleapis.com`. Send the token to the partner only "
          "over TLS: it's a bearer token for the attested workload identity until it expires (1 hour).")
    s.end()

    # --- G15 2026-01-12 scale bridge: compact encoding benchmark ------------------------------------
    s = C.session(PS, "2026-01-12 11:40", "perf", "2.1.4", "SCALE encoding size and speed of DualAttestation")
    s.user("how big is a DualAttestation on the wire and how long does encode/decode take? block weight on our chain "
           "is getting tight")
    s.do(None, Write(PS.abs("benches/codec.rs"),
                     "use criterion::{criterion_group, criterion_main, Criterion};\nuse parity_scale_codec::{Decode, Encode};\n"
                     "use scale_attest_bridge::types::*;\n\nfn sample() -> DualAttestation {\n    DualAttestation {\n        kind: TeeKind::GcpTdx,\n"
                     "        nonce: [7; 32],\n        tdx_quote: vec![0xab; 5006],\n"
                     "        tpm_quote: TpmQuote { quoted: vec![1; 145], signature: vec![2; 72], pcrs: (0..10).map(|i| (i, [i; 32])).collect() },\n"
                     "        ak_pub: vec![3; 91],\n    }\n}\n\nfn bench(c: &mut Criterion) {\n    let a = sample();\n    let bytes = a.encode();\n"
                     "    println!(\"encoded size: {} bytes\", bytes.len());\n    c.bench_function(\"encode\", |b| b.iter(|| a.encode()));\n"
                     "    c.bench_function(\"decode\", |b| b.iter(|| DualAttestation::decode(&mut &bytes[..]).unwrap()));\n}\n\n"
                     "criterion_group!(benches, bench);\ncriterion_main!(benches);\n"))
    s.do(None, Bash("cd %s && cargo bench -q --bench codec 2>&1 | grep -E 'encoded size|time:'" % PS.cwd,
                    "encoded size: 5677 bytes\nencode                  time:   [412.31 ns 414.02 ns 416.10 ns]\ndecode                  time:   [688.95 ns 691.47 ns 694.30 ns]",
                    "Run the codec benchmark", secs=(40, 70)))
    s.say("5677 bytes per attestation in SCALE encoding, of which 5006 are the TDX quote; SCALE overhead is tiny (compact lengths: 2 "
          "bytes for the quote, 1-2 for the rest; the 10 PCR tuples are 10 x 33 bytes). Encode/decode are sub-microsecond, "
          "so codec time is irrelevant for weight; *size* is what costs. Options, biggest win first:\n\n1. Don't store "
          "the quote on chain: verify off-chain (or in an off-chain worker) and store `sha256(quote)` + the verified "
          "measurements (~200 bytes).\n2. Drop the PCR values: the TPM `quoted` structure already contains the PCR "
          "digest; store only the PCR selection.\n3. Strip the PCK certificate chain from the quote's certification "
          "data (~3.6 KB of PEM) and let verifiers fetch it from Intel PCS by FMSPC.")
    s.end()
    s.user("do 2 now, it's a pallet-compatible change if I bump the type version")
    s.do(None, Read(PS.abs("src/types.rs")))
    s.do(None, Edit(PS.abs("src/types.rs"), "    /// selected PCRs (index, sha256 value)\n    pub pcrs: Vec<(u8, [u8; 32])>,\n",
                    "    /// PCR selection bitmap for the sha256 bank; the values are covered by the PCR digest in `quoted`\n    pub pcr_select: u32,\n"))
    s.do(None, Bash("cd %s && cargo bench -q --bench codec 2>&1 | grep 'encoded size'" % PS.cwd, "", "Re-run the bench", code=101,
                    err="error[E0560]: struct `TpmQuote` has no field named `pcrs`\n  --> benches/codec.rs:10:74"))
    s.do(None, Read(PS.abs("benches/codec.rs"), offset=8, limit=4))
    s.do(None, Edit(PS.abs("benches/codec.rs"), "pcrs: (0..10).map(|i| (i, [i; 32])).collect() }", "pcr_select: 0x3ff }"))
    s.do(None, Bash("cd %s && cargo bench -q --bench codec 2>&1 | grep 'encoded size'" % PS.cwd, "encoded size: 5351 bytes", "Re-run the bench", secs=(40, 60)))
    s.say("Down to 5351 bytes (-326). Remember the Go encoder must change in lockstep (SCALE is positional), and the "
          "pallet's `TpmQuote` type version bump should reject the old layout rather than misdecode it.")
    s.end()

    # --- G16 2026-01-13 infra: boot failure, serial console, secure boot -------------------------
    s = C.session(PI, "2026-01-13 16:05", "main", "2.1.4", "Worker stuck at boot after custom kernel: secure boot violation on serial console")
    s.user("tdx-worker-7xk2 never becomes healthy after I installed the kernel with the tdx debug patches. ssh times out")
    s.do("No SSH usually means it never got to userspace. The serial console will show where boot stops.",
         Bash("gcloud compute instances get-serial-port-output tdx-worker-7xk2 --zone us-central1-a 2>/dev/null | tail -8",
              "BdsDxe: loading Boot0001 \"UEFI Google PersistentDisk \" from PciRoot(0x0)/Pci(0x3,0x0)/Scsi(0x1,0x0)\n"
              "BdsDxe: starting Boot0001 \"UEFI Google PersistentDisk \" from PciRoot(0x0)/Pci(0x3,0x0)/Scsi(0x1,0x0)\n"
              "error: bad shim signature.\nerror: you need to load the kernel first.\n\nPress any key to continue...\n"
              "Failed to boot both default and fallback entries.", "Read the serial port output"))
    s.say("The firmware loads shim and GRUB fine, then GRUB refuses the kernel: `bad shim signature`. With "
          "`enable_secure_boot = true` every boot component must be signed by a key in the secure boot db or shim's "
          "MOK list, and the self-built debug kernel is unsigned. This is secure boot doing its job: it's also what "
          "keeps PCR7 (and RTMR0) stable for attestation.\n\nOptions: (a) sign the kernel with a MOK you enroll, (b) "
          "use a separate instance template with secure boot off for debug kernels only. Since these are attestation "
          "workers, I'd not weaken the production template: a debug template is cleaner, and verifiers will see the "
          "difference (PCR7 / secure boot state) anyway.")
    s.user("(b). and roll the worker back to the stock kernel")
    s.do(None, Bash("gcloud compute instance-groups managed recreate-instances tdx-workers --instances tdx-worker-7xk2 --zone us-central1-a && "
                    "gcloud compute instance-groups managed wait-until tdx-workers --stable --zone us-central1-a --timeout 600",
                    "Updated [https://www.googleapis.com/compute/v1/projects/%s/zones/us-central1-a/instanceGroupManagers/tdx-workers].\nWaiting for group to become stable...done." % proj_id,
                    "Recreate the broken worker from the template", secs=(90, 150),
                    progress=("Waiting for group to become stable...",)))
    s.do(None, Read(PI.abs("mig.tf"), offset=1, limit=16))
    s.do(None, Edit(PI.abs("mig.tf"), "resource \"google_compute_instance_group_manager\" \"workers\" {",
                    "# Debug kernels only: secure boot off, so these VMs can never pass the production attestation policy\n"
                    "# (PCR7/RTMR0 differ). Never add this template to the tdx-workers group.\n"
                    "resource \"google_compute_instance_template\" \"debug\" {\n  name_prefix  = \"tdx-debug-\"\n  machine_type = \"c3-standard-4\"\n"
                    "  confidential_instance_config {\n    confidential_instance_type = \"TDX\"\n  }\n  scheduling {\n    on_host_maintenance = \"TERMINATE\"\n  }\n"
                    "  shielded_instance_config {\n    enable_secure_boot = false\n    enable_vtpm        = true\n  }\n"
                    "  disk {\n    source_image = \"projects/ubuntu-os-cloud/global/images/family/ubuntu-2404-lts-amd64\"\n  }\n"
                    "  network_interface {\n    network = \"default\"\n  }\n}\n\nresource \"google_compute_instance_group_manager\" \"workers\" {"))
    s.say("The worker is recreated from the production template with the stock signed kernel and the group is stable. "
          "`mig.tf` now has a separate `tdx-debug-` template with secure boot off for kernel experiments, with a comment "
          "that it must never join `tdx-workers`.")
    s.end()

    # --- G17 2026-01-15 dual-attest: attested TLS --------------------------------------------
    s = C.session(PD, "2026-01-15 10:50", "main", "2.1.5", "Attested TLS: bind the worker's TLS certificate key into the TDX quote")
    s.user("partners want to talk to the worker over TLS and know they're talking to the attested VM. how do we bind "
           "the TLS key to the attestation without a new quote per connection?")
    s.say("Standard pattern (the same idea as RA-TLS): generate the TLS key pair inside the VM at startup, put a hash "
          "of its public key into the TDX report_data (and the vTPM nonce), and publish the quote + vTPM attestation "
          "once, either embedded in an X.509 extension of the self-signed certificate or at a `/attestation` endpoint. "
          "The client checks the quote once, then pins the certificate's public key for the session. The key never "
          "leaves TDX memory, so a matching TLS handshake proves the peer is that VM.\n\nFor freshness, rotate the key "
          "(and quote) every few hours, or let the client request `/attestation?nonce=` over the already-pinned TLS channel.")
    s.user("go with the extension, OID under our private arc 1.3.6.1.4.1.59999.1")
    s.do(None, Write(PD.abs("atls/cert.go"),
                     "package atls\n\nimport (\n\t\"crypto/ecdsa\"\n\t\"crypto/elliptic\"\n\t\"crypto/rand\"\n\t\"crypto/sha512\"\n\t\"crypto/tls\"\n"
                     "\t\"crypto/x509\"\n\t\"crypto/x509/pkix\"\n\t\"encoding/asn1\"\n\t\"math/big\"\n\t\"time\"\n\n\t\"github.com/cloudmolty/dual-attest/tdx\"\n)\n\n"
                     "var oidTDXQuote = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 59999, 1, 1}\n\n"
                     "// NewCert creates a fresh P-256 key in the TD and a self-signed certificate whose extension carries a\n"
                     "// TDX quote with report_data = sha512(\"atls/v1:\" || SPKI DER).\nfunc NewCert(host string) (tls.Certificate, error) {\n"
                     "\tkey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)\n\tif err != nil {\n\t\treturn tls.Certificate{}, err\n\t}\n"
                     "\tspki, err := x509.MarshalPKIXPublicKey(&key.PublicKey)\n\tif err != nil {\n\t\treturn tls.Certificate{}, err\n\t}\n"
                     "\trd := sha512.Sum512(append([]byte(\"atls/v1:\"), spki...))\n\tquote, err := tdx.Quote(rd)\n"
                     "\tif err != nil {\n\t\treturn tls.Certificate{}, err\n\t}\n\ttmpl := &x509.Certificate{\n\t\tSerialNumber:    big.NewInt(time.Now().UnixNano()),\n"
                     "\t\tSubject:         pkix.Name{CommonName: host},\n\t\tDNSNames:        []string{host},\n\t\tNotBefore:       time.Now().Add(-time.Minute),\n"
                     "\t\tNotAfter:        time.Now().Add(6 * time.Hour),\n\t\tExtraExtensions: []pkix.Extension{{Id: oidTDXQuote, Value: quote}},\n\t}\n"
                     "\tder, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)\n\tif err != nil {\n\t\treturn tls.Certificate{}, err\n\t}\n"
                     "\treturn tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil\n}\n"))
    s.do(None, Bash("cd %s && go build ./... && gcloud compute ssh tdx-attest-dev --zone us-central1-a --command 'sudo ./dual-attest serve-atls --addr :8443 & sleep 2; "
                    "openssl s_client -connect localhost:8443 </dev/null 2>/dev/null | openssl x509 -noout -text | grep -A1 1.3.6.1.4.1.59999'" % PD.cwd,
                    "            1.3.6.1.4.1.59999.1.1:\n                ....\\x81.......\\x93\\x9ar3\\xf7\\x9cL\\xa9\\x94...", "Serve attested TLS and inspect the cert", secs=(10, 20)))
    s.say("The worker serves a self-signed certificate with the 5006-byte TDX quote in extension "
          "`1.3.6.1.4.1.59999.1.1`; you can see the quote header bytes (`81` TEE type, Intel QE vendor id `939a7233...`). "
          "Client side: parse the extension, run `verify.TDX` with `report_data = sha512(\"atls/v1:\" || cert SPKI)`, "
          "then trust the TLS session. I kept the certificate lifetime at 6 hours so quotes stay reasonably fresh.")
    s.end()

    # --- G18 2026-01-16 infra: cleanup --------------------------------------------------------
    s = C.session(PI, "2026-01-16 17:30", "main", "2.1.5", "Cleanup: stray Confidential VMs, disks and snapshots")
    s.user("end of the sprint: list everything TDX-related still running or billing in the project and clean up what "
           "isn't the workers group")
    s.do(None, Bash("gcloud compute instances list --filter='confidentialInstanceConfig.confidentialInstanceType=TDX' --format='table(name,zone.basename(),status,creationTimestamp.date())' && "
                    "gcloud compute disks list --filter='-users:*' --format='table(name,sizeGb,creationTimestamp.date())' && gcloud compute snapshots list --format='table(name,diskSizeGb)'",
                    "NAME             ZONE           STATUS      CREATION_TIMESTAMP\ntdx-scratch      us-central1-a  TERMINATED  2025-11-24\n"
                    "tdx-attest-dev   us-central1-a  RUNNING     2025-12-05\ncs-worker-1      us-central1-a  RUNNING     2025-12-11\ncs-worker-2      us-central1-a  TERMINATED  2026-01-09\n"
                    "tdx-worker-4j8d  us-central1-a  RUNNING     2026-01-05\ntdx-worker-9pqa  us-central1-a  RUNNING     2026-01-05\ntdx-worker-7xk2  us-central1-a  RUNNING     2026-01-13\n"
                    "NAME                SIZE_GB  CREATION_TIMESTAMP\ntdx-debug-disk-1    30       2026-01-13\n"
                    "NAME                        DISK_SIZE_GB\ntdx-attest-dev-pre-kernel   30",
                    "List TDX instances, unattached disks and snapshots"))
    s.say("Besides the three `tdx-worker-*` MIG instances, there are: `tdx-scratch` (terminated, still pays for its "
          "disk), `tdx-attest-dev` (the terraform dev VM, running), `cs-worker-1`/`cs-worker-2` (Confidential Space "
          "tests), an unattached `tdx-debug-disk-1` and the snapshot `tdx-attest-dev-pre-kernel`. `tdx-attest-dev` is "
          "managed by terraform, so I'd remove it with `terraform destroy -target` rather than gcloud. OK to delete "
          "the rest except cs-worker-1 (the partner demo uses it)?")
    s.user("yes. keep the snapshot too, delete the debug disk")
    s.do(None, Bash("gcloud compute instances delete tdx-scratch cs-worker-2 --zone us-central1-a -q && gcloud compute disks delete tdx-debug-disk-1 --zone us-central1-a -q && "
                    "cd %s && terraform destroy -auto-approve -var project=%s -target google_compute_instance.cvm 2>&1 | tail -1" % (PI.cwd, proj_id),
                    "Deleted [https://www.googleapis.com/compute/v1/projects/%s/zones/us-central1-a/instances/tdx-scratch].\n"
                    "Deleted [https://www.googleapis.com/compute/v1/projects/%s/zones/us-central1-a/instances/cs-worker-2].\n"
                    "Deleted [https://www.googleapis.com/compute/v1/projects/%s/zones/us-central1-a/disks/tdx-debug-disk-1].\n"
                    "Destroy complete! Resources: 1 destroyed." % (proj_id, proj_id, proj_id),
                    "Delete the stray VMs, the debug disk and the terraform dev VM", secs=(40, 90)))
    s.say("Cleaned up. Remaining: the `tdx-workers` MIG (3 VMs), `cs-worker-1` for the partner demo, and the "
          "`tdx-attest-dev-pre-kernel` snapshot. The nightly `workers-window.sh stop` keeps the MIG at 0 overnight.")
    s.end()
    return C


# ==============================================================================================
# dataset (c): tee-beginner, owner "newbiemolty" -- learning TEE basics
# ==============================================================================================

def build_tee_beginner(root):
    B = Dataset("tee-beginner", "newbiemolty", SEED + 3, "claude-sonnet-4-5-20250929")
    g = B.g
    L = "/home/newbiemolty/learn"
    PN = Project(L + "/tee-notes", {"README.md": "# TEE notes\n\nMy notes while learning about trusted execution environments.\n\n## Index\n\n"})
    PH = Project(L + "/sgx-hello", {"README.md": "# sgx-hello\n\nFirst steps with Intel SGX.\n"})

    # --- B1 2026-01-05 what is a TEE -------------------------------------------------------
    s = B.session(PN, "2026-01-05 19:10", "main", "2.1.2", "What is a TEE")
    s.user("I keep hearing \"TEE\" at work and I'm lost. what is a trusted execution environment, in plain words?")
    s.say("A **trusted execution environment (TEE)** is a protected area of a processor where code and data are "
          "isolated from everything else on the machine, including the operating system, the hypervisor and the "
          "people who run the server.\n\nPlain-words version: normally, whoever controls a computer can read the "
          "memory of every program on it. A TEE changes that: the CPU encrypts the TEE's memory and refuses access "
          "from outside, so even the cloud provider's admin can't peek inside.\n\nTwo ideas matter most:\n\n1. "
          "**Isolation / confidentiality**: data inside stays secret while it's being used (\"confidential "
          "computing\"), not just on disk or on the network.\n2. **Attestation**: the TEE can prove to someone far away "
          "*what* code is running inside it, signed by a key that only the real hardware has.\n\nExamples: Intel SGX "
          "(small \"enclaves\" inside an app), Intel TDX and AMD SEV-SNP (a whole virtual machine is protected), "
          "ARM TrustZone (a \"secure world\" on phones).")
    s.end()
    s.user("ok so what does a TEE NOT protect against?")
    s.say("Good question, people often oversell TEEs. Things it does **not** solve on its own:\n\n- **Bugs in the code "
          "inside**: if the enclave has a bug, an attacker can exploit it like any other program.\n- **Side channels**: "
          "timing, cache and power analysis attacks have leaked secrets from enclaves in the past (e.g. the Foreshadow "
          "and SGAxe research); vendors patch these with microcode updates.\n- **Availability**: the host can always "
          "just switch the machine off or refuse to run your code.\n- **What goes in and out**: the TEE protects data "
          "inside, but you still need encryption (like TLS) for data coming in and going out.\n- **Trusting the "
          "vendor**: you trust the CPU maker (Intel, AMD, ARM) and their keys.")
    s.end()
    s.user("write this into notes/01-what-is-a-tee.md so I can reread it")
    s.do(None, Write(PN.abs("notes/01-what-is-a-tee.md"),
                     "# 01 - What is a TEE?\n\nA trusted execution environment (TEE) is a protected part of the CPU where code and data\n"
                     "are isolated from the OS, the hypervisor and the machine's admins.\n\n## Key ideas\n\n"
                     "- **Isolation / confidentiality**: memory is encrypted and access-controlled by the CPU -> confidential computing.\n"
                     "- **Attestation**: the TEE can prove to a remote party which code runs inside it.\n\n## Examples\n\n"
                     "| TEE | what is protected |\n|---|---|\n| Intel SGX | an enclave inside a normal process |\n"
                     "| Intel TDX, AMD SEV-SNP | a whole VM |\n| ARM TrustZone | a secure world next to the normal OS |\n\n"
                     "## What a TEE does NOT protect against\n\n- bugs in the code inside\n- side channels (timing, cache...)\n"
                     "- the host switching it off (availability)\n- unencrypted data going in/out (use TLS)\n- trust in the CPU vendor itself\n"))
    s.do(None, Read(PN.abs("README.md")))
    s.do(None, Edit(PN.abs("README.md"), "## Index\n\n", "## Index\n\n- [01 - What is a TEE?](notes/01-what-is-a-tee.md)\n"))
    s.say("Saved as `notes/01-what-is-a-tee.md` and linked from the README index.")
    s.end()

    # --- B2 2026-01-06 TEE vs TPM vs HSM, trust boundary --------------------------------------
    s = B.session(PN, "2026-01-06 20:00", "main", "2.1.2", "TEE vs TPM vs HSM, trust boundary and threat model")
    s.user("what's the difference between a TEE, a TPM and an HSM? they all sound like \"secure chip\"")
    s.say("They overlap, but they do different jobs:\n\n| | runs *your* code? | main job |\n|---|---|---|\n"
          "| **TEE** (SGX, TDX, TrustZone) | yes, general-purpose code | protect code + data while running |\n"
          "| **TPM** | no, fixed functions | measure the boot process, store a few keys, report measurements |\n"
          "| **HSM** | mostly no (some allow plugins) | store keys and do crypto operations for you |\n\n"
          "A TPM is great at saying \"this machine booted this firmware and kernel\", an HSM at \"this key never "
          "leaves this box\", and a TEE at \"this program runs privately even on someone else's computer\".")
    s.user("my teammate said \"always draw the trust boundary first\". what's that?")
    s.say("The **trust boundary** is the line between the parts you trust and the parts you assume might be "
          "malicious. Drawing it is the first step of a **threat model**: who is the attacker, what can they touch?\n\n"
          "For an SGX app, for example:\n\n```\n+--------------------- untrusted ----------------------+\n"
          "|  OS, hypervisor, cloud admin, rest of the app         |\n|   +------------- trusted -------------+              |\n"
          "|   |  enclave code + data   (CPU)       |              |\n|   +-------------------------------------+              |\n"
          "+-------------------------------------------------------+\n```\n\nEverything crossing the line (function "
          "calls into the enclave, data coming out) must be checked, because the untrusted side can lie. The smaller "
          "the trusted part (the **trusted computing base**), the less there is to get wrong.")
    s.end()
    s.user("add both to my notes as 02")
    s.do(None, Write(PN.abs("notes/02-tee-tpm-hsm.md"),
                     "# 02 - TEE vs TPM vs HSM, trust boundary\n\n| | runs your code? | main job |\n|---|---|---|\n"
                     "| TEE | yes | protect code + data while running |\n| TPM | no | measured boot, small key store, report measurements |\n"
                     "| HSM | mostly no | keep keys inside, do crypto |\n\n## Trust boundary\n\nLine between trusted and untrusted parts. "
                     "Everything crossing it must be checked.\nSmall trusted computing base (TCB) = less to get wrong.\n\n"
                     "Threat model = who is the attacker + what can they touch. Draw the boundary first.\n"),
         Read(PN.abs("README.md")))
    s.do(None, Edit(PN.abs("README.md"), "- [01 - What is a TEE?](notes/01-what-is-a-tee.md)\n",
                    "- [01 - What is a TEE?](notes/01-what-is-a-tee.md)\n- [02 - TEE vs TPM vs HSM](notes/02-tee-tpm-hsm.md)\n"))
    s.end()

    # --- B3 2026-01-07 sgx-hello: SDK sample, no SGX device ----------------------------------
    s = B.session(PH, "2026-01-07 18:30", "main", "2.1.2", "SGX SDK SampleEnclave: SGX_ERROR_NO_DEVICE, use simulation mode")
    s.user("I installed the Intel SGX SDK (2.25) and built SampleEnclave but running it fails. can you check?")
    s.do(None, Bash("cd /opt/intel/sgxsdk/SampleCode/SampleEnclave && source /opt/intel/sgxsdk/environment && make -s 2>&1 | tail -2 && ./app",
                    "The project has been built in hardware debug mode.\nError: No SGX device was found.\n"
                    "Info: SampleEnclave failed to initialize.\nEnter a character before exit ...",
                    "Build and run the SDK sample", code=255, secs=(10, 25)))
    s.do("\"No SGX device was found\" is `SGX_ERROR_NO_DEVICE`. Let me check whether this CPU has SGX at all.",
         Bash("grep -o -w -m1 -E 'sgx|sgx_lc' /proc/cpuinfo; ls /dev/sgx* 2>&1; lscpu | grep 'Model name'",
              "ls: cannot access '/dev/sgx*': No such file or directory\nModel name:                           AMD Ryzen 7 7840U w/ Radeon 780M Graphics",
              "Check CPU SGX support"))
    s.say("Your laptop has an AMD Ryzen CPU, and SGX is an Intel-only feature, so there is no `/dev/sgx_enclave` "
          "device. That's fine for learning: the SDK has a **simulation mode** that runs the enclave code as normal "
          "code (no real protection, but the same APIs).")
    s.do(None, Bash("cd /opt/intel/sgxsdk/SampleCode/SampleEnclave && make clean -s && make -s SGX_MODE=SIM 2>&1 | tail -1 && ./app",
                    "The project has been built in simulation mode.\nChecksum(0x0x7ffd0c5e4a10, 100) = 0xfffd4143\nInfo: executing thread synchronization, please wait...\n"
                    "Info: SampleEnclave successfully returned.\nEnter a character before exit ...", "Rebuild in simulation mode", secs=(10, 20)))
    s.say("It works in simulation mode. Remember: in SIM mode nothing is actually protected and there's no real "
          "attestation; for that you need a machine with SGX (for example an Azure DCsv3 VM).")
    s.end()
    s.user("that fixed it. so simulation is just for learning the API?")
    s.say("Exactly: API, build system and the enclave programming model (what goes inside, what stays outside). "
          "Anything about security properties or performance needs real hardware.")
    s.end()

    # --- B4 2026-01-08 sgx-hello: my own enclave ----------------------------------------------
    s = B.session(PH, "2026-01-08 19:45", "main", "2.1.2", "Hello world enclave: EDL, ecall and ocall")
    s.user("help me write the smallest possible enclave of my own: the app calls into the enclave, the enclave prints "
           "hello through the app. I want to understand ecall/ocall")
    s.say("Two directions across the trust boundary:\n\n- **ecall**: untrusted app -> enclave (\"enter call\").\n- "
          "**ocall**: enclave -> untrusted app (\"outside call\"). The enclave can't do I/O itself (no syscalls), so "
          "printing goes through an ocall.\n\nBoth are declared in an **EDL** file; the `sgx_edger8r` tool generates "
          "the glue code that copies arguments safely across the boundary.")
    s.do(None, Write(PH.abs("Enclave/Enclave.edl"),
                     "enclave {\n    trusted {\n        /* app -> enclave */\n        public void ecall_hello(int times);\n    };\n"
                     "    untrusted {\n        /* enclave -> app; [in, string] copies the string out of the enclave */\n"
                     "        void ocall_print([in, string] const char *msg);\n    };\n};\n"),
         Write(PH.abs("Enclave/Enclave.c"),
               "#include \"Enclave_t.h\"\n\nvoid ecall_hello(int times)\n{\n    for (int i = 0; i < times; i++)\n"
               "        ocall_print(\"Hello from inside the enclave!\");\n}\n"),
         Write(PH.abs("App/App.c"),
               "#include <stdio.h>\n#include \"sgx_urts.h\"\n#include \"Enclave_u.h\"\n\nvoid ocall_print(const char *msg) { printf(\"%s\\n\", msg); }\n\n"
               "int main(void)\n{\n    sgx_enclave_id_t eid;\n    sgx_status_t ret = sgx_create_enclave(\"enclave.signed.so\", SGX_DEBUG_FLAG, NULL, NULL, &eid, NULL);\n"
               "    if (ret != SGX_SUCCESS) {\n        printf(\"sgx_create_enclave failed: 0x%x\\n\", ret);\n        return 1;\n    }\n"
               "    ecall_hello(eid, 2);\n    sgx_destroy_enclave(eid);\n    return 0;\n}\n"))
    s.do("For the Makefile I'll start from the SDK sample's and strip it down.",
         Bash("cp /opt/intel/sgxsdk/SampleCode/SampleEnclave/Makefile %s/Makefile && cp /opt/intel/sgxsdk/SampleCode/SampleEnclave/Enclave/Enclave.lds /opt/intel/sgxsdk/SampleCode/SampleEnclave/Enclave/Enclave_private_test.pem %s/Enclave/ && "
              "cd %s && sed -i 's/App_Cpp_Files := .*/App_C_Files := App\\/App.c/; s/Enclave_Cpp_Files := .*/Enclave_C_Files := Enclave\\/Enclave.c/' Makefile && make -s SGX_MODE=SIM 2>&1 | tail -3 && ./app"
              % (PH.cwd, PH.cwd, PH.cwd),
              "GEN  =>  App/Enclave_u.h\nGEN  =>  Enclave/Enclave_t.h\nThe project has been built in simulation mode.\n"
              "sgx_create_enclave failed: 0x200f", "Build and run", secs=(8, 20)))
    s.do("`0x200f` is `SGX_ERROR_ENCLAVE_FILE_ACCESS`: the app couldn't open `enclave.signed.so`. Let me see what "
         "the build produced.",
         Bash("cd %s && ls *.so" % PH.cwd, "enclave.so\nenclave.signed.so", "List built enclaves"))
    s.do("The file is there, so it's the working directory: I ran `./app` from the right place... let me check the "
         "sample Makefile's output names.",
         Bash("cd %s && grep -nE '^(App_Name|Signed_Enclave_Name|Enclave_Name)' Makefile" % PH.cwd,
              "66:App_Name := app\n168:Enclave_Name := enclave.so\n169:Signed_Enclave_Name := enclave.signed.so", "Check output names"),
         think="Names match. Maybe the SIM build still links the HW runtime? No: 0x200f is file access. Oh: the sample "
               "expects to be run as ./app from the project root, which we did. Maybe permissions? Let's strace the open.")
    s.do(None, Bash("cd %s && strace -f -e trace=openat ./app 2>&1 | grep -E 'enclave|ENOENT' | head -3" % PH.cwd,
                    "openat(AT_FDCWD, \"enclave.signed.so\", O_RDONLY) = 3\nopenat(AT_FDCWD, \"/dev/isgx\", O_RDWR) = -1 ENOENT (No such file or directory)\n"
                    "openat(AT_FDCWD, \"/dev/sgx_enclave\", O_RDWR) = -1 ENOENT (No such file or directory)", "strace the file opens"))
    s.say("It opens the enclave file fine, then tries `/dev/sgx_enclave`: the app was linked against the hardware "
          "runtime (`libsgx_urts`), not the simulation one (`libsgx_urts_sim`). The `make clean` was skipped, so the "
          "App object from the earlier HW build got reused. A clean SIM build fixes it.")
    s.do(None, Bash("cd %s && make clean -s && make -s SGX_MODE=SIM 2>&1 | tail -1 && ./app" % PH.cwd,
                    "The project has been built in simulation mode.\nHello from inside the enclave!\nHello from inside the enclave!",
                    "Clean build in simulation mode", secs=(8, 20)))
    s.say("Your first enclave runs: `main` -> **ecall** `ecall_hello(eid, 2)` -> inside the enclave -> **ocall** "
          "`ocall_print` twice -> back in the app. Note the generated `Enclave_u.h`/`Enclave_t.h`: the `_u` side is "
          "untrusted glue, the `_t` side trusted glue.")
    s.end()
    s.user("cool!! it works")
    s.end()

    # --- B5 2026-01-10 notes: attestation overview ------------------------------------------
    s = B.session(PN, "2026-01-10 15:20", "main", "2.1.3", "Attestation overview: local vs remote, quote, measurement")
    s.user("explain attestation like I'm new to this. what is a quote? who checks it?")
    s.say("Attestation answers: *\"how do I know the code I'm talking to is really my code, running in a real TEE?\"*\n\n"
          "1. **Measurement**: when an SGX enclave is loaded, the CPU computes a hash of its code and initial data, "
          "called **MRENCLAVE**. Change one byte of code and the measurement changes.\n2. **Report**: the enclave asks "
          "the CPU for a report containing its measurement plus 64 bytes of its own data (e.g. the hash of a public "
          "key). In **local attestation**, another enclave on the same machine can check this report.\n3. **Quote**: "
          "for **remote attestation**, a special Intel-provided enclave (the quoting enclave) turns the report into a "
          "**quote**, signed with a key that chains up to Intel. The quote can be sent anywhere.\n4. **Verification**: "
          "the remote party (the *verifier*) checks the signature chain back to Intel's root certificate, checks that "
          "the platform is up to date, and compares the measurement with the value it expects.\n\nIf everything "
          "matches, the verifier knows: real Intel hardware, up to date, running exactly this code. Usually the 64 "
          "bytes of user data carry a public key, so the verifier can then open an encrypted channel to that enclave.")
    s.user("what's DCAP? I saw it in a blog")
    s.say("DCAP (Data Center Attestation Primitives) is Intel's current way of doing remote attestation with ECDSA "
          "signatures. Instead of asking Intel's online service for every check (the older EPID scheme), the data "
          "center caches Intel's certificates and revocation lists (\"collateral\") locally, and anyone can verify a "
          "quote offline with a library. It's also what TDX uses.")
    s.end()
    s.user("save as notes/03-attestation.md, with a small diagram")
    s.do(None, Write(PN.abs("notes/03-attestation.md"),
                     "# 03 - Attestation\n\n```\nenclave --(report: MRENCLAVE + 64B user data)--> quoting enclave\n"
                     "quoting enclave --(quote, signed, chains to Intel)--> verifier (anywhere)\n"
                     "verifier: check signature chain + TCB up to date + measurement == expected\n```\n\n"
                     "- **Measurement** (MRENCLAVE): hash of the enclave code/data at load time.\n"
                     "- **Local attestation**: another enclave on the same CPU checks a report.\n"
                     "- **Remote attestation**: a quote, verifiable anywhere.\n"
                     "- **DCAP**: ECDSA-based remote attestation; collateral cached in the data center, verify offline.\n"
                     "- Put a public key hash in the 64 bytes of user data -> open a secure channel to the enclave.\n"),
         Read(PN.abs("README.md")))
    s.do(None, Edit(PN.abs("README.md"), "- [02 - TEE vs TPM vs HSM](notes/02-tee-tpm-hsm.md)\n",
                    "- [02 - TEE vs TPM vs HSM](notes/02-tee-tpm-hsm.md)\n- [03 - Attestation](notes/03-attestation.md)\n"))
    s.end()

    # --- B6 2026-01-11 sgx-hello: MRENCLAVE and MRSIGNER ------------------------------------
    s = B.session(PH, "2026-01-11 17:00", "main", "2.1.3", "See MRENCLAVE and MRSIGNER of my enclave")
    s.user("can I see the MRENCLAVE of my hello enclave? and what's MRSIGNER?")
    m1, m2, sg = g.hex(64), g.hex(64), g.hex(64)
    s.do(None, Bash("cd %s && sgx_sign dump -enclave enclave.signed.so -dumpfile /tmp/meta.txt >/dev/null && grep -A2 -E 'enclave_hash|mrsigner' /tmp/meta.txt | tr -d '\\n' | sed 's/0x//g; s/ //g' | fold -w 80" % PH.cwd,
                    "metadata->enclave_css.body.enclave_hash.m:%s\nmrsigner->value:%s" % (m1, sg), "Dump the enclave signature metadata"))
    s.say("- **MRENCLAVE** (`enclave_hash`): `%s...` = hash of the enclave's code and data as loaded. It identifies "
          "*exactly this build*.\n- **MRSIGNER**: `%s...` = hash of the public key that signed the enclave "
          "(here the SDK's test key `Enclave_private_test.pem`). It identifies *who* built it.\n\nA verifier can trust "
          "either \"exactly this MRENCLAVE\" (strict, must update for every release) or \"anything signed by this "
          "MRSIGNER\" (trusts the developer's key)." % (m1[:16], sg[:16]))
    s.user("let me try: I'll change the hello text and rebuild")
    s.do(None, Read(PH.abs("Enclave/Enclave.c")))
    s.do(None, Edit(PH.abs("Enclave/Enclave.c"), "Hello from inside the enclave!", "Hi again from inside the enclave!"))
    s.do(None, Bash("cd %s && make -s SGX_MODE=SIM >/dev/null && sgx_sign dump -enclave enclave.signed.so -dumpfile /tmp/meta2.txt >/dev/null && grep -A2 -E 'enclave_hash|mrsigner' /tmp/meta2.txt | tr -d '\\n' | sed 's/0x//g; s/ //g' | fold -w 80" % PH.cwd,
                    "metadata->enclave_css.body.enclave_hash.m:%s\nmrsigner->value:%s" % (m2, sg), "Rebuild and dump again", secs=(6, 15)))
    s.say("As expected: MRENCLAVE changed (`%s...`) because the code changed, MRSIGNER stayed the same because the "
          "signing key didn't. Never ship the SDK's test key: anyone has it, so MRSIGNER would mean nothing." % m2[:16])
    s.end()

    # --- B7 2026-01-13 sgx-hello: gramine ----------------------------------------------------
    s = B.session(PH, "2026-01-13 20:10", "gramine", "2.1.4", "Gramine hello: gramine-direct works, gramine-sgx needs SGX")
    s.user("a friend said I don't need to write EDL files, I can run normal programs with gramine. can we try a "
           "python hello world?")
    s.say("Gramine is a \"library OS\": it runs an unmodified Linux program inside an SGX enclave and handles the "
          "system calls for it. You describe the program in a **manifest** (which files it may read, which are "
          "trusted/hashed, memory size). `gramine-direct` runs it without SGX (for testing), `gramine-sgx` runs it "
          "in a real enclave.")
    s.do(None, Write(PH.abs("gramine/hello.py"), "print(\"hello from python, maybe in an enclave\")\n"),
         Write(PH.abs("gramine/python.manifest.template"),
               "loader.entrypoint = \"file:{{ gramine.libos }}\"\nlibos.entrypoint = \"{{ entrypoint }}\"\n"
               "loader.argv = [\"python3\", \"hello.py\"]\nloader.env.LD_LIBRARY_PATH = \"/lib:/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu\"\n\n"
               "fs.mounts = [\n  { path = \"/lib\", uri = \"file:{{ gramine.runtimedir() }}\" },\n  { path = \"/usr\", uri = \"file:/usr\" },\n"
               "  { path = \"/hello.py\", uri = \"file:hello.py\" },\n]\n\nsgx.debug = true\nsgx.enclave_size = \"512M\"\nsgx.max_threads = 4\n"
               "sgx.trusted_files = [\n  \"file:{{ gramine.libos }}\",\n  \"file:{{ entrypoint }}\",\n  \"file:{{ gramine.runtimedir() }}/\",\n"
               "  \"file:/usr/lib/python3.12/\",\n  \"file:hello.py\",\n]\n"))
    s.do(None, Bash("cd %s/gramine && gramine-manifest -Dentrypoint=$(realpath $(which python3)) python.manifest.template python.manifest && gramine-direct python" % PH.cwd,
                    "hello from python, maybe in an enclave", "Generate the manifest and run with gramine-direct", secs=(3, 8)))
    s.do(None, Bash("cd %s/gramine && gramine-sgx-sign --manifest python.manifest --output python.manifest.sgx 2>&1 | tail -2 && gramine-sgx python" % PH.cwd,
                    "Measurement:\n    %s\nerror: Cannot open SGX device /dev/sgx_enclave: No such file or directory" % g.hex(64),
                    "Sign and try gramine-sgx", code=1, secs=(8, 20)))
    s.say("`gramine-direct` works. `gramine-sgx-sign` hashed everything in `sgx.trusted_files` and printed the "
          "enclave measurement (the MRENCLAVE you'd attest to), but `gramine-sgx` needs the real SGX device, which "
          "your AMD laptop doesn't have, same as with the SDK. To try it for real you'd need an Intel machine with "
          "SGX (e.g. an Azure DCsv3 VM).\n\nNote how the measurement covers python and `hello.py`: change the script "
          "and the measurement changes, just like MRENCLAVE did with your C enclave.")
    s.end()

    # --- B8 2026-01-14 notes: sealing --------------------------------------------------------
    s = B.session(PN, "2026-01-14 19:30", "main", "2.1.4", "Sealing: saving enclave secrets to disk")
    s.user("if an enclave loses everything when it stops, how does it keep a secret between restarts?")
    s.say("With **sealing**: the enclave asks the CPU for a *sealing key* that only this enclave (or this signer) "
          "can get on this CPU, encrypts the secret with it, and hands the ciphertext to the untrusted app to store "
          "on disk. After a restart, the enclave gets the same sealing key again and decrypts.\n\nTwo policies:\n- "
          "**MRENCLAVE** sealing: only the exact same enclave build can unseal. Safe, but a new version can't read "
          "old data.\n- **MRSIGNER** sealing: any enclave signed by the same key (with a version >= the sealing one) "
          "can unseal, which makes upgrades possible.\n\nThe sealing key is tied to the CPU, so sealed data can't be "
          "moved to another machine. For that you need a key management service that releases keys to attested "
          "enclaves.")
    s.user("got it. add to notes as 04")
    s.do(None, Write(PN.abs("notes/04-sealing.md"),
                     "# 04 - Sealing\n\nEnclave gets a sealing key from the CPU -> encrypts secret -> app stores ciphertext on disk.\n\n"
                     "| policy | who can unseal | upgrade friendly? |\n|---|---|---|\n| MRENCLAVE | exact same build | no |\n"
                     "| MRSIGNER | same signer, same or newer version | yes |\n\nSealing key is bound to the CPU: sealed data can't move machines.\n"))
    s.do(None, Read(PN.abs("README.md")))
    s.do(None, Edit(PN.abs("README.md"), "- [03 - Attestation](notes/03-attestation.md)\n",
                    "- [03 - Attestation](notes/03-attestation.md)\n- [04 - Sealing](notes/04-sealing.md)\n"))
    s.end()

    # --- B9 2026-01-16 notes: SGX vs TDX vs SEV ------------------------------------------------
    s = B.session(PN, "2026-01-16 20:40", "main", "2.1.5", "SGX vs TDX vs SEV-SNP at a glance")
    s.user("my team runs stuff on \"TDX VMs\". how is that different from SGX enclaves I played with?")
    s.say("Same goals, different granularity:\n\n| | Intel SGX | Intel TDX | AMD SEV-SNP |\n|---|---|---|---|\n"
          "| protects | an enclave inside a process | a whole VM (\"trust domain\") | a whole VM |\n"
          "| code changes | yes (EDL, or Gramine) | no, run a normal OS | no |\n| trusted code size | small | large (whole guest OS) | large |\n"
          "| attestation | quote with MRENCLAVE | quote with MRTD + runtime measurement registers | report with launch measurement |\n\n"
          "With TDX you don't split your app: the whole VM is inside the trust boundary, and the host/hypervisor is "
          "outside. That's much easier to use, but the trusted computing base is bigger (kernel, libraries...), so "
          "the measurement has to cover the whole boot chain. The attestation idea is the same as you learned: a "
          "signed quote with measurements and 64 bytes of user data.")
    s.end()
    s.user("makes sense, thanks. add a row to my README index for this too")
    s.do(None, Write(PN.abs("notes/05-sgx-tdx-sev.md"),
                     "# 05 - SGX vs TDX vs SEV-SNP\n\n- SGX: enclave in a process, small TCB, code changes needed.\n"
                     "- TDX / SEV-SNP: whole confidential VM, no code changes, bigger TCB.\n- Attestation idea is the same: signed quote/report with measurements + user data.\n"),
         Read(PN.abs("README.md")))
    s.do(None, Edit(PN.abs("README.md"), "- [04 - Sealing](notes/04-sealing.md)\n",
                    "- [04 - Sealing](notes/04-sealing.md)\n- [05 - SGX vs TDX vs SEV-SNP](notes/05-sgx-tdx-sev.md)\n"))
    s.end()

    # --- B10 2026-01-18 notes: quiz -------------------------------------------------------------
    s = B.session(PN, "2026-01-18 16:00", "main", "2.1.5", "Self-quiz on TEE basics")
    s.user("quiz me on what I've learned so far, 5 questions, one at a time")
    s.say("Question 1: Name two things a TEE does **not** protect you from.")
    s.end()
    s.user("bugs in the enclave code, and side channels")
    s.say("Correct. Question 2: What's the difference between MRENCLAVE and MRSIGNER?")
    s.end()
    s.user("mrenclave is the hash of the code, mrsigner is the hash of the key that signed it")
    s.say("Right. Question 3: Why does an enclave need an ocall to print something?")
    s.end()
    s.user("because it can't do syscalls itself, the untrusted app does the I/O")
    s.say("Yes. Question 4: In remote attestation, who signs the quote, and what does the verifier compare?")
    s.end()
    s.user("the quoting enclave signs it with a key that chains to intel. the verifier checks the chain and compares "
           "the measurement with what it expects")
    s.say("Good, and it also checks the platform's TCB is up to date. Question 5: You sealed data with MRENCLAVE "
          "policy, then shipped a new version of the enclave. What happens?")
    s.end()
    s.user("the new version can't unseal it because the mrenclave changed. I should have used mrsigner")
    s.say("5/5. You've got the basics: isolation, the trust boundary, ecall/ocall, measurements, attestation and "
          "sealing. Natural next steps: remote attestation on real hardware (an SGX or TDX VM), then how TLS and key "
          "management are combined with attestation in practice.")
    s.end()
    return B


# ==============================================================================================
# sanity check and statistics
# ==============================================================================================

KEY_TERMS = [
    ("attestation", r"attestation"), ("quote", r"quote"), ("tdx", r"tdx"), ("rtmr3", r"rtmr[ _-]?3"),
    ("rtmr", r"rtmr"), ("measurement", r"measurement"), ("tls", r"tls"), ("enclave", r"enclave"),
    ("dstack", r"dstack"), ("phala", r"phala"), ("compose_hash", r"compose[ _-]?hash"),
    ("appauth", r"app[ _-]?auth"), ("kms", r"kms"), ("gcp", r"gcp"), ("gce", r"gce"),
    ("confidential_vm", r"confidential[ _-]?vms?"), ("tpm", r"v?tpm"), ("workload_identity", r"workload[ _-]?identity"),
    ("scale_encoding", r"scale[ _-]?(?:encod|codec)|compact<|parity[ _-]scale"), ("sgx", r"sgx"),
]


def _texts(rec):
    """The text a reader of the transcript sees: prompts, replies, thinking, tool inputs and outputs."""
    m = rec.get("message")
    if not isinstance(m, dict):
        return
    c = m.get("content")
    if isinstance(c, str):
        yield c
        return
    for b in c or []:
        t = b.get("type")
        if t == "text":
            yield b["text"]
        elif t == "thinking":
            yield b["thinking"]
        elif t == "tool_use":
            yield json.dumps(b["input"], ensure_ascii=False)
        elif t == "tool_result":
            cc = b.get("content")
            yield cc if isinstance(cc, str) else json.dumps(cc, ensure_ascii=False)


def stats(dsdir):
    files = records = 0
    sessions, projects, days = set(), set(), set()
    size = 0
    counts = {k: 0 for k, _ in KEY_TERMS}
    sess_with = {k: set() for k, _ in KEY_TERMS}
    rx = [(k, re.compile(r"(?<![a-z0-9])" + p, re.I)) for k, p in KEY_TERMS]
    types = {}
    for dirpath, _, names in os.walk(dsdir):
        for n in sorted(names):
            if not n.endswith(".jsonl"):
                continue
            p = os.path.join(dirpath, n)
            files += 1
            size += os.path.getsize(p)
            with open(p, encoding="utf-8") as f:
                for line in f:
                    rec = json.loads(line)          # every line must parse
                    records += 1
                    types[rec["type"]] = types.get(rec["type"], 0) + 1
                    if "sessionId" in rec:
                        sessions.add(rec["sessionId"])
                        projects.add(rec["cwd"])
                    if "timestamp" in rec and "uuid" in rec:
                        days.add(rec["timestamp"][:10])
                    for text in _texts(rec):
                        for k, r in rx:
                            c = len(r.findall(text))
                            if c:
                                counts[k] += c
                                sess_with[k].add(rec["sessionId"])
    return {"files": files, "records": records, "sessions": len(sessions), "projects": len(projects),
            "bytes": size, "first_day": min(days), "last_day": max(days), "active_days": len(days),
            "types": dict(sorted(types.items())),
            "mentions": {k: [counts[k], len(sess_with[k])] for k, _ in KEY_TERMS}}


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    report = {}
    for build in (build_tee_expert, build_gcp_tee, build_tee_beginner):
        ds = build(root)
        ds.write(root)
        report[ds.name] = stats(os.path.join(root, ds.name))
    for name, st in report.items():
        print("%-13s files=%d records=%d sessions=%d projects=%d bytes=%d days=%s..%s (%d active)"
              % (name, st["files"], st["records"], st["sessions"], st["projects"], st["bytes"],
                 st["first_day"], st["last_day"], st["active_days"]))
        print("              mentions [count, sessions]: " +
              ", ".join("%s=%s" % (k, v) for k, v in st["mentions"].items() if v[0]))


if __name__ == "__main__":
    main()
