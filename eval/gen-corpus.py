#!/usr/bin/env python3
"""gen-corpus.py - the evaluation corpus: Claude Code trees with planted truth.

    gen-corpus.py OUT [--seed N]

Written apart from examples/ and scripts/gen-logs.py, in another style: agents that chat,
hedge and thank; long tool outputs; system reminders and harness errors; debugging told
by the user first, a failing tool second. It plants, in three unrelated domains (TEE,
genomics, robotics) and two datasets per domain (an experienced one and a learner's):

  * topics: each planted term with an exact mention count and the sessions it is in;
    shared topics (in both datasets of a domain), unique ones, and the learner's covered
    topics;
  * debugging problems: each a symptom, a cause and a fix, repeated in a known number of
    sessions and projects, with a near-miss distractor that shares the symptom's prefix
    but has another cause and fix.

Writes OUT/DATASET/<project dir>/<session>.jsonl and OUT/truth.json. The vocabulary of the
noise never contains a planted term. Same seed, same bytes.
"""
import argparse
import json
import os
import random
import uuid

# Each domain: topics (term, level), problems (symptom, cause, fix steps, fix), and a
# distractor per problem: the same symptom prefix, another cause and fix.
DOMAINS = {
    "tee": {
        "projects": ["quote-checker", "cvm-deployer", "sealed-kv", "attested-proxy"],
        "topics": [("attestation", "basic"), ("remote attestation", "basic"), ("enclave", "basic"),
                   ("sealing", "basic"), ("measurement", "basic"), ("tdx module", "advanced"),
                   ("rtmr", "advanced"), ("mrtd", "advanced"), ("event log replay", "advanced"),
                   ("pck certificate", "advanced"), ("tcb recovery", "advanced"), ("collateral", "advanced"),
                   ("quoting enclave", "advanced"), ("ra-tls", "advanced"), ("key derivation", "basic"),
                   ("confidential vm", "basic"), ("sgx", "basic"), ("dcap", "advanced")],
        "problems": [
            {"symptom": "quote rejected: rtmr3 does not match the expected value",
             "cause": "the compose file changed after the measurement was pinned",
             "steps": [("Replayed", "the event log"), ("Compared", "rtmr3 with the pinned value"),
                       ("Found", "a changed compose file")],
             "fix": "Pin the new compose hash and redeploy the confidential vm",
             "distractor": {"symptom": "quote rejected: tcb status is out of date",
                            "cause": "the platform missed a microcode update",
                            "steps": [("Fetched", "fresh collateral"), ("Checked", "the tcb level")],
                            "fix": "Apply the microcode update and refresh the collateral"}},
            {"symptom": "sealed blob cannot be opened after the upgrade",
             "cause": "the sealing policy bound the key to the old measurement",
             "steps": [("Read", "the sealing policy"), ("Compared", "the old and new measurement")],
             "fix": "Seal to the signer identity instead of the measurement",
             "distractor": {"symptom": "sealed blob cannot be opened on the second host",
                            "cause": "sealing keys are per machine",
                            "steps": [("Checked", "the host identity")],
                            "fix": "Migrate the secret through the key broker"}},
        ],
    },
    "genomics": {
        "projects": ["variant-pipeline", "rnaseq-quant", "panel-qc", "cohort-joint"],
        "topics": [("fastq", "basic"), ("read alignment", "basic"), ("reference genome", "basic"),
                   ("samtools", "basic"), ("coverage depth", "basic"), ("variant calling", "basic"),
                   ("vcf", "basic"), ("duplicate marking", "advanced"), ("base quality recalibration", "advanced"),
                   ("joint genotyping", "advanced"), ("structural variants", "advanced"), ("phasing", "advanced"),
                   ("liftover", "advanced"), ("adapter trimming", "basic"), ("bam index", "basic"),
                   ("nextflow", "advanced"), ("haplotype caller", "advanced"), ("allele frequency", "basic")],
        "problems": [
            {"symptom": "samtools index failed: file is not sorted",
             "cause": "the aligner wrote reads in name order",
             "steps": [("Inspected", "the bam header"), ("Checked", "the sort order field")],
             "fix": "Sort the bam by coordinate before indexing",
             "distractor": {"symptom": "samtools index failed: truncated file",
                            "cause": "the alignment job ran out of disk",
                            "steps": [("Checked", "the free disk space")],
                            "fix": "Rerun the alignment with more scratch space"}},
            {"symptom": "variant calls are missing on chromosome x",
             "cause": "the reference used chrX while the intervals used X",
             "steps": [("Listed", "the contig names"), ("Compared", "the interval file with the reference")],
             "fix": "Rename the contigs in the interval file to match the reference",
             "distractor": {"symptom": "variant calls are missing on every sample",
                            "cause": "the sample sheet pointed at empty files",
                            "steps": [("Counted", "the reads per sample")],
                            "fix": "Fix the paths in the sample sheet"}},
        ],
    },
    "robotics": {
        "projects": ["arm-controller", "rover-nav", "drone-fc", "gripper-fw"],
        "topics": [("ros2", "basic"), ("urdf", "basic"), ("odometry", "basic"), ("imu", "basic"),
                   ("pid controller", "basic"), ("kalman filter", "advanced"), ("slam", "advanced"),
                   ("lidar", "basic"), ("inverse kinematics", "advanced"), ("path planning", "advanced"),
                   ("costmap", "advanced"), ("motor driver", "basic"), ("i2c bus", "basic"),
                   ("freertos", "advanced"), ("interrupt latency", "advanced"), ("servo", "basic"),
                   ("gazebo", "basic"), ("sensor fusion", "advanced")],
        "problems": [
            {"symptom": "transform lookup failed: frame base_link does not exist",
             "cause": "the robot state publisher was started without the urdf",
             "steps": [("Listed", "the tf frames"), ("Checked", "the launch file")],
             "fix": "Pass the urdf to the robot state publisher in the launch file",
             "distractor": {"symptom": "transform lookup failed: extrapolation into the future",
                            "cause": "the clocks of the two computers drift",
                            "steps": [("Compared", "the timestamps")],
                            "fix": "Synchronise the clocks with chrony"}},
            {"symptom": "motor stalls when the arm lifts the payload",
             "cause": "the current limit of the motor driver was set too low",
             "steps": [("Logged", "the motor current"), ("Read", "the driver configuration")],
             "fix": "Raise the current limit of the motor driver",
             "distractor": {"symptom": "motor stalls after a few seconds at idle",
                            "cause": "the watchdog cuts the driver",
                            "steps": [("Read", "the watchdog settings")],
                            "fix": "Feed the watchdog from the control loop"}},
        ],
    },
}

# Everyday and agentic talk: what every conversation with a coding agent sounds like.
# None of it may be a planted term (checked below).
CHAT_USER = ["hey, quick one", "thanks!", "perfect, that works", "hmm, not quite", "can you also take a look",
             "sounds good, go ahead", "wait, before that", "ok let's keep going", "nice", "I'm not sure about this",
             "could you double check", "let's try again", "great, ship it", "what do you think?",
             "sorry, I meant the other one", "please keep it short"]
CHAT_AGENT = ["Let me take a look.", "I'll start by reading the relevant files.", "Good catch.",
              "That makes sense.", "I've made the change.", "Here's what I found:", "Let me verify that.",
              "Done. Anything else?", "I'll run it again to confirm.", "Looking at this now.",
              "You're right, my mistake.", "Let me search the codebase.", "I'll update the todo list.",
              "Now I understand the issue.", "Let me check the output.", "All set."]
REMINDERS = ["<system-reminder>\nThe TodoWrite tool hasn't been used recently. If you're working on tasks that "
             "would benefit from tracking progress, consider using the TodoWrite tool.\n</system-reminder>",
             "<system-reminder>\nWhenever you read a file, you should consider whether it would be considered "
             "malware. You CAN and SHOULD provide analysis of malware, what it is doing. But you MUST refuse to "
             "improve or augment the code.\n</system-reminder>",
             "<system-reminder>\nAs you answer the user's questions, you can use the following context: the "
             "current date, the working directory and the available skills.\n</system-reminder>"]
HARNESS_ERRORS = ["File has not been read yet. Read it first before writing to it.",
                  "String to replace not found in file.",
                  "Found 2 matches of the string to replace, but replace_all is false.",
                  "The user doesn't want to proceed with this tool use. The tool use was rejected."]
LISTING = ("total 64\ndrwxr-xr-x  7 agent staff  224 Mar  2 09:14 .\ndrwxr-xr-x 12 agent staff  384 Mar  2 09:10 ..\n"
           "-rw-r--r--  1 agent staff 1204 Mar  2 09:14 Makefile\n-rw-r--r--  1 agent staff 2211 Mar  2 09:14 README.md\n"
           "drwxr-xr-x  5 agent staff  160 Mar  2 09:12 src\ndrwxr-xr-x  4 agent staff  128 Mar  2 09:12 tests")
GIT = "On branch main\nYour branch is up to date with 'origin/main'.\n\nnothing to commit, working tree clean"
TESTS_OK = "collected 18 items\n\n................ [100%]\n\n18 passed in 0.41s"

# Datasets: per domain an experienced one and a learner's. The learner covers the basic
# topics and two of its own; the experienced one covers all but the learner's own.
SESSIONS = {"expert": 14, "learner": 10}


def plan(rng, name, dom):
    topics = [t for t, _ in dom["topics"]]
    basic = [t for t, lv in dom["topics"] if lv == "basic"]
    advanced = [t for t, lv in dom["topics"] if lv == "advanced"]
    # the learner's own topics: none of their words may occur in the experienced
    # dataset's text (its other topics, its problems' symptoms, causes, fixes, steps),
    # or they would be shared in fact
    ptext = set(" ".join(x for p in dom["problems"] for q in (p, p["distractor"])
                         for x in [q["symptom"], q["cause"], q["fix"]] + [v + " " + o for v, o in q["steps"]])
                .lower().replace(":", " ").split())
    own_ok = [t for t in basic if not set(t.split()) & ptext
              and not any(set(t.split()) & set(u.split()) for u in topics if u != t)]
    learner_own = rng.sample(own_ok, min(2, len(own_ok)))
    assert learner_own, "no topic can be the learner's own"
    learner = [t for t in basic]
    expert = [t for t in topics if t not in learner_own]
    return {"expert": expert, "learner": learner, "learner_own": learner_own, "advanced": advanced}


class Writer:
    def __init__(self, rng, user, project):
        self.rng = rng
        self.cwd = "/Users/%s/code/%s" % (user, project)
        self.sid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        self.parent = None
        self.t = 1772400000000 + rng.randint(0, 40 * 86400000)
        self.out = []
        self.mentions = {}

    def rec(self, kind, **kw):
        self.t += self.rng.randint(500, 20000)
        u = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        r = {"type": kind, "uuid": u, "parentUuid": self.parent, "sessionId": self.sid, "cwd": self.cwd,
             "timestamp": "%sZ" % __import__("datetime").datetime.utcfromtimestamp(self.t / 1000).isoformat(
                 timespec="milliseconds"), "version": "2.0.31", "gitBranch": "main", "userType": "external",
             "isSidechain": False}
        r.update(kw)
        self.parent = u
        self.out.append(json.dumps(r, separators=(",", ":"), ensure_ascii=False))

    def user(self, text, reminder=False):
        content = text if not reminder else [{"type": "text", "text": text},
                                             {"type": "text", "text": self.rng.choice(REMINDERS)}]
        self.rec("user", message={"role": "user", "content": content})

    def agent(self, text):
        self.rec("assistant", message={"id": "msg_%022x" % self.rng.getrandbits(88), "type": "message",
                                       "role": "assistant", "model": "claude-opus-4-1",
                                       "content": [{"type": "text", "text": text}]})

    def tool(self, name, inp, out, error=False):
        tid = "toolu_%022x" % self.rng.getrandbits(88)
        self.rec("assistant", message={"id": "msg_%022x" % self.rng.getrandbits(88), "type": "message",
                                       "role": "assistant", "model": "claude-opus-4-1",
                                       "content": [{"type": "tool_use", "id": tid, "name": name, "input": inp}]})
        block = {"type": "tool_result", "tool_use_id": tid, "content": out}
        if error:
            block["is_error"] = True
        self.rec("user", message={"role": "user", "content": [block]},
                 toolUseResult=("Error: " + out) if error else {"stdout": out, "stderr": ""})

    def mention(self, term, text):
        self.mentions[term] = self.mentions.get(term, 0) + 1
        return text

    def noise(self):
        r = self.rng.random()
        if r < 0.25:
            self.tool("Bash", {"command": "ls -la", "description": "List files"}, LISTING)
        elif r < 0.4:
            self.tool("Bash", {"command": "git status"}, GIT)
        elif r < 0.55:
            self.tool("Edit", {"file_path": self.cwd + "/src/app.py", "old_string": "x", "new_string": "y"},
                      self.rng.choice(HARNESS_ERRORS), error=True)
        elif r < 0.7:
            self.tool("Bash", {"command": "make test"}, TESTS_OK)
        elif r < 0.85:
            self.user(self.rng.choice(CHAT_USER), reminder=self.rng.random() < 0.5)
        else:
            self.agent(self.rng.choice(CHAT_AGENT))


def topic_turn(w, rng, term):
    """One exchange that mentions term exactly twice (once by the user, once by the agent)."""
    u = rng.choice(["How should I approach %s here?", "Can you explain how %s works in this project?",
                    "I want to get %s right before the release.", "Is our %s setup reasonable?"]) % term
    w.user(w.mention(term, u), reminder=rng.random() < 0.3)
    a = rng.choice(["In this codebase %s is handled in one place; I'll walk through it.",
                    "The short version: %s depends on the config we load at start.",
                    "I checked the code paths that touch %s and summarised them below.",
                    "Here is how %s fits together, step by step."]) % term
    w.agent(w.mention(term, a))


def debug_turn(w, rng, p, project):
    """A problem the user reports first; a failing tool; investigation; the fix; success."""
    w.user(rng.choice(["Something broke: %s. Any idea?", "Seeing this again: %s", "Help, %s",
                       "The build log says %s - what now?"]) % p["symptom"])
    w.agent(rng.choice(CHAT_AGENT))
    w.tool("Bash", {"command": "make check", "description": "Reproduce"}, "Error: %s\nexit status 1" % p["symptom"],
           error=True)
    for verb, obj in p["steps"]:
        w.agent("%s %s." % (verb, obj))
        w.noise()
    w.agent("The cause: %s." % p["cause"])
    w.tool("Bash", {"command": "make deploy", "description": "Apply the fix"}, "applied")
    w.agent("Fix: %s." % p["fix"])
    w.tool("Bash", {"command": "make check"}, TESTS_OK)
    w.user(rng.choice(["works now, thanks", "confirmed, it's fixed", "great, that did it"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    planted = {t for d in DOMAINS.values() for t, _ in d["topics"]}
    noise_text = " ".join(CHAT_USER + CHAT_AGENT + REMINDERS + HARNESS_ERRORS + [LISTING, GIT, TESTS_OK]).lower()
    for t in planted:
        assert " %s " % t not in " %s " % noise_text, "noise contains a planted term: " + t
    truth = {"seed": a.seed, "k": 3, "datasets": {}, "domains": {}}
    for dname, dom in DOMAINS.items():
        pl = plan(rng, dname, dom)
        truth["domains"][dname] = {"advanced": pl["advanced"], "datasets": []}
        for role in ("expert", "learner"):
            ds = "%s-%s" % (dname, role)
            user = rng.choice(["sam", "ari", "kim", "lee", "max"]) + str(rng.randint(1, 99))
            topics = pl[role]
            nsess = SESSIONS[role]
            projects = dom["projects"][: 3 if role == "expert" else 2]
            # each topic in a known set of sessions (at least 4, so k = 3 holds), mentioned twice per turn
            where = {t: sorted(rng.sample(range(nsess), rng.randint(4, nsess))) for t in topics}
            # problems (experienced datasets only): each in a known number of sessions; distractors once less
            probs = []
            if role == "expert":
                for p in dom["problems"]:
                    s = sorted(rng.sample(range(nsess), rng.randint(4, 7)))
                    dsess = sorted(rng.sample(range(nsess), rng.randint(3, 4)))
                    probs.append((p, s, dsess))
            mentions, pfreq = {}, []
            sess_projects = [projects[i % len(projects)] for i in range(nsess)]
            for i in range(nsess):
                w = Writer(rng, user, sess_projects[i])
                turns = []
                for t in topics:
                    if i in where[t]:
                        turns += [("topic", t)] * rng.randint(1, 3)
                for p, s, dsess in probs:
                    if i in s:
                        turns.append(("debug", p))
                    if i in dsess:
                        turns.append(("debug", p["distractor"]))
                turns += [("noise", None)] * rng.randint(6, 14)
                rng.shuffle(turns)
                for kind, x in turns:
                    if kind == "topic":
                        topic_turn(w, rng, x)
                    elif kind == "debug":
                        debug_turn(w, rng, x, sess_projects[i])
                    else:
                        w.noise()
                for t, n in w.mentions.items():
                    mentions[t] = mentions.get(t, 0) + n
                pdir = "-" + w.cwd.strip("/").replace("/", "-")
                d = os.path.join(a.out, ds, pdir)
                os.makedirs(d, exist_ok=True)
                with open(os.path.join(d, w.sid + ".jsonl"), "w") as f:
                    f.write("\n".join(w.out) + "\n")
            for p, s, dsess in probs:
                for prob, ss in ((p, s), (p["distractor"], dsess)):
                    pfreq.append({"symptom": prob["symptom"], "cause": prob["cause"], "fix": prob["fix"],
                                  "sessions": len(ss), "projects": len({sess_projects[i] for i in ss}),
                                  "distractor": prob is not p})
            truth["datasets"][ds] = {"domain": dname, "role": role, "sessions": nsess, "topics": sorted(topics),
                                     "mentions": mentions, "problems": pfreq}
            truth["domains"][dname]["datasets"].append(ds)
    with open(os.path.join(a.out, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
