#!/usr/bin/python3
"""Independent reimplementation of src/common/hash.h: prints the vectors pinned in hash_test.cc."""
M=(1<<64)-1
def mix(x):
    x^=x>>30; x=(x*0xbf58476d1ce4e5b9)&M; x^=x>>27; x=(x*0x94d049bb133111eb)&M; x^=x>>31; return x
def hb(b,seed=0):
    h=0xcbf29ce484222325^mix(seed)
    for c in b: h^=c; h=(h*0x100000001b3)&M
    return mix(h)
def comb(a,b): return mix(a^((b+0x9e3779b97f4a7c15+((a<<6)&M)+(a>>2))&M))
def row(f,i,s): return comb(hb(f.encode(),s),i&M)
for x in [0,1,0xffffffffffffffff,0x123456789abcdef0]: print("mix",hex(x),hex(mix(x)))
for b,s in [("",0),("a",0),("Games/wow.pcap",0),("Games/wow.pcap",42)]: print("hb",repr(b),s,hex(hb(b.encode(),s)))
for f,i,s in [("Games/wow.pcap",1,0),("Games/wow.pcap",2,0),("Games/wow.pcap",1,1),("f.pcap",123456789,42)]: print("row",f,i,s,hex(row(f,i,s)))
print("unit", float((row("f.pcap",7,42)>>11))*2**-53, hex(row("f.pcap",7,42)))
