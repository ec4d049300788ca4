#!/usr/bin/env bash
# tad train --classifier random-forest over real mpirun: the model file is byte-identical for
# -np 1, 2 and 3 and through --executors 2 --threads 2; tad eval reproduces the training run's
# figures; tad predict --probabilities writes its file; the
# accuracy is at least scikit-learn's RandomForestClassifier's (same trees, depth, split) minus
# 0.5 point; a bad parameter value exits 2 naming the parameter and its range.
# Usage: forest_mpi_test.sh TAD GEN_TRAIN_DATA WORK_DIR
set -euo pipefail
tad=$1 gen=$2 work=$3
source "$(dirname "$0")/test_lib.sh"
rm -rf "$work" && mkdir -p "$work"

"$gen" "$work/ds" 60000 "$work/np" >/dev/null
common=(--classifier random-forest --num-trees 20 --max-depth 10 --max-bins 32)

for np in 1 2 3; do
  mpirun --oversubscribe -np $np "$tad" train "$work/ds" --model "$work/model_np$np.json" "${common[@]}" --threads 1 \
    --json "$work/results_np$np.json" >/dev/null
done
cmp "$work/model_np1.json" "$work/model_np2.json" || fail "forest differs between -np 1 and -np 2"
cmp "$work/model_np1.json" "$work/model_np3.json" || fail "forest differs between -np 1 and -np 3"
"$tad" train "$work/ds" --model "$work/model_exec2.json" "${common[@]}" --executors 2 --threads 2 >/dev/null
cmp "$work/model_np1.json" "$work/model_exec2.json" || fail "forest differs with --executors 2 --threads 2"

"$tad" eval "$work/ds" --model "$work/model_np1.json" --json "$work/eval.json" >/dev/null
# (The probabilities' values are checked against the trees' leaves in tree_test; here, that the
# option writes a file.)
"$tad" predict "$work/ds" --model "$work/model_np1.json" --out "$work/predictions.parquet" --probabilities >/dev/null
test -s "$work/predictions.parquet" || fail "no predictions file"
/usr/bin/python3 - "$work" <<'PY'
import json, sys
import numpy as np
from sklearn.ensemble import RandomForestClassifier
work = sys.argv[1]
train = json.load(open(f"{work}/results_np2.json"))
evaluation = json.load(open(f"{work}/eval.json"))
assert train["metrics"] == evaluation["metrics"], (train["metrics"], evaluation["metrics"])
model = json.load(open(f"{work}/model_np1.json"))
assert model["kind"] == "random_forest" and len(model["trees"]) == 20

X = np.fromfile(f"{work}/np.X.f32", dtype=np.float32).reshape(-1, 12)
y = np.fromfile(f"{work}/np.y.u8", dtype=np.uint8)
test = np.fromfile(f"{work}/np.test.u8", dtype=np.uint8).astype(bool)
X = np.nan_to_num(X, nan=-1.0)
clf = RandomForestClassifier(n_estimators=20, max_depth=10, n_jobs=2, random_state=0).fit(X[~test], y[~test])
sk = (clf.predict(X[test]) == y[test]).mean()
tad = train["metrics"]["accuracy"]
print(f"random forest accuracy: tad {tad:.4f}, scikit-learn {sk:.4f}")
assert tad >= sk - 0.005, (tad, sk)
PY

expect_train_usage "--num-trees 0 is out of range: it must be between 1 and 10000" -- --classifier random-forest --num-trees 0
expect_train_usage "--subsampling-rate 1.5 is out of range: it must be greater than 0 and at most 1" -- --subsampling-rate 1.5
expect_train_usage "--classifier 'svm' is not valid: it must be decision-tree, random-forest or gbt" -- --classifier svm
expect_train_usage "--feature-subset-strategy 'half' is not valid" -- --feature-subset-strategy half
expect_train_usage "--bootstrap 'yes' is not valid: it must be true or false" -- --bootstrap yes
echo "forest_mpi_test: ok"
