#!/usr/bin/env bash
# tad train over real mpirun: the model file is byte-identical for -np 1, 2 and 3 (and through
# --executors, which starts mpirun itself); tad eval reproduces the training run's figures; the
# accuracy is within 1 point of scikit-learn's at the same depth on the same split; bad input
# gets one line, exit 1 or 2, and leaves no model file; a rank killed with SIGKILL ends the job
# within seconds, naming the lost executor.
# Usage: train_mpi_test.sh TAD GEN_TRAIN_DATA WORK_DIR PARQUET_TO_TSV
set -euo pipefail
tad=$1 gen=$2 work=$3 parquet_to_tsv=$4
source "$(dirname "$0")/test_lib.sh"
rm -rf "$work" && mkdir -p "$work"

"$gen" "$work/ds" 120000 "$work/np" >/dev/null
common=(--max-depth 8 --max-bins 32 --threads 1)

for np in 1 2 3; do
  mpirun --oversubscribe -np $np "$tad" train "$work/ds" --model "$work/model_np$np.json" "${common[@]}" \
    --json "$work/results_np$np.json" >"$work/out_np$np.txt"
done
cmp "$work/model_np1.json" "$work/model_np2.json" || fail "model differs between -np 1 and -np 2"
cmp "$work/model_np1.json" "$work/model_np3.json" || fail "model differs between -np 1 and -np 3"
"$tad" train "$work/ds" --model "$work/model_exec2.json" --max-depth 8 --executors 2 --threads 2 >/dev/null
cmp "$work/model_np1.json" "$work/model_exec2.json" || fail "model differs with --executors 2 --threads 2"
grep -q '"executors": 3' "$work/results_np3.json" || fail "results_np3.json does not say 3 executors"
grep -q '^| 3 |' "$work/out_np3.txt" || fail "the seed's table row is missing"

# tad eval on the same dataset evaluates the same test rows: the same accuracy.
"$tad" eval "$work/ds" --model "$work/model_np1.json" --json "$work/eval.json" >/dev/null
/usr/bin/python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
train = json.load(open(f"{work}/results_np2.json"))
evaluation = json.load(open(f"{work}/eval.json"))
assert train["metrics"] == evaluation["metrics"], (train["metrics"], evaluation["metrics"])
assert train["confusion_matrix"] == evaluation["confusion_matrix"]
PY

# tad predict writes one row per dataset row.
"$tad" predict "$work/ds" --model "$work/model_np1.json" --out "$work/predictions.parquet" >/dev/null
predicted=$("$parquet_to_tsv" --count "$work/predictions.parquet")
[ "$predicted" = 120000 ] || fail "tad predict wrote $predicted rows for the 120000 rows the generator wrote"

# Same depth, same split, scikit-learn.
/usr/bin/python3 - "$work" <<'PY'
import json, sys
import numpy as np
from sklearn.tree import DecisionTreeClassifier
work = sys.argv[1]
X = np.fromfile(f"{work}/np.X.f32", dtype=np.float32).reshape(-1, 12)
y = np.fromfile(f"{work}/np.y.u8", dtype=np.uint8)
test = np.fromfile(f"{work}/np.test.u8", dtype=np.uint8).astype(bool)
X = np.nan_to_num(X, nan=-1.0)
clf = DecisionTreeClassifier(max_depth=8, random_state=0).fit(X[~test], y[~test])
sk = (clf.predict(X[test]) == y[test]).mean()
tad = json.load(open(f"{work}/results_np1.json"))["metrics"]["accuracy"]
print(f"accuracy: tad {tad:.4f}, scikit-learn {sk:.4f}")
assert abs(tad - sk) <= 0.01, (tad, sk)
PY

# Bad input: one line, exit 1 or 2, no model file.
expect() {  # expect CODE MESSAGE_FRAGMENT -- tad arguments...
  expect_tad_error "$@"
  [ ! -e "$work/bad_model.json" ] || fail "tad ${*:4} left a model file"
}
mkdir -p "$work/empty" "$work/two_groups"
cp -r "$work/ds/category=Games" "$work/ds/category=Video" "$work/two_groups/"
mkdir -p "$work/single/category=Games" && cp -r "$work/ds/category=Games/." "$work/single/category=Games/"
expect 2 "executors must be at least 1" -- train "$work/ds" --model "$work/bad_model.json" --executors 0
expect 2 "not expected" -- train "$work/ds" --model "$work/bad_model.json" --no-such-option
expect 2 "has no Parquet files" -- train "$work/empty" --model "$work/bad_model.json"
expect 2 "no label column 'app'" -- train "$work/ds" --model "$work/bad_model.json" --label app
expect 2 "has no column 'nope'" -- train "$work/ds" --model "$work/bad_model.json" --features frame_len,nope
expect 2 "only 2 row groups" -- train "$work/two_groups" --model "$work/bad_model.json" --executors 3
expect 1 "single class" -- train "$work/single" --model "$work/bad_model.json"
expect 2 "out of range" -- train "$work/ds" --model "$work/bad_model.json" --max-bins 1
printf 'not a model' >"$work/foreign.json"
expect 1 "not a tad model" -- eval "$work/ds" --model "$work/foreign.json"
head -c 300 "$work/model_np1.json" >"$work/cut.json"
expect 1 "not a tad model" -- eval "$work/ds" --model "$work/cut.json"
# A killed rank ends the job within seconds, naming the lost executor, and leaves no model file.
"$gen" "$work/big" 3000000 >/dev/null
timeout 60 "$tad" train "$work/big" --model "$work/killed_model.json" --executors 2 --threads 1 --max-depth 20 \
  --metrics-port 0 >"$work/killed.out" 2>"$work/killed.err" &
job=$!
rank1=""
for _ in $(seq 300); do  # up to 30 s for rank 1 to start
  for pid in $(pgrep -f "train $work/big" || true); do
    if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1'; then rank1=$pid; fi
  done
  [ -n "$rank1" ] && break
  sleep 0.1
done
[ -n "$rank1" ] || fail "rank 1 of the 2-executor run never appeared"
sleep 0.5  # let it get into the collectives
killed_at=$(date +%s.%N)
kill -9 "$rank1"
set +e; wait "$job"; status=$?; set -e
took=$(/usr/bin/python3 -c "import sys, time; print(f'{time.time() - float(sys.argv[1]):.1f}')" "$killed_at")
[ "$status" -ne 0 ] && [ "$status" -ne 124 ] || fail "killed rank: exit $status (124: it hung)"
grep -q "executor 1" "$work/killed.err" || fail "killed rank: the error does not name executor 1: $(cat "$work/killed.err")"
[ ! -e "$work/killed_model.json" ] || fail "killed rank: a model file was left"
echo "killed rank 1: exit $status after ${took}s: $(grep -m1 'executor 1' "$work/killed.err")"

echo "train_mpi_test: ok"
