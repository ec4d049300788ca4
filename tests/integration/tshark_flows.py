"""Flows of one capture computed from tshark's per-packet fields with the rules of docs/flows.md, in
this file's own code (shared by extract_tshark_test.py and flows_tshark_test.py).

Key: IP version, protocol, the two (address, port) ends unordered (ports 0 without TCP/UDP). The
file's clock is the largest timestamp seen so far. A packet starts a new flow instead of joining the
open one when (a) clock - last packet's clock > idle, (b) clock - first packet's clock >= active,
(c) it is a TCP SYN without ACK and the flow saw FIN or RST. Later fragments belong to no flow."""
import ipaddress
import itertools
import statistics
import subprocess
from decimal import Decimal

FIELDS = ["frame.number", "frame.time_epoch", "frame.len", "frame.protocols", "ip.version", "ip.ttl", "ip.dsfield",
          "ip.proto", "ipv6.hlim", "ipv6.tclass", "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport",
          "tcp.flags", "tcp.window_size_value", "tcp.len", "udp.length", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
          "ipv6.nxt", "ipv6.hopopts.nxt", "ipv6.routing.nxt", "ipv6.fraghdr.nxt", "ipv6.dstopts.nxt", "ip.len",
          "ip.hdr_len", "ip.frag_offset", "ipv6.plen", "ipv6.fraghdr.offset"]


def read_packets(path):
    """tshark's fields of every IP packet of `path`, by frame number (no reassembly)."""
    args = ["tshark", "-r", str(path), "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
            "-Y", "ip or ipv6", "-T", "fields", "-E", "separator=/t", "-E", "occurrence=f"]
    for field in FIELDS:
        args += ["-e", field]
    out = subprocess.run(args, capture_output=True, text=True, timeout=300).stdout
    packets = {}
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        packets[int(v["frame.number"])] = v
    return packets


def outer_layers(v):
    """The outermost IP layer's name, the layers after it and the transport right after it."""
    protocols = v["frame.protocols"].split(":")
    outer_ip = next(p for p in protocols if p in ("ip", "ipv6"))
    after = protocols[protocols.index(outer_ip) + 1:]
    transport = after[0] if after and after[0] in ("tcp", "udp") else None
    return outer_ip, after, transport


def nanoseconds(v):
    return int(Decimal(v["frame.time_epoch"]) * 1_000_000_000)


def gap_us(later, earlier):
    """µs between two ns times, truncated toward zero."""
    d = later - earlier
    return d // 1000 if d >= 0 else -((-d) // 1000)


def packet_view(v):
    """What the flow rules need of one packet, from tshark's fields only."""
    outer_ip, after, transport = outer_layers(v)
    p = {"number": int(v["frame.number"]), "ns": nanoseconds(v), "transport": transport}
    if outer_ip == "ip":
        p.update(version=4, src=v["ip.src"], dst=v["ip.dst"], proto=int(v["ip.proto"]), size=int(v["ip.len"]),
                 later_fragment=int(v["ip.frag_offset"] or 0) != 0)
        other_payload = max(0, int(v["ip.len"]) - int(v["ip.hdr_len"]))
        extensions = []
    else:
        extensions = list(itertools.takewhile(lambda name: name.startswith("ipv6."), after))
        proto = v[f"{extensions[-1]}.nxt"] if extensions else v["ipv6.nxt"]
        p.update(version=6, src=v["ipv6.src"], dst=v["ipv6.dst"], proto=int(proto), size=int(v["ipv6.plen"]) + 40,
                 later_fragment=int(v["ipv6.fraghdr.offset"] or 0) != 0)
        other_payload = int(v["ipv6.plen"]) if not extensions else None  # unknown here with extension headers
    if transport == "tcp":
        p.update(ports=(int(v["tcp.srcport"]), int(v["tcp.dstport"])), flags=int(v["tcp.flags"], 16),
                 window=int(v["tcp.window_size_value"]), payload=int(v["tcp.len"]))
    elif transport == "udp":
        p.update(ports=(int(v["udp.srcport"]), int(v["udp.dstport"])), flags=None, window=None,
                 payload=int(v["udp.length"]) - 8)
    else:
        p.update(ports=(0, 0), flags=None, window=None, payload=other_payload)
    return p


def flows_of(packets, idle_ns=120 * 10**9, active_ns=1800 * 10**9):
    """(flows, membership): every flow of one file as a dict of its packets and end reason, by flow
    index; and the (flow_index, direction, inter_arrival_us) of each packet by frame number."""
    open_flows = {}
    flows = {}
    membership = {}
    clock = None
    for number in sorted(packets):
        p = packet_view(packets[number])
        if p["later_fragment"]:
            membership[number] = None
            continue
        clock = p["ns"] if clock is None else max(clock, p["ns"])
        sender = (p["version"], ipaddress.ip_address(p["src"]).packed, p["ports"][0])
        receiver = (p["version"], ipaddress.ip_address(p["dst"]).packed, p["ports"][1])
        key = (p["version"], p["proto"], min(sender, receiver), max(sender, receiver))
        flow = open_flows.get(key)
        if flow is not None:
            reason = None
            if clock - flow["last_clock"] > idle_ns:
                reason = "idle"
            elif clock - flow["first_clock"] >= active_ns:
                reason = "active"
            elif p["flags"] is not None and p["flags"] & 0x12 == 0x02 and flow["fin_or_rst"]:
                reason = "reuse"
            if reason:
                flow["end_reason"] = reason
                flow = None
        if flow is None:
            flow = {"index": len(flows) + 1, "initiator": sender, "first_clock": clock, "packets": [],
                    "fin_or_rst": False, "end_reason": None}
            flows[flow["index"]] = flow
            open_flows[key] = flow
        direction = 0 if sender == flow["initiator"] or sender == receiver else 1
        gap = gap_us(p["ns"], flow["packets"][-1]["ns"]) if flow["packets"] else 0
        p.update(direction=direction, gap=gap)
        flow["packets"].append(p)
        flow["last_clock"] = clock
        if p["flags"] is not None and p["flags"] & 0x05:
            flow["fin_or_rst"] = True
        membership[number] = (flow["index"], direction, gap)
    for flow in flows.values():
        if flow["end_reason"] is None:
            flow["end_reason"] = "idle" if clock - flow["last_clock"] > idle_ns else "end"
    return flows, membership


def _stats(values, suffix=""):
    if not values:
        return {f"min{suffix}": None, f"max{suffix}": None, f"mean{suffix}": None, f"std{suffix}": None}
    return {f"min{suffix}": min(values), f"max{suffix}": max(values), f"mean{suffix}": statistics.fmean(values),
            f"std{suffix}": statistics.pstdev(values)}


def flow_columns(flow, splt=10):
    """Every column of docs/flows.md for one flow, None where the value does not exist."""
    ps = flow["packets"]
    first, last = ps[0], ps[-1]
    c = {"flow_index": flow["index"], "first_packet_index": first["number"], "last_packet_index": last["number"],
         "ip_version": first["version"], "ip_proto": first["proto"], "src_ip": first["src"], "dst_ip": first["dst"],
         "src_port": first["ports"][0] if first["transport"] else None,
         "dst_port": first["ports"][1] if first["transport"] else None,
         "first_timestamp_ns": first["ns"], "last_timestamp_ns": last["ns"],
         "duration_us": gap_us(last["ns"], first["ns"]), "end_reason": flow["end_reason"]}
    by_dir = [[p for p in ps if p["direction"] == d] for d in (0, 1)]
    c["packets"] = len(ps)
    c["bytes"] = sum(p["size"] for p in ps)
    for name, group in (("fwd", by_dir[0]), ("bwd", by_dir[1])):
        c[f"{name}_packets"] = len(group)
        c[f"{name}_bytes"] = sum(p["size"] for p in group)
    for name, group in (("fwd", by_dir[0]), ("bwd", by_dir[1])):
        payloads = [p["payload"] for p in group]
        c[f"{name}_payload_bytes"] = None if None in payloads else sum(payloads)  # None: not known from tshark here
    for prefix, group in (("size_", ps), ("fwd_size_", by_dir[0]), ("bwd_size_", by_dir[1])):
        c.update({prefix + k: v for k, v in _stats([p["size"] for p in group]).items()})
    gaps = [p["gap"] for p in ps[1:]]
    c.update({"iat_" + k: v for k, v in _stats(gaps, "_us").items()})
    for name, group in (("fwd", by_dir[0]), ("bwd", by_dir[1])):
        dir_gaps = [gap_us(b["ns"], a["ns"]) for a, b in zip(group, group[1:])]
        c.update({f"{name}_iat_" + k: v for k, v in _stats(dir_gaps, "_us").items()})
    for flag, bit in (("syn", 0x02), ("ack", 0x10), ("psh", 0x08), ("rst", 0x04), ("fin", 0x01), ("urg", 0x20)):
        c[f"{flag}_count"] = sum(1 for p in ps if p["flags"] is not None and p["flags"] & bit)
    for name, group in (("fwd", by_dir[0]), ("bwd", by_dir[1])):
        windows = [p["window"] for p in group if p["window"] is not None]
        c[f"{name}_init_window"] = windows[0] if windows else None
    for i in range(1, splt + 1):
        p = ps[i - 1] if i <= len(ps) else None
        c[f"splt_size_{i}"] = p["size"] if p else None
        c[f"splt_dir_{i}"] = p["direction"] if p else None
        c[f"splt_iat_{i}_us"] = p["gap"] if p else None
    return c
