#!/usr/bin/env bash
# Training benchmark (make bench): ROWS rows × 12 numeric features × 13 imbalanced classes, 80/20
# split by row identity, depth 10. tad with 1 and 2 executors against scikit-learn's
# DecisionTreeClassifier and XGBoost `hist` on the same training rows, in the same run.
# Each executor gets one thread (--threads 1), so 1 -> 2 executors doubles the cores: strong scaling.
# Reports time ratios, accuracy difference, peak-RSS ratio, 1 -> 2 executor efficiency,
# prediction throughput, bytes sent per level and communication time.
# Usage: scripts/bench_train.sh BUILD_DIR [ROWS]   (ROWS default 8000000, the dataset scripts/bench_load.sh reads too)
set -euo pipefail
build=${1:-build}
rows=${2:-8000000}
depth=10
cd "$(dirname "$0")/.."
source scripts/mpi_env.sh
tad=$build/tad
gen=$build/bench/tad_gen_train_data
work=$build/bench-train-$rows
[ -x "$tad" ] && [ -x "$gen" ] || { echo "bench_train: build $tad and $gen first" >&2; exit 1; }
mkdir -p "$work"
if [ ! -f "$work/np.test.u8" ]; then
  echo "generating $rows rows into $work/ds ..."
  rm -rf "$work/ds"
  "$gen" "$work/ds" "$rows" "$work/np"
fi

peak_kb() { grep 'Maximum resident set size' "$1" | awk '{print $NF}'; }
# Wall seconds of the whole command (start-up of every executor included) from `time -v`'s m:ss.ss.
wall_s() { grep 'Elapsed (wall clock)' "$1" | awk '{n = split($NF, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}'; }

for executors in 1 2; do
  echo "tad train --executors $executors ..."
  /usr/bin/time -v "$tad" train "$work/ds" --model "$work/model_$executors.json" --overwrite --max-depth $depth \
    --executors $executors --threads 1 --json "$work/results_$executors.json" >"$work/tad_$executors.out" 2>"$work/tad_$executors.time"
done
cmp "$work/model_1.json" "$work/model_2.json" && identical=yes || identical=NO

echo "scikit-learn and XGBoost ..."
cat >"$work/peers.py" <<'PY'
import json, sys, time
import numpy as np
work, depth, which = sys.argv[1], int(sys.argv[2]), sys.argv[3]
X = np.fromfile(f"{work}/np.X.f32", dtype=np.float32).reshape(-1, 12)
y = np.fromfile(f"{work}/np.y.u8", dtype=np.uint8)
test = np.fromfile(f"{work}/np.test.u8", dtype=np.uint8).astype(bool)
train = ~test
out = {}
if which == "sklearn":
    from sklearn.tree import DecisionTreeClassifier
    Xs = np.nan_to_num(X, nan=-1.0)  # scikit-learn 1.2 refuses NaN
    Xtr, ytr, Xte, yte = Xs[train], y[train], Xs[test], y[test]
    start = time.perf_counter(); clf = DecisionTreeClassifier(max_depth=depth, random_state=0).fit(Xtr, ytr)
    out["fit_seconds"] = time.perf_counter() - start
    start = time.perf_counter(); pred = clf.predict(Xte); seconds = time.perf_counter() - start
else:
    import xgboost as xgb
    dtrain = xgb.DMatrix(X[train], label=y[train]); dtest = xgb.DMatrix(X[test])
    params = {"tree_method": "hist", "max_depth": depth, "max_bin": 32, "objective": "multi:softmax",
              "num_class": 13, "nthread": 2}
    start = time.perf_counter(); booster = xgb.train(params, dtrain, num_boost_round=1)
    out["fit_seconds"] = time.perf_counter() - start
    start = time.perf_counter(); pred = booster.predict(dtest); seconds = time.perf_counter() - start
    yte = y[test]
out["accuracy"] = float((pred == yte).mean())
out["predict_rows_per_second"] = len(yte) / seconds
json.dump(out, open(f"{work}/{which}.json", "w"))
PY
for which in sklearn xgboost; do
  /usr/bin/time -v /usr/bin/python3 "$work/peers.py" "$work" $depth $which 2>"$work/$which.time" >/dev/null
done

/usr/bin/python3 - "$work" "$(peak_kb "$work/tad_1.time")" "$(peak_kb "$work/tad_2.time")" \
  "$(peak_kb "$work/sklearn.time")" "$(peak_kb "$work/xgboost.time")" "$identical" "$rows" \
  "$(wall_s "$work/tad_1.time")" "$(wall_s "$work/tad_2.time")" <<'PY'
import json, sys
work, tad1_kb, tad2_kb, sk_kb, xgb_kb, identical, rows, wall1, wall2 = sys.argv[1:10]
wall1, wall2 = float(wall1), float(wall2)
r1 = json.load(open(f"{work}/results_1.json")); r2 = json.load(open(f"{work}/results_2.json"))
sk = json.load(open(f"{work}/sklearn.json")); xg = json.load(open(f"{work}/xgboost.json"))
t1, t2 = r1["timing"]["train_seconds"], r2["timing"]["train_seconds"]
mb = lambda kb: int(kb) / 1024
print(f"\n== training benchmark: {int(rows):,} rows ({r2['dataset']['train_rows']:,} training), depth 10, 12 features, 13 classes")
print("| contender | train (fit) s | total s | accuracy | peak RSS MiB | predict rows/s |")
print("|---|---|---|---|---|---|")
print(f"| tad, 1 executor (1 thread) | {t1:.2f} | {r1['timing']['total_seconds']:.2f} | {r1['metrics']['accuracy']:.4f} | {mb(tad1_kb):.0f} | {r1['timing']['predict_rows_per_second']/1e6:.0f} M |")
print(f"| tad, 2 executors (1 thread each) | {t2:.2f} | {r2['timing']['total_seconds']:.2f} | {r2['metrics']['accuracy']:.4f} | {mb(tad2_kb):.0f} per rank | {r2['timing']['predict_rows_per_second']/1e6:.0f} M |")
print(f"| scikit-learn DecisionTreeClassifier | {sk['fit_seconds']:.2f} | | {sk['accuracy']:.4f} | {mb(sk_kb):.0f} | {sk['predict_rows_per_second']/1e6:.0f} M |")
print(f"| XGBoost hist, 1 round (13 trees) | {xg['fit_seconds']:.2f} | | {xg['accuracy']:.4f} | {mb(xgb_kb):.0f} | {xg['predict_rows_per_second']/1e6:.0f} M |")
print()
print(f"speed-up vs scikit-learn fit, 2 executors: training {sk['fit_seconds']/t2:.1f}x, total (load+train+evaluate) {sk['fit_seconds']/r2['timing']['total_seconds']:.1f}x")
print(f"accuracy difference tad - scikit-learn: {100*(r2['metrics']['accuracy']-sk['accuracy']):+.2f} points")
print(f"peak RSS tad (2 executors, largest rank) / scikit-learn: {int(tad2_kb)/int(sk_kb)*100:.0f} %; tad 1 executor: {int(tad1_kb)/int(sk_kb)*100:.0f} %")
print(f"strong scaling 1 -> 2 executors: training {t1/(2*t2)*100:.0f} % efficiency, total {r1['timing']['total_seconds']/(2*r2['timing']['total_seconds'])*100:.0f} %")
print(f"train end to end (wall of the whole command, start-up included), 2 executors: {wall2:.2f} s; "
      f"scikit-learn fit / tad wall: {sk['fit_seconds']/wall2:.1f}x")
print(f"strong scaling of wall time 1 -> 2 executors: {wall1/(2*wall2)*100:.0f} % efficiency")
print(f"model files identical for 1 and 2 executors: {identical}")
c = r2["communication"]
print(f"bytes allreduced per level (histogram buffer): {c['bytes_per_level']}")
print(f"bytes sent per executor: {c['bytes_sent_per_executor']}; seconds in collectives per executor: "
      + ", ".join(f"{s:.3f}" for s in c['comm_seconds_per_executor'])
      + "; compute seconds: " + ", ".join(f"{s:.3f}" for s in c['compute_seconds_per_executor']))
PY
