#!/usr/bin/env bash
# Load benchmark (make bench): tad's load of the training benchmark's dataset (ROWS rows × 12
# numeric features, NULLs in one, 13 classes, hive-partitioned Parquet; scripts/bench_train.sh's
# generator) against DuckDB's own SELECT of the same 12 columns into memory, in the same run.
# tad's load is everything before training in `tad train` (DuckDB start-up, dataset metadata,
# reading, train/test split, bin edges, binning: timing.load_seconds of results.json); a depth-1
# tree keeps the rest short. One thread per executor and one DuckDB thread, so rows/s compare
# per core; 2 executors read half the rows each. Then 1 executor with 2 threads (threads per
# executor: its row groups are read and binned by both).
# Usage: scripts/bench_load.sh BUILD_DIR [ROWS]   (ROWS default 8000000)
set -euo pipefail
build=${1:-build}
rows=${2:-8000000}
cd "$(dirname "$0")/.."
source scripts/mpi_env.sh
tad=$build/tad
gen=$build/bench/tad_gen_train_data
select=$build/bench/tad_duckdb_select
work=$build/bench-train-$rows
[ -x "$tad" ] && [ -x "$gen" ] && [ -x "$select" ] || { echo "bench_load: build $tad, $gen and $select first" >&2; exit 1; }
mkdir -p "$work"
if [ ! -f "$work/np.test.u8" ]; then
  echo "generating $rows rows into $work/ds ..."
  rm -rf "$work/ds"
  "$gen" "$work/ds" "$rows" "$work/np"
fi
columns=frame_len,ip_version,ip_ttl,ip_proto,src_port,dst_port,tcp_flags,tcp_window,payload_len,direction,inter_arrival_us,ip_tos

# Best of 3 for each contender (the first run also warms the page cache for the others).
for run in 1 2 3; do
  "$select" "$work/ds" "$columns" 1 >"$work/duckdb_select_$run.out"
  for config in 1x1 2x1 1x2; do
    executors=${config%x*}
    threads=${config#*x}
    "$tad" train "$work/ds" --model "$work/load_model_$config.json" --overwrite --max-depth 1 \
      --executors "$executors" --threads "$threads" --json "$work/load_${config}_$run.json" >/dev/null \
      2>"$work/load_$config.err" || { cat "$work/load_$config.err" >&2; exit 1; }
  done
done

/usr/bin/python3 - "$work" "$rows" <<'PY'
import json, sys
work, rows = sys.argv[1], int(sys.argv[2])
duckdb = min(float(open(f"{work}/duckdb_select_{run}.out").read().split()[1]) for run in (1, 2, 3))
load = {c: min(json.load(open(f"{work}/load_{c}_{run}.json"))["timing"]["load_seconds"] for run in (1, 2, 3))
        for c in ("1x1", "2x1", "1x2")}
duckdb_rate = rows / duckdb
print(f"\n== load benchmark: {rows:,} rows × 12 numeric features (NULLs in tcp_window), best of 3")
print("| contender | seconds | rows/s per executor (thread) |")
print("|---|---|---|")
print(f"| DuckDB SELECT of the 12 columns into memory, 1 thread | {duckdb:.2f} | {duckdb_rate/1e6:.1f} M |")
for config, (e, t) in (("1x1", (1, 1)), ("2x1", (2, 1)), ("1x2", (1, 2))):
    rate = rows / e / load[config]
    print(f"| tad load (read, split, bin edges, binning), {e} executor{'s' if e > 1 else ''} × {t} thread{'s' if t > 1 else ''} "
          f"| {load[config]:.2f} | {rate/1e6:.1f} M |")
print()
print(f"tad load / DuckDB SELECT, rows/s per thread: 1 executor {rows/load['1x1']/duckdb_rate:.2f}x, "
      f"2 executors {rows/2/load['2x1']/duckdb_rate:.2f}x")
print(f"tad load / DuckDB SELECT, rows/s per executor with 2 threads: {rows/load['1x2']/duckdb_rate:.2f}x")
print(f"strong scaling of load 1 -> 2 executors: {load['1x1']/(2*load['2x1'])*100:.0f} % efficiency")
PY
