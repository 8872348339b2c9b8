# agent.sh - the fake dstack guest agent for the dstack tests (sourced after lib.sh;
# FX names the fixture). start_agent [fake-dstack-agent.py options]; stop_agent.
AGENT="$(dirname "$0")/fake-dstack-agent.py"
start_agent() {
    rm -f "$T/agent.log"
    python3 "$AGENT" "$T/agent.sock" "$FX" "$T/agent.log" "$@" & apid=$!
    i=0; while [ ! -S "$T/agent.sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    [ -S "$T/agent.sock" ] || fail "the fake agent did not start"
}
stop_agent() { kill $apid 2>/dev/null; wait $apid 2>/dev/null; rm -f "$T/agent.sock"; }
trap 'stop_agent; rm -rf "$T"' EXIT
export DSTACK_SIMULATOR_ENDPOINT="$T/agent.sock"
