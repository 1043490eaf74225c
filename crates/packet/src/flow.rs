//! The flow key, its masks and its hash.
//!
//! [`Flow`] is a flat struct of the header fields OpenFlow matches on, modelled
//! on OVS's `struct flow` (`lib/flow.h`) restricted to what rvs parses. The same
//! type serves as a mask: a 1 bit in a mask field means "this bit matters".
//!
//! All functions here are allocation-free and run on the PMD threads.

mod eth_addr;
mod format;

pub use eth_addr::{EthAddr, ParseEthAddrError};

/// `nw_frag` bit: the packet is a fragment (first or later), OVS's
/// `FLOW_NW_FRAG_ANY`.
pub const FRAG_ANY: u8 = 1;
/// `nw_frag` bit: the packet is a fragment with a nonzero offset, so it carries
/// no transport header, OVS's `FLOW_NW_FRAG_LATER`.
pub const FRAG_LATER: u8 = 2;
/// The bits of `nw_frag` that have a meaning.
pub const FRAG_MASK: u8 = FRAG_ANY | FRAG_LATER;

/// `vlan_tci` bit that says a tag is present (OVS reuses the 802.1Q CFI/DEI
/// bit for this, `VLAN_CFI`). The tag's own DEI bit is not kept.
pub const VLAN_CFI: u16 = 0x1000;
/// `vlan_tci` bits holding the VLAN ID.
pub const VLAN_VID_MASK: u16 = 0x0fff;
/// `vlan_tci` bits holding the priority code point.
pub const VLAN_PCP_MASK: u16 = 0xe000;
/// Shift of the priority code point within `vlan_tci`.
pub const VLAN_PCP_SHIFT: u32 = 13;

/// Ethertypes (host byte order).
pub mod ethertype {
    /// Internet Protocol version 4.
    pub const IPV4: u16 = 0x0800;
    /// Address Resolution Protocol.
    pub const ARP: u16 = 0x0806;
    /// Reverse ARP; parsed like ARP, as OVS does.
    pub const RARP: u16 = 0x8035;
    /// IEEE 802.1Q customer VLAN tag.
    pub const VLAN: u16 = 0x8100;
    /// IEEE 802.1ad service VLAN tag (QinQ outer tag).
    pub const QINQ: u16 = 0x88a8;
    /// Internet Protocol version 6.
    pub const IPV6: u16 = 0x86dd;
    /// MPLS unicast.
    pub const MPLS: u16 = 0x8847;
    /// MPLS multicast.
    pub const MPLS_MCAST: u16 = 0x8848;
    /// Link Layer Discovery Protocol.
    pub const LLDP: u16 = 0x88cc;
    /// Network Service Header.
    pub const NSH: u16 = 0x894f;
    /// Smallest value of the type/length field that is an ethertype; below it
    /// the field is an 802.3 length (OVS `ETH_TYPE_MIN`).
    pub const MIN: u16 = 0x0600;
    /// `dl_type` of 802.3 frames without a SNAP header carrying an ethertype
    /// (OpenFlow's `OFP_DL_TYPE_NOT_ETH_TYPE`, OVS `FLOW_DL_TYPE_NONE`).
    pub const NOT_ETH_TYPE: u16 = 0x05ff;
}

/// IP protocol numbers (IPv4 protocol / IPv6 next header).
pub mod ipproto {
    /// IPv6 hop-by-hop options extension header.
    pub const HOPOPTS: u8 = 0;
    /// Internet Control Message Protocol.
    pub const ICMP: u8 = 1;
    /// Internet Group Management Protocol.
    pub const IGMP: u8 = 2;
    /// Transmission Control Protocol.
    pub const TCP: u8 = 6;
    /// User Datagram Protocol.
    pub const UDP: u8 = 17;
    /// IPv6 routing extension header.
    pub const ROUTING: u8 = 43;
    /// IPv6 fragment extension header.
    pub const FRAGMENT: u8 = 44;
    /// GRE.
    pub const GRE: u8 = 47;
    /// Encapsulating Security Payload.
    pub const ESP: u8 = 50;
    /// Authentication Header.
    pub const AH: u8 = 51;
    /// ICMP for IPv6.
    pub const ICMPV6: u8 = 58;
    /// IPv6 "no next header".
    pub const NONE: u8 = 59;
    /// IPv6 destination options extension header.
    pub const DSTOPTS: u8 = 60;
    /// Stream Control Transmission Protocol.
    pub const SCTP: u8 = 132;
}

/// Bits of [`Flow::tcp_flags`] (the low 12 bits of TCP's data-offset/flags word).
pub mod tcp_flags {
    /// No more data from sender.
    pub const FIN: u16 = 0x001;
    /// Synchronize sequence numbers.
    pub const SYN: u16 = 0x002;
    /// Reset the connection.
    pub const RST: u16 = 0x004;
    /// Push function.
    pub const PSH: u16 = 0x008;
    /// Acknowledgment field significant.
    pub const ACK: u16 = 0x010;
    /// Urgent pointer field significant.
    pub const URG: u16 = 0x020;
    /// ECN echo.
    pub const ECE: u16 = 0x040;
    /// Congestion window reduced.
    pub const CWR: u16 = 0x080;
    /// ECN nonce sum (RFC 3540).
    pub const NS: u16 = 0x100;
    /// All 12 bits OVS keeps (including the 3 reserved ones).
    pub const MASK: u16 = 0x0fff;
}

/// The flow key: the header fields of one packet, or (as a mask) which bits of
/// them matter.
///
/// Integer fields are in host byte order; addresses are in wire order. Fields
/// a packet does not have are zero. The layout follows OVS's `struct flow`, and
/// so do the overloaded fields: ARP reuses the IPv4 and L4 address fields and
/// ICMP reuses the port fields, exactly as OVS does.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Debug)]
pub struct Flow {
    /// Datapath port number the packet arrived on.
    pub in_port: u32,
    /// Ethernet destination.
    pub dl_dst: EthAddr,
    /// Ethernet source.
    pub dl_src: EthAddr,
    /// Ethertype after any VLAN tags; [`ethertype::NOT_ETH_TYPE`] for 802.3
    /// frames that are not SNAP with OUI 0; 0 for frames shorter than an
    /// Ethernet header.
    pub dl_type: u16,
    /// Outermost 802.1Q/802.1ad tag: `PCP << 13 | VLAN_CFI | VID`; 0 when
    /// untagged.
    pub vlan_tci: u16,
    /// IPv4 source; for ARP the sender protocol address (spa).
    pub nw_src: u32,
    /// IPv4 destination; for ARP the target protocol address (tpa).
    pub nw_dst: u32,
    /// IPv6 source.
    pub ipv6_src: [u8; 16],
    /// IPv6 destination.
    pub ipv6_dst: [u8; 16],
    /// IPv6 flow label (20 bits).
    pub ipv6_label: u32,
    /// IPv4 protocol / IPv6 final next header ([`ipproto::FRAGMENT`] for
    /// later IPv6 fragments); for ARP the opcode when it is at most 255.
    pub nw_proto: u8,
    /// Full IPv4 TOS / IPv6 traffic class byte (`DSCP << 2 | ECN`).
    pub nw_tos: u8,
    /// IPv4 TTL / IPv6 hop limit.
    pub nw_ttl: u8,
    /// [`FRAG_ANY`] and [`FRAG_LATER`] bits.
    pub nw_frag: u8,
    /// TCP/UDP/SCTP source port; ICMP/ICMPv6/IGMP type.
    pub tp_src: u16,
    /// TCP/UDP/SCTP destination port; ICMP/ICMPv6/IGMP code.
    pub tp_dst: u16,
    /// TCP flags (12 bits, see [`tcp_flags`]). For ICMPv6 neighbour
    /// discovery it holds the type of the first link-layer address option
    /// (OVS's `nd_options_type`, which shares this field in OVS too).
    pub tcp_flags: u16,
    /// ARP sender hardware address; ND source link-layer address option.
    pub arp_sha: EthAddr,
    /// ARP target hardware address; ND target link-layer address option.
    pub arp_tha: EthAddr,
    /// ND target address (neighbour solicitation and advertisement).
    pub nd_target: [u8; 16],
}

/// Number of `u64` words [`Flow`] packs into for hashing.
const FLOW_WORDS: usize = 13;

fn and_bytes<const N: usize>(mut a: [u8; N], b: [u8; N]) -> [u8; N] {
    for (x, y) in a.iter_mut().zip(b) {
        *x &= y;
    }
    a
}

fn or_bytes<const N: usize>(mut a: [u8; N], b: [u8; N]) -> [u8; N] {
    for (x, y) in a.iter_mut().zip(b) {
        *x |= y;
    }
    a
}

/// The two halves of a 16-byte field. Little-endian because it is free on
/// the machines rvs runs on; any fixed order would do.
#[inline(always)]
fn split_u128(bytes: &[u8; 16]) -> [u64; 2] {
    let v = u128::from_le_bytes(*bytes);
    [v as u64, (v >> 64) as u64]
}

/// An Ethernet address in the low 48 bits of a word (little-endian, as
/// [`split_u128`]).
#[inline(always)]
fn mac_word(mac: &EthAddr) -> u64 {
    let [a, b, c, d, e, f] = mac.0;
    u64::from_le_bytes([a, b, c, d, e, f, 0, 0])
}

impl Flow {
    /// Field-wise AND with a mask: the key with every bit the mask does not
    /// care about cleared.
    pub fn masked(&self, mask: &Flow) -> Flow {
        Flow {
            in_port: self.in_port & mask.in_port,
            dl_dst: EthAddr(and_bytes(self.dl_dst.0, mask.dl_dst.0)),
            dl_src: EthAddr(and_bytes(self.dl_src.0, mask.dl_src.0)),
            dl_type: self.dl_type & mask.dl_type,
            vlan_tci: self.vlan_tci & mask.vlan_tci,
            nw_src: self.nw_src & mask.nw_src,
            nw_dst: self.nw_dst & mask.nw_dst,
            ipv6_src: and_bytes(self.ipv6_src, mask.ipv6_src),
            ipv6_dst: and_bytes(self.ipv6_dst, mask.ipv6_dst),
            ipv6_label: self.ipv6_label & mask.ipv6_label,
            nw_proto: self.nw_proto & mask.nw_proto,
            nw_tos: self.nw_tos & mask.nw_tos,
            nw_ttl: self.nw_ttl & mask.nw_ttl,
            nw_frag: self.nw_frag & mask.nw_frag,
            tp_src: self.tp_src & mask.tp_src,
            tp_dst: self.tp_dst & mask.tp_dst,
            tcp_flags: self.tcp_flags & mask.tcp_flags,
            arp_sha: EthAddr(and_bytes(self.arp_sha.0, mask.arp_sha.0)),
            arp_tha: EthAddr(and_bytes(self.arp_tha.0, mask.arp_tha.0)),
            nd_target: and_bytes(self.nd_target, mask.nd_target),
        }
    }

    /// ORs another mask into this one, so that it matters wherever either
    /// did (the union of two megaflow masks).
    pub fn union_with(&mut self, other: &Flow) {
        self.in_port |= other.in_port;
        self.dl_dst = EthAddr(or_bytes(self.dl_dst.0, other.dl_dst.0));
        self.dl_src = EthAddr(or_bytes(self.dl_src.0, other.dl_src.0));
        self.dl_type |= other.dl_type;
        self.vlan_tci |= other.vlan_tci;
        self.nw_src |= other.nw_src;
        self.nw_dst |= other.nw_dst;
        self.ipv6_src = or_bytes(self.ipv6_src, other.ipv6_src);
        self.ipv6_dst = or_bytes(self.ipv6_dst, other.ipv6_dst);
        self.ipv6_label |= other.ipv6_label;
        self.nw_proto |= other.nw_proto;
        self.nw_tos |= other.nw_tos;
        self.nw_ttl |= other.nw_ttl;
        self.nw_frag |= other.nw_frag;
        self.tp_src |= other.tp_src;
        self.tp_dst |= other.tp_dst;
        self.tcp_flags |= other.tcp_flags;
        self.arp_sha = EthAddr(or_bytes(self.arp_sha.0, other.arp_sha.0));
        self.arp_tha = EthAddr(or_bytes(self.arp_tha.0, other.arp_tha.0));
        self.nd_target = or_bytes(self.nd_target, other.nd_target);
    }

    /// The mask with every bit of every field set.
    pub fn exact_mask() -> Flow {
        Flow {
            in_port: u32::MAX,
            dl_dst: EthAddr::BROADCAST,
            dl_src: EthAddr::BROADCAST,
            dl_type: u16::MAX,
            vlan_tci: u16::MAX,
            nw_src: u32::MAX,
            nw_dst: u32::MAX,
            ipv6_src: [0xff; 16],
            ipv6_dst: [0xff; 16],
            ipv6_label: u32::MAX,
            nw_proto: u8::MAX,
            nw_tos: u8::MAX,
            nw_ttl: u8::MAX,
            nw_frag: u8::MAX,
            tp_src: u16::MAX,
            tp_dst: u16::MAX,
            tcp_flags: u16::MAX,
            arp_sha: EthAddr::BROADCAST,
            arp_tha: EthAddr::BROADCAST,
            nd_target: [0xff; 16],
        }
    }

    /// The fields packed into words. Packing is bitwise, so packing commutes
    /// with masking: `words(a.masked(m)) == words(a) & words(m)` word by word.
    /// Every field bit lands in exactly one word bit, so the packing is
    /// injective.
    #[inline]
    fn words(&self) -> [u64; FLOW_WORDS] {
        let [s0, s1] = split_u128(&self.ipv6_src);
        let [d0, d1] = split_u128(&self.ipv6_dst);
        let [t0, t1] = split_u128(&self.nd_target);
        [
            u64::from(self.in_port) << 32
                | u64::from(self.dl_type) << 16
                | u64::from(self.vlan_tci),
            mac_word(&self.dl_dst) | u64::from(self.tp_src) << 48,
            mac_word(&self.dl_src) | u64::from(self.tp_dst) << 48,
            u64::from(self.nw_src) << 32 | u64::from(self.nw_dst),
            s0,
            s1,
            d0,
            d1,
            u64::from(self.ipv6_label) << 32
                | u64::from(self.nw_proto) << 24
                | u64::from(self.nw_tos) << 16
                | u64::from(self.nw_ttl) << 8
                | u64::from(self.nw_frag),
            mac_word(&self.arp_sha) | u64::from(self.tcp_flags) << 48,
            mac_word(&self.arp_tha),
            t0,
            t1,
        ]
    }

    /// A fast, deterministic 32-bit hash of every field, for the exact-match
    /// cache. The value depends only on the field values (no per-process
    /// seed), so it is stable across runs and threads.
    #[inline]
    pub fn hash(&self) -> u32 {
        hash_words(self.words())
    }

    /// The hash of `self.masked(mask)`, computed without building the masked
    /// flow (for megaflow tables).
    #[inline]
    pub fn hash_masked(&self, mask: &Flow) -> u32 {
        let mut words = self.words();
        for (w, m) in words.iter_mut().zip(mask.words()) {
            *w &= m;
        }
        hash_words(words)
    }
}

/// Xor-rotate-multiply mix over the words in four independent lanes, a final
/// mix of the lanes, then MurmurHash3's 64-bit finalizer.
///
/// Each round `h = rotl(h ^ w, 31) * K` is a bijection of `w` for a fixed `h`
/// and of `h` for a fixed `w` (K is odd), and so is the lane combination of
/// each lane, so two flows that differ in a single word never collide before
/// the final fold to 32 bits. The lanes keep four multiply chains in flight
/// instead of one serial chain; the finalizer gives the avalanche that the
/// short per-lane chains lack.
#[inline]
fn hash_words(words: [u64; FLOW_WORDS]) -> u32 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15; // 2^64 / golden ratio.
    #[inline(always)]
    fn round(h: u64, w: u64) -> u64 {
        (h ^ w).rotate_left(31).wrapping_mul(K)
    }
    // Digits of pi.
    let mut lanes: [u64; 4] = [
        0x243f_6a88_85a3_08d3,
        0x1319_8a2e_0370_7344,
        0xa409_3822_299f_31d0,
        0x082e_fa98_ec4e_6c89,
    ];
    for (i, w) in words.into_iter().enumerate() {
        lanes[i % 4] = round(lanes[i % 4], w);
    }
    let [a, b, c, d] = lanes;
    let mut h = round(round(round(a, b), c), d);
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    h as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// xorshift64*: deterministic pseudo-random test data without a dependency.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn bytes<const N: usize>(&mut self) -> [u8; N] {
            std::array::from_fn(|_| self.next() as u8)
        }

        /// A flow whose fields are each zero, all-ones or random.
        fn flow(&mut self) -> Flow {
            let mut f = Flow {
                in_port: self.next() as u32,
                dl_dst: EthAddr(self.bytes()),
                dl_src: EthAddr(self.bytes()),
                dl_type: self.next() as u16,
                vlan_tci: self.next() as u16,
                nw_src: self.next() as u32,
                nw_dst: self.next() as u32,
                ipv6_src: self.bytes(),
                ipv6_dst: self.bytes(),
                ipv6_label: self.next() as u32,
                nw_proto: self.next() as u8,
                nw_tos: self.next() as u8,
                nw_ttl: self.next() as u8,
                nw_frag: self.next() as u8,
                tp_src: self.next() as u16,
                tp_dst: self.next() as u16,
                tcp_flags: self.next() as u16,
                arp_sha: EthAddr(self.bytes()),
                arp_tha: EthAddr(self.bytes()),
                nd_target: self.bytes(),
            };
            match self.next() % 3 {
                0 => {
                    f = f.masked(&Flow {
                        nw_src: u32::MAX,
                        tp_dst: u16::MAX,
                        ..Flow::default()
                    })
                }
                1 => f.union_with(&Flow {
                    dl_type: u16::MAX,
                    ..Flow::default()
                }),
                _ => {}
            }
            f
        }
    }

    fn sample() -> Flow {
        Flow {
            in_port: 3,
            dl_dst: EthAddr([0x02, 0, 0, 0, 0, 2]),
            dl_src: EthAddr([0x02, 0, 0, 0, 0, 1]),
            dl_type: ethertype::IPV4,
            nw_src: 0x0a00_0001,
            nw_dst: 0x0a00_0002,
            nw_proto: ipproto::TCP,
            nw_ttl: 64,
            tp_src: 12345,
            tp_dst: 80,
            tcp_flags: tcp_flags::SYN,
            ..Flow::default()
        }
    }

    #[test]
    fn exact_mask_is_identity_and_zero_mask_clears() {
        let mut rng = Rng(0x1234_5678_9abc_def1);
        for _ in 0..200 {
            let f = rng.flow();
            assert_eq!(f.masked(&Flow::exact_mask()), f);
            assert_eq!(f.masked(&Flow::default()), Flow::default());
        }
    }

    #[test]
    fn masked_clears_only_unmasked_bits() {
        let mask = Flow {
            dl_type: 0xffff,
            nw_src: 0xffff_ff00,
            tp_dst: 0xfff0,
            dl_dst: EthAddr([0x01, 0, 0, 0, 0, 0]),
            ipv6_src: [0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0f],
            ..Flow::default()
        };
        let f = Flow {
            ipv6_src: [0xab; 16],
            dl_dst: EthAddr([0x33, 0x33, 0, 0, 0, 1]),
            ..sample()
        };
        let m = f.masked(&mask);
        assert_eq!(m.dl_type, ethertype::IPV4);
        assert_eq!(m.nw_src, 0x0a00_0000);
        assert_eq!(m.tp_dst, 80);
        assert_eq!(m.dl_dst, EthAddr([0x01, 0, 0, 0, 0, 0]));
        assert_eq!(
            m.ipv6_src,
            [0xab, 0xab, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b]
        );
        assert_eq!((m.in_port, m.tp_src, m.nw_dst, m.nw_ttl), (0, 0, 0, 0));
    }

    #[test]
    fn union_with_ors_every_field() {
        let mut rng = Rng(42);
        for _ in 0..100 {
            let (a, b, f) = (rng.flow(), rng.flow(), rng.flow());
            let mut u = a;
            u.union_with(&b);
            // A bit survives masking by the union iff it survives either mask.
            let mut either = f.masked(&a);
            either.union_with(&f.masked(&b));
            assert_eq!(f.masked(&u), either);
            let mut all = a;
            all.union_with(&Flow::exact_mask());
            assert_eq!(all, Flow::exact_mask());
        }
    }

    #[test]
    fn hash_masked_agrees_with_masked_hash() {
        let mut rng = Rng(7);
        for _ in 0..500 {
            let (f, m) = (rng.flow(), rng.flow());
            assert_eq!(f.hash_masked(&m), f.masked(&m).hash());
            assert_eq!(f.hash_masked(&Flow::exact_mask()), f.hash());
            assert_eq!(f.hash_masked(&Flow::default()), Flow::default().hash());
        }
    }

    #[test]
    fn hash_is_deterministic_and_sees_every_bit() {
        let base = sample();
        assert_eq!(base.hash(), sample().hash());
        // Toggling any single bit of any field changes the hash: every field
        // bit has its own word bit, and one round is a bijection of its word.
        let mut seen = 0;
        for i in 0..FLOW_WORDS {
            for bit in 0..64 {
                let mut w = base.words();
                w[i] ^= 1 << bit;
                let toggled = from_words_for_test(w);
                if toggled == base {
                    continue; // Padding bit above arp_tha.
                }
                seen += 1;
                assert_ne!(toggled.hash(), base.hash(), "word {i} bit {bit}");
            }
        }
        // 102 bytes of fields.
        assert_eq!(seen, 102 * 8);
    }

    /// Inverse of `words` (tests only): checks the packing is injective too.
    fn from_words_for_test(w: [u64; FLOW_WORDS]) -> Flow {
        let mac = |x: u64| {
            let b = x.to_le_bytes();
            EthAddr([b[0], b[1], b[2], b[3], b[4], b[5]])
        };
        let v6 = |lo: u64, hi: u64| ((u128::from(hi) << 64) | u128::from(lo)).to_le_bytes();
        Flow {
            in_port: (w[0] >> 32) as u32,
            dl_type: (w[0] >> 16) as u16,
            vlan_tci: w[0] as u16,
            dl_dst: mac(w[1]),
            tp_src: (w[1] >> 48) as u16,
            dl_src: mac(w[2]),
            tp_dst: (w[2] >> 48) as u16,
            nw_src: (w[3] >> 32) as u32,
            nw_dst: w[3] as u32,
            ipv6_src: v6(w[4], w[5]),
            ipv6_dst: v6(w[6], w[7]),
            ipv6_label: (w[8] >> 32) as u32,
            nw_proto: (w[8] >> 24) as u8,
            nw_tos: (w[8] >> 16) as u8,
            nw_ttl: (w[8] >> 8) as u8,
            nw_frag: w[8] as u8,
            arp_sha: mac(w[9]),
            tcp_flags: (w[9] >> 48) as u16,
            arp_tha: mac(w[10]),
            nd_target: v6(w[11], w[12]),
        }
    }

    #[test]
    fn word_packing_round_trips() {
        let mut rng = Rng(5);
        for _ in 0..200 {
            let f = rng.flow();
            assert_eq!(from_words_for_test(f.words()), f);
        }
        assert_eq!(
            from_words_for_test(Flow::exact_mask().words()),
            Flow::exact_mask()
        );
        assert!(
            Flow::exact_mask().words()[10] >> 48 == 0,
            "no bits above arp_tha"
        );
    }

    #[test]
    fn hash_spreads_similar_flows() {
        // 4096 flows that differ in 12 bits of one field, as caches see them:
        // both the low 12 bits (a 4096-entry EMC) and the high 12 bits of the
        // hash should look uniform. A uniform hash leaves about 4096/e = 1507
        // of 4096 buckets empty and rarely puts more than 8 in one.
        let base = sample();
        type Vary = fn(Flow, u16) -> Flow;
        let variants: [(&str, Vary); 7] = [
            ("tp_src", |f, i| Flow { tp_src: i, ..f }),
            ("nw_dst low", |f, i| Flow {
                nw_dst: 0x0a00_0000 | u32::from(i),
                ..f
            }),
            ("nw_src high", |f, i| Flow {
                nw_src: u32::from(i) << 20,
                ..f
            }),
            ("in_port", |f, i| Flow {
                in_port: u32::from(i),
                ..f
            }),
            ("vlan_tci", |f, i| Flow {
                vlan_tci: VLAN_CFI | i,
                ..f
            }),
            ("dl_src last bytes", |f, i| {
                let [hi, lo] = i.to_be_bytes();
                Flow {
                    dl_src: EthAddr([0x02, 0, 0, 0, hi, lo]),
                    ..f
                }
            }),
            ("ipv6_dst last bytes", |f, i| {
                let mut a = [0u8; 16];
                a[0] = 0x20;
                a[14..].copy_from_slice(&i.to_be_bytes());
                Flow { ipv6_dst: a, ..f }
            }),
        ];
        for (name, vary) in variants {
            for (part, shift) in [("low", 0), ("high", 20)] {
                let mut buckets = vec![0u32; 4096];
                for i in 0..4096u16 {
                    buckets[(vary(base, i).hash() >> shift & 0xfff) as usize] += 1;
                }
                let max = buckets.iter().copied().max().unwrap_or(0);
                let empty = buckets.iter().filter(|&&b| b == 0).count();
                assert!(max <= 9, "{name}, {part} bits: max bucket {max}");
                assert!(
                    (1350..1670).contains(&empty),
                    "{name}, {part} bits: {empty} empty buckets"
                );
            }
        }
    }
}
