# Markdown/text files and generic JSONL: each file is a session; a term in three files
# passes k = 3, a term in one file does not; outside every taxonomy themes still appear.
. "$(dirname "$0")/lib.sh"
mkdir -p "$T/notes" "$T/gen"
for i in 1 2 3; do
    printf '# Robot notes %s\n\nThe lidar odometry drifts; tune the kalman filter and the slam loop closure.\n\nMore lidar calibration with the kalman gain.\n' "$i" > "$T/notes/n$i.md"
    printf '{"text":"lidar odometry with a kalman filter"}\n{"content":"slam loop closure and lidar"}\n' > "$T/gen/g$i.jsonl"
done
printf 'zanzibarquux appears only here, many times: zanzibarquux zanzibarquux\n' > "$T/notes/only.txt"
init_with r
expect_code 0 "$TEEMED" onboard --as r --id robots --k 3 "$T/notes" "$T/gen"
contains "$T/out" '"sessions":7'
contains "$T/out" '"records":16'
contains "$T/out" '"projects":2'
contains "$T/out" '"lidar"'
contains "$T/out" '"kalman"'
contains "$T/out" '"themes":[{"label":"'
lacks "$T/out" 'zanzibarquux'
exit 0
