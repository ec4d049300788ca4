#!/usr/bin/python3
"""Writes the fuzzers' seed corpora (committed in corpus/): for dissector_fuzz, a few real frames
of each link type found in the real captures, the same IP packets re-framed for the link types
those captures lack, and the first bytes of each capture format; for pcapng_reader_fuzz, the
first blocks of each real pcapng file.
  make_seed_corpus.py REAL_PCAPS CORPUS_DIR"""
import hashlib
import pathlib
import sys

from scapy.all import PcapNgReader, RawPcapReader, raw
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop
from scapy.layers.l2 import Dot1Q, Ether

# Index of each link type in dissector_fuzz.cc's kLinkTypes.
SELECTOR = {0: 0, 1: 1, 12: 2, 14: 3, 101: 4, 108: 5, 113: 6, 228: 7, 229: 8, 276: 9}
MAX_FRAME = 160  # headers are what the dissector reads; payload bytes only slow the fuzzer

PCAPNG_SEED_BYTES = 4096  # a section header, its interfaces and a few packets

captures, corpus = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
out, pcapng_out = corpus / "dissector_fuzz", corpus / "pcapng_reader_fuzz"
out.mkdir(parents=True, exist_ok=True)
pcapng_out.mkdir(parents=True, exist_ok=True)


def write(data: bytes, folder=out):
    (folder / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


for path in sorted(captures.rglob("*")):
    if path.is_file() and path.read_bytes()[:4] == b"\x0a\x0d\x0d\x0a":
        write(path.read_bytes()[:PCAPNG_SEED_BYTES], pcapng_out)


def seed(link: int, frame: bytes, cut: int = 0):
    write(bytes([SELECTOR[link], cut]) + frame[:MAX_FRAME])


ip_packets = []
for path in sorted(captures.rglob("*.pcap*")):
    write(path.read_bytes()[:32])
    try:
        reader = RawPcapReader(str(path))
        link = reader.linktype
        frames = [data for data, _ in zip((d for d, _ in reader), range(3))]
    except Exception:
        reader = PcapNgReader(str(path))
        link = 1
        frames = [raw(p) for p, _ in zip(reader, range(3))]
    if link not in SELECTOR:
        continue
    for frame in frames:
        seed(link, frame)
        if link == 1 and len(frame) > 14 and frame[12:14] in (b"\x08\x00", b"\x86\xdd"):
            ip_packets.append(frame[14:])
    if len(ip_packets) > 12:
        break

# Packets the captures may not hold: IPv6 extension headers, VLAN, a fragment, a cut TCP header.
ip_packets += [
    raw(IPv6(src="2001:db8::1", dst="2001:db8::2") / IPv6ExtHdrHopByHop() / TCP(sport=443, dport=5555)),
    raw(IPv6(src="2001:db8::1", dst="2001:db8::2") / IPv6ExtHdrFragment(offset=0, m=1) / UDP(sport=53, dport=53)),
    raw(IP(src="10.0.0.1", dst="10.0.0.2", frag=10) / b"fragment"),
    raw(IP(src="10.0.0.1", dst="10.0.0.2", options=b"\x01\x01\x01\x00") / UDP(sport=1, dport=2)),
]
seed(1, raw(Ether() / Dot1Q(vlan=7) / Dot1Q(vlan=8) / IP(dst="10.0.0.3") / TCP()))
seed(1, raw(Ether() / IP(dst="10.0.0.3") / TCP())[:40], cut=40)
for packet in ip_packets[-6:]:
    family_v6 = packet[0] >> 4 == 6
    seed(101, packet)
    seed(228 if not family_v6 else 229, packet)
    seed(0, (30 if family_v6 else 2).to_bytes(4, "little") + packet)
    seed(108, (30 if family_v6 else 2).to_bytes(4, "big") + packet)
    ethertype = b"\x86\xdd" if family_v6 else b"\x08\x00"
    seed(113, b"\x00\x00\x00\x01\x00\x06" + bytes(8) + ethertype + packet)
    seed(276, ethertype + bytes(2) + b"\x00\x00\x00\x02\x00\x01\x00\x00\x06" + bytes(9) + packet)
for folder in (out, pcapng_out):
    print(f"{len(list(folder.iterdir()))} seeds in {folder}")
