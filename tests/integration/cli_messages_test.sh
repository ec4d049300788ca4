#!/usr/bin/env bash
# What a user reads (issue 11): with --json - stdout holds exactly one JSON document (parsed with
# json.load) and the human text goes to stderr, for every command with --json; command-line
# errors are one line "tad: error: ..." with exit 2 (an unknown command lists the commands, a
# conversion error names the option and the type it expects, --features "" is refused); an
# existing output file is exit 1 with one wording in train, extract, predict and synth; a failed
# bench scaling run is quoted.
# Usage: cli_messages_test.sh TAD GEN_TRAIN_DATA WORK_DIR
set -euo pipefail
tad=$1 gen=$2 work=$3
source "$(dirname "$0")/test_lib.sh"
rm -rf "$work" && mkdir -p "$work"
is_json() { /usr/bin/python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$1" || fail "$2: stdout is not one JSON document: $(head -c 300 "$1")"; }

"$gen" "$work/ds" 20000 >/dev/null
small=(--max-depth 4 --threads 1 --metrics-port 0)

# 1. --json -: stdout is the JSON alone, the human text is on stderr.
"$tad" synth "$work/captures" --packets 3000 --threads 1 --json >"$work/synth.out" 2>"$work/synth.err"
is_json "$work/synth.out" synth
"$tad" extract "$work/captures" --out "$work/extracted" --json >"$work/extract.out" 2>"$work/extract.err"
is_json "$work/extract.out" extract
"$tad" train "$work/ds" --model "$work/model.json" "${small[@]}" --json - >"$work/train.out" 2>"$work/train.err"
is_json "$work/train.out" train
grep -q accuracy "$work/train.err" || fail "train: the table is not on stderr: $(cat "$work/train.err")"
"$tad" eval "$work/ds" --model "$work/model.json" --json - >"$work/eval.out" 2>"$work/eval.err"
is_json "$work/eval.out" eval
grep -q accuracy "$work/eval.err" || fail "eval: the table is not on stderr: $(cat "$work/eval.err")"

# expect_error NAME EXIT PATTERN -- COMMAND...: COMMAND fails with EXIT and one stderr line matching PATTERN.
expect_error() {
  local name=$1 expected=$2 pattern=$3; shift 4
  set +e
  "$@" >"$work/$name.out" 2>"$work/$name.err"
  local status=$?
  set -e
  [ "$status" -eq "$expected" ] || fail "$name: exit $status, expected $expected: $(cat "$work/$name.err")"
  [ "$(wc -l <"$work/$name.err")" -eq 1 ] || fail "$name: not one line: $(cat "$work/$name.err")"
  grep -Eq "$pattern" "$work/$name.err" || fail "$name: '$(cat "$work/$name.err")' does not match '$pattern'"
}

# 2. Command-line errors.
expect_error unknown 2 "^tad: error: unknown command 'frobnicate'; the commands are synth, extract, train, eval" -- \
  "$tad" frobnicate
expect_error conversion 2 "^tad: error: --threads: 'abc' is not an integer" -- \
  "$tad" train "$work/ds" --model "$work/m2.json" --threads abc
expect_error empty_features 2 "^tad: error: --features is empty" -- \
  "$tad" train "$work/ds" --model "$work/m3.json" --features ""
[ ! -e "$work/m3.json" ] || fail "--features \"\" wrote a model"

# 3. An existing output: exit 1, one wording.
exists="already exists \(use --overwrite to replace it\)$"
expect_error train_exists 1 "^tad: error: $work/model.json: $exists" -- \
  "$tad" train "$work/ds" --model "$work/model.json" "${small[@]}"
touch "$work/predictions.parquet"
expect_error predict_exists 1 "^tad: error: $work/predictions.parquet: $exists" -- \
  "$tad" predict "$work/ds" --model "$work/model.json" --out "$work/predictions.parquet"
expect_error synth_exists 1 "^tad: error: $work/captures: $exists" -- \
  "$tad" synth "$work/captures" --packets 3000 --threads 1
expect_error extract_exists 1 "^tad: error: $work/extracted: $exists" -- \
  "$tad" extract "$work/captures" --out "$work/extracted"

# 4. bench scaling quotes the failed run's error line, "1 executor".
set +e
"$tad" bench scaling "$work/ds" --executors 1 --out "$work/bench" -- --max-depth 99 >/dev/null 2>"$work/bench.err"
status=$?
set -e
[ "$status" -ne 0 ] || fail "bench scaling with a bad --max-depth succeeded"
grep -q "training with 1 executor failed (exit 2): --max-depth 99 is out of range" "$work/bench.err" ||
  fail "bench scaling does not quote the run's error: $(cat "$work/bench.err")"
# 5. One executor sends nothing to another: bytes_sent_per_executor is [0].
/usr/bin/python3 - "$work/train.out" <<'PY'
import json, sys
sent = json.load(open(sys.argv[1]))["communication"]["bytes_sent_per_executor"]
assert sent == [0], sent
PY

# 6. results.json names the model relative to the run folder: a copy of the folder without its
# model gets the warning instead of the original's model (found relative to where train ran).
(cd "$work" && "$tad" train ds --run-dir run1 --model run1/model.json "${small[@]}" >/dev/null)
/usr/bin/python3 -c 'import json, sys; p = json.load(open(sys.argv[1]))["model"]["path"]; assert p == "model.json", p' \
  "$work/run1/results.json"
cp -r "$work/run1" "$work/run1_copy" && rm "$work/run1_copy/model.json"
(cd "$work" && "$tad" report run1_copy >/dev/null 2>"$work/report.err")
grep -q "warning: run1_copy/model.json: no such file" "$work/report.err" ||
  fail "report of a copied run without its model: $(cat "$work/report.err")"

# 7. --test-fraction 0: no figures, a line that says why.
"$tad" train "$work/ds" --model "$work/all.json" "${small[@]}" --test-fraction 0 >"$work/nosplit.out" 2>&1
grep -q "^no test rows: nothing was held out" "$work/nosplit.out" || fail "--test-fraction 0: $(cat "$work/nosplit.out")"
! grep -q "accuracy" "$work/nosplit.out" || fail "--test-fraction 0 printed figures: $(cat "$work/nosplit.out")"

# 8. eval says which rows it evaluated, and warns on data the model was not trained on.
grep -q "^evaluated the model's test split: [0-9]* of the 20000 rows" "$work/eval.err" ||
  fail "eval does not say it evaluated the test split: $(cat "$work/eval.err")"
"$gen" "$work/other" 30000 >/dev/null
"$tad" eval "$work/other" --model "$work/model.json" --all-rows >"$work/other.out" 2>"$work/other.err"
grep -q "^evaluated all 30000 rows" "$work/other.out" || fail "eval --all-rows: $(cat "$work/other.out")"
grep -q "warning: .*is not the data the model was trained on" "$work/other.err" ||
  fail "eval on other data does not warn: $(cat "$work/other.err")"
echo "cli_messages_test: all cases passed"
