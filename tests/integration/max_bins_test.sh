#!/usr/bin/env bash
# --max-bins above 255: features with more than 256 bins take 2 bytes of a binned row, the others 1.
# 1. A decision tree on frame_len and payload_len (about 1,600 and 1,300 distinct values) with
#    --max-bins 4000, so every distinct value has its own bin and the tree is an exact tree: its
#    splits are scikit-learn's DecisionTreeClassifier's (same depth, gini, same training rows):
#    the same feature and the same partition of the training values at every node tad splits.
# 2. The model is byte-identical for -np 1 and 3 and --executors 2 --threads 2; so is a forest on
#    all 12 features with --max-bins 1000 (five features wide, seven narrow), whose accuracy is at
#    least the same forest's with --max-bins 32 minus 1 point.
# Usage: max_bins_test.sh TAD GEN_TRAIN_DATA WORK_DIR
set -euo pipefail
tad=$1 gen=$2 work=$3
source "$(dirname "$0")/test_lib.sh"
rm -rf "$work" && mkdir -p "$work"

"$gen" "$work/ds" 30000 "$work/np" >/dev/null
exact=(--features frame_len,payload_len --max-depth 4 --max-bins 4000)
for np in 1 3; do
  mpirun --oversubscribe -np $np "$tad" train "$work/ds" --model "$work/tree_np$np.json" "${exact[@]}" --threads 1 \
    --metrics-port 0 --json "$work/tree_np$np.results.json" >/dev/null
done
"$tad" train "$work/ds" --model "$work/tree_exec2.json" "${exact[@]}" --executors 2 --threads 2 --metrics-port 0 >/dev/null
cmp "$work/tree_np1.json" "$work/tree_np3.json" || fail "tree differs between -np 1 and -np 3"
cmp "$work/tree_np1.json" "$work/tree_exec2.json" || fail "tree differs with --executors 2 --threads 2"

forest=(--classifier random-forest --num-trees 5 --max-depth 8)
for np in 1 2; do
  mpirun --oversubscribe -np $np "$tad" train "$work/ds" --model "$work/forest_np$np.json" "${forest[@]}" \
    --max-bins 1000 --threads 1 --metrics-port 0 --json "$work/forest_np$np.results.json" >/dev/null
done
"$tad" train "$work/ds" --model "$work/forest_exec2.json" "${forest[@]}" --max-bins 1000 --executors 2 --threads 2 \
  --metrics-port 0 >/dev/null
cmp "$work/forest_np1.json" "$work/forest_np2.json" || fail "forest differs between -np 1 and -np 2"
cmp "$work/forest_np1.json" "$work/forest_exec2.json" || fail "forest differs with --executors 2 --threads 2"
"$tad" train "$work/ds" --model "$work/forest_32.json" "${forest[@]}" --max-bins 32 --threads 2 --metrics-port 0 \
  --json "$work/forest_32.results.json" >/dev/null

/usr/bin/python3 - "$work" <<'PY'
import json, sys
import numpy as np
from sklearn.tree import DecisionTreeClassifier
work = sys.argv[1]
X = np.fromfile(f"{work}/np.X.f32", dtype=np.float32).reshape(-1, 12)
y = np.fromfile(f"{work}/np.y.u8", dtype=np.uint8)
test = np.fromfile(f"{work}/np.test.u8", dtype=np.uint8).astype(bool)
columns = [0, 9]  # frame_len, payload_len in the raw arrays' column order
train = X[~test][:, columns]
for c in range(2):
    distinct = len(np.unique(train[:, c]))
    assert 256 < distinct <= 4000, f"column {c}: {distinct} distinct values; the test needs 257..4000"
clf = DecisionTreeClassifier(max_depth=4, random_state=0).fit(train, y[~test])
sk = clf.tree_
model = json.load(open(f"{work}/tree_np1.json"))
assert model["features"] == ["frame_len", "payload_len"], model["features"]
nodes = {node["id"]: node for node in model["trees"][0]["nodes"]}
compared = 0

def walk(tad_id, sk_id, depth):
    global compared
    node = nodes[tad_id]
    if "left" not in node:
        return
    assert sk.children_left[sk_id] >= 0, f"tad splits node {tad_id} (depth {depth}), scikit-learn does not"
    feature = node["feature"]
    assert feature == sk.feature[sk_id], f"node {tad_id}: tad splits feature {feature}, scikit-learn {sk.feature[sk_id]}"
    low, high = sorted((node["threshold"], sk.threshold[sk_id]))
    values = train[:, feature]
    between = values[(values > low) & (values <= high)]
    assert between.size == 0, f"node {tad_id}: thresholds {node['threshold']} and {sk.threshold[sk_id]} part the rows differently"
    compared += 1
    walk(node["left"], sk.children_left[sk_id], depth + 1)
    walk(node["right"], sk.children_right[sk_id], depth + 1)

walk(0, 0, 0)
assert compared >= 7, f"only {compared} splits compared"
tad_accuracy = json.load(open(f"{work}/tree_np1.results.json"))["metrics"]["accuracy"]
sk_accuracy = (clf.predict(X[test][:, columns]) == y[test]).mean()
print(f"exact tree, max-bins 4000: {compared} splits equal to scikit-learn's; accuracy tad {tad_accuracy:.4f}, "
      f"scikit-learn {sk_accuracy:.4f}")
assert abs(tad_accuracy - sk_accuracy) < 0.005, (tad_accuracy, sk_accuracy)
wide = json.load(open(f"{work}/forest_np1.results.json"))["metrics"]["accuracy"]
narrow = json.load(open(f"{work}/forest_32.results.json"))["metrics"]["accuracy"]
print(f"forest accuracy: max-bins 1000 {wide:.4f}, max-bins 32 {narrow:.4f}")
assert wide >= narrow - 0.01, (wide, narrow)
PY
echo "max_bins_test: ok"
