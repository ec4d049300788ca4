#!/usr/bin/env bash
# Classify benchmark (make bench, docs/classify.md):
# - offline: `tad classify` of the 1 M-packet capture (bench_flows.sh's merged `tad synth` pcap)
#   against `tad extract --flows` of the same file, packets/s of each in one run. classify builds the
#   same flows and labels each with a model (a random forest of 20 trees trained on `tad extract
#   --flows` of a separate `tad synth --seed 2` set), so extraction is the rate to keep up with.
#   Both run with their default --threads (the host's cores); classify also with --threads 1;
# - live (root, network namespaces): tcpreplay sends the capture's first LIVE_PACKETS packets onto
#   a veth pair at rising rates while `tad classify --interface` listens on the other end; the
#   highest rate with 0 kernel drops (pcap_stats) is what tad keeps up with. Skipped unprivileged.
# Usage: scripts/bench_classify.sh BUILD_DIR [PACKETS]
#   (PACKETS default 1000000; BENCH_QUICK=1: 200000; LIVE_PACKETS default 200000)
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

source scripts/bench_captures.sh
merged_capture "$packets"
dir=$work/captures-$packets
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
"$tad" classify "$dir/All/capture.pcap" --model "$model" --out "$work/classify.parquet" --overwrite \
  --json "$work/classify.json" >/dev/null 2>&1
echo "tad classify --threads 1, same file ..."
"$tad" classify "$dir/All/capture.pcap" --model "$model" --out "$work/classify.parquet" --overwrite --threads 1 \
  --json "$work/classify-1.json" >/dev/null 2>&1

/usr/bin/python3 - "$work" "$(nproc)" <<'PY'
import json, sys
work, cores = sys.argv[1], sys.argv[2]
extract, classify, classify_1 = (json.load(open(f"{work}/{n}.json"))
                                 for n in ("classify-extract", "classify", "classify-1"))
print(f"\n== offline classify benchmark: one pcap of {extract['packets']:,} packets, tad synth --seed 1; "
      f"default --threads: {cores} (host cores)")
print("| command | output | wall s | packets/s |")
print("|---|---|---|---|")
print(f"| tad extract --flows | Parquet, {extract['rows']:,} flows | {extract['seconds']:.2f} | "
      f"{extract['packets_per_second']:,.0f} |")
print(f"| tad classify (random forest, 20 trees) | Parquet, {classify['flows']:,} labeled flows | "
      f"{classify['seconds']:.2f} | {classify['packets_per_second']:,.0f} |")
print(f"| tad classify --threads 1 | Parquet, {classify_1['flows']:,} labeled flows | "
      f"{classify_1['seconds']:.2f} | {classify_1['packets_per_second']:,.0f} |")
print(f"\nclassify / extract --flows packets/s: {classify['packets_per_second'] / extract['packets_per_second']:.2f}x "
      f"(target: >= 1x)")
PY

# Live: needs root and network namespaces.
live_packets=${LIVE_PACKETS:-200000}
ns=tad-bench-classify-$$
if [ "$(id -u)" != 0 ] || ! command -v tcpreplay >/dev/null || ! ip netns add "$ns" 2>/dev/null; then
  echo "live classify benchmark: skipped (needs root, network namespaces and tcpreplay)"
  exit 0
fi
trap 'ip netns del "$ns" 2>/dev/null || true' EXIT
in_ns() { ip netns exec "$ns" "$@"; }
in_ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
in_ns ip link add replay0 type veth peer name listen0
for link in replay0 listen0 lo; do in_ns ip link set "$link" mtu 65535 up; done
# One run at RATE packets/s ("topspeed": as fast as tcpreplay sends): prints "RATE SENT_PPS DROPPED".
live_run() {
  local rate=$1 summary=$work/classify-live-$1.json pid child
  local speed=(--topspeed)
  [ "$rate" != topspeed ] && speed=(--pps "$rate")
  rm -f "$summary"
  timeout -k 5 300 ip netns exec "$ns" "$tad" classify --interface listen0 --model "$model" --out - \
    --metrics-port 9100 --metrics-address 127.0.0.1 --json "$summary" >/dev/null 2>"$work/classify-live.err" &
  pid=$!
  for _ in $(seq 300); do in_ns curl -sf http://127.0.0.1:9100/metrics >/dev/null 2>&1 && break; sleep 0.1; done
  in_ns timeout 280 tcpreplay "${speed[@]}" --limit "$live_packets" -i replay0 "$dir/All/capture.pcap" \
    >"$work/tcpreplay-$rate.txt" 2>&1
  sleep 2
  child=$(pgrep -P "$pid" | head -1)
  kill -INT "$child"
  wait "$pid"
  /usr/bin/python3 - "$summary" "$work/tcpreplay-$rate.txt" "$rate" <<'PY'
import json, re, sys
summary = json.load(open(sys.argv[1]))
sent = re.search(r"Rated: .*?([\d.]+) pps", open(sys.argv[2]).read())
print(sys.argv[3], float(sent.group(1)) if sent else 0.0, summary["kernel_dropped"], summary["kernel_received"])
PY
}
echo "live tad classify --interface, $live_packets packets per run ..."
results=()
for rate in topspeed 400000 200000 100000 50000 25000; do
  result=$(live_run "$rate")
  results+=("$result")
  read -r _ _ dropped _ <<<"$result"
  [ "$dropped" = 0 ] && break
done
printf '%s\n' "${results[@]}" | /usr/bin/python3 -c '
import sys
print("\n== live classify benchmark: tcpreplay onto a veth pair, first %s packets of the same capture" % sys.argv[1])
print("| tcpreplay rate asked | sent (packets/s) | kernel received | kernel dropped |")
print("|---|---|---|---|")
best = None
for line in sys.stdin:
    rate, sent, dropped, received = line.split()
    print(f"| {rate} | {float(sent):,.0f} | {int(received):,} | {int(dropped):,} |")
    if int(dropped) == 0 and best is None:
        best = float(sent)
print(f"\nhighest rate with no kernel drops: {best:,.0f} packets/s" if best else "\nkernel drops at every rate tried")
' "$live_packets"
