#!/bin/sh
# teemed-entrypoint - first start: create the data dir on the dstack backend (keys from
# the guest agent; the data volume is the CVM's encrypted disk). Every start: write the
# mediator's own attestation to $TEEMED_DATA/mediator.json, which emits the binary's
# measurement into RTMR3 once per boot, then hand over to the given command (default:
# `teemed serve` on port 8080 of the CVM, reached only through the dstack gateway, which
# terminates TLS: docs/deploy.md, "Serving").
set -e
[ -e "$TEEMED_DATA/tee/backend" ] || teemed init --tee dstack
teemed attest > "$TEEMED_DATA/mediator.json.new"
mv "$TEEMED_DATA/mediator.json.new" "$TEEMED_DATA/mediator.json"
if [ $# -gt 0 ]; then exec "$@"; fi
exec teemed serve --listen 0.0.0.0:8080 --allow-public
