#!/usr/bin/env bash
# Forest and boosting benchmark (make bench, via scripts/bench.sh): ROWS rows × 12 numeric features
# × 13 imbalanced classes (bench/gen_train_data.cc), tad's 80/20 split by row identity. End to end,
# each as one process on 2 threads, on the same training and test rows:
#   - `tad train --classifier random-forest` (read Parquet, bin, train, evaluate, write the model)
#     against scikit-learn's RandomForestClassifier(n_estimators=20, max_depth=10, n_jobs=2) (load
#     the same rows from raw arrays, fit, predict);
#   - `tad train --classifier gbt` against XGBoost (tree_method=hist, multi:softprob, the same
#     rounds, depth, learning rate, lambda, min_child_weight and max_bin, nthread=2).
# Prints the wall-time ratios and the accuracy differences.
# Usage: scripts/bench_trees.sh BUILD_DIR [ROWS]   (ROWS default 1000000)
set -euo pipefail
build=${1:-build}
rows=${2:-1000000}
trees=20 depth=10
cd "$(dirname "$0")/.."
source scripts/mpi_env.sh
tad=$build/tad
gen=$build/bench/tad_gen_train_data
work=$build/bench-trees-$rows
[ -x "$tad" ] && [ -x "$gen" ] || { echo "bench_trees: build $tad and $gen first" >&2; exit 1; }
mkdir -p "$work"
if [ ! -f "$work/np.test.u8" ]; then
  echo "generating $rows rows into $work/ds ..."
  rm -rf "$work/ds"
  "$gen" "$work/ds" "$rows" "$work/np" >/dev/null
fi
now() { date +%s.%N; }

echo "tad train --classifier random-forest ..."
start=$(now)
"$tad" train "$work/ds" --model "$work/forest.json" --overwrite --classifier random-forest --num-trees $trees \
  --max-depth $depth --max-bins 32 --executors 1 --threads 2 --metrics-port 0 --json "$work/forest_results.json" \
  >"$work/forest.out"
tad_seconds=$(echo "$(now) - $start" | bc)

echo "scikit-learn RandomForestClassifier ..."
cat >"$work/sklearn_forest.py" <<'PY'
import json, sys
import numpy as np
from sklearn.ensemble import RandomForestClassifier
work, trees, depth = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
X = np.fromfile(f"{work}/np.X.f32", dtype=np.float32).reshape(-1, 12)
y = np.fromfile(f"{work}/np.y.u8", dtype=np.uint8)
test = np.fromfile(f"{work}/np.test.u8", dtype=np.uint8).astype(bool)
X = np.nan_to_num(X, nan=-1.0)  # scikit-learn 1.2 refuses NaN
clf = RandomForestClassifier(n_estimators=trees, max_depth=depth, n_jobs=2, random_state=0).fit(X[~test], y[~test])
json.dump({"accuracy": float((clf.predict(X[test]) == y[test]).mean())}, open(f"{work}/sklearn_forest.json", "w"))
PY
start=$(now)
/usr/bin/python3 "$work/sklearn_forest.py" "$work" $trees $depth
sk_seconds=$(echo "$(now) - $start" | bc)

/usr/bin/python3 - "$work" "$tad_seconds" "$sk_seconds" "$rows" <<'PY'
import json, sys
work, tad_s, sk_s, rows = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
tad = json.load(open(f"{work}/forest_results.json"))
sk = json.load(open(f"{work}/sklearn_forest.json"))
acc = tad["metrics"]["accuracy"]
print(f"\n== forest benchmark: {rows:,} rows ({tad['dataset']['train_rows']:,} training), 20 trees, depth 10, 2 threads")
print("| contender | end to end s | accuracy |")
print("|---|---|---|")
print(f"| tad train --classifier random-forest | {tad_s:.2f} | {acc:.4f} |")
print(f"| scikit-learn RandomForestClassifier | {sk_s:.2f} | {sk['accuracy']:.4f} |")
print(f"\nrandom forest: tad {sk_s / tad_s:.1f}x faster end to end (target >= 25x); "
      f"accuracy tad - scikit-learn: {100 * (acc - sk['accuracy']):+.2f} points (target >= -0.5)")
PY

rounds=20 gbt_depth=6 eta=0.3
echo "tad train --classifier gbt ..."
start=$(now)
"$tad" train "$work/ds" --model "$work/gbt.json" --overwrite --classifier gbt --max-iter $rounds --step-size $eta \
  --max-depth $gbt_depth --max-bins 32 --executors 1 --threads 2 --metrics-port 0 --json "$work/gbt_results.json" \
  >"$work/gbt.out"
tad_gbt_seconds=$(echo "$(now) - $start" | bc)

echo "XGBoost hist multi:softprob ..."
cat >"$work/xgboost_gbt.py" <<'PY'
import json, sys
import numpy as np
import xgboost as xgb
work, rounds, depth, eta = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
X = np.fromfile(f"{work}/np.X.f32", dtype=np.float32).reshape(-1, 12)
y = np.fromfile(f"{work}/np.y.u8", dtype=np.uint8)
test = np.fromfile(f"{work}/np.test.u8", dtype=np.uint8).astype(bool)
params = {"tree_method": "hist", "objective": "multi:softprob", "num_class": int(y.max()) + 1, "max_depth": depth,
          "eta": eta, "max_bin": 32, "lambda": 1.0, "min_child_weight": 1.0, "nthread": 2, "seed": 0}
booster = xgb.train(params, xgb.DMatrix(X[~test], label=y[~test]), num_boost_round=rounds)
predicted = booster.predict(xgb.DMatrix(X[test])).argmax(axis=1)
json.dump({"accuracy": float((predicted == y[test]).mean())}, open(f"{work}/xgboost_gbt.json", "w"))
PY
start=$(now)
/usr/bin/python3 "$work/xgboost_gbt.py" "$work" $rounds $gbt_depth $eta
xgb_seconds=$(echo "$(now) - $start" | bc)

/usr/bin/python3 - "$work" "$tad_gbt_seconds" "$xgb_seconds" "$rows" "$rounds" "$gbt_depth" "$eta" <<'PY'
import json, sys
work, tad_s, xgb_s, rows = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
rounds, depth, eta = sys.argv[5], sys.argv[6], sys.argv[7]
tad = json.load(open(f"{work}/gbt_results.json"))
xgb = json.load(open(f"{work}/xgboost_gbt.json"))
acc = tad["metrics"]["accuracy"]
print(f"\n== boosting benchmark: {rows:,} rows, {rounds} rounds, depth {depth}, eta {eta}, 32 bins, 2 threads")
print("| contender | end to end s | accuracy |")
print("|---|---|---|")
print(f"| tad train --classifier gbt | {tad_s:.2f} | {acc:.4f} |")
print(f"| XGBoost hist multi:softprob | {xgb_s:.2f} | {xgb['accuracy']:.4f} |")
print(f"\ngbt: tad {xgb_s / tad_s:.2f}x faster end to end (target >= 2x); "
      f"accuracy tad - XGBoost: {100 * (acc - xgb['accuracy']):+.2f} points (target >= -0.5)")
PY
