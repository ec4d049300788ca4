#!/usr/bin/env bash
# tad train --classifier gbt over real mpirun: the model file is byte-identical for -np 1, 2 and 3
# and through --executors 2 --threads 2 (and with early stopping); tad eval reproduces the
# training run's figures; the accuracy is at least XGBoost's (tree_method=hist, multi:softprob, the
# same rounds, depth, learning rate, lambda, min_child_weight and max_bin) minus 0.5 point; a bad
# parameter value exits 2 naming the parameter and its range.
# Usage: gbt_mpi_test.sh TAD GEN_TRAIN_DATA WORK_DIR
set -euo pipefail
tad=$1 gen=$2 work=$3
source "$(dirname "$0")/test_lib.sh"
rm -rf "$work" && mkdir -p "$work"

"$gen" "$work/ds" 60000 "$work/np" >/dev/null
common=(--classifier gbt --max-iter 20 --max-depth 6 --max-bins 32 --step-size 0.3)

for np in 1 2 3; do
  mpirun --oversubscribe -np $np "$tad" train "$work/ds" --model "$work/model_np$np.json" "${common[@]}" --threads 1 \
    --json "$work/results_np$np.json" >/dev/null
done
cmp "$work/model_np1.json" "$work/model_np2.json" || fail "gbt differs between -np 1 and -np 2"
cmp "$work/model_np1.json" "$work/model_np3.json" || fail "gbt differs between -np 1 and -np 3"
"$tad" train "$work/ds" --model "$work/model_exec2.json" "${common[@]}" --executors 2 --threads 2 >/dev/null
cmp "$work/model_np1.json" "$work/model_exec2.json" || fail "gbt differs with --executors 2 --threads 2"
early=(--validation-fraction 0.2 --validation-tol 0.001 --subsampling-rate 0.8)
mpirun --oversubscribe -np 3 "$tad" train "$work/ds" --model "$work/early_np3.json" "${common[@]}" "${early[@]}" \
  --threads 1 >/dev/null
"$tad" train "$work/ds" --model "$work/early_exec1.json" "${common[@]}" "${early[@]}" --executors 1 --threads 3 >/dev/null
cmp "$work/early_np3.json" "$work/early_exec1.json" || fail "gbt with early stopping differs between -np 3 and 1"

"$tad" eval "$work/ds" --model "$work/model_np1.json" --json "$work/eval.json" >/dev/null
/usr/bin/python3 - "$work" <<'PY'
import json, sys
import numpy as np
import xgboost as xgb
work = sys.argv[1]
train = json.load(open(f"{work}/results_np2.json"))
evaluation = json.load(open(f"{work}/eval.json"))
assert train["metrics"] == evaluation["metrics"], (train["metrics"], evaluation["metrics"])
model = json.load(open(f"{work}/model_np1.json"))
classes = len(model["classes"])
assert model["kind"] == "gbt" and len(model["trees"]) == 20 * (1 if classes == 2 else classes)

X = np.fromfile(f"{work}/np.X.f32", dtype=np.float32).reshape(-1, 12)
y = np.fromfile(f"{work}/np.y.u8", dtype=np.uint8)
test = np.fromfile(f"{work}/np.test.u8", dtype=np.uint8).astype(bool)
params = {"tree_method": "hist", "objective": "multi:softprob", "num_class": int(y.max()) + 1, "max_depth": 6,
          "eta": 0.3, "max_bin": 32, "lambda": 1.0, "min_child_weight": 1.0, "nthread": 2, "seed": 0}
booster = xgb.train(params, xgb.DMatrix(X[~test], label=y[~test]), num_boost_round=20)
predicted = booster.predict(xgb.DMatrix(X[test])).argmax(axis=1)
xgboost_accuracy = (predicted == y[test]).mean()
tad = train["metrics"]["accuracy"]
print(f"gbt accuracy: tad {tad:.4f}, XGBoost {xgboost_accuracy:.4f}")
assert tad >= xgboost_accuracy - 0.005, (tad, xgboost_accuracy)
PY

expect_train_usage "--max-iter 0 is out of range: it must be between 1 and 10000" -- --classifier gbt --max-iter 0
expect_train_usage "--step-size 0 is out of range: it must be greater than 0 and at most 1" -- --classifier gbt --step-size 0
expect_train_usage "--validation-fraction 1 is out of range: it must be between 0 and 0.99" -- --validation-fraction 1
expect_train_usage "--reg-lambda -1 is out of range: it must be at least 0" -- --classifier gbt --reg-lambda -1
expect_train_usage "--min-hessian-per-node 'x' is not a number" -- --min-hessian-per-node x
echo "gbt_mpi_test: ok"
