#!/usr/bin/env bash
# make demo: synthesise ZTE_TAD-like captures, extract per-packet features to Parquet, train a
# depth-5 decision tree on 2 MPI executors (train prints the results table), write the HTML report.
# Usage: scripts/demo.sh BUILD_TAD DEMO_DIR   (an older DEMO_DIR is replaced)
set -euo pipefail

if (($# != 2)); then
  echo "usage: $0 BUILD_TAD DEMO_DIR" >&2
  exit 2
fi
TAD=$(realpath "$1")
DEMO_DIR=$2
PACKETS=${DEMO_PACKETS:-200000}
SEED=${DEMO_SEED:-2024}
EXECUTORS=${DEMO_EXECUTORS:-2}

if [ ! -x "$TAD" ]; then
  echo "demo: $TAD is not an executable (run make build)" >&2
  exit 1
fi
# OpenMPI refuses to run as root unless told (containers, CI); the Makefile exports these too.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

step() { printf '\n== %s\n' "$*"; }

rm -rf "$DEMO_DIR"
mkdir -p "$DEMO_DIR"

step "1/4 synthesise $PACKETS packets of ZTE_TAD-like captures (seed $SEED) → $DEMO_DIR/captures"
"$TAD" synth "$DEMO_DIR/captures" --packets "$PACKETS" --seed "$SEED"

step "2/4 extract per-packet features → $DEMO_DIR/dataset (Parquet, one partition per category)"
"$TAD" extract "$DEMO_DIR/captures" --out "$DEMO_DIR/dataset"

step "3/4 train a decision tree on $EXECUTORS executors → $DEMO_DIR/model.json, $DEMO_DIR/run"
"$TAD" train "$DEMO_DIR/dataset" --model "$DEMO_DIR/model.json" --executors "$EXECUTORS" --run-dir "$DEMO_DIR/run"

step "4/4 report"
report=$("$TAD" report "$DEMO_DIR/run" | tail -n 1)
printf '\ndemo: done. Report: %s\n' "$(realpath "$report")"
