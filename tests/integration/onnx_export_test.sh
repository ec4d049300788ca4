#!/usr/bin/env bash
# tad export --format onnx, checked by real runtimes (docs/export.md):
#   - the real captures (tests/data/captures) extracted, decision trees trained on all 10 categories
#     and on two of them (the binary form), exported; a random forest and gbt (softmax, and the
#     binary LOGISTIC form) trained by tad on the same rows, exported and checked the same way; ONNX Runtime (onnxruntime-node) gives every
#     row of each dataset (test rows included) tad predict's label and the leaf's class shares within
#     1e-6, rows with NULL features (non-TCP packets have no TCP fields) included, and some of them
#     meet their missing value at a split (onnx_runtime_check.mjs);
#   - thresholds that are not floats make the same decisions as tad on the floats next to them;
#   - a flow model (extract --flows with non-default options): ONNX Runtime agrees with tad predict,
#     and the ONNX metadata holds the flow options extract recorded (read by onnx_metadata.mjs);
#   - docs/export.md's Node example, cut from the page as it stands, runs on an exported model;
#   - Debian's python3-onnx: onnx.checker.check_model(full_check=True) passes; the metadata holds the
#     feature and class names in the model file's order, the parameters and the tad version;
#   - bad input: unknown format exit 2, unreadable or foreign model exit 1 naming it, an existing
#     output is kept without --overwrite, nothing partial is left behind.
# Usage: onnx_export_test.sh TAD SQL_TOOL CAPTURES WORK_DIR   (SQL_TOOL: parquet_to_tsv)
set -euo pipefail
tad=$1 sql_tool=$2 captures=$3 work=$4
here=$(cd "$(dirname "$0")" && pwd)
source "$(dirname "$0")/test_lib.sh"
rm -rf "$work" && mkdir -p "$work"

# Two datasets from the real captures: every category, and two categories (a binary classifier).
mkdir -p "$work/captures_binary"
ln -s "$(cd "$captures" && pwd)/Video" "$work/captures_binary/Video"
ln -s "$(cd "$captures" && pwd)/Finance" "$work/captures_binary/Finance"
for name in multiclass binary; do
  source_dir=$captures
  [ "$name" = binary ] && source_dir=$work/captures_binary
  "$tad" extract "$source_dir" --out "$work/$name" >/dev/null
  "$tad" train "$work/$name" --model "$work/$name.json" --executors 1 --threads 1 --max-depth 12 >/dev/null
  "$tad" predict "$work/$name" --model "$work/$name.json" --out "$work/$name.predictions.parquet" --threads 1 >/dev/null
  "$tad" export "$work/$name.json" --format onnx --out "$work/$name.onnx" >"$work/$name.export.txt"
  grep -q "decision_tree" "$work/$name.export.txt" || fail "export summary: $(cat "$work/$name.export.txt")"
  node "$here/onnx_runtime_check.mjs" dataset --model "$work/$name.json" --onnx "$work/$name.onnx" \
    --dataset "$work/$name" --predictions "$work/$name.predictions.parquet" --sql-tool "$sql_tool" \
    --min-missing-splits 1
done
# Forests and boosting: every row's label equals tad predict's, probabilities within 1e-6.
for name in multiclass binary; do
  for classifier in random-forest gbt; do
    model=$name.$classifier
    "$tad" train "$work/$name" --model "$work/$model.json" --executors 1 --threads 2 --classifier "$classifier" \
      --max-depth 6 --num-trees 5 --max-iter 5 >/dev/null
    "$tad" predict "$work/$name" --model "$work/$model.json" --out "$work/$model.predictions.parquet" --threads 1 >/dev/null
    "$tad" export "$work/$model.json" --format onnx --out "$work/$model.onnx" >/dev/null
    node "$here/onnx_runtime_check.mjs" dataset --model "$work/$model.json" --onnx "$work/$model.onnx" \
      --dataset "$work/$name" --predictions "$work/$model.predictions.parquet" --sql-tool "$sql_tool"
  done
done
node "$here/onnx_runtime_check.mjs" thresholds --tad "$tad" --sql-tool "$sql_tool" --work "$work/thresholds"

# A flow model: ONNX Runtime agrees with tad predict on the flow rows, and the flow options extract
# recorded (and train copied into the model) are in the ONNX metadata as Node reads it.
"$tad" extract "$captures" --out "$work/flows" --flows --splt 4 --idle-timeout 30 --active-timeout 300 \
  --skip-invalid >/dev/null 2>&1
"$tad" train "$work/flows" --model "$work/flows.json" --executors 1 --threads 1 --max-depth 10 >/dev/null
"$tad" predict "$work/flows" --model "$work/flows.json" --out "$work/flows.predictions.parquet" --threads 1 >/dev/null
"$tad" export "$work/flows.json" --format onnx --out "$work/flows.onnx" >/dev/null
node "$here/onnx_runtime_check.mjs" dataset --model "$work/flows.json" --onnx "$work/flows.onnx" \
  --dataset "$work/flows" --predictions "$work/flows.predictions.parquet" --sql-tool "$sql_tool"
node --input-type=module - "$here/onnx_metadata.mjs" "$work/flows.onnx" "$work/flows.json" <<'JS'
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
const [metadataModule, onnxPath, modelPath] = process.argv.slice(2);
const { onnxMetadata } = await import(metadataModule);
const options = JSON.parse(onnxMetadata(readFileSync(onnxPath)).flow_options);
assert.deepEqual(options, { rows: 'flows', idle_timeout_s: 30, active_timeout_s: 300, splt: 4 });
assert.deepEqual(options, JSON.parse(readFileSync(modelPath, 'utf8')).flow_options);
console.log(`flows.onnx: metadata flow_options ${JSON.stringify(options)}`);
JS

# docs/export.md's Node example, exactly as written there, on an exported packet model.
mkdir -p "$work/node_example"
/usr/bin/python3 - "$here/../../docs/export.md" "$work/node_example/example.mjs" <<'PY'
import re, sys
blocks = re.findall(r"```js\n(.*?)```", open(sys.argv[1]).read(), re.S)
assert len(blocks) == 1, f"docs/export.md has {len(blocks)} js blocks, expected the one Node example"
open(sys.argv[2], "w").write(blocks[0])
PY
cp "$here/onnx_metadata.mjs" "$work/multiclass.onnx" "$work/node_example/"
mv "$work/node_example/multiclass.onnx" "$work/node_example/model.onnx"
ln -s "$(cd "$here/../../report" && pwd)/node_modules" "$work/node_example/node_modules"
(cd "$work/node_example" && node example.mjs) >"$work/node_example.out" || fail "docs/export.md's Node example failed"
/usr/bin/python3 - "$work/node_example.out" "$work/multiclass.json" <<'PY'
import json, sys
out, classes = open(sys.argv[1]).read(), json.load(open(sys.argv[2]))["classes"]
assert any(f"'{c}'" in out for c in classes), f"the example printed no class name: {out}"
print(f"docs/export.md's Node example ran: {out.strip()}")
PY

# The ONNX project's own checker, and the metadata as Python reads it.
/usr/bin/python3 - "$work" <<'PY'
import json, sys
import onnx
work = sys.argv[1]
for name in ["multiclass", "binary", "flows", "thresholds/thresholds_model"]:
    model = onnx.load(f"{work}/{name}.onnx")
    onnx.checker.check_model(model, full_check=True)
    tad_model = json.load(open(f"{work}/{name}.json"))
    metadata = {p.key: p.value for p in model.metadata_props}
    assert json.loads(metadata["features"]) == tad_model["features"], metadata["features"]
    assert json.loads(metadata["classes"]) == tad_model["classes"], metadata["classes"]
    parameters = dict(tad_model["parameters"])
    parameters.setdefault("split_by", "row")  # a hand-written model from before --split-by reads as row
    assert json.loads(metadata["parameters"]) == parameters, metadata["parameters"]
    assert metadata["tad_version"] and metadata["kind"] == "decision_tree", metadata
    assert "trees" not in metadata
    if "flow_options" in tad_model:
        assert json.loads(metadata["flow_options"]) == tad_model["flow_options"], metadata["flow_options"]
    inputs = model.graph.input[0].type.tensor_type.shape.dim
    assert inputs[1].dim_value == len(tad_model["features"]), inputs
    print(f"{name}.onnx: check_model(full_check=True) passed; metadata matches the model file")
PY

# Bad input: one line naming the problem, exit 1 or 2, the output untouched.
"$tad" export --help | grep -q -- "--format" || fail "export --help does not list --format"
cp "$work/multiclass.onnx" "$work/kept.onnx"
expect_tad_error 2 "pmml" -- export "$work/multiclass.json" --format pmml --out "$work/new.onnx"
expect_tad_error 2 "format" -- export "$work/multiclass.json" --out "$work/new.onnx"
expect_tad_error 1 "$work/absent.json" -- export "$work/absent.json" --format onnx --out "$work/new.onnx"
printf 'not a model\n' >"$work/foreign.json"
expect_tad_error 1 "$work/foreign.json" -- export "$work/foreign.json" --format onnx --out "$work/new.onnx"
cp "$work/multiclass.onnx" "$work/foreign.onnx"
expect_tad_error 1 "$work/foreign.onnx" -- export "$work/foreign.onnx" --format onnx --out "$work/new.onnx"
[ ! -e "$work/new.onnx" ] || fail "a failed export left $work/new.onnx"
expect_tad_error 1 "--overwrite" -- export "$work/binary.json" --format onnx --out "$work/kept.onnx"
cmp -s "$work/multiclass.onnx" "$work/kept.onnx" || fail "an existing output was replaced without --overwrite"
"$tad" export "$work/binary.json" --format onnx --out "$work/kept.onnx" --overwrite >/dev/null
cmp -s "$work/binary.onnx" "$work/kept.onnx" || fail "--overwrite did not replace the output"
if ls -A "$work" | grep -q '\.tmp-'; then fail "temporary files left: $(ls -A "$work")"; fi
echo "onnx export: all checks passed"
