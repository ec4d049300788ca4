#!/usr/bin/env bash
# The driver's metrics endpoint must not disturb training (issue 4):
#  1. the same 2-executor training, once unloaded and once under 10 s of wrk load on /metrics (and,
#     at the same time, on / and /metrics/executors/prometheus), writes byte-identical model files;
#     the load starts while the executors load or train (the run lingers so wrk never meets a closed
#     port), and wrk's requests/s and the overlap with training are printed;
#  2. a taken --metrics-port moves to the next free port and says so on stderr; with all 17 ports
#     (the port and the 16 after it) taken, training goes on without an endpoint (docs/metrics.md).
# Skips (77) only where wrk is missing.
# Usage: metrics_endpoint_test.sh TAD GEN_TRAIN_DATA WORK_DIR
set -euo pipefail
tad=$1 gen=$2 work=$3
wrk=${WRK:-/usr/bin/wrk}
[ -x "$wrk" ] || { echo "$wrk is not installed: skipping"; exit 77; }
source "$(dirname "$0")/../../scripts/mpi_env.sh"
rm -rf "$work" && mkdir -p "$work"
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
started_pids=()
trap 'for pid in "${started_pids[@]}"; do kill "$pid" 2>/dev/null || true; done' EXIT

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_for_http() {  # wait_for_http URL PID: until URL answers, while PID lives (up to 60 s)
  for _ in $(seq 600); do
    /usr/bin/python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' "$1" \
      2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

"$gen" "$work/ds" 2500000 >"$work/gen.log" 2>&1
train() {  # train NAME PORT [more tad train options]
  local name=$1 port=$2
  shift 2
  "$tad" train "$work/ds" --model "$work/$name.json" --json "$work/$name.results.json" --executors 2 --threads 1 \
    --max-depth 20 --metrics-address 127.0.0.1 --metrics-port "$port" "$@" >"$work/$name.out" 2>"$work/$name.err"
}

# 1. Unloaded, then loaded.
train unloaded "$(free_port)" || { cat "$work/unloaded.err" >&2; fail "unloaded training failed"; }

# The loaded run lingers past the load, so wrk never meets a closed port; the load starts as soon as
# the endpoint answers, while the executors are still loading or training.
port=$(free_port)
train loaded "$port" --metrics-linger 12 &
train_pid=$!
started_pids+=("$train_pid")
wait_for_http "http://127.0.0.1:$port/metrics" "$train_pid" || fail "the loaded run's endpoint never answered"
phase_at_load_start=$(/usr/bin/python3 -c '
import re, sys, urllib.request
text = urllib.request.urlopen(sys.argv[1], timeout=5).read().decode()
print(*re.findall(r"^tad_training_phase\{[^}]*phase=\"(\w+)\"[^}]*\} 1$", text, re.MULTILINE))' \
  "http://127.0.0.1:$port/metrics")
case $phase_at_load_start in
  starting | loading | binning | training) ;;
  *) fail "the load would start in phase '$phase_at_load_start', not during training" ;;
esac
cat >"$work/other_paths.lua" <<'EOF'
-- Alternates the status page and Spark's executor names.
local paths = {"/", "/metrics/executors/prometheus"}
local next_path = 0
request = function()
  next_path = next_path % #paths + 1
  return wrk.format("GET", paths[next_path])
end
EOF
load_start=$(date +%s.%N)
"$wrk" -t2 -c16 -d10s "http://127.0.0.1:$port/metrics" >"$work/wrk_metrics.txt" 2>&1 &
wrk_metrics_pid=$!
started_pids+=("$wrk_metrics_pid")
"$wrk" -t1 -c4 -d10s -s "$work/other_paths.lua" "http://127.0.0.1:$port" >"$work/wrk_other.txt" 2>&1 &
wrk_other_pid=$!
started_pids+=("$wrk_other_pid")
wait "$wrk_metrics_pid" || fail "wrk failed: $(cat "$work/wrk_metrics.txt")"
wait "$wrk_other_pid" || fail "wrk failed: $(cat "$work/wrk_other.txt")"
load_end=$(date +%s.%N)
wait "$train_pid" || { cat "$work/loaded.err" >&2; fail "training under load failed"; }
cmp "$work/unloaded.json" "$work/loaded.json" || fail "the model trained under wrk load differs"
# --json is written when training ends, before the linger: its time bounds the overlap.
/usr/bin/python3 - "$work" "$load_start" "$load_end" "$phase_at_load_start" <<'PY'
import json, os, sys
work, load_start, load_end, phase = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
trained_at = os.path.getmtime(f"{work}/loaded.results.json")
overlap = min(trained_at, load_end) - load_start
seconds = {run: json.load(open(f"{work}/{run}.results.json"))["timing"]["total_seconds"]
           for run in ("unloaded", "loaded")}
print(f"load began in phase {phase} and overlapped {overlap:.1f} s of training; "
      f"training took {seconds['unloaded']:.1f} s unloaded, {seconds['loaded']:.1f} s under load")
assert overlap > 0, "the load did not overlap training"
PY
echo "model under load is byte-identical to the unloaded one"

wrk_summary() {  # wrk_summary FILE PATHS: requests/s, and the errors wrk counted
  local file=$1 paths=$2 requests errors
  requests=$(awk '/^Requests\/sec:/ {print $2}' "$file")
  [ -n "$requests" ] || fail "no Requests/sec in $file: $(cat "$file")"
  errors=$(grep -E "Socket errors|Non-2xx" "$file" | tr -s ' ' | paste -sd ';' || true)
  echo "wrk $paths: $requests requests/s$([ -n "$errors" ] && echo " ($errors)")"
  awk -v r="$requests" 'BEGIN { exit !(r > 0) }' || fail "wrk got no answers from $paths"
  if grep -q "Non-2xx" "$file"; then fail "$paths answered non-2xx under load: $(cat "$file")"; fi
}
wrk_summary "$work/wrk_metrics.txt" "/metrics (-t2 -c16 -d10s)"
wrk_summary "$work/wrk_other.txt" "/ and /metrics/executors/prometheus (-t1 -c4 -d10s)"

# 2. A taken port. A Python listener holds the ports; tad must move on to the next one.
hold_ports() {  # hold_ports FIRST COUNT READY_FILE: listens on FIRST..FIRST+COUNT-1 until killed
  /usr/bin/python3 - "$@" <<'PY' &
import socket, sys, time
first, count, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
held = []
for port in range(first, first + count):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # the moved endpoint's port is in TIME_WAIT
    s.bind(("127.0.0.1", port))
    s.listen()
    held.append(s)
open(ready, "w").close()
time.sleep(600)
PY
  holder_pid=$!
  started_pids+=("$holder_pid")
  for _ in $(seq 100); do [ -e "$3" ] && return 0; sleep 0.1; done
  fail "could not hold ports $1..$(($1 + $2 - 1))"
}
# A run of 18 free ports: 17 to take, one more for the moved endpoint.
base=$(/usr/bin/python3 -c '
import random, socket
for _ in range(200):
    base = random.randrange(20000, 60000)
    try:
        for port in range(base, base + 18):
            s = socket.socket(); s.bind(("127.0.0.1", port)); s.close()
        print(base); break
    except OSError:
        pass')
[ -n "$base" ] || fail "found no 18 free ports in a row"
"$gen" "$work/small" 20000 >"$work/gen_small.log" 2>&1
short_train() {  # short_train NAME: 1 executor, a 3 s linger, on port base
  "$tad" train "$work/small" --model "$work/$1.json" --executors 1 --max-depth 4 --metrics-address 127.0.0.1 \
    --metrics-port "$base" --metrics-linger 3 >"$work/$1.out" 2>"$work/$1.err"
}

hold_ports "$base" 1 "$work/held1"
short_train moved &
train_pid=$!
started_pids+=("$train_pid")
wait_for_http "http://127.0.0.1:$((base + 1))/metrics" "$train_pid" ||
  fail "with port $base taken, nothing served on $((base + 1)): $(cat "$work/moved.err")"
wait "$train_pid" || fail "training with a taken port failed: $(cat "$work/moved.err")"
grep -q "port $base is in use; serving metrics on port $((base + 1))" "$work/moved.err" ||
  fail "stderr does not say where the endpoint moved: $(cat "$work/moved.err")"
echo "port $base taken: the endpoint moved to $((base + 1)) and said so"
kill "$holder_pid" && wait "$holder_pid" 2>/dev/null || true

hold_ports "$base" 17 "$work/held17"
short_train all_taken || fail "training with all 17 ports taken failed: $(cat "$work/all_taken.err")"
grep -q "training goes on without a metrics endpoint" "$work/all_taken.err" ||
  fail "stderr does not say the endpoint is off: $(cat "$work/all_taken.err")"
test -s "$work/all_taken.json" || fail "no model with all ports taken"
echo "ports $base..$((base + 16)) taken: training went on without an endpoint and said so"
echo "metrics_endpoint_test: ok"
