//! Flows and matches in ovs-ofctl syntax, as OVS's `match_format()` and
//! `flow_format()` (`lib/match.c`, `lib/flow.c`) print them, byte for byte.

use std::fmt::{self, Display, Write};
use std::net::Ipv4Addr;

use super::{ct_state, ethertype, ipproto, tcp_flags, tun_flags, EthAddr, Flow};
use super::{
    FRAG_ANY, FRAG_LATER, FRAG_MASK, MPLS_BOS_MASK, MPLS_BOS_SHIFT, MPLS_LABEL_MASK,
    MPLS_LABEL_SHIFT, MPLS_TC_MASK, MPLS_TC_SHIFT, MPLS_TTL_MASK, VLAN_CFI, VLAN_PCP_MASK,
    VLAN_PCP_SHIFT, VLAN_VID_MASK,
};

/// A flow and a mask, printed as an ovs-ofctl match (OVS `match_format()`
/// with the default priority, so no `priority=`).
#[derive(Debug, Clone, Copy)]
pub struct MatchDisplay<'a> {
    /// The values.
    pub flow: &'a Flow,
    /// Which bits of them are printed.
    pub mask: &'a Flow,
}

impl Display for Flow {
    /// The flow as OVS's `flow_format()` prints it (what `ovs-ofctl
    /// parse-pcap` and packet-in dumps show): the fields
    /// [`Flow::format_mask`] selects, as a match.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mask = self.format_mask();
        MatchDisplay {
            flow: self,
            mask: &mask,
        }
        .fmt(f)
    }
}

/// C's `%#x`: `0` for zero, `0x..` otherwise.
struct AltHex(u64);

impl Display for AltHex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            f.write_str("0")
        } else {
            write!(f, "{:#x}", self.0)
        }
    }
}

/// An IPv6 address as glibc's `inet_ntop()` writes it (RFC 5952, plus the
/// dotted IPv4 tail for IPv4-compatible `::a.b.c.d` addresses, which Rust's
/// `Ipv6Addr` does not write).
pub(crate) struct Ipv6Text(pub [u8; 16]);

impl Display for Ipv6Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.0;
        let words: [u16; 8] = std::array::from_fn(|i| u16::from_be_bytes([a[2 * i], a[2 * i + 1]]));
        // The first longest run of at least two zero words.
        let (mut best, mut cur): ((usize, usize), Option<(usize, usize)>) = ((0, 0), None);
        for (i, &w) in words.iter().enumerate() {
            if w == 0 {
                let (base, len) = cur.unwrap_or((i, 0));
                cur = Some((base, len + 1));
            } else {
                cur = None;
            }
            if let Some(run) = cur {
                if run.1 > best.1 {
                    best = run;
                }
            }
        }
        let (base, len) = if best.1 >= 2 { best } else { (8, 0) };
        let mut i = 0;
        while i < 8 {
            if i == base {
                f.write_str(":")?;
                i += len;
                if i == 8 {
                    f.write_str(":")?;
                }
                continue;
            }
            if i != 0 {
                f.write_str(":")?;
            }
            if i == 6 && base == 0 && (len == 6 || (len == 5 && words[5] == 0xffff)) {
                return write!(f, "{}", Ipv4Addr::new(a[12], a[13], a[14], a[15]));
            }
            write!(f, "{:x}", words[i])?;
            i += 1;
        }
        Ok(())
    }
}

/// Name of a reserved OpenFlow port (OVS `ofputil_port_get_reserved_name()`).
fn reserved_port_name(port: u32) -> Option<&'static str> {
    Some(match port {
        0xfff7 => "UNSET",
        0xfff8 => "IN_PORT",
        0xfff9 => "TABLE",
        0xfffa => "NORMAL",
        0xfffb => "FLOOD",
        0xfffc => "ALL",
        0xfffd => "CONTROLLER",
        0xfffe => "LOCAL",
        0xffff => "ANY",
        _ => return None,
    })
}

fn tcp_flag_name(bit: u32) -> Option<&'static str> {
    Some(match bit as u16 {
        tcp_flags::FIN => "fin",
        tcp_flags::SYN => "syn",
        tcp_flags::RST => "rst",
        tcp_flags::PSH => "psh",
        tcp_flags::ACK => "ack",
        tcp_flags::URG => "urg",
        tcp_flags::ECE => "ece",
        tcp_flags::CWR => "cwr",
        tcp_flags::NS => "ns",
        0x200 => "[200]",
        0x400 => "[400]",
        0x800 => "[800]",
        _ => return None,
    })
}

fn ct_state_name(bit: u32) -> Option<&'static str> {
    Some(match bit as u8 {
        ct_state::NEW => "new",
        ct_state::ESTABLISHED => "est",
        ct_state::RELATED => "rel",
        ct_state::REPLY_DIR => "rpl",
        ct_state::INVALID => "inv",
        ct_state::TRACKED => "trk",
        ct_state::SRC_NAT => "snat",
        ct_state::DST_NAT => "dnat",
        _ => return None,
    })
}

fn tun_flag_name(bit: u32) -> Option<&'static str> {
    Some(match bit as u16 {
        tun_flags::DONT_FRAGMENT => "df",
        tun_flags::CSUM => "csum",
        tun_flags::KEY => "key",
        tun_flags::OAM => "oam",
        _ => return None,
    })
}

type BitName = fn(u32) -> Option<&'static str>;

/// Builds the match text; every field ends with `,` and the last is chomped.
struct Out {
    s: String,
}

impl Out {
    fn put(&mut self, args: fmt::Arguments<'_>) {
        let _ = self.s.write_fmt(args);
    }

    /// OVS `format_flags()`: names of the set bits, lowest first, joined by
    /// `|`, then any unnamed bits as one hex number; `0` for none.
    fn flags(&mut self, name: BitName, flags: u32) {
        if flags == 0 {
            self.s.push('0');
            return;
        }
        let mut bad = 0;
        let mut first = true;
        for bit in (0..32).map(|i| 1u32 << i).filter(|b| flags & b != 0) {
            match name(bit) {
                Some(n) => {
                    if !first {
                        self.s.push('|');
                    }
                    first = false;
                    self.s.push_str(n);
                }
                None => bad |= bit,
            }
        }
        if bad != 0 {
            if !first {
                self.s.push('|');
            }
            self.put(format_args!("{bad:#x}"));
        }
    }

    /// OVS `format_flags_masked()` (name printed by the caller).
    fn flags_masked(&mut self, name: BitName, flags: u32, mask: u32, max: u32) {
        if mask == max {
            return self.flags(name, flags);
        }
        if mask == 0 {
            return self.s.push_str("0/0");
        }
        for bit in (0..32).map(|i| 1u32 << i).filter(|b| mask & b != 0) {
            let sign = if flags & bit != 0 { '+' } else { '-' };
            self.put(format_args!("{sign}{}", name(bit).unwrap_or("[Unknown]")));
        }
    }

    fn eth(&mut self, name: &str, v: EthAddr, m: EthAddr) {
        if m.is_zero() {
            return;
        }
        self.put(format_args!("{name}={v}"));
        if m != EthAddr::BROADCAST {
            self.put(format_args!("/{m}"));
        }
        self.s.push(',');
    }

    fn ip(&mut self, name: &str, v: u32, m: u32) {
        if m == 0 {
            return;
        }
        self.put(format_args!("{name}={}", Ipv4Addr::from(v)));
        if m != u32::MAX {
            if m.leading_ones() + m.trailing_zeros() == 32 {
                self.put(format_args!("/{}", m.leading_ones()));
            } else {
                self.put(format_args!("/{}", Ipv4Addr::from(m)));
            }
        }
        self.s.push(',');
    }

    fn ipv6(&mut self, name: &str, v: &[u8; 16], m: &[u8; 16]) {
        if *m == [0; 16] {
            return;
        }
        self.put(format_args!("{name}={}", Ipv6Text(*v)));
        if *m != [0xff; 16] {
            let bits = u128::from_be_bytes(*m);
            if bits.leading_ones() + bits.trailing_zeros() == 128 {
                self.put(format_args!("/{}", bits.leading_ones()));
            } else {
                self.put(format_args!("/{}", Ipv6Text(*m)));
            }
        }
        self.s.push(',');
    }

    /// OVS `format_be16_masked()` / `format_uint16_masked()`.
    fn u16(&mut self, name: &str, v: u16, m: u16) {
        match m {
            0 => {}
            u16::MAX => self.put(format_args!("{name}={v},")),
            _ => self.put(format_args!("{name}={v:#x}/{m:#x},")),
        }
    }

    /// OVS `format_be32_masked()`.
    fn u32_dec(&mut self, name: &str, v: u32, m: u32) {
        match m {
            0 => {}
            u32::MAX => self.put(format_args!("{name}={v},")),
            _ => self.put(format_args!("{name}={v:#010x}/{m:#010x},")),
        }
    }

    /// OVS `format_uint32_masked()` (`%#x`) and `format_be64_masked()`.
    fn hex(&mut self, name: &str, v: u64, m: u64, all: u64) {
        if m == 0 {
            return;
        }
        self.put(format_args!("{name}={}", AltHex(v)));
        if m != all {
            self.put(format_args!("/{}", AltHex(m)));
        }
        self.s.push(',');
    }

    /// OVS `ds_put_hex()`: big-endian bytes as one hex number.
    fn hex_bytes(&mut self, bytes: &[u8]) {
        match bytes.iter().position(|&b| b != 0) {
            None => self.s.push('0'),
            Some(i) => {
                self.put(format_args!("{:#x}", bytes[i]));
                for b in &bytes[i + 1..] {
                    self.put(format_args!("{b:02x}"));
                }
            }
        }
    }

    fn port(&mut self, port: u32) {
        match reserved_port_name(port) {
            Some(n) => self.s.push_str(n),
            None => self.put(format_args!("{port}")),
        }
    }
}

impl Display for MatchDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = Out { s: String::new() };
        format_match(&mut out, self.flow, self.mask);
        f.write_str(out.s.strip_suffix(',').unwrap_or(&out.s))
    }
}

fn format_match(o: &mut Out, f: &Flow, m: &Flow) {
    o.hex(
        "pkt_mark",
        f.pkt_mark.into(),
        m.pkt_mark.into(),
        u32::MAX.into(),
    );
    let is_megaflow = m.recirc_id != 0;
    o.hex(
        "recirc_id",
        f.recirc_id.into(),
        m.recirc_id.into(),
        u32::MAX.into(),
    );
    o.hex(
        "dp_hash",
        f.dp_hash.into(),
        m.dp_hash.into(),
        u32::MAX.into(),
    );
    if m.conj_id != 0 {
        o.put(format_args!("conj_id={},", f.conj_id));
    }
    if m.skb_priority != 0 {
        o.put(format_args!(
            "skb_priority={},",
            AltHex(f.skb_priority.into())
        ));
    }
    if m.actset_output != 0 {
        o.s.push_str("actset_output=");
        o.port(f.actset_output);
        o.s.push(',');
    }
    if m.ct_state != 0 {
        o.s.push_str("ct_state=");
        o.flags_masked(ct_state_name, f.ct_state.into(), m.ct_state.into(), 0xff);
        o.s.push(',');
    }
    o.u16("ct_zone", f.ct_zone, m.ct_zone);
    o.hex(
        "ct_mark",
        f.ct_mark.into(),
        m.ct_mark.into(),
        u32::MAX.into(),
    );
    if m.ct_label != [0; 16] {
        o.s.push_str("ct_label=");
        o.hex_bytes(&f.ct_label);
        if m.ct_label != [0xff; 16] {
            o.s.push('/');
            o.hex_bytes(&m.ct_label);
        }
        o.s.push(',');
    }
    o.ip("ct_nw_src", f.ct_nw_src, m.ct_nw_src);
    o.ipv6("ct_ipv6_src", &f.ct_ipv6_src, &m.ct_ipv6_src);
    o.ip("ct_nw_dst", f.ct_nw_dst, m.ct_nw_dst);
    o.ipv6("ct_ipv6_dst", &f.ct_ipv6_dst, &m.ct_ipv6_dst);
    if m.ct_nw_proto != 0 {
        o.put(format_args!("ct_nw_proto={},", f.ct_nw_proto));
        o.u16("ct_tp_src", f.ct_tp_src, m.ct_tp_src);
        o.u16("ct_tp_dst", f.ct_tp_dst, m.ct_tp_dst);
    }

    let mut dl_type = f.dl_type;
    let default_packet_type = f.packet_type == 0 && m.packet_type == u32::MAX;
    if m.packet_type != 0 && (!default_packet_type || is_megaflow) {
        format_packet_type(o, f.packet_type, m.packet_type);
        if f.packet_type >> 16 == 1 {
            dl_type = f.packet_type as u16;
        }
    }

    let (mut skip_type, mut skip_proto) = (false, false);
    if m.dl_type != 0 {
        skip_type = true;
        let short = match dl_type {
            ethertype::IPV4 | ethertype::IPV6 => {
                let v6 = dl_type == ethertype::IPV6;
                let named = match (m.nw_proto != 0, f.nw_proto) {
                    (true, ipproto::ICMP) if !v6 => Some("icmp"),
                    (true, ipproto::ICMPV6) if v6 => Some("icmp6"),
                    (true, ipproto::TCP) => Some(if v6 { "tcp6" } else { "tcp" }),
                    (true, ipproto::UDP) => Some(if v6 { "udp6" } else { "udp" }),
                    (true, ipproto::SCTP) => Some(if v6 { "sctp6" } else { "sctp" }),
                    _ => None,
                };
                skip_proto = named.is_some();
                Some(named.unwrap_or(if v6 { "ipv6" } else { "ip" }))
            }
            ethertype::ARP => Some("arp"),
            ethertype::RARP => Some("rarp"),
            ethertype::MPLS => Some("mpls"),
            ethertype::MPLS_MCAST => Some("mplsm"),
            _ => None,
        };
        match short {
            Some(s) => o.put(format_args!("{s},")),
            None => skip_type = false,
        }
    }
    for (i, (&v, &mk)) in f.regs.iter().zip(&m.regs).enumerate() {
        o.hex(&format!("reg{i}"), v.into(), mk.into(), u32::MAX.into());
    }
    format_tunnel(o, f, m);
    o.hex("metadata", f.metadata, m.metadata, u64::MAX);
    if m.in_port != 0 {
        o.s.push_str("in_port=");
        o.port(f.in_port);
        o.s.push(',');
    }
    for (i, (tci, mtci)) in [(f.vlan_tci, m.vlan_tci), (f.vlan1_tci, m.vlan1_tci)]
        .into_iter()
        .enumerate()
    {
        if mtci == 0 {
            break;
        }
        let n = if i == 0 { String::new() } else { i.to_string() };
        let vid_mask = mtci & VLAN_VID_MASK;
        let pcp_mask = mtci & VLAN_PCP_MASK;
        if mtci & VLAN_CFI != 0
            && tci & VLAN_CFI != 0
            && (vid_mask == 0 || vid_mask == VLAN_VID_MASK)
            && (pcp_mask == 0 || pcp_mask == VLAN_PCP_MASK)
            && (vid_mask != 0 || pcp_mask != 0)
        {
            if vid_mask != 0 {
                o.put(format_args!("dl_vlan{n}={},", tci & VLAN_VID_MASK));
            }
            if pcp_mask != 0 {
                o.put(format_args!("dl_vlan_pcp{n}={},", tci >> VLAN_PCP_SHIFT));
            }
        } else if mtci == u16::MAX {
            o.put(format_args!("vlan_tci{n}={tci:#06x},"));
        } else {
            o.put(format_args!("vlan_tci{n}={tci:#06x}/{mtci:#06x},"));
        }
    }
    o.eth("dl_src", f.dl_src, m.dl_src);
    o.eth("dl_dst", f.dl_dst, m.dl_dst);
    if !skip_type && m.dl_type != 0 {
        o.put(format_args!("dl_type={dl_type:#06x},"));
    }
    let is_arp = matches!(dl_type, ethertype::ARP | ethertype::RARP);
    if dl_type == ethertype::IPV6 {
        o.ipv6("ipv6_src", &f.ipv6_src, &m.ipv6_src);
        o.ipv6("ipv6_dst", &f.ipv6_dst, &m.ipv6_dst);
        match m.ipv6_label {
            0 => {}
            u32::MAX => o.put(format_args!("ipv6_label={:#07x},", f.ipv6_label)),
            mk => o.put(format_args!("ipv6_label={:#07x}/{mk:#07x},", f.ipv6_label)),
        }
    } else if is_arp {
        o.ip("arp_spa", f.nw_src, m.nw_src);
        o.ip("arp_tpa", f.nw_dst, m.nw_dst);
    } else if dl_type == ethertype::NSH {
        format_nsh(o, f, m);
    } else {
        o.ip("nw_src", f.nw_src, m.nw_src);
        o.ip("nw_dst", f.nw_dst, m.nw_dst);
    }
    if !skip_proto && m.nw_proto != 0 {
        let name = if is_arp { "arp_op" } else { "nw_proto" };
        o.put(format_args!("{name}={},", f.nw_proto));
    }
    if is_arp {
        o.eth("arp_sha", f.arp_sha, m.arp_sha);
        o.eth("arp_tha", f.arp_tha, m.arp_tha);
    }
    if m.nw_tos & 0xfc != 0 {
        o.put(format_args!("nw_tos={},", f.nw_tos & 0xfc));
    }
    if m.nw_tos & 0x03 != 0 {
        o.put(format_args!("nw_ecn={},", f.nw_tos & 0x03));
    }
    if m.nw_ttl != 0 {
        o.put(format_args!("nw_ttl={},", f.nw_ttl));
    }
    format_mpls(o, f, m);
    let frag = f.nw_frag;
    match m.nw_frag & FRAG_MASK {
        FRAG_MASK => {
            let s = match (frag & FRAG_ANY != 0, frag & FRAG_LATER != 0) {
                (true, true) => "later",
                (true, false) => "first",
                (false, true) => "<error>",
                (false, false) => "no",
            };
            o.put(format_args!("nw_frag={s},"));
        }
        FRAG_ANY => o.put(format_args!(
            "nw_frag={},",
            if frag & FRAG_ANY != 0 { "yes" } else { "no" }
        )),
        FRAG_LATER => o.put(format_args!(
            "nw_frag={},",
            if frag & FRAG_LATER != 0 {
                "later"
            } else {
                "not_later"
            }
        )),
        _ => {}
    }
    if dl_type == ethertype::IPV4 && f.nw_proto == ipproto::ICMP {
        o.u16("icmp_type", f.tp_src, m.tp_src);
        o.u16("icmp_code", f.tp_dst, m.tp_dst);
    } else if dl_type == ethertype::IPV6 && f.nw_proto == ipproto::ICMPV6 {
        o.u16("icmp_type", f.tp_src, m.tp_src);
        o.u16("icmp_code", f.tp_dst, m.tp_dst);
        o.ipv6("nd_target", &f.nd_target, &m.nd_target);
        o.eth("nd_sll", f.arp_sha, m.arp_sha);
        o.eth("nd_tll", f.arp_tha, m.arp_tha);
        o.u32_dec("nd_reserved", f.igmp_group_ip4, m.igmp_group_ip4);
        o.u16("nd_options_type", f.tcp_flags, m.tcp_flags);
    } else {
        o.u16("tp_src", f.tp_src, m.tp_src);
        o.u16("tp_dst", f.tp_dst, m.tp_dst);
    }
    let is_ip = matches!(dl_type, ethertype::IPV4 | ethertype::IPV6);
    if is_ip && f.nw_proto == ipproto::TCP && m.tcp_flags != 0 {
        o.s.push_str("tcp_flags=");
        let (v, mk) = (f.tcp_flags & tcp_flags::MASK, m.tcp_flags & tcp_flags::MASK);
        o.flags_masked(tcp_flag_name, v.into(), mk.into(), tcp_flags::MASK.into());
        o.s.push(',');
    }
}

/// OVS `format_packet_type_masked()`.
fn format_packet_type(o: &mut Out, v: u32, m: u32) {
    if v == 0 && m == u32::MAX {
        o.s.push_str("eth,");
        return;
    }
    let part = |o: &mut Out, v: u16, m: u16| {
        if m == 0 {
            o.s.push('*');
            return;
        }
        if v > 9 {
            o.put(format_args!("{v:#x}"));
        } else {
            o.put(format_args!("{v}"));
        }
        if m != u16::MAX {
            o.put(format_args!("/{m:#x}"));
        }
    };
    o.s.push_str("packet_type=(");
    part(o, (v >> 16) as u16, (m >> 16) as u16);
    o.s.push(',');
    part(o, v as u16, m as u16);
    o.s.push_str("),");
}

/// OVS `format_flow_tunnel()`, without ERSPAN/GTP-U (not stored) and without
/// the Geneve options, which need the bridge's option table to be named.
fn format_tunnel(o: &mut Out, f: &Flow, m: &Flow) {
    let (t, mt) = (&f.tunnel, &m.tunnel);
    o.hex("tun_id", t.tun_id, mt.tun_id, u64::MAX);
    o.ip("tun_src", t.ip_src, mt.ip_src);
    o.ip("tun_dst", t.ip_dst, mt.ip_dst);
    o.ipv6("tun_ipv6_src", &t.ipv6_src, &mt.ipv6_src);
    o.ipv6("tun_ipv6_dst", &t.ipv6_dst, &mt.ipv6_dst);
    o.u16("tun_gbp_id", t.gbp_id, mt.gbp_id);
    if mt.gbp_flags != 0 {
        o.put(format_args!(
            "tun_gbp_flags={},",
            AltHex(t.gbp_flags.into())
        ));
    }
    if mt.ip_tos != 0 {
        o.put(format_args!("tun_tos={:x},", t.ip_tos));
    }
    if mt.ip_ttl != 0 {
        o.put(format_args!("tun_ttl={},", t.ip_ttl));
    }
    if mt.flags & tun_flags::MASK != 0 {
        o.s.push_str("tun_flags=");
        o.flags_masked(
            tun_flag_name,
            (t.flags & tun_flags::MASK).into(),
            (mt.flags & tun_flags::MASK).into(),
            tun_flags::MASK.into(),
        );
        o.s.push(',');
    }
}

/// OVS `format_nsh_masked()`.
fn format_nsh(o: &mut Out, f: &Flow, m: &Flow) {
    let (n, mn) = (&f.nsh, &m.nsh);
    let u8m = |o: &mut Out, name: &str, v: u8, mk: u8| match mk {
        0 => {}
        u8::MAX => o.put(format_args!("{name}={v},")),
        _ => o.put(format_args!("{name}=0x{v:02x}/0x{mk:02x},")),
    };
    let hex32 = |o: &mut Out, name: &str, v: u32, mk: u32| match mk {
        0 => {}
        u32::MAX => o.put(format_args!("{name}={v:#x},")),
        _ => o.put(format_args!("{name}={v:#x}/{mk:#x},")),
    };
    u8m(o, "nsh_flags", n.flags, mn.flags);
    u8m(o, "nsh_ttl", n.ttl, mn.ttl);
    u8m(o, "nsh_mdtype", n.mdtype, mn.mdtype);
    u8m(o, "nsh_np", n.np, mn.np);
    let spi_mask = match mn.path_hdr >> 8 {
        0x00ff_ffff => u32::MAX,
        s => s,
    };
    hex32(o, "nsh_spi", n.path_hdr >> 8, spi_mask);
    u8m(o, "nsh_si", n.path_hdr as u8, mn.path_hdr as u8);
    if mn.mdtype == u8::MAX && n.mdtype == 1 {
        for (i, (&v, &mk)) in n.context.iter().zip(&mn.context).enumerate() {
            hex32(o, &format!("nsh_c{}", i + 1), v, mk);
        }
    }
}

/// The outermost label's parts by name, the next two as whole entries.
fn format_mpls(o: &mut Out, f: &Flow, m: &Flow) {
    let (v, mk) = (f.mpls_lse[0], m.mpls_lse[0]);
    if mk & MPLS_LABEL_MASK != 0 {
        o.put(format_args!(
            "mpls_label={},",
            (v & MPLS_LABEL_MASK) >> MPLS_LABEL_SHIFT
        ));
    }
    if mk & MPLS_TC_MASK != 0 {
        o.put(format_args!(
            "mpls_tc={},",
            (v & MPLS_TC_MASK) >> MPLS_TC_SHIFT
        ));
    }
    if mk & MPLS_TTL_MASK != 0 {
        o.put(format_args!("mpls_ttl={},", v & MPLS_TTL_MASK));
    }
    if mk & MPLS_BOS_MASK != 0 {
        o.put(format_args!(
            "mpls_bos={},",
            (v & MPLS_BOS_MASK) >> MPLS_BOS_SHIFT
        ));
    }
    o.u32_dec("mpls_lse1", f.mpls_lse[1], m.mpls_lse[1]);
    o.u32_dec("mpls_lse2", f.mpls_lse[2], m.mpls_lse[2]);
}

#[cfg(test)]
mod tests;
