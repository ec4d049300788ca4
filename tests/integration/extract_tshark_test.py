#!/usr/bin/python3
"""tad extract on the real captures, compared row by row with tshark's fields for the same packets
(issue 2): the same packets (frame numbers) per file, and equal timestamp, frame length, IP version,
TTL/hop limit, DS field, transport protocol, ports, TCP flags, window and payload length; and the
flow columns, direction and inter_arrival_us, recomputed here from tshark's addresses, ports,
protocols and times (flows of the outermost IP header's 5-tuple, both directions, per file).
  extract_tshark_test.py TAD PARQUET_TO_TSV REAL_PCAPS WORK_DIR"""
import collections
import ipaddress
import itertools
import os
import pathlib
import shutil
import subprocess
import sys
from decimal import Decimal

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
ours = collections.defaultdict(dict)
for line in tsv.splitlines():
    f = line.split("\t")
    ours[f[0]][int(f[1])] = f

FIELDS = ["frame.number", "frame.time_epoch", "frame.len", "frame.protocols", "ip.version", "ip.ttl", "ip.dsfield",
          "ip.proto", "ipv6.hlim", "ipv6.tclass", "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport",
          "tcp.flags", "tcp.window_size_value", "tcp.len", "udp.length", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
          "ipv6.nxt", "ipv6.hopopts.nxt", "ipv6.routing.nxt", "ipv6.fraghdr.nxt", "ipv6.dstopts.nxt"]
failures = []


def outer_layers(v):
    """The outermost IP layer's name and the transport right after it (tcp, udp or None)."""
    protocols = v["frame.protocols"].split(":")
    outer_ip = next(p for p in protocols if p in ("ip", "ipv6"))
    after = protocols[protocols.index(outer_ip) + 1:]
    transport = after[0] if after and after[0] in ("tcp", "udp") else None
    return outer_ip, after, transport


def expected_flow_columns(theirs):
    """direction and inter_arrival_us of every packet of one file, in frame order: a flow is the
    unordered pair of (outer address, port) ends plus the protocol (ports 0 without TCP/UDP);
    direction 0 when the sender is the end that sent the flow's first packet; inter-arrival in µs
    since the flow's previous packet, truncated toward zero, 0 for the first."""
    flows = {}
    expected = {}
    for number in sorted(theirs):
        v = theirs[number]
        outer_ip, after, transport = outer_layers(v)
        if outer_ip == "ip":
            src, dst, proto = v["ip.src"], v["ip.dst"], v["ip.proto"]
        else:
            src, dst = v["ipv6.src"], v["ipv6.dst"]
            # The protocol after the extension headers: the last extension header's next header.
            extensions = list(itertools.takewhile(lambda p: p.startswith("ipv6."), after))
            proto = v[f"{extensions[-1]}.nxt"] if extensions else v["ipv6.nxt"]
        ports = (int(v[f"{transport}.srcport"]), int(v[f"{transport}.dstport"])) if transport else (0, 0)
        sender = (ipaddress.ip_address(src).packed, ports[0])
        receiver = (ipaddress.ip_address(dst).packed, ports[1])
        key = (int(proto), min(sender, receiver), max(sender, receiver))
        ns = int(Decimal(v["frame.time_epoch"]) * 1_000_000_000)
        if key not in flows:
            flows[key] = [sender, ns]
            expected[number] = ("0", "0")
            continue
        initiator, last_ns = flows[key]
        gap_ns = ns - last_ns
        gap_us = gap_ns // 1000 if gap_ns >= 0 else -((-gap_ns) // 1000)
        expected[number] = ("0" if sender == initiator else "1", str(gap_us))
        flows[key][1] = ns
    return expected


compared = 0
for path in sorted(p for p in captures.rglob("*") if p.is_file() and p.parent != captures):
    rel = path.relative_to(captures).as_posix()
    args = ["tshark", "-r", str(path), "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
            "-Y", "ip or ipv6", "-T", "fields", "-E", "separator=/t", "-E", "occurrence=f"]
    for field in FIELDS:
        args += ["-e", field]
    out = subprocess.run(args, capture_output=True, text=True, timeout=120).stdout
    theirs = {}
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        theirs[int(v["frame.number"])] = v
    mine = ours.get(rel, {})
    flow_columns = expected_flow_columns(theirs)
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
            "direction": flow_columns[number][0],
            "inter_arrival_us": flow_columns[number][1],
        }
        if outer_ip == "ip":
            expected["ip_proto"] = v["ip.proto"]
        if transport == "tcp":
            expected.update(src_port=v["tcp.srcport"], dst_port=v["tcp.dstport"], tcp_flags=str(int(v["tcp.flags"], 16)),
                            tcp_window=v["tcp.window_size_value"], payload_len=v["tcp.len"])
        elif transport == "udp":
            expected.update(src_port=v["udp.srcport"], dst_port=v["udp.dstport"],
                            payload_len=str(int(v["udp.length"]) - 8))
        columns = ["source_file", "packet_index", "timestamp_ns", "frame_len", "ip_version", "ip_header_len", "ip_tos",
                   "ip_ttl", "ip_proto", "src_port", "dst_port", "tcp_flags", "tcp_window", "payload_len", "direction",
                   "inter_arrival_us"]
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
print(f"extract_tshark_test: {compared} rows equal to tshark's fields, direction and inter-arrival included")
