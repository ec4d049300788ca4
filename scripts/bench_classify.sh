#!/usr/bin/env bash
# Offline classify benchmark (make bench): `tad classify` of the 1 M-packet capture (bench_flows.sh's
# merged `tad synth` pcap) against `tad extract --flows` of the same file, packets/s of each in one
# run. classify builds the same flows and labels each with a model (a random forest of 20 trees
# trained on `tad extract --flows` of a separate `tad synth --seed 2` set), so extraction is the rate
# to keep up with. Usage: scripts/bench_classify.sh BUILD_DIR [PACKETS]
#   (PACKETS default 1000000; BENCH_QUICK=1: 200000)
set -euo pipefail
build=${1:-build}
default_packets=1000000
[ -n "${BENCH_QUICK:-}" ] && default_packets=200000
packets=${2:-$default_packets}
cd "$(dirname "$0")/.."
tad=$build/tad
[ -x "$tad" ] || { echo "bench_classify: build $tad first" >&2; exit 1; }
work=$build/bench-extract  # shares bench_extract.sh's and bench_flows.sh's synthesised captures
mkdir -p "$work"

dir=$work/captures-$packets
if [ ! -f "$dir/All/capture.pcap" ]; then  # as bench_flows.sh's synth()
  echo "synthesising $packets packets into $dir ..."
  rm -rf "$dir" "$dir.synth"
  "$tad" synth "$dir.synth" --packets "$packets" --seed 1 >/dev/null 2>&1
  mkdir -p "$dir/All"
  find "$dir.synth" -type f -name '*.pcap' -print0 | sort -z |
    xargs -0 mergecap -a -F pcap -w "$dir/All/capture.pcap.partial"
  mv "$dir/All/capture.pcap.partial" "$dir/All/capture.pcap"
  rm -rf "$dir.synth"
fi
model=$work/classify-model.json
if [ ! -f "$model" ]; then
  echo "training the flow model ..."
  "$tad" synth "$work/classify-train" --packets 200000 --seed 2 >/dev/null 2>&1
  "$tad" extract "$work/classify-train" --out "$work/classify-train-flows" --flows --overwrite >/dev/null 2>&1
  "$tad" train "$work/classify-train-flows" --model "$model" --classifier random-forest --num-trees 20 \
    --max-depth 10 --overwrite >/dev/null
fi

echo "tad extract --flows, $packets packets ..."
"$tad" extract "$dir" --out "$work/classify-extract" --overwrite --json --flows >"$work/classify-extract.json" 2>/dev/null
echo "tad classify, same file ..."
"$tad" classify "$dir/All/capture.pcap" --model "$model" --out "$work/classify.parquet" --overwrite --json \
  >"$work/classify.json" 2>/dev/null

/usr/bin/python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
extract, classify = (json.load(open(f"{work}/{n}.json")) for n in ("classify-extract", "classify"))
print(f"\n== offline classify benchmark: one pcap of {extract['packets']:,} packets, tad synth --seed 1")
print("| command | output | wall s | packets/s |")
print("|---|---|---|---|")
print(f"| tad extract --flows | Parquet, {extract['rows']:,} flows | {extract['seconds']:.2f} | "
      f"{extract['packets_per_second']:,.0f} |")
print(f"| tad classify (random forest, 20 trees) | Parquet, {classify['flows']:,} labeled flows | "
      f"{classify['seconds']:.2f} | {classify['packets_per_second']:,.0f} |")
print(f"\nclassify / extract --flows packets/s: {classify['packets_per_second'] / extract['packets_per_second']:.2f}x "
      f"(target: >= 1x)")
PY
