#!/usr/bin/env bash
# make demo: synthesise ZTE_TAD-like captures, extract per-packet and per-flow features to Parquet,
# train a depth-5 decision tree on 2 MPI executors on each, with a row split and a file split (whole
# captures held out), print the four accuracies side by side, write one HTML report with the four
# runs side by side.
# Usage: scripts/demo.sh BUILD_TAD DEMO_DIR   (an older DEMO_DIR is replaced)
set -euo pipefail

if (($# != 2)); then
  echo "usage: $0 BUILD_TAD DEMO_DIR" >&2
  exit 2
fi
TAD=$(realpath "$1")
DEMO_DIR=$2
# 400,000 packets in 20 captures per category: enough flows (about 4,800) and held-out captures
# (about 55) for the file split to measure something (docs/synth.md).
PACKETS=${DEMO_PACKETS:-400000}
FILES=${DEMO_FILES_PER_CATEGORY:-20}
SEED=${DEMO_SEED:-2024}
EXECUTORS=${DEMO_EXECUTORS:-2}

if [ ! -x "$TAD" ]; then
  echo "demo: $TAD is not an executable (run make build)" >&2
  exit 1
fi
# OpenMPI refuses to run as root unless told (containers, CI); the Makefile exports these too.
source "$(dirname "$0")/mpi_env.sh"

step() { printf '\n== %s\n' "$*"; }

rm -rf "$DEMO_DIR"
mkdir -p "$DEMO_DIR"

step "1/5 synthesise $PACKETS packets of ZTE_TAD-like captures (seed $SEED) → $DEMO_DIR/captures"
"$TAD" synth "$DEMO_DIR/captures" --packets "$PACKETS" --seed "$SEED" --files-per-category "$FILES"

step "2/5 extract per-packet and per-flow features → $DEMO_DIR/packets, $DEMO_DIR/flows (Parquet)"
"$TAD" extract "$DEMO_DIR/captures" --out "$DEMO_DIR/packets"
"$TAD" extract "$DEMO_DIR/captures" --out "$DEMO_DIR/flows" --flows

step "3/5 train a decision tree on $EXECUTORS executors: packets and flows, split by row and by file"
for rows in packets flows; do
  for split in row file; do
    "$TAD" train "$DEMO_DIR/$rows" --model "$DEMO_DIR/model-$rows-$split.json" --executors "$EXECUTORS" \
      --split-by "$split" --run-dir "$DEMO_DIR/run-$rows-$split"
  done
done

step "4/5 side by side: a row split tests on captures the tree has seen; a file split on new captures"
/usr/bin/python3 - "$DEMO_DIR" <<'PY'
import json, sys
demo = sys.argv[1]
print("| rows | --split-by row | --split-by file |")
print("|---|---|---|")
for rows in ("packets", "flows"):
    accuracy = [json.load(open(f"{demo}/run-{rows}-{split}/results.json"))["metrics"]["accuracy"] for split in ("row", "file")]
    print(f"| {rows} | {accuracy[0]:.3f} | {accuracy[1]:.3f} |")
PY

step "5/5 report: the four runs side by side, each with its confusion matrix, importances and rules"
report=$("$TAD" report "$DEMO_DIR"/run-{packets,flows}-{row,file} --out "$DEMO_DIR/report.html" | tail -n 1)
printf '\ndemo: done. Report: %s\n' "$(realpath "$report")"
