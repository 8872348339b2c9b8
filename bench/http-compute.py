#!/usr/bin/env python3
"""The computations over HTTP, end to end, as an agent runs them: POST /v1/requests
(auto-approved by the owner's policy, so the mediator computes it in the same call)
then GET /v1/requests/ID/result, on one keep-alive connection. Prints p50 and p99 in ms
per computation.
    http-compute.py URL TOKEN DATASET_A DATASET_B N"""
import http.client
import json
import sys
import time
from urllib.parse import urlparse

url, token, a, b, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
u = urlparse(url)
conn = http.client.HTTPConnection(u.hostname, u.port)
auth = {"Authorization": "Bearer " + token}


def call(method, path, body=None):
    headers = dict(auth)
    if body is not None:
        body = json.dumps(body)
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    data = r.read()
    if r.status >= 300:
        sys.exit("http-compute: %s %s: %d %s" % (method, path, r.status, data[:300]))
    return json.loads(data)


def once(kind):
    req = {"computation": kind, "datasets": [a, b]}
    if kind == "debug":
        req = {"computation": kind, "datasets": [a], "query": "connection refused after restart"}
    t = time.perf_counter()
    st = call("POST", "/v1/requests", req)
    if st.get("status") != "done":
        sys.exit("http-compute: %s was not computed at once: %s" % (kind, json.dumps(st)[:300]))
    res = call("GET", "/v1/requests/%s/result" % st["request_id"])
    ms = (time.perf_counter() - t) * 1000
    if "result" not in res and "attestation" not in res:
        sys.exit("http-compute: %s: no result in %s" % (kind, json.dumps(res)[:300]))
    return ms


for kind in ("overlap", "gap", "debug"):
    for _ in range(3):  # warm: the first call unseals the profiles into the cache
        once(kind)
    v = sorted(once(kind) for _ in range(n))
    print("  %-8s p50 %6.2f ms  p99 %6.2f ms  (%d requests, create + result)"
          % (kind, v[len(v) // 2], v[min(len(v) - 1, int(len(v) * 0.99))], n))
