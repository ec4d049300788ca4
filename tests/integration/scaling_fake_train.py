#!/usr/bin/python3
"""Stands in for `tad train` in tests of `tad bench scaling`: writes DIR/results.json and the model
from the fixture run, with the executor count filled in and times that shrink with it.

Usage: scaling_fake_train.py train DATASET --executors N --run-dir DIR [other options...]
With TAD_FAKE_TRAIN_VARY_HASH=1 the 3-executor run reports another model hash."""
import json
import os
import shutil
import sys

args = sys.argv[1:]
assert args[0] == "train", args
executors = int(args[args.index("--executors") + 1])
run_dir = args[args.index("--run-dir") + 1]
fixture = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "report", "testdata", "run")
with open(os.path.join(fixture, "results.json")) as f:
    results = json.load(f)
os.makedirs(run_dir, exist_ok=True)
shutil.copy(os.path.join(fixture, "model.json"), os.path.join(run_dir, "model.json"))
results["command"] = "tad " + " ".join(args)
results["executors"] = executors
results["oversubscribed"] = executors > results["cores"]
results["timing"]["train_seconds"] = 1.2 / executors + 0.05 * executors
results["timing"]["total_seconds"] = results["timing"]["train_seconds"] + 0.5
results["communication"] = {
    "bytes_sent_per_executor": [1000 * (executors - 1)] * executors,
    "comm_seconds_per_executor": [0.01 * executors] * executors,
    "compute_seconds_per_executor": [1.2 / executors] * executors,
    "bytes_per_level": [100, 200, 300],
}
if os.environ.get("TAD_FAKE_TRAIN_VARY_HASH") == "1" and executors == 3:
    results["model"]["hash"] = "0000000000000bad"
print("fake train:", " ".join(args))
with open(os.path.join(run_dir, "results.json"), "w") as f:
    json.dump(results, f, indent=2)
