#!/usr/bin/python3
"""tad extract on the real captures, compared row by row with tshark's fields for the same packets
(issue 2): the same packets (frame numbers) per file, and equal timestamp, frame length, IP version,
TTL/hop limit, DS field, transport protocol, ports, TCP flags, window and payload length; and the
flow columns, flow_index, direction and inter_arrival_us, recomputed from tshark's addresses, ports,
protocols, flags and times with the flow rules of docs/flows.md (tshark_flows.py); NULL for later
fragments, which belong to no flow.
  extract_tshark_test.py TAD PARQUET_TO_TSV REAL_PCAPS WORK_DIR"""
import collections
import pathlib
import shutil
import subprocess
import sys
from decimal import Decimal

from tshark_flows import flows_of, outer_layers, read_packets

tad, to_tsv, captures, work = sys.argv[1:5]
captures = pathlib.Path(captures)
if not captures.is_dir():
    sys.exit(f"extract_tshark_test: real captures not found at {captures}")
work = pathlib.Path(work)
shutil.rmtree(work, ignore_errors=True)
work.mkdir(parents=True)
subprocess.run([tad, "extract", str(captures), "--out", str(work / "ds"), "--skip-invalid"], check=True,
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
tsv = subprocess.run([to_tsv, str(work / "ds")], check=True, capture_output=True, text=True, timeout=300).stdout
lines = tsv.splitlines()
columns = lines[0].split("\t")
ours = collections.defaultdict(dict)
for line in lines[1:]:
    f = line.split("\t")
    ours[f[0]][int(f[1])] = f

failures = []

compared = 0
for path in sorted(p for p in captures.rglob("*") if p.is_file() and p.parent != captures):
    rel = path.relative_to(captures).as_posix()
    theirs = read_packets(path)
    mine = ours.get(rel, {})
    _, membership = flows_of(theirs)
    if set(mine) != set(theirs):
        failures.append(f"{rel}: {len(mine)} rows, tshark has {len(theirs)} IP packets "
                        f"(only ours: {sorted(set(mine) - set(theirs))[:5]}, only tshark's: {sorted(set(theirs) - set(mine))[:5]})")
        continue
    for number, row in mine.items():
        v = theirs.get(number)
        if v is None:
            failures.append(f"{rel}#{number}: not an IP packet for tshark")
            continue
        compared += 1
        outer_ip, after, transport = outer_layers(v)
        expected = {
            "timestamp_ns": str(int(Decimal(v["frame.time_epoch"]) * 1_000_000_000)),
            "frame_len": v["frame.len"],
            "ip_version": "4" if outer_ip == "ip" else "6",
            "ip_ttl": v["ip.ttl"] if outer_ip == "ip" else v["ipv6.hlim"],
            "ip_tos": str(int(v["ip.dsfield"] if outer_ip == "ip" else v["ipv6.tclass"], 16)),
        }
        flow = membership[number]
        expected.update(zip(("flow_index", "direction", "inter_arrival_us"),
                            (str(x) for x in flow) if flow else ("", "", "")))
        if outer_ip == "ip":
            expected["ip_proto"] = v["ip.proto"]
        if transport == "tcp":
            expected.update(src_port=v["tcp.srcport"], dst_port=v["tcp.dstport"], tcp_flags=str(int(v["tcp.flags"], 16)),
                            tcp_window=v["tcp.window_size_value"], payload_len=v["tcp.len"])
        elif transport == "udp":
            expected.update(src_port=v["udp.srcport"], dst_port=v["udp.dstport"],
                            payload_len=str(int(v["udp.length"]) - 8))
        got = dict(zip(columns, row))
        for key, want in expected.items():
            if got[key] != want:
                failures.append(f"{rel}#{number}: {key} is {got[key]!r}, tshark says {want!r}")
if compared == 0:
    failures.append("no rows compared")
if failures:
    print(f"{len(failures)} differences; first 40:")
    print("\n".join(failures[:40]))
    sys.exit(1)
print(f"extract_tshark_test: {compared} rows equal to tshark's fields, flow_index, direction and inter-arrival "
      "included")
