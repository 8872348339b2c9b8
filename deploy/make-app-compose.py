#!/usr/bin/env python3
"""deploy/make-app-compose.py IMAGE@sha256:DIGEST > app-compose.json

Write the dstack app-compose.json for teemed: deploy/docker-compose.yaml with the image
reference replaced, wrapped in the manifest (KMS keys, the dstack gateway in front of
`teemed serve` to terminate TLS, tcb_info public so owners can read it). Prints its SHA-256, the compose hash RTMR3 will record, on stderr.
The output is compact JSON with a fixed key order: the compose hash is over these exact
bytes, so deploy this file as written, never a re-serialised copy."""
import hashlib, json, os, re, sys

if len(sys.argv) != 2 or not re.fullmatch(r'[\w.:/-]+@sha256:[0-9a-f]{64}', sys.argv[1]):
    sys.exit('usage: make-app-compose.py IMAGE@sha256:DIGEST (a digest, not a tag)')
here = os.path.dirname(os.path.abspath(__file__))
compose = open(os.path.join(here, 'docker-compose.yaml')).read()
compose = compose.replace('ghcr.io/OWNER/teemed@sha256:IMAGE_DIGEST', sys.argv[1])
doc = {"manifest_version": 2, "name": "teemed", "runner": "docker-compose", "docker_compose_file": compose,
       "kms_enabled": True, "gateway_enabled": True, "public_logs": False, "public_sysinfo": False,
       "public_tcbinfo": True, "local_key_provider_enabled": False, "key_provider": "kms",
       "key_provider_id": "", "allowed_envs": [], "no_instance_id": False, "secure_time": False,
       "storage_fs": "ext4"}
text = json.dumps(doc, separators=(',', ':'))
sys.stdout.write(text)
print('compose hash', hashlib.sha256(text.encode()).hexdigest(), file=sys.stderr)
