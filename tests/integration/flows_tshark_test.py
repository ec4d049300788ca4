#!/usr/bin/python3
"""tad extract --flows on the real captures, compared with flows computed here from tshark's
per-packet fields with the rules of docs/flows.md (tshark_flows.py): the same flows per file, and
every column of every flow equal (means and population standard deviations, computed with Python's
statistics module, to 1e-9 relative). Also checks that --sample keeps whole flows by identity and
that packet rows join flow rows on (source_file, flow_index).
  flows_tshark_test.py TAD PARQUET_TO_TSV REAL_PCAPS WORK_DIR"""
import collections
import math
import pathlib
import shutil
import subprocess
import sys

from tshark_flows import flow_columns, flows_of, read_packets

tad, to_tsv, captures, work = sys.argv[1:5]
captures = pathlib.Path(captures)
if not captures.is_dir():
    sys.exit(f"flows_tshark_test: real captures not found at {captures}")
work = pathlib.Path(work)
shutil.rmtree(work, ignore_errors=True)
work.mkdir(parents=True)
SPLT = 12  # not the default, so the option is exercised


def extract(out, *extra):
    subprocess.run([tad, "extract", str(captures), "--out", str(work / out), "--skip-invalid", "--flows",
                    "--splt", str(SPLT), *extra], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=300)
    lines = subprocess.run([to_tsv, str(work / out)], check=True, capture_output=True, text=True,
                           timeout=300).stdout.splitlines()
    header = lines[0].split("\t")
    rows = collections.defaultdict(dict)
    for line in lines[1:]:
        row = dict(zip(header, line.split("\t")))
        rows[row["source_file"]][int(row["flow_index"])] = row
    return header, rows


def same(got, want):
    if want is None:
        return got == ""
    if isinstance(want, float):
        return got != "" and math.isclose(float(got), want, rel_tol=1e-9, abs_tol=1e-6)
    return got == str(want)


header, ours = extract("flows")
failures = []
compared_flows = compared_values = unknown_payload = 0
files = 0
for path in sorted(p for p in captures.rglob("*") if p.is_file() and p.parent != captures):
    packets = read_packets(path)
    if not packets:
        continue
    files += 1
    rel = path.relative_to(captures).as_posix()
    flows, _ = flows_of(packets)
    mine = ours.get(rel, {})
    if set(mine) != set(flows):
        failures.append(f"{rel}: {len(mine)} flows, tshark's fields give {len(flows)}")
        continue
    for index, flow in flows.items():
        want = flow_columns(flow, SPLT)
        got = mine[index]
        missing = set(want) - set(got)
        if missing:
            failures.append(f"{rel}: columns missing: {sorted(missing)}")
            break
        compared_flows += 1
        for column, value in want.items():
            if column.endswith("_payload_bytes") and value is None:
                unknown_payload += 1  # IPv6 extension headers before a non-TCP/UDP payload: not checked
                continue
            compared_values += 1
            if not same(got[column], value):
                failures.append(f"{rel} flow {index}: {column} is {got[column]!r}, expected {value!r}")
if files == 0 or compared_flows == 0:
    failures.append("no flows compared")

# --sample keeps whole flows, chosen by identity: a subset of the full run, rows unchanged.
_, sampled = extract("sampled", "--sample", "0.3", "--threads", "3")
kept = sum(len(v) for v in sampled.values())
total = sum(len(v) for v in ours.values())
if not 0.15 * total < kept < 0.45 * total:
    failures.append(f"--sample 0.3 kept {kept} of {total} flows")
for rel, rows in sampled.items():
    for index, row in rows.items():
        if ours[rel].get(index) != row:
            failures.append(f"{rel} flow {index}: differs when sampled")
            break

# Packet rows name their flow: per (file, flow_index), the packet count and first/last record agree.
subprocess.run([tad, "extract", str(captures), "--out", str(work / "packets"), "--skip-invalid"], check=True,
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
lines = subprocess.run([to_tsv, str(work / "packets")], check=True, capture_output=True, text=True,
                       timeout=300).stdout.splitlines()
packet_header = lines[0].split("\t")
joined = collections.defaultdict(list)
for line in lines[1:]:
    row = dict(zip(packet_header, line.split("\t")))
    if row["flow_index"]:
        joined[(row["source_file"], int(row["flow_index"]))].append(int(row["packet_index"]))
for rel, rows in ours.items():
    for index, row in rows.items():
        members = joined.get((rel, index), [])
        if (len(members), min(members, default=0), max(members, default=0)) != (
                int(row["packets"]), int(row["first_packet_index"]), int(row["last_packet_index"])):
            failures.append(f"{rel} flow {index}: packet rows with this flow_index do not match the flow row")
            break

if failures:
    print(f"{len(failures)} differences; first 40:")
    print("\n".join(failures[:40]))
    sys.exit(1)
print(f"flows_tshark_test: {compared_flows} flows of {files} captures, {compared_values} values equal to the flows "
      f"computed from tshark's fields ({unknown_payload} payload sums not known from tshark's fields); "
      f"--sample 0.3 kept {kept} of {total} whole flows; packet rows join their flows")
