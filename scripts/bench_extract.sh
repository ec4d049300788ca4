#!/usr/bin/env bash
# Extraction benchmark (make bench): `tad extract` against `tshark -T fields` on the same
# capture (`tad synth`'s files concatenated by mergecap into one pcap, in one category folder), and
# tad's peak RSS at two capture sizes to show that memory does not grow with the input. tshark prints the same per-packet fields as text; tad dissects, tracks flows and writes
# compressed Parquet, so tad does more work per packet than tshark here, not less.
# Usage: scripts/bench_extract.sh BUILD_DIR [PACKETS]   (PACKETS default 1000000; the RSS check
#        also runs at 5 × PACKETS). BENCH_QUICK=1: 200000 packets.
set -euo pipefail
build=${1:-build}
default_packets=1000000
[ -n "${BENCH_QUICK:-}" ] && default_packets=200000
packets=${2:-$default_packets}
large=$((packets * 5))
cd "$(dirname "$0")/.."
tad=$build/tad
[ -x "$tad" ] || { echo "bench_extract: build $tad first" >&2; exit 1; }
command -v tshark >/dev/null || { echo "bench_extract: tshark not found (scripts/setup.sh installs it)" >&2; exit 1; }
work=$build/bench-extract
mkdir -p "$work"

source scripts/bench_captures.sh

# extract PACKETS: tad extract --threads 2 under /usr/bin/time -v; leaves the JSON summary and time report.
extract() {
  /usr/bin/time -v "$tad" extract "$work/captures-$1" --out "$work/dataset-$1" --overwrite --json --threads 2 \
    >"$work/tad-$1.json" 2>"$work/tad-$1.time"
}

merged_capture "$packets"
merged_capture "$large"

echo "tad extract, $packets packets (best of 3) ..."
tad_seconds=$(best_of_3 extract "$packets")

echo "tshark, same file ..."
start=$EPOCHREALTIME
tshark -r "$work/captures-$packets/All/capture.pcap" -T fields -e frame.number -e frame.time_epoch -e frame.len \
  -e ip.version -e ip.ttl -e ip.proto -e tcp.srcport -e tcp.dstport -e udp.srcport -e udp.dstport -e tcp.flags \
  -e tcp.window_size_value -e tcp.len >"$work/tshark-$packets.tsv" 2>"$work/tshark-$packets.err"
tshark_seconds=$(/usr/bin/python3 -c "print($EPOCHREALTIME - $start)")
tshark_lines=$(wc -l <"$work/tshark-$packets.tsv")
rm -f "$work/tshark-$packets.tsv"

echo "tad extract, $large packets (peak RSS) ..."
extract "$large"

dataset_bytes=$(du -sb "$work/dataset-$packets" | cut -f1)

/usr/bin/python3 - "$work" "$packets" "$large" "$tad_seconds" "$tshark_seconds" "$tshark_lines" "$dataset_bytes" <<'PY'
import json, re, sys
work, packets, large, tad_s, tshark_s, tshark_lines, dataset_bytes = sys.argv[1:8]
tad_s, tshark_s = float(tad_s), float(tshark_s)


def peak_mib(n):
    text = open(f"{work}/tad-{n}.time").read()
    return int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)) / 1024


small, big = json.load(open(f"{work}/tad-{packets}.json")), json.load(open(f"{work}/tad-{large}.json"))
if int(tshark_lines) != small["packets"]:
    sys.exit(f"bench_extract: tshark printed {tshark_lines} packets, tad read {small['packets']}")
tad_rate, tshark_rate = small["packets"] / tad_s, small["packets"] / tshark_s
print(f"\n== extraction benchmark: one pcap of {small['packets']:,} packets ({small['bytes'] / 2**20:.0f} MiB), "
      f"tad synth --seed 1")
print("| contender | output | wall s | packets/s |")
print("|---|---|---|---|")
print(f"| tad extract --threads 2 | Parquet, {small['rows']:,} rows, {int(dataset_bytes) / 2**20:.1f} MiB | {tad_s:.2f} | "
      f"{tad_rate:,.0f} |")
print(f"| tshark -T fields (13 fields) | text | {tshark_s:.2f} | {tshark_rate:,.0f} |")
print(f"\ntad / tshark packets/s: {tad_rate / tshark_rate:.1f}x (target: >= 20x)")
print(f"tad extract --threads 2: {tad_rate / 1e6:.2f} M packets/s (target: >= 2.5 M, issue 16)")
print("\n| input | packets | peak RSS of tad extract (MiB) |")
print("|---|---|---|")
print(f"| {small['bytes'] / 2**20:.0f} MiB | {small['packets']:,} | {peak_mib(packets):.0f} |")
print(f"| {big['bytes'] / 2**20:.0f} MiB | {big['packets']:,} | {peak_mib(large):.0f} |")
print(f"\npeak RSS at {big['packets']:,} / at {small['packets']:,} packets: {peak_mib(large) / peak_mib(packets):.2f}")
PY
