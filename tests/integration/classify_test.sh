#!/usr/bin/env bash
# tad classify on the real captures (issue 14) equals tad extract followed by tad predict:
# - a flow model (a random forest trained on `extract --flows` of the same captures, non-default
#   timeouts and SPLT): every record (key, times, packets, bytes, end reason, prediction and the
#   predicted class's probability) equals the extracted flow row joined with `tad predict
#   --probabilities`, as Parquet and as JSON lines, and no flow is missing or extra;
# - a packet model: each flow's label is the class of highest mean `tad predict` probability over
#   the flow's packets, computed here from the packet dataset;
# - the summary's per-category totals are the sums of the records;
# - flows are built with the model's flow options (as extract recorded them); a model file without
#   them uses the timeouts given; a timeout other than the model's is used with a warning;
# - --json - leaves stdout one JSON document;
# - --threads 1, 2 and 3 give byte-identical records (Parquet and JSON lines), for the captures
#   (several files) and for one capture alone (dissected ahead on a thread of its own);
#   --threads 0 or negative exits 2 naming the option;
# - a model feature captures cannot give exits 2 naming it; a file that is not a capture exits 1
#   naming it and writes nothing; a damaged model exits 1 naming it, before a capture's error, and
#   writes nothing.
# Usage: classify_test.sh TAD PARQUET_TO_TSV CAPTURES WORK_DIR
set -euo pipefail
tad=$1 to_tsv=$2 captures=$3 work=$4
source "$(dirname "$0")/test_lib.sh"
rm -rf "$work" && mkdir -p "$work"
timeouts=(--idle-timeout 30 --active-timeout 300)

# Flow model. tad classify takes the flow options from the model (extract records them in the
# dataset, train copies them into the model): no timeouts given, except where said.
"$tad" extract "$captures" --out "$work/flows" --flows --splt 12 "${timeouts[@]}" --skip-invalid 2>/dev/null
"$tad" train "$work/flows" --model "$work/flow_model.json" --classifier random-forest --num-trees 5 --max-depth 8 \
  >/dev/null
"$tad" predict "$work/flows" --model "$work/flow_model.json" --out "$work/flow_predictions.parquet" --probabilities \
  >/dev/null
"$tad" classify "$captures" --model "$work/flow_model.json" --skip-invalid \
  --out "$work/classified.parquet" --json - >"$work/summary.json" 2>"$work/summary.err"
# The same timeouts as the model's: no warning.
"$tad" classify "$captures" --model "$work/flow_model.json" "${timeouts[@]}" --skip-invalid \
  --out "$work/classified.jsonl" >/dev/null 2>"$work/jsonl.err"
grep -q "replaces the model's" "$work/jsonl.err" && fail "a warning for the model's own timeouts: $(cat "$work/jsonl.err")"
"$tad" classify "$captures" --model "$work/flow_model.json" --skip-invalid --out - \
  2>/dev/null >"$work/stdout.jsonl"
cmp "$work/classified.jsonl" "$work/stdout.jsonl" || fail "--out - differs from --out FILE.jsonl"
# A model file from before flow options were recorded: the timeouts given are used.
/usr/bin/python3 -c '
import json, sys
model = json.load(open(sys.argv[1]))
assert model.pop("flow_options") == {"rows": "flows", "idle_timeout_s": 30, "active_timeout_s": 300, "splt": 12}
json.dump(model, open(sys.argv[2], "w"))' "$work/flow_model.json" "$work/old_model.json"
"$tad" classify "$captures" --model "$work/old_model.json" "${timeouts[@]}" --skip-invalid --out - \
  2>"$work/old.err" >"$work/old.jsonl"
cmp "$work/classified.jsonl" "$work/old.jsonl" || fail "a model without flow options and the timeouts given differs"
# A timeout other than the model's is used, with a warning naming both.
"$tad" classify "$captures" --model "$work/flow_model.json" --idle-timeout 5 --skip-invalid --out - \
  2>"$work/override.err" >"$work/override.jsonl"
grep -q -- "--idle-timeout 5 replaces the model's 30 s" "$work/override.err" ||
  fail "no warning for a timeout that differs from the model's: $(cat "$work/override.err")"
cmp -s "$work/classified.jsonl" "$work/override.jsonl" && fail "--idle-timeout 5 did not change the flows"
# --json - and --out - cannot share stdout.
set +e
"$tad" classify "$captures" --model "$work/flow_model.json" --out - --json - >/dev/null 2>"$work/both.err"
rc=$?
set -e
[ $rc -eq 2 ] || fail "--out - --json -: exit $rc, want 2"

# Packet model.
"$tad" extract "$captures" --out "$work/packets" "${timeouts[@]}" --skip-invalid 2>/dev/null
"$tad" train "$work/packets" --model "$work/packet_model.json" --max-depth 8 >/dev/null
"$tad" predict "$work/packets" --model "$work/packet_model.json" --out "$work/packet_predictions.parquet" \
  --probabilities >/dev/null
"$tad" classify "$captures" --model "$work/packet_model.json" --skip-invalid \
  --out "$work/packet_classified.jsonl" >/dev/null 2>&1

# Rows of a dataset joined with tad predict's output (file relative to the dataset, row number in it).
joined() {  # DATASET PREDICTIONS ID_COLUMNS
  "$to_tsv" --sql "COPY (SELECT d.* EXCLUDE (filename, file_row_number), p.* EXCLUDE (file, \"row\")
    FROM read_parquet('$1/**/*.parquet', filename = true, file_row_number = true, hive_partitioning = false) d
    JOIN read_parquet('$2') p ON d.filename = '$1/' || p.file AND d.file_row_number = p.\"row\")
    TO '/dev/stdout' (FORMAT csv, DELIMITER '\t', HEADER true, NULLSTR '')"
}
joined "$work/flows" "$work/flow_predictions.parquet" >"$work/flows_predicted.tsv"
joined "$work/packets" "$work/packet_predictions.parquet" >"$work/packets_predicted.tsv"
"$to_tsv" --sql "COPY (SELECT * FROM read_parquet('$work/classified.parquet')) TO '/dev/stdout'
  (FORMAT csv, DELIMITER '\t', HEADER true, NULLSTR '')" >"$work/classified.tsv"

/usr/bin/python3 - "$work" <<'PY'
import collections, csv, json, sys
work = sys.argv[1]
csv.field_size_limit(1 << 30)

def tsv(name):
    with open(f"{work}/{name}") as f:
        return list(csv.DictReader(f, delimiter="\t"))

def jsonl(name):
    with open(f"{work}/{name}") as f:
        return [json.loads(line) for line in f]

def text(value):
    return "" if value is None else str(value)

# Flow model: the records equal extract --flows + predict --probabilities, key by key.
want = {}
for row in tsv("flows_predicted.tsv"):
    want[(row["source_file"], int(row["flow_index"]))] = row
columns = ["src_ip", "dst_ip", "src_port", "dst_port", "ip_proto", "first_timestamp_ns", "last_timestamp_ns",
           "packets", "bytes", "end_reason", "prediction"]
for name, records in [("parquet", tsv("classified.tsv")), ("jsonl", jsonl("classified.jsonl"))]:
    got = {(r["source_file"], int(r["flow_index"])): r for r in records}
    assert len(got) == len(records), f"{name}: duplicate flow keys"
    assert got.keys() == want.keys(), (name, len(got), len(want), sorted(got.keys() ^ want.keys())[:5])
    for key, r in got.items():
        w = want[key]
        for c in columns:
            assert text(r[c]) == w[c], (name, key, c, r[c], w[c])
        expected = float(w["probability_" + w["prediction"]])
        assert float(r["probability"]) == expected, (name, key, r["probability"], expected)
print(f"flow model: {len(want)} flows equal extract --flows + predict")

# The summary's totals are the records' sums, and every category of the model is listed. With
# --json - stdout holds that one JSON document (json.load reads all of it) and the table went to stderr.
summary = json.load(open(f"{work}/summary.json"))
assert "classified" in open(f"{work}/summary.err").read()
totals = collections.defaultdict(lambda: [0, 0, 0])
for r in jsonl("classified.jsonl"):
    t = totals[r["prediction"]]
    t[0] += 1; t[1] += r["packets"]; t[2] += r["bytes"]
assert summary["flows"] == len(want), summary["flows"]
for category, t in summary["categories"].items():
    assert [t["flows"], t["packets"], t["bytes"]] == totals.get(category, [0, 0, 0]), (category, t)
assert set(totals) <= set(summary["categories"])

# Packet model: a flow's label is the class of highest mean packet probability (first on ties).
model = json.load(open(f"{work}/packet_model.json"))
assert model["flow_options"] == {"rows": "packets", "idle_timeout_s": 30, "active_timeout_s": 300, "splt": 0}
classes = model["classes"]
sums = {}
# In capture order, so the sums add the same numbers in the same order as tad (exact equality).
packet_rows = sorted(tsv("packets_predicted.tsv"), key=lambda row: (row["source_file"], int(row["packet_index"])))
for row in packet_rows:
    if row["flow_index"] == "":
        continue  # later fragments belong to no flow
    key = (row["source_file"], int(row["flow_index"]))
    probabilities = [float(row["probability_" + c]) for c in classes]
    s = sums.setdefault(key, [0, [0.0] * len(classes)])
    s[0] += 1
    s[1] = [a + b for a, b in zip(s[1], probabilities)]
records = jsonl("packet_classified.jsonl")
assert {(r["source_file"], r["flow_index"]) for r in records} == sums.keys()
for r in records:
    count, total = sums[(r["source_file"], r["flow_index"])]
    assert r["packets"] == count, (r, count)
    means = [t / count for t in total]
    best = max(range(len(classes)), key=lambda c: (means[c], -c))
    assert r["prediction"] == classes[best], (r, means)
    assert r["probability"] == means[best], (r, means[best])
print(f"packet model: {len(records)} flows labeled by their packets' mean probability")
PY

# Any thread count gives the same records in the same order (by capture, then as flows end).
one=$(find "$captures" -name '*.pcap' -size +100k | sort | head -1)
[ -n "$one" ] || fail "no capture of 100 kB or more in $captures"
for threads in 1 2 3; do
  for input in "$captures" "$one"; do
    name=$([ "$input" = "$one" ] && echo one || echo all)
    "$tad" classify "$input" --model "$work/flow_model.json" --skip-invalid --threads "$threads" \
      --out "$work/threads-$name-$threads.parquet" 2>/dev/null >/dev/null
    "$tad" classify "$input" --model "$work/packet_model.json" --skip-invalid --threads "$threads" --out - \
      2>/dev/null >"$work/threads-$name-$threads.jsonl"
  done
done
for name in all one; do
  for threads in 2 3; do
    for ext in parquet jsonl; do
      cmp "$work/threads-$name-1.$ext" "$work/threads-$name-$threads.$ext" ||
        fail "--threads $threads differs from --threads 1 ($name, $ext)"
    done
  done
done
cmp "$work/threads-all-1.jsonl" "$work/packet_classified.jsonl" || fail "--threads 1 differs from the default"
[ "$(wc -l <"$work/threads-one-1.jsonl")" -gt 0 ] || fail "no flows in $one"
for threads in 0 -1; do
  set +e
  "$tad" classify "$captures" --model "$work/flow_model.json" --threads "$threads" >/dev/null 2>"$work/threads.err"
  rc=$?
  set -e
  [ $rc -eq 2 ] || fail "--threads $threads: exit $rc, want 2"
  grep -q -- "--threads" "$work/threads.err" || fail "--threads $threads: the message does not name it: $(cat "$work/threads.err")"
done

# Bad input.
/usr/bin/python3 -c '
import json, sys
model = json.load(open(sys.argv[1]))
model["features"][model["features"].index("packets")] = "no_such_column"
json.dump(model, open(sys.argv[2], "w"))' "$work/flow_model.json" "$work/bad_model.json"
set +e
"$tad" classify "$captures" --model "$work/bad_model.json" --skip-invalid 2>"$work/bad_model.err" >/dev/null
rc=$?
set -e
[ $rc -eq 2 ] || fail "a model feature captures cannot give: exit $rc, want 2"
grep -q no_such_column "$work/bad_model.err" || fail "the message does not name the feature: $(cat "$work/bad_model.err")"
mkdir "$work/corrupt"
cp "$captures/Games/activision.pcap" "$work/corrupt/"
echo "not a capture" >"$work/corrupt/notes.pcap"
set +e
"$tad" classify "$work/corrupt" --model "$work/flow_model.json" --out "$work/corrupt.jsonl" 2>"$work/corrupt.err"
rc=$?
set -e
[ $rc -eq 1 ] || fail "a file that is not a capture: exit $rc, want 1"
grep -q notes.pcap "$work/corrupt.err" || fail "the message does not name the file: $(cat "$work/corrupt.err")"
[ "$(wc -l <"$work/corrupt.err")" -eq 1 ] || fail "more than one line: $(cat "$work/corrupt.err")"
[ ! -e "$work/corrupt.jsonl" ] || fail "output written despite the error"
# A damaged model, read while the captures are checked and read: its error still comes first (not
# the capture's), alone, and nothing is written (not even the folder of --out).
head -c 2000 "$work/flow_model.json" >"$work/damaged_model.json"
for out in "$work/damaged/records.parquet" "$work/damaged/records.jsonl"; do
  set +e
  "$tad" classify "$work/corrupt" --model "$work/damaged_model.json" --out "$out" 2>"$work/damaged.err" >/dev/null
  rc=$?
  set -e
  [ $rc -eq 1 ] || fail "a damaged model ($out): exit $rc, want 1"
  grep -q "damaged_model.json" "$work/damaged.err" || fail "the message does not name the model: $(cat "$work/damaged.err")"
  [ "$(wc -l <"$work/damaged.err")" -eq 1 ] || fail "more than one line: $(cat "$work/damaged.err")"
  [ ! -e "$work/damaged" ] || fail "output written for a damaged model: $(ls -A "$work/damaged")"
done
echo "classify_test: OK"
