#!/usr/bin/env bash
# Flow extraction benchmark (make bench): `tad extract --flows` against nDPI's `ndpiReader` on the
# same capture (bench_extract.sh's merged `tad synth` pcap), packets/s of each in one run; tad's
# peak RSS at PACKETS and 5 × PACKETS; and a capture of >= 1 M short flows (one UDP request and
# its answer each, 100 µs apart), where peak memory stays bounded by the open flows (--idle-timeout 5:
# about 50,000 open at a time). ndpiReader does protocol detection (DPI) as well as flow statistics,
# so it does more work per packet than tad here, not less.
# Usage: scripts/bench_flows.sh BUILD_DIR [PACKETS]   (PACKETS default 1000000; BENCH_QUICK=1: 200000)
set -euo pipefail
build=${1:-build}
default_packets=1000000
[ -n "${BENCH_QUICK:-}" ] && default_packets=200000
packets=${2:-$default_packets}
large=$((packets * 5))
short_flows=${SHORT_FLOWS:-1000000}
cd "$(dirname "$0")/.."
tad=$build/tad
[ -x "$tad" ] || { echo "bench_flows: build $tad first" >&2; exit 1; }
command -v ndpiReader >/dev/null || { echo "bench_flows: ndpiReader not found (scripts/setup.sh installs libndpi-bin)" >&2; exit 1; }
work=$build/bench-extract  # shares bench_extract.sh's synthesised captures
mkdir -p "$work"

source scripts/bench_captures.sh

short_flows_capture() {  # FLOWS -> $work/short-FLOWS/All/capture.pcap: 2 packets per flow
  local dir=$work/short-$1
  [ -f "$dir/All/capture.pcap" ] && return
  echo "writing $1 short flows into $dir ..."
  mkdir -p "$dir/All"
  /usr/bin/python3 - "$1" "$dir/All/capture.pcap.partial" <<'PY'
import struct, sys
flows, path = int(sys.argv[1]), sys.argv[2]
with open(path, "wb") as out:
    out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))  # raw IPv4
    chunk = []
    for i in range(flows):
        client = bytes([10, (i >> 16) & 255, (i >> 8) & 255, i & 255])
        server = bytes([192, 0, 2, 1])
        port = 1024 + i % 60000
        for n, (src, dst, sport, dport) in enumerate(((client, server, port, 53), (server, client, 53, port))):
            udp = struct.pack(">HHHH", sport, dport, 8 + 32, 0) + bytes(32)
            ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, src, dst) + udp
            t_us = i * 100 + n * 30
            chunk.append(struct.pack("<IIII", t_us // 1000000, t_us % 1000000, len(ip), len(ip)) + ip)
        if len(chunk) >= 20000:
            out.write(b"".join(chunk)); chunk = []
    out.write(b"".join(chunk))
PY
  mv "$dir/All/capture.pcap.partial" "$dir/All/capture.pcap"
}

# flows INPUT_DIR NAME [options]: tad extract --flows --threads 2 under /usr/bin/time -v.
flows() {
  local input=$1 name=$2
  shift 2
  /usr/bin/time -v "$tad" extract "$input" --out "$work/flows-$name" --overwrite --json --flows --threads 2 "$@" \
    >"$work/flows-$name.json" 2>"$work/flows-$name.time"
}

merged_capture "$packets"
merged_capture "$large"
short_flows_capture "$short_flows"

echo "tad extract --flows, $packets packets (best of 3) ..."
tad_seconds=$(best_of_3 flows "$work/captures-$packets" "$packets")

echo "ndpiReader, same file ..."
start=$EPOCHREALTIME
/usr/bin/time -v ndpiReader -i "$work/captures-$packets/All/capture.pcap" -q -C "$work/ndpi-$packets.csv" \
  >"$work/ndpi-$packets.out" 2>"$work/ndpi-$packets.time"
ndpi_seconds=$(/usr/bin/python3 -c "print($EPOCHREALTIME - $start)")

echo "tad extract --flows, $large packets (peak RSS) ..."
flows "$work/captures-$large" "$large"
echo "tad extract --flows, $short_flows short flows (peak RSS) ..."
flows "$work/short-$short_flows" "short" --idle-timeout 5

/usr/bin/python3 - "$work" "$packets" "$large" "$tad_seconds" "$ndpi_seconds" <<'PY'
import json, re, sys
work, packets, large, tad_s, ndpi_s = sys.argv[1:6]
tad_s, ndpi_s = float(tad_s), float(ndpi_s)


def peak_mib(path):
    return int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(path).read()).group(1)) / 1024


small, big, short = (json.load(open(f"{work}/flows-{n}.json")) for n in (packets, large, "short"))
tad_rate, ndpi_rate = small["packets"] / tad_s, small["packets"] / ndpi_s
print(f"\n== flow extraction benchmark: one pcap of {small['packets']:,} packets ({small['bytes'] / 2**20:.0f} MiB), "
      f"tad synth --seed 1")
print("| contender | output | wall s | packets/s | peak RSS MiB |")
print("|---|---|---|---|---|")
print(f"| tad extract --flows --threads 2 | Parquet, {small['rows']:,} flows | {tad_s:.2f} | {tad_rate:,.0f} | "
      f"{peak_mib(f'{work}/flows-{packets}.time'):.0f} |")
print(f"| ndpiReader -C (DPI + flow CSV) | CSV | {ndpi_s:.2f} | {ndpi_rate:,.0f} | "
      f"{peak_mib(f'{work}/ndpi-{packets}.time'):.0f} |")
print(f"\ntad / ndpiReader packets/s: {tad_rate / ndpi_rate:.1f}x (target: >= 2x)")
print(f"tad extract --flows --threads 2: {tad_rate / 1e6:.2f} M packets/s (target: >= 2.5 M, issue 16)")
print("\n| input | packets | flows | peak RSS of tad extract --flows (MiB) |")
print("|---|---|---|---|")
for name, s in ((packets, small), (large, big), ("short", short)):
    label = "short flows, --idle-timeout 5" if name == "short" else f"{s['bytes'] / 2**20:.0f} MiB synth"
    print(f"| {label} | {s['packets']:,} | {s['rows']:,} | {peak_mib(f'{work}/flows-{name}.time'):.0f} |")
PY
