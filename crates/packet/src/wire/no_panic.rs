//! The promise of `new_checked`: once it accepts a buffer, no getter,
//! payload accessor, iterator or `Repr::parse` panics. Every view is fed
//! every seed literal, all its truncations, single-byte mutations of it and
//! pseudo-random buffers.

#[cfg(test)]
use super::test_util::hex;
use super::*;

/// Seed literals: the frames and headers of the module tests.
#[cfg(test)]
const SEEDS: &[&str] = &[
    "00112233445566778899aabb080045b90021123440004011a48bc0a80101c0a8010204d2162e000d1dae68656c6c6f",
    "4700002400070000031190b50a0000010a0000020707040102030400000100020008ebd8",
    "ffffffffffff0000000000018100b064080600010800060400010000000000010a0000010000000000000a000002",
    "00010800060400020011223344550a0000020000000000010a000001",
    super::test_util::TCP_PACKET,
    super::test_util::EXT_PACKET,
    super::test_util::LATER_FRAGMENT,
    "9c4001bb010203040a0b0c0d501801f53f1c0000474554202f",
    "0303131b000000004500001c00010000401164cc0a0101010a010102000100020008e9d6",
    "8700b78e0000000020010db80000000000000000000000020101001122334455",
    "8800f2a66000000020010db8000000000000000000000002020166778899aabb",
    "1114e056ef0101010a7d00020a0000090a00000a",
    "2200eded0000000204000000ef01010101000001ef0202020a000007",
    "13881389deadbeef74321959010000141122334400010000000a000a00000001",
    "aaaa0300000c2000636470",
    "08000000123456000000000000020000000000010800",
    "b000655857ef0000000012340000000700000000000200000000000108007879",
    "03406558123456000102800100000001ffff01000000000000020000000000010800",
];

/// A small deterministic xorshift generator, so the test needs no crate.
#[cfg(test)]
struct Rng(u64);

#[cfg(test)]
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Emits `repr` into `len` zero bytes and parses the result back: emitting
/// must not panic, `buffer_len` must be enough, and the round trip must be
/// lossless.
fn round_trip<R: PartialEq + std::fmt::Debug>(
    repr: Result<R>,
    len: impl FnOnce(&R) -> usize,
    emit: impl FnOnce(&R, &mut [u8]),
    parse: impl FnOnce(&[u8]) -> Result<R>,
) {
    if let Ok(repr) = repr {
        let mut out = vec![0u8; len(&repr)];
        emit(&repr, &mut out);
        assert_eq!(parse(&out), Ok(repr));
    }
}

fn exercise_l2(buf: &[u8], m: &mut [u8]) {
    if let Ok(v) = EthernetFrame::new_checked(buf) {
        let _ = (v.dst_addr(), v.src_addr(), v.ethertype(), v.payload());
        EthernetFrame::new_checked(&mut m[..])
            .unwrap()
            .payload_mut()
            .fill(0);
        round_trip(
            EthernetRepr::parse(&v),
            EthernetRepr::buffer_len,
            |r, b| r.emit(&mut EthernetFrame::new_unchecked(b)),
            |b| EthernetRepr::parse(&EthernetFrame::new_checked(b)?),
        );
    }
    if let Ok(v) = VlanHeader::new_checked(buf) {
        let _ = (
            v.tci(),
            v.pcp(),
            v.dei(),
            v.vid(),
            v.ethertype(),
            v.payload(),
        );
        round_trip(
            VlanRepr::parse(&v),
            VlanRepr::buffer_len,
            |r, b| r.emit(&mut VlanHeader::new_unchecked(b)),
            |b| VlanRepr::parse(&VlanHeader::new_checked(b)?),
        );
    }
    if let Ok(v) = MplsHeader::new_checked(buf) {
        let _ = (v.label(), v.tc(), v.bottom_of_stack(), v.ttl(), v.payload());
        round_trip(
            MplsRepr::parse(&v),
            MplsRepr::buffer_len,
            |r, b| r.emit(&mut MplsHeader::new_unchecked(b)),
            |b| MplsRepr::parse(&MplsHeader::new_checked(b)?),
        );
    }
    if let Ok(v) = ArpPacket::new_checked(buf) {
        let _ = (v.hardware_type(), v.protocol_type(), v.operation());
        let _ = (v.source_hardware_addr(), v.source_protocol_addr());
        let _ = (v.target_hardware_addr(), v.target_protocol_addr());
        round_trip(
            ArpRepr::parse(&v),
            ArpRepr::buffer_len,
            |r, b| r.emit(&mut ArpPacket::new_unchecked(b)),
            |b| ArpRepr::parse(&ArpPacket::new_checked(b)?),
        );
    }
    if let Ok(v) = LlcSnap::new_checked(buf) {
        let _ = (
            v.dsap(),
            v.ssap(),
            v.control(),
            v.oui(),
            v.ethertype(),
            v.payload(),
        );
        round_trip(
            LlcSnapRepr::parse(&v),
            LlcSnapRepr::buffer_len,
            |r, b| r.emit(&mut LlcSnap::new_unchecked(b)),
            |b| LlcSnapRepr::parse(&LlcSnap::new_checked(b)?),
        );
    }
}

fn exercise_ip(buf: &[u8], m: &mut [u8]) {
    if let Ok(v) = Ipv4Packet::new_checked(buf) {
        let _ = (
            v.version(),
            v.header_len(),
            v.dscp(),
            v.ecn(),
            v.total_len(),
            v.ident(),
        );
        let _ = (
            v.dont_frag(),
            v.more_frags(),
            v.frag_offset(),
            v.ttl(),
            v.protocol(),
        );
        let _ = (
            v.checksum(),
            v.src_addr(),
            v.dst_addr(),
            v.options(),
            v.payload(),
        );
        let _ = v.verify_checksum();
        let mut w = Ipv4Packet::new_checked(&mut m[..]).unwrap();
        w.options_mut().fill(0);
        w.payload_mut().fill(0);
        w.fill_checksum();
        round_trip(
            Ipv4Repr::parse(&v),
            |r| r.buffer_len() + r.payload_len,
            |r, b| r.emit(&mut Ipv4Packet::new_unchecked(b)),
            |b| Ipv4Repr::parse(&Ipv4Packet::new_checked(b)?),
        );
    }
    if let Ok(v) = Ipv6Packet::new_checked(buf) {
        let _ = (
            v.version(),
            v.traffic_class(),
            v.flow_label(),
            v.payload_len(),
        );
        let _ = (
            v.next_header(),
            v.hop_limit(),
            v.src_addr(),
            v.dst_addr(),
            v.payload(),
        );
        let _ = v.upper_layer();
        Ipv6Packet::new_checked(&mut m[..])
            .unwrap()
            .payload_mut()
            .fill(0);
        round_trip(
            Ipv6Repr::parse(&v),
            |r| r.buffer_len() + r.payload_len,
            |r, b| r.emit(&mut Ipv6Packet::new_unchecked(b)),
            |b| Ipv6Repr::parse(&Ipv6Packet::new_checked(b)?),
        );
    }
    if let Ok(v) = Ipv6ExtHeader::new_checked(buf) {
        let _ = (
            v.next_header(),
            v.data(),
            v.routing_type(),
            v.segments_left(),
            v.payload(),
        );
        for option in Ipv6Options::new(v.data()).flatten() {
            let _ = (option.option_type(), option.data_len(), option.data());
        }
        let repr = Ipv6ExtHeaderRepr::parse(&v).unwrap();
        let mut out = vec![0u8; repr.buffer_len()];
        repr.emit(&mut Ipv6ExtHeader::new_unchecked(&mut out[..]));
        let view = Ipv6ExtHeader::new_checked(&out[..]).unwrap();
        assert_eq!(Ipv6ExtHeaderRepr::parse(&view), Ok(repr));
    }
    if let Ok(v) = Ipv6FragmentHeader::new_checked(buf) {
        let _ = (
            v.next_header(),
            v.frag_offset(),
            v.more_frags(),
            v.ident(),
            v.payload(),
        );
        round_trip(
            Ipv6FragmentRepr::parse(&v),
            Ipv6FragmentRepr::buffer_len,
            |r, b| r.emit(&mut Ipv6FragmentHeader::new_unchecked(b)),
            |b| Ipv6FragmentRepr::parse(&Ipv6FragmentHeader::new_checked(b)?),
        );
    }
}

fn exercise_l4(buf: &[u8], m: &mut [u8]) {
    let ips = IpPair::V4([10, 0, 0, 1].into(), [10, 0, 0, 2].into());
    if let Ok(v) = TcpPacket::new_checked(buf) {
        let _ = (
            v.src_port(),
            v.dst_port(),
            v.seq_number(),
            v.ack_number(),
            v.flags(),
        );
        let _ = (
            v.window_len(),
            v.checksum(),
            v.urgent_ptr(),
            v.options(),
            v.payload(),
        );
        let _ = v.verify_checksum(&ips);
        TcpPacket::new_checked(&mut m[..])
            .unwrap()
            .fill_checksum(&ips);
        let repr = TcpRepr::parse(&v).unwrap();
        let mut out = vec![0u8; repr.buffer_len()];
        repr.emit(&mut TcpPacket::new_unchecked(&mut out[..]));
        let view = TcpPacket::new_checked(&out[..]).unwrap();
        assert_eq!(TcpRepr::parse(&view), Ok(repr));
    }
    if let Ok(v) = UdpPacket::new_checked(buf) {
        let _ = (
            v.src_port(),
            v.dst_port(),
            v.len(),
            v.checksum(),
            v.payload(),
        );
        let _ = v.verify_checksum(&ips);
        UdpPacket::new_checked(&mut m[..])
            .unwrap()
            .fill_checksum(&ips);
        round_trip(
            UdpRepr::parse(&v),
            |r| r.buffer_len() + r.payload_len,
            |r, b| r.emit(&mut UdpPacket::new_unchecked(b)),
            |b| UdpRepr::parse(&UdpPacket::new_checked(b)?),
        );
    }
    if let Ok(v) = SctpPacket::new_checked(buf) {
        let _ = (
            v.src_port(),
            v.dst_port(),
            v.verification_tag(),
            v.checksum(),
            v.payload(),
        );
        let _ = v.verify_checksum();
        round_trip(
            SctpRepr::parse(&v),
            SctpRepr::buffer_len,
            |r, b| r.emit(&mut SctpPacket::new_unchecked(b)),
            |b| SctpRepr::parse(&SctpPacket::new_checked(b)?),
        );
    }
}

fn exercise_control(buf: &[u8]) {
    if let Ok(v) = Icmpv4Packet::new_checked(buf) {
        let _ = (
            v.msg_type(),
            v.msg_code(),
            v.checksum(),
            v.rest_of_header(),
            v.data(),
        );
        let _ = (v.echo_ident(), v.echo_seq_no(), v.verify_checksum());
        round_trip(
            Icmpv4Repr::parse(&v),
            Icmpv4Repr::buffer_len,
            |r, b| r.emit(&mut Icmpv4Packet::new_unchecked(b)),
            |b| Icmpv4Repr::parse(&Icmpv4Packet::new_checked(b)?),
        );
    }
    if let Ok(v) = Icmpv6Packet::new_checked(buf) {
        let a = std::net::Ipv6Addr::LOCALHOST;
        let _ = (
            v.msg_type(),
            v.msg_code(),
            v.checksum(),
            v.rest_of_header(),
            v.data(),
        );
        let _ = (v.verify_checksum(&a, &a), v.nd_flags(), v.target_addr());
        for option in v.nd_options().flatten() {
            let _ = (
                option.option_type(),
                option.data(),
                option.link_layer_addr(),
            );
        }
        // ND messages need more than the 8 bytes an Icmpv6Repr emits.
        round_trip(
            Icmpv6Repr::parse(&v),
            |r| r.buffer_len().max(ndisc::fixed_len(r.msg_type)),
            |r, b| r.emit(&mut Icmpv6Packet::new_unchecked(b)),
            |b| Icmpv6Repr::parse(&Icmpv6Packet::new_checked(b)?),
        );
        round_trip(
            NdiscRepr::parse(&v),
            NdiscRepr::buffer_len,
            |r, b| r.emit(&mut Icmpv6Packet::new_unchecked(b)),
            |b| NdiscRepr::parse(&Icmpv6Packet::new_checked(b)?),
        );
    }
    if let Ok(v) = IgmpPacket::new_checked(buf) {
        let _ = (
            v.msg_type(),
            v.max_resp_code(),
            v.checksum(),
            v.group_addr(),
        );
        let _ = (
            v.is_v3_query(),
            v.suppress_flag(),
            v.qrv(),
            v.qqic(),
            v.num_sources(),
        );
        let _ = (
            v.query_sources().count(),
            v.num_group_records(),
            v.verify_checksum(),
        );
        for record in v.group_records().flatten() {
            let _ = (
                record.record_type(),
                record.mcast_addr(),
                record.sources().count(),
            );
            let _ = record.aux_data();
        }
        round_trip(
            IgmpRepr::parse(&v),
            IgmpRepr::buffer_len,
            |r, b| r.emit(&mut IgmpPacket::new_unchecked(b)),
            |b| IgmpRepr::parse(&IgmpPacket::new_checked(b)?),
        );
    }
}

fn exercise_tunnels(buf: &[u8], m: &mut [u8]) {
    if let Ok(v) = VxlanHeader::new_checked(buf) {
        let _ = (
            v.flags(),
            v.reserved1(),
            v.vni(),
            v.reserved2(),
            v.payload(),
        );
        round_trip(
            VxlanRepr::parse(&v),
            VxlanRepr::buffer_len,
            |r, b| r.emit(&mut VxlanHeader::new_unchecked(b)),
            |b| VxlanRepr::parse(&VxlanHeader::new_checked(b)?),
        );
    }
    if let Ok(v) = GreHeader::new_checked(buf) {
        let _ = (
            v.version(),
            v.protocol(),
            v.checksum(),
            v.key(),
            v.sequence(),
            v.payload(),
        );
        let _ = v.verify_checksum();
        GreHeader::new_checked(&mut m[..]).unwrap().fill_checksum();
        round_trip(
            GreRepr::parse(&v),
            GreRepr::buffer_len,
            |r, b| r.emit(&mut GreHeader::new_unchecked(b)),
            |b| GreRepr::parse(&GreHeader::new_checked(b)?),
        );
    }
    if let Ok(v) = GeneveHeader::new_checked(buf) {
        let _ = (
            v.version(),
            v.oam(),
            v.critical(),
            v.protocol(),
            v.vni(),
            v.payload(),
        );
        for option in v.options().flatten() {
            let _ = (option.class(), option.option_type(), option.data());
        }
        if let Ok(repr) = GeneveRepr::parse(&v) {
            let mut out = vec![0u8; repr.buffer_len()];
            repr.emit(&mut GeneveHeader::new_unchecked(&mut out[..]));
            let view = GeneveHeader::new_checked(&out[..]).unwrap();
            assert_eq!(GeneveRepr::parse(&view), Ok(repr));
        }
    }
}

/// Runs every view over `buf` (also the body of the `wire_views` fuzz target).
pub fn exercise(buf: &[u8]) {
    let mut owned = buf.to_vec();
    exercise_l2(buf, &mut owned);
    exercise_ip(buf, &mut owned);
    exercise_l4(buf, &mut owned);
    exercise_control(buf);
    exercise_tunnels(buf, &mut owned);
}

#[cfg(test)]
#[test]
fn checked_views_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for seed in SEEDS {
        let bytes = hex(seed);
        for start in 0..bytes.len().min(60) {
            let tail = &bytes[start..];
            for len in 0..=tail.len() {
                exercise(&tail[..len]);
            }
            for at in 0..tail.len() {
                let mut mutated = tail.to_vec();
                for value in [0x00, 0xff, 0x01, 0x80, rng.next() as u8] {
                    mutated[at] = value;
                    exercise(&mutated);
                }
            }
        }
    }
    for _ in 0..20_000 {
        let len = (rng.next() % 96) as usize;
        let buf: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        exercise(&buf);
    }
}
