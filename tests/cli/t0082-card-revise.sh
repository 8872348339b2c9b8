# A card published before the market knew which words are everyday vocabulary is
# revised once they are: the third dataset makes "gizmoframe" (said in every session of
# all three) ambient, and the first two cards stop naming it - signed again, still
# verifiable, volume and commitment unchanged, a "card" entry in the owner's audit trail.
. "$(dirname "$0")/lib.sh"
for s in 1 2 3 4; do
    mk "$T/a/p" "a$s" "1$s" "Gizmoframe. The lidar odometry; the costmap inflation and the lidar odometry drift again."
    mk "$T/b/p" "b$s" "1$s" "Gizmoframe. The haplotype phasing; the liftover chain and the haplotype phasing run again."
    mk "$T/c/p" "c$s" "1$s" "Gizmoframe. The kubelet eviction; the kubelet eviction and the etcd quorum fail again."
done
expect_code 0 "$TEEMED" init
expect_code 0 "$TEEMED" account create alice --save
expect_code 0 "$TEEMED" --as alice onboard --id robo "$T/a"
cp "$T/out" "$T/robo-1.json"
contains "$T/robo-1.json" '"gizmoframe"'        # alone, nothing is ambient yet
expect_code 0 "$TEEMED" --as alice onboard --id geno "$T/b"
contains "$T/out" '"gizmoframe"'
expect_code 0 "$TEEMED" --as alice onboard --id kube "$T/c"
lacks "$T/out" '"gizmoframe"'                  # the third card is built without it
expect_code 0 "$TEEMED" card robo
cp "$T/out" "$T/robo-2.json"
lacks "$T/robo-2.json" '"gizmoframe"'
contains "$T/robo-2.json" '"costmap_inflation"'
python3 - "$T/robo-1.json" "$T/robo-2.json" <<'PY' || fail "revision changed what it must keep"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for k in ("volume", "commitment", "commitment_info", "privacy", "created_at", "dataset_id", "owner"):
    assert a[k] == b[k], k
assert a["attestation"]["signature"] != b["attestation"]["signature"]
PY
expect_code 0 "$TEEMED" verify --allow-simulated "$T/robo-2.json"
expect_code 0 "$TEEMED" card geno
lacks "$T/out" '"gizmoframe"'
expect_code 0 "$TEEMED" --as alice audit robo --json
contains "$T/out" '"event":"card"'
contains "$T/out" '"chain_ok":true'
# the search index follows the revised card
expect_code 0 "$TEEMED" cards --search gizmoframe --json
contains "$T/out" '"cards":[]'
