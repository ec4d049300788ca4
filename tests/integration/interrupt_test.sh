#!/usr/bin/env bash
# Ctrl-C and SIGTERM stop a job (issue 11): `tad train --executors N` under real mpirun with 1, 2
# and 3 executors, signalled as a terminal does (its whole process group) or as `kill PID` does
# (the launcher alone), and `tad bench scaling` during one of its runs. Each must end with exit
# 130 (SIGINT) or 143 (SIGTERM), leave no rank running (pgrep), write no model, results or run file
# (not even a temporary), and print nothing to stdout. Every run is bounded by `timeout`.
# Usage: interrupt_test.sh TAD GEN_TRAIN_DATA WORK_DIR
set -euo pipefail
tad=$1 gen=$2 work=$3
source "$(dirname "$0")/test_lib.sh"
rm -rf "$work" && mkdir -p "$work"

"$gen" "$work/ds" 200000 >/dev/null
# A training far longer than the test waits before signalling: a deep forest on one thread.
long=(--classifier random-forest --num-trees 400 --max-depth 20 --threads 1 --metrics-port 0)

# ranks PATTERN: the tad processes (launcher and ranks; not mpirun, whose command line starts
# with mpirun) whose command line matches PATTERN.
ranks() { pgrep -f "^$tad .*$1" | wc -l; }

# wait_for_processes PATTERN COUNT: until COUNT tad processes match (the ranks have started).
wait_for_processes() {
  for _ in $(seq 300); do
    [ "$(ranks "$1")" -ge "$2" ] && { sleep 0.5; return; }
    sleep 0.1
  done
  fail "$1: $2 processes never appeared"
}

# interrupt NAME SIGNAL TARGET PROCESSES EXPECTED -- COMMAND...: starts COMMAND as its own process
# group, waits until PROCESSES tad processes run it, sends SIGNAL to the group or the leader
# alone (TARGET group|leader) and checks the outcome.
interrupt() {
  local name=$1 signal=$2 target=$3 processes=$4 expected=$5; shift 6
  local run="$work/$name"
  mkdir -p "$run"
  setsid "$@" >"$run/stdout" 2>"$run/stderr" &
  local leader=$!
  wait_for_processes "$name/" "$processes"
  if [ "$target" = group ]; then kill -s "$signal" -- "-$leader"; else kill -s "$signal" "$leader"; fi
  # Bounded: a command still running 10 s after the signal fails the test (and is killed).
  for _ in $(seq 100); do kill -0 "$leader" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$leader" 2>/dev/null; then
    kill -s KILL -- "-$leader"
    pkill -KILL -f "^$tad .*$name/" || true
    fail "$name: still running 10 s after SIG$signal"
  fi
  set +e
  wait "$leader"
  local status=$?
  set -e
  [ "$status" -eq "$expected" ] || fail "$name: exit $status, expected $expected: $(cat "$run/stderr")"
  [ "$(ranks "$name/")" -eq 0 ] || fail "$name: a tad process is still running: $(pgrep -af "^$tad .*$name/")"
  sleep 1  # an abandoned rank would write its model in this time
  local left
  # bench scaling keeps the log of the run it stopped, nothing else.
  left=$(find "$run/out" -type f ! -name '*.log' 2>/dev/null || true)
  [ -z "$left" ] || fail "$name: files were left: $left"
  [ ! -s "$run/stdout" ] || fail "$name: printed as if it had finished: $(cat "$run/stdout")"
  ! grep -q "accuracy" "$run/stderr" || fail "$name: printed results: $(cat "$run/stderr")"
  echo "$name: exit $status; stderr: $(cat "$run/stderr")"
}

train() { echo "$tad" train "$work/ds" --run-dir "$work/$1/out" --executors "$2" "${long[@]}"; }

interrupt exec1_int INT group 1 130 -- $(train exec1_int 1)
interrupt exec1_term TERM leader 1 143 -- $(train exec1_term 1)
interrupt exec2_int_group INT group 3 130 -- $(train exec2_int_group 2)
interrupt exec2_int_launcher INT leader 3 130 -- $(train exec2_int_launcher 2)
interrupt exec2_term_group TERM group 3 143 -- $(train exec2_term_group 2)
interrupt exec3_int_group INT group 4 130 -- $(train exec3_int_group 3)
interrupt exec3_term_launcher TERM leader 4 143 -- $(train exec3_term_launcher 3)

# bench scaling: the signal stops the run in progress (bench, its tad train launcher, 2 ranks).
for target in group leader; do
  name=bench_$target
  interrupt "$name" INT "$target" 4 130 -- "$tad" bench scaling "$work/ds" --executors 2 \
    --out "$work/$name/out" -- "${long[@]}"
done
echo "interrupt_test: all cases passed"
