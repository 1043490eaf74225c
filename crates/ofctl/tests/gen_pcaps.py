#!/usr/bin/env python3
"""Writes the pcap files the differential test (tests/parse_pcap.rs) feeds to
both `ovs-ofctl parse-pcap` and `rvs-ofctl parse-pcap`.

Usage: gen_pcaps.py OUTDIR

One file per header kind, so that a mismatch names the kind. Every frame is
deterministic (fixed addresses, fixed random seed). Files are written in
several pcap variants (little/big endian, micro/nanosecond magic).
"""

import random
import struct
import sys

from scapy.all import (ARP, Dot1AD, Dot1Q, Ether, GRE, ICMP, IP, IPOption_RR,
                       IPOption_Router_Alert, IPv6, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrRouting, LLC, Raw, SCTP, SNAP, TCP, UDP,
                       ICMPv6EchoRequest, ICMPv6ND_NA, ICMPv6ND_NS,
                       ICMPv6ND_RA, ICMPv6ND_RS, ICMPv6NDOptMTU,
                       ICMPv6NDOptSrcLLAddr, ICMPv6NDOptDstLLAddr, AH, VXLAN,
                       raw)
from scapy.contrib.mpls import MPLS
from scapy.contrib.igmp import IGMP
from scapy.contrib.igmpv3 import IGMPv3, IGMPv3mq, IGMPv3mr, IGMPv3gr
from scapy.contrib.geneve import GENEVE, GeneveOptions

SRC = "02:00:00:00:00:01"
DST = "02:00:00:00:00:02"
A4, B4 = "10.0.0.1", "10.0.0.2"
A6, B6 = "2001:db8::1", "2001:db8::2"


def eth(**kw):
    kw.setdefault("src", SRC)
    kw.setdefault("dst", DST)
    return Ether(**kw)


def write_pcap(path, frames, big_endian=False, nsec=False):
    """A classic pcap file; OVS and rvs must read every variant."""
    e = ">" if big_endian else "<"
    magic = 0xA1B23C4D if nsec else 0xA1B2C3D4
    out = [struct.pack(e + "IHHiIII", magic, 2, 4, 0, 0, 65535, 1)]
    for i, f in enumerate(frames):
        b = raw(f) if not isinstance(f, (bytes, bytearray)) else bytes(f)
        assert 0 < len(b) <= 65535, len(b)
        out.append(struct.pack(e + "IIII", 1700000000 + i, i, len(b), len(b)))
        out.append(b)
    with open(path, "wb") as fh:
        fh.write(b"".join(out))


def l2():
    return [
        eth(type=0x0800) / Raw(b"\x00" * 10),           # IPv4 too short
        eth(type=0x88CC) / Raw(b"\x02\x07\x04" + b"\x00" * 40),  # LLDP
        eth(type=0x1234) / Raw(b"unknown ethertype"),
        eth(type=0x0600) / Raw(b"\x00" * 46),           # smallest ethertype
        eth(type=0x05FF) / Raw(b"\x00" * 46),           # largest length
        eth(type=0xFFFF) / Raw(b"\x00" * 46),
        eth(type=0x894F) / Raw(b"\x00" * 3),            # NSH, too short
        Ether(src=SRC, dst="01:80:c2:00:00:00") / LLC(dsap=0x42, ssap=0x42, ctrl=3) / Raw(b"\x00" * 35),
        eth() / LLC(dsap=0xAA, ssap=0xAA, ctrl=3) / SNAP(OUI=0, code=0x0800) / IP(src=A4, dst=B4) / UDP(sport=67, dport=68),
        eth() / LLC(dsap=0xAA, ssap=0xAA, ctrl=3) / SNAP(OUI=0, code=0x0806) / ARP(psrc=A4, pdst=B4, hwsrc=SRC),
        eth() / LLC(dsap=0xAA, ssap=0xAA, ctrl=3) / SNAP(OUI=0x00000C, code=0x2000) / Raw(b"cdp"),
        eth() / LLC(dsap=0xAA, ssap=0xAA, ctrl=3) / SNAP(OUI=0, code=0x0500) / Raw(b"x" * 10),
        eth(type=0x0010) / Raw(b"\xaa\xaa\x03\x00\x00"),  # SNAP cut short
        eth(type=0x0010),                                 # 802.3, nothing after
        Raw(bytes.fromhex("0200000000020200000000010800")),  # header only
    ] + nsh()


def nsh():
    md1 = bytes.fromhex("0fc60101123456ff00000001000000020000000300000004")
    md2 = bytes.fromhex("1f42020300000a0b") + bytes.fromhex("0001020300000000")
    frames = [md1, md2,
              bytes.fromhex("4fc60101123456ff") + md1[8:],   # version 1
              md1[:20],                                      # length past end
              bytes.fromhex("0fc50101123456ff") + md1[8:20],  # MD1, 20 bytes
              bytes.fromhex("0fc3ee04000001fe") + b"\0" * 4,  # unknown MD type
              bytes.fromhex("1f40020300000a0b"),             # MD2, length 0
              bytes.fromhex("1f40ee0300000a0b"),             # other MD, length 0
              md1 + raw(IP(src=A4, dst=B4) / UDP())]
    return [eth(type=0x894F) / Raw(f) for f in frames]


def vlan():
    ip = IP(src=A4, dst=B4) / UDP(sport=1, dport=2)
    return [
        eth() / Dot1Q(vlan=10, prio=5) / ip,
        eth() / Dot1Q(vlan=0, prio=0) / ip,                      # priority tag
        eth() / Dot1Q(vlan=4095, prio=7, id=1) / ip,             # DEI set
        eth() / Dot1AD(vlan=100, prio=3) / Dot1Q(vlan=200, prio=1) / ip,
        eth() / Dot1Q(vlan=100) / Dot1Q(vlan=200) / ip,          # 8100 twice
        eth() / Dot1AD(vlan=1) / Dot1Q(vlan=2) / Dot1Q(vlan=3) / ip,  # 3 tags
        eth() / Dot1AD(vlan=1) / Dot1AD(vlan=0) / ip,
        eth() / Dot1Q(vlan=7) / ARP(psrc=A4, pdst=B4, hwsrc=SRC),
        eth() / Dot1Q(vlan=7) / IPv6(src=A6, dst=B6) / TCP(),
        eth() / Dot1Q(vlan=7) / LLC(dsap=0xAA, ssap=0xAA, ctrl=3) / SNAP(OUI=0, code=0x86DD) / IPv6(src=A6, dst=B6),
        eth() / Dot1Q(vlan=7, type=0x1234) / Raw(b"x"),
        Raw(raw(eth() / Dot1Q(vlan=7))[:16]),                   # tag, no type
        Raw(raw(eth() / Dot1Q(vlan=7))[:17]),
        Raw(raw(eth() / Dot1AD(vlan=7) / Dot1Q(vlan=8))[:21]),
        eth() / Dot1Q(vlan=7) / MPLS(label=5, s=1) / ip,
    ]


def mpls():
    ip = IP(src=A4, dst=B4) / UDP(sport=1, dport=2)
    out = []
    for n in range(1, 6):
        labels = None
        for i in range(n):
            m = MPLS(label=16 * (i + 1) + i, cos=i % 8, ttl=64 - i, s=1 if i == n - 1 else 0)
            labels = m if labels is None else labels / m
        out.append(eth(type=0x8847) / labels / ip)
        out.append(eth(type=0x8848) / labels / ip)
    # No bottom of stack at all, and bos on an early label.
    out.append(eth(type=0x8847) / MPLS(label=1, s=0) / MPLS(label=2, s=0))
    out.append(eth(type=0x8847) / MPLS(label=1, s=1) / MPLS(label=2, s=0) / ip)
    out.append(eth(type=0x8847) / MPLS(label=0xFFFFF, cos=7, ttl=255, s=1))
    out.append(eth(type=0x8847) / Raw(b"\x00\x01"))       # partial entry
    out.append(eth(type=0x8847) / MPLS(label=3, s=0) / Raw(b"\x00\x01\x01"))
    out.append(eth(type=0x8847) / MPLS(label=3, s=0) / MPLS(label=4, s=0) / MPLS(label=5, s=0) / MPLS(label=6, s=1))
    out.append(eth() / Dot1AD(vlan=1) / Dot1Q(vlan=2, type=0x8847) / MPLS(label=9, s=1) / ip)
    out.append(eth(type=0x8847) / MPLS(label=9, s=1) / IPv6(src=A6, dst=B6))
    return out


def arp():
    out = [
        eth(dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=SRC, psrc=A4, pdst=B4),
        eth() / ARP(op=2, hwsrc=SRC, psrc=A4, hwdst=DST, pdst=B4),
        eth(type=0x8035) / ARP(op=3, hwsrc=SRC, hwdst=SRC),
        eth(type=0x8035) / ARP(op=4, hwsrc=SRC, psrc=A4, hwdst=DST, pdst=B4),
        eth() / ARP(op=0x0102, hwsrc=SRC, psrc=A4, pdst=B4),     # opcode > 255
        eth() / ARP(op=255, hwsrc=SRC, psrc=A4, pdst=B4),
        eth() / ARP(hwtype=6, hwsrc=SRC, psrc=A4, pdst=B4),       # not Ethernet
        eth() / ARP(ptype=0x86DD, hwsrc=SRC, psrc=A4, pdst=B4),
        eth() / ARP(hwlen=8, hwsrc=SRC, psrc=A4, pdst=B4),
        eth() / ARP(plen=16, hwsrc=SRC, psrc=A4, pdst=B4),
    ]
    good = raw(eth() / ARP(op=1, hwsrc=SRC, psrc=A4, pdst=B4))
    out.append(Raw(good[:14 + 27]))                               # one byte short
    out.append(Raw(good + b"\xee" * 18))                          # padded
    return out


def ipv4():
    u = UDP(sport=1000, dport=2000) / Raw(b"payload!")
    out = [
        eth() / IP(src=A4, dst=B4, tos=0xB9, ttl=1) / u,
        eth() / IP(src=A4, dst=B4, tos=0x03) / u,
        eth() / IP(src=A4, dst=B4, options=[IPOption_Router_Alert()]) / u,
        eth() / IP(src=A4, dst=B4, options=[IPOption_RR(routers=["1.1.1.1", "2.2.2.2"])]) / TCP(),
        eth() / IP(src=A4, dst=B4, ihl=15) / Raw(b"\x00" * 60),   # 40 bytes of options
        eth() / IP(src=A4, dst=B4, flags="DF") / u,
        eth() / IP(src=A4, dst=B4, flags="MF", frag=0) / u,       # first fragment
        eth() / IP(src=A4, dst=B4, flags="MF", frag=100) / u,     # middle
        eth() / IP(src=A4, dst=B4, flags=0, frag=200) / u,        # last
        eth() / IP(src=A4, dst=B4, flags="MF", frag=1, proto=6) / Raw(b"\x00" * 20),
        eth() / IP(src=A4, dst=B4, flags="evil") / u,             # reserved bit
        eth() / IP(src=A4, dst=B4, flags="DF+MF", frag=0x1FFF) / u,
        eth() / IP(src=A4, dst=B4, proto=50) / Raw(b"\x00" * 16),  # ESP
        eth() / IP(src=A4, dst=B4, proto=255) / Raw(b"x"),
        eth() / IP(src=A4, dst=B4, proto=0),
        eth() / IP(src="0.0.0.0", dst="255.255.255.255") / UDP(sport=68, dport=67),
        eth() / IP(src=A4, dst=B4, version=6) / u,                # version not checked
        eth() / IP(src=A4, dst=B4, ihl=4) / u,                    # IHL too small
        eth() / IP(src=A4, dst=B4, ihl=6) / Raw(b""),             # options past end
        eth() / IP(src=A4, dst=B4, len=1000) / u,                 # longer than frame
        eth() / IP(src=A4, dst=B4, len=19) / u,                   # shorter than header
        eth() / IP(src=A4, dst=B4, ihl=6, len=22) / Raw(b"\x01" * 8),  # len < ihl
        eth() / IP(src=A4, dst=B4, len=20) / u,                   # no room for L4
        eth() / IP(src=A4, dst=B4, len=27) / u,                   # UDP cut by len
        Raw(raw(eth() / IP(src=A4, dst=B4) / u) + b"\xee" * 20),  # Ethernet padding
    ]
    return out


def ipv6():
    u = UDP(sport=1000, dport=2000) / Raw(b"payload!")
    base = dict(src=A6, dst=B6)
    out = [
        eth() / IPv6(tc=0xB9, fl=0x12345, hlim=1, **base) / u,
        eth() / IPv6(**base) / IPv6ExtHdrHopByHop() / u,
        eth() / IPv6(**base) / IPv6ExtHdrRouting(addresses=["2001:db8::9"]) / u,
        eth() / IPv6(**base) / IPv6ExtHdrDestOpt() / TCP(flags="S"),
        eth() / IPv6(**base) / IPv6ExtHdrFragment(offset=0, m=1, id=7) / u,   # first
        eth() / IPv6(**base) / IPv6ExtHdrFragment(offset=100, m=1, id=7) / u, # middle
        eth() / IPv6(**base) / IPv6ExtHdrFragment(offset=200, m=0, id=7) / u, # last
        eth() / IPv6(**base) / IPv6ExtHdrFragment(offset=0, m=0, id=7) / u,   # atomic
        eth() / IPv6(**base) / IPv6ExtHdrFragment(offset=0, m=0, res1=1, id=7) / u,
        eth() / IPv6(**base) / IPv6ExtHdrFragment(offset=0, m=0, res2=1, id=7) / u,
        eth() / IPv6(**base) / IPv6ExtHdrHopByHop() / IPv6ExtHdrRouting() / IPv6ExtHdrFragment(m=1) / IPv6ExtHdrDestOpt() / u,
        eth() / IPv6(**base) / IPv6ExtHdrHopByHop() / IPv6ExtHdrFragment(offset=3) / IPv6ExtHdrDestOpt() / u,
        eth() / IPv6(**base) / AH(nh=17, payloadlen=4, icv=b"\x00" * 12) / u,
        eth() / IPv6(**base, nh=59),
        eth() / IPv6(**base, nh=50) / Raw(b"\x00" * 16),
        eth() / IPv6(**base) / IPv6ExtHdrHopByHop(nh=0) / IPv6ExtHdrHopByHop(nh=0) / IPv6ExtHdrHopByHop(nh=0) / IPv6ExtHdrHopByHop(nh=17) / u,
        eth() / IPv6(src="::1.2.3.4", dst="::ffff:1.2.3.4") / u,
        eth() / IPv6(src="::", dst="::1") / u,
        eth() / IPv6(src="fe80::", dst="1:0:0:1::1") / u,
        eth() / IPv6(src="1:2:3:4:5:6:7:8", dst="1::2:0:0:3") / u,
        eth() / IPv6(src="::0.0.1.2", dst="0:0:1::") / u,
    ]
    # An extension-header chain long enough to run out of frame, and a loop
    # of hop-by-hop headers pointing at themselves until the frame ends.
    hbh_loop = b"".join(bytes([0, 0, 1, 4, 0, 0, 0, 0]) for _ in range(40))
    out.append(eth() / IPv6(nh=0, plen=len(hbh_loop), **base) / Raw(hbh_loop))
    chain = b"".join(bytes([60, 0, 1, 4, 0, 0, 0, 0]) for _ in range(30))
    out.append(eth() / IPv6(nh=60, plen=len(chain), **base) / Raw(chain))
    # Extension header cut short, claiming more than there is, plen too long.
    out.append(eth() / IPv6(nh=0, plen=4, **base) / Raw(b"\x11\x00\x00\x00"))
    out.append(eth() / IPv6(nh=60, plen=8, **base) / Raw(b"\x11\x05\x00\x00\x00\x00\x00\x00"))
    out.append(eth() / IPv6(nh=17, plen=100, **base) / Raw(b"\x00" * 8))
    out.append(eth() / IPv6(nh=17, plen=0, **base) / Raw(b"\x00" * 8))
    out.append(eth() / IPv6(nh=44, plen=6, **base) / Raw(b"\x11\x00\x00\x01\x00\x00"))
    out.append(Raw(raw(eth() / IPv6(**base) / u) + b"\xee" * 6))
    return out


def l4():
    out = []
    for flags in ["", "F", "S", "R", "P", "A", "U", "E", "C", "N", "SA", "FA", "RA", "PA", "FSRPAUECN"]:
        out.append(eth() / IP(src=A4, dst=B4) / TCP(sport=12345, dport=80, flags=flags))
    out.append(eth() / IP(src=A4, dst=B4) / TCP(sport=1, dport=2, reserved=7, flags="S"))
    out.append(eth() / IPv6(src=A6, dst=B6) / TCP(sport=1, dport=2, reserved=4, flags="A"))
    out.append(eth() / IP(src=A4, dst=B4) / TCP(options=[("MSS", 1460), ("NOP", None), ("WScale", 7)]))
    out.append(eth() / IP(src=A4, dst=B4) / TCP(dataofs=4))
    out.append(eth() / IP(src=A4, dst=B4) / TCP(dataofs=15))
    out.append(eth() / IP(src=A4, dst=B4, proto=6) / Raw(b"\x00" * 19))
    out.append(eth() / IP(src=A4, dst=B4) / UDP(sport=53, dport=33333))
    out.append(eth() / IP(src=A4, dst=B4, proto=17) / Raw(b"\x00" * 7))
    out.append(eth() / IPv6(src=A6, dst=B6) / UDP(sport=546, dport=547))
    out.append(eth() / IP(src=A4, dst=B4) / SCTP(sport=2905, dport=2906))
    out.append(eth() / IPv6(src=A6, dst=B6) / SCTP(sport=1, dport=2))
    out.append(eth() / IP(src=A4, dst=B4, proto=132) / Raw(b"\x00" * 11))
    for t, c in [(0, 0), (8, 0), (3, 3), (11, 1), (5, 2), (255, 255)]:
        out.append(eth() / IP(src=A4, dst=B4) / ICMP(type=t, code=c))
    out.append(eth() / IP(src=A4, dst=B4, proto=1) / Raw(b"\x08\x00\x00\x00\x00\x00\x00"))
    out.append(eth() / IPv6(src=A6, dst=B6) / ICMPv6EchoRequest())
    out.append(eth() / IPv6(src=A6, dst=B6, nh=58) / Raw(b"\x80\x00\x00\x00\x00\x00\x00"))
    out.append(eth() / IP(src=A4, dst=B4, proto=58) / Raw(b"\x87\x00\x00\x00\x00\x00\x00\x00" + b"\xfe\x80" + b"\x00" * 13 + b"\x01"))
    out.append(eth() / IPv6(src=A6, dst=B6, nh=1) / Raw(b"\x08\x00\x00\x00\x00\x00\x00\x00"))
    out.append(eth() / IPv6(src=A6, dst=B6) / IPv6ExtHdrFragment(m=1) / ICMPv6EchoRequest())
    return out


def nd():
    s6, t6 = "fe80::1", "fe80::2"
    ns = lambda **k: eth() / IPv6(src=s6, dst="ff02::1:ff00:2") / ICMPv6ND_NS(tgt=t6, **k)
    na = lambda **k: eth() / IPv6(src=t6, dst=s6) / ICMPv6ND_NA(tgt=t6, **k)
    sll = ICMPv6NDOptSrcLLAddr(lladdr=SRC)
    tll = ICMPv6NDOptDstLLAddr(lladdr=DST)
    return [
        ns(),
        ns() / sll,
        ns() / tll,
        ns() / sll / tll,
        ns() / tll / sll,
        ns() / sll / ICMPv6NDOptSrcLLAddr(lladdr=DST),                     # duplicate
        ns() / ICMPv6NDOptSrcLLAddr(lladdr="00:00:00:00:00:00") / sll,     # zero then real
        ns() / ICMPv6NDOptMTU() / sll,
        ns() / ICMPv6NDOptSrcLLAddr(len=2, lladdr=SRC) / Raw(b"\x00" * 8) / tll,
        ns() / Raw(b"\x01\x00" + b"\x02" * 6) / sll,                       # length 0
        ns() / Raw(b"\x01\x03" + b"\x02" * 6),                             # past the end
        ns() / Raw(b"\x01\x01\x02"),                                       # < 8 bytes left
        ns(code=1) / sll,
        ns(res=0x12345678) / sll,
        na(R=1, S=1, O=1) / tll,
        na(R=0, S=1, O=0) / sll / tll,
        na(R=1, S=0, O=1, res=0x1ABCDE) / tll / ICMPv6NDOptDstLLAddr(lladdr=SRC),
        na(),
        eth() / IPv6(src=s6, dst=t6, nh=58) / Raw(b"\x87\x00\x00\x00\xaa\xbb\xcc\xdd" + b"\xfe\x80" * 7),  # target cut
        eth() / IPv6(src=s6, dst="ff02::2") / ICMPv6ND_RS() / sll,
        eth() / IPv6(src=s6, dst="ff02::1") / ICMPv6ND_RA() / sll,
    ]


def igmp():
    def ip(**k):
        k.setdefault("dst", "224.0.0.1")
        return IP(src=A4, ttl=1, **k)

    return [
        eth() / ip() / IGMP(type=0x11, mrcode=100, gaddr="0.0.0.0"),     # v2 general query
        eth() / ip() / IGMP(type=0x11, mrcode=10, gaddr="239.1.2.3"),    # group query
        eth() / ip(dst="239.1.2.3") / IGMP(type=0x16, gaddr="239.1.2.3"),  # v2 report
        eth() / ip(dst="224.0.0.2") / IGMP(type=0x17, gaddr="239.1.2.3"),  # leave
        eth() / ip(dst="239.1.2.3") / Raw(bytes.fromhex("1200000ef0010203")),  # v1 report
        eth() / ip(dst="224.0.0.1") / Raw(bytes.fromhex("11000eee00000000")),  # v1 query
        eth() / ip(options=[IPOption_Router_Alert()]) / IGMPv3(type=0x11) / IGMPv3mq(gaddr="239.9.9.9", srcaddrs=["10.0.0.5"]),
        eth() / ip(dst="224.0.0.22", options=[IPOption_Router_Alert()]) / IGMPv3(type=0x22) / IGMPv3mr(records=[IGMPv3gr(rtype=4, maddr="239.1.1.1")]),
        eth() / ip() / Raw(b"\x16\x00\x00\x00\xe0\x00\x00"),              # 7 bytes
        eth() / IP(src=A4, dst=B4, proto=2, flags="MF") / Raw(b"\x16\x00\x00\x00\xe0\x00\x00\x01"),
        eth() / IP(src=A4, dst=B4, proto=2, frag=8) / Raw(b"\x16\x00\x00\x00\xe0\x00\x00\x01"),
    ]


def tunnels():
    inner = Ether(src="02:00:00:00:00:0a", dst="02:00:00:00:00:0b") / IP(src="192.168.0.1", dst="192.168.0.2") / ICMP()
    o4 = lambda: eth() / IP(src=A4, dst=B4)
    o6 = lambda: eth() / IPv6(src=A6, dst=B6)
    return [
        o4() / UDP(sport=49152, dport=4789) / VXLAN(vni=5000) / inner,
        o6() / UDP(sport=49152, dport=4789) / VXLAN(vni=1) / inner,
        o4() / UDP(sport=1234, dport=4789) / VXLAN(flags=0x88, gpid=100, vni=7) / inner,
        o4() / GRE(proto=0x6558) / inner,
        o4() / GRE(proto=0x6558, key_present=1, key=0x12345678) / inner,
        o4() / GRE(proto=0x6558, seqnum_present=1, seqence_number=99) / inner,
        o4() / GRE(proto=0x6558, chksum_present=1) / inner,
        o4() / GRE(proto=0x0800, chksum_present=1, key_present=1, seqnum_present=1, key=1, seqence_number=2) / IP(src="192.168.0.1", dst="192.168.0.2") / UDP(),
        o6() / GRE(proto=0x86DD, key_present=1, key=42) / IPv6(src="fd00::1", dst="fd00::2") / UDP(),
        o4() / UDP(sport=5000, dport=6081) / GENEVE(vni=100, proto=0x6558) / inner,
        o4() / UDP(sport=5000, dport=6081) / GENEVE(vni=100, proto=0x6558, options=[GeneveOptions(classid=0x0102, type=0x80, data=b"\x00\x00\x00\x0c")]) / inner,
        o6() / UDP(sport=5000, dport=6081) / GENEVE(vni=9, proto=0x6558, oam=1, critical=1, options=[GeneveOptions(classid=0xffff, type=1, data=b"\x01\x02\x03\x04\x05\x06\x07\x08")]) / inner,
        eth() / Dot1Q(vlan=20) / IP(src=A4, dst=B4) / UDP(dport=4789) / VXLAN(vni=3) / inner,
    ]


def truncations():
    frames = [
        eth() / Dot1AD(vlan=1) / Dot1Q(vlan=2) / IP(src=A4, dst=B4, options=[IPOption_Router_Alert()]) / TCP(flags="S", options=[("MSS", 1460)]),
        eth() / IPv6(src=A6, dst=B6) / IPv6ExtHdrHopByHop() / IPv6ExtHdrFragment(m=1) / UDP(sport=1, dport=2),
        eth() / IPv6(src="fe80::1", dst="fe80::2") / ICMPv6ND_NA(tgt="fe80::2") / ICMPv6NDOptDstLLAddr(lladdr=DST),
        eth(type=0x8847) / MPLS(label=1, s=0) / MPLS(label=2, s=0) / MPLS(label=3, s=1) / IP(),
        eth() / ARP(hwsrc=SRC, psrc=A4, pdst=B4),
        eth() / LLC(dsap=0xAA, ssap=0xAA, ctrl=3) / SNAP(OUI=0, code=0x0800) / IP(src=A4, dst=B4) / SCTP(sport=1, dport=2),
        eth() / IP(src=A4, dst=B4) / IGMP(type=0x16, gaddr="239.0.0.1"),
        eth() / IP(src=A4, dst=B4) / UDP(sport=5, dport=4789) / VXLAN(vni=1) / Ether() / IP(),
    ]
    out = []
    for f in frames:
        b = raw(f)
        out.extend(Raw(b[:n]) for n in range(1, len(b) + 1))
    return out


def mutations(seed_frames, n, seed):
    """Random byte flips, overwrites, inserts and cuts of the other frames."""
    rng = random.Random(seed)
    seeds = [raw(f) for f in seed_frames]
    out = []
    for _ in range(n):
        b = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(b))
            op = rng.randrange(5)
            if op == 0:
                b[at] = rng.randrange(256)
            elif op in (1, 2):
                b[at] ^= 1 << rng.randrange(8)
            elif op == 3:
                del b[max(at, 1):]
            else:
                b.insert(at, rng.randrange(256))
        out.append(Raw(bytes(b)))
    return out


def main():
    outdir = sys.argv[1]
    sets = {
        "l2": l2(), "vlan": vlan(), "mpls": mpls(), "arp": arp(), "ipv4": ipv4(),
        "ipv6": ipv6(), "l4": l4(), "nd": nd(), "igmp": igmp(), "tunnels": tunnels(),
        "truncations": truncations(),
    }
    everything = [f for fs in sets.values() for f in fs]
    sets["mutations"] = mutations(everything, 8000, 1)
    for name, frames in sets.items():
        write_pcap(f"{outdir}/{name}.pcap", frames)
    # The other file formats, on a mixed sample.
    sample = sets["vlan"] + sets["nd"]
    write_pcap(f"{outdir}/variant-be.pcap", sample, big_endian=True)
    write_pcap(f"{outdir}/variant-nsec.pcap", sample, nsec=True)
    write_pcap(f"{outdir}/variant-be-nsec.pcap", sample, big_endian=True, nsec=True)


if __name__ == "__main__":
    main()
