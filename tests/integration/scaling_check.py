#!/usr/bin/python3
"""Checks what `tad bench scaling` printed and wrote.

Usage: scaling_check.py STDOUT_FILE OUT_DIR COUNTS REPEAT [--expect-different-models]
COUNTS is a comma-separated list of the executor counts that were run."""
import json
import os
import sys

stdout_file, out_dir, counts, repeat = sys.argv[1], sys.argv[2], [int(c) for c in sys.argv[3].split(",")], int(sys.argv[4])
different = "--expect-different-models" in sys.argv
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


text = open(stdout_file).read()
lines = text.splitlines()
table = [line for line in lines if line.startswith("|")]
header = [cell.strip() for cell in table[0].strip("|").split("|")]
seed_columns = ["executors", "training time", "total time", "accuracy", "precision", "recall", "F1"]
check(header[:7] == seed_columns, f"the seed's columns first: {header}")
check("model hash" in header and "comm / compute" in header and "bytes sent" in header, f"extra columns: {header}")
speedup_column = "speedup (training / total)"
check(speedup_column in header and "efficiency (training / total)" in header, f"speedup columns: {header}")
rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in table[2:]]
check([int(row[0]) for row in rows] == counts, f"one row per executor count {counts}: {[r[0] for r in rows]}")
hashes = [row[header.index("model hash")] for row in rows]
if different:
    check(len(set(hashes)) > 1, f"hash column differs: {hashes}")
    check(any(line.startswith("WARNING: the runs produced") for line in lines), "a warning line")
else:
    check(len(set(hashes)) == 1 and "," not in hashes[0] and len(hashes[0]) == 16, f"same hash on every row: {hashes}")
    check(f"Same model on every run: yes (hash {hashes[0]})." in lines, "the same-model line")
for row in rows:
    for column in ("accuracy", "precision", "recall", "F1"):
        value = float(row[header.index(column)].split()[0])
        check(0.0 <= value <= 1.0, f"{column} {value} in [0, 1]")
    for column in ("training time", "total time"):
        check(row[header.index(column)].split(" (")[0].split()[-1] in ("ms", "s", "min") or " h " in row[header.index(column)],
              f"{column} has a unit: {row}")

study = json.load(open(os.path.join(out_dir, "scaling.json")))
# The table's speedups are the JSON's, rounded.
for row, point in zip(rows, study["points"]):
    training, total = (float(x.strip().rstrip("×")) for x in row[header.index(speedup_column)].split("/"))
    check(abs(training - point["speedup"]) < 0.006 and abs(total - point["total_speedup"]) < 0.006,
          f"speedups {row[header.index(speedup_column)]} vs JSON {point['speedup']}, {point['total_speedup']}")
check(study["schema"] == "tad.scaling/1", "schema")
check([p["executors"] for p in study["points"]] == counts, "JSON points")
check(all(len(p["runs"]) == repeat for p in study["points"]), "runs per point")
check(study["same_model"] == (not different), f"same_model is {study['same_model']}")
for point in study["points"]:
    check(point["oversubscribed"] == (point["executors"] > study["cores"]), f"oversubscribed marker at {point['executors']}")
    for run in point["runs"]:
        check(os.path.isfile(os.path.join(out_dir, run["run_dir"], "results.json")), f"{run['run_dir']}/results.json")
csv = open(os.path.join(out_dir, "scaling.csv")).read().splitlines()
check(len(csv) == 1 + len(counts) * repeat, f"CSV lines: {len(csv)}")
for name in ("scaling_time", "scaling_speedup", "scaling_efficiency"):
    svg = open(os.path.join(out_dir, name + ".svg")).read()
    check(svg.startswith("<svg") and svg.count('class="series"') >= 2, f"{name}.svg has its lines")
    with open(os.path.join(out_dir, name + ".png"), "rb") as f:
        check(f.read(8) == b"\x89PNG\r\n\x1a\n", f"{name}.png is a PNG")

for failure in failures:
    print("FAIL", failure)
print(f"scaling check: {0 if failures else 1} passed, {1 if failures else 0} failed")
sys.exit(1 if failures else 0)
