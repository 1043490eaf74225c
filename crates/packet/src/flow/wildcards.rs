//! Which fields are meaningful for a packet: OVS's
//! `flow_wildcards_init_for_packet()` and the context-field trimming of
//! `flow_format()`.

use super::{ct_state, Nsh, MPLS_BOS_MASK};
use super::{ethertype, ipproto, tun_flags, Flow, FRAG_LATER, FRAG_MASK, MAX_MPLS_LABELS};

/// OVS's `FLOW_TNL_F_UDPIF`: Geneve options are raw (length in `present`)
/// rather than sorted into the bridge's option table.
const TNL_F_UDPIF: u16 = 1 << 4;

impl Flow {
    /// The mask of the fields that make sense for a packet with this flow, as
    /// OVS's `flow_wildcards_init_for_packet()`: metadata the datapath sets
    /// (in_port, marks, conntrack, recirculation, hash, packet type), the
    /// tunnel if there is one, the Ethernet header and the tags present, and
    /// the L3/L4 fields the `dl_type` and `nw_proto` imply. OpenFlow-only
    /// metadata (`metadata`, registers, `conj_id`, `actset_output`) is left
    /// out.
    pub fn packet_mask(&self) -> Flow {
        let mut m = Flow::default();
        let t = &self.tunnel;
        if t.ip_dst != 0 || t.ipv6_dst != [0; 16] {
            let mt = &mut m.tunnel;
            if t.flags & tun_flags::KEY != 0 {
                mt.tun_id = u64::MAX;
            }
            mt.ip_src = u32::MAX;
            mt.ip_dst = u32::MAX;
            mt.ipv6_src = [0xff; 16];
            mt.ipv6_dst = [0xff; 16];
            mt.flags = u16::MAX;
            mt.ip_tos = u8::MAX;
            mt.ip_ttl = u8::MAX;
            mt.tp_src = u16::MAX;
            mt.tp_dst = u16::MAX;
            mt.gbp_id = u16::MAX;
            mt.gbp_flags = u8::MAX;
            if t.flags & TNL_F_UDPIF == 0 {
                if t.metadata.present != 0 {
                    mt.metadata.present = t.metadata.present;
                    mt.metadata.opts = [0xff; 256];
                }
            } else {
                mt.metadata.present = 0xff;
                let len = usize::from(t.metadata.present as u8);
                mt.metadata.opts[..len].fill(0xff);
            }
        } else if t.tun_id != 0 {
            m.tunnel.tun_id = u64::MAX;
        }

        m.skb_priority = u32::MAX;
        m.pkt_mark = u32::MAX;
        m.ct_state = u8::MAX;
        m.ct_zone = u16::MAX;
        m.ct_mark = u32::MAX;
        m.ct_label = [0xff; 16];
        m.recirc_id = u32::MAX;
        m.dp_hash = u32::MAX;
        m.in_port = u32::MAX;
        m.packet_type = u32::MAX;

        let dl_type = if self.packet_type == 0 {
            m.dl_dst.0 = [0xff; 6];
            m.dl_src.0 = [0xff; 6];
            m.dl_type = u16::MAX;
            // The outer tag always (it shows "no tag"), the inner one only
            // when the outer is there.
            m.vlan_tci = u16::MAX;
            m.vlan_tpid = u16::MAX;
            if self.vlan_tci != 0 {
                m.vlan1_tci = u16::MAX;
                m.vlan1_tpid = u16::MAX;
            }
            self.dl_type
        } else {
            self.packet_type as u16
        };

        match dl_type {
            ethertype::IPV4 => {
                m.nw_src = u32::MAX;
                m.nw_dst = u32::MAX;
                m.ct_nw_src = u32::MAX;
                m.ct_nw_dst = u32::MAX;
            }
            ethertype::IPV6 => {
                m.ipv6_src = [0xff; 16];
                m.ipv6_dst = [0xff; 16];
                m.ipv6_label = u32::MAX;
                // OVS's is_nd() unmasks what it looks at as it goes.
                m.nw_proto = u8::MAX;
                let mut nd = false;
                if self.nw_proto == ipproto::ICMPV6 {
                    m.tp_dst = u16::MAX;
                    if self.tp_dst == 0 {
                        m.tp_src = u16::MAX;
                        nd = matches!(self.tp_src, 135 | 136);
                    }
                }
                if nd {
                    m.arp_sha.0 = [0xff; 6];
                    m.arp_tha.0 = [0xff; 6];
                    m.nd_target = [0xff; 16];
                } else {
                    m.ct_ipv6_src = [0xff; 16];
                    m.ct_ipv6_dst = [0xff; 16];
                }
            }
            ethertype::ARP | ethertype::RARP => {
                m.nw_src = u32::MAX;
                m.nw_dst = u32::MAX;
                m.nw_proto = u8::MAX;
                m.arp_sha.0 = [0xff; 6];
                m.arp_tha.0 = [0xff; 6];
                return m;
            }
            ethertype::MPLS | ethertype::MPLS_MCAST => {
                for i in 0..MAX_MPLS_LABELS {
                    m.mpls_lse[i] = u32::MAX;
                    if self.mpls_lse[i] & MPLS_BOS_MASK != 0 {
                        break;
                    }
                }
                return m;
            }
            // NSH, then (as OVS) the IP fields too, which stay zero.
            ethertype::NSH if self.dl_type == ethertype::NSH => {
                m.nsh = Nsh {
                    flags: u8::MAX,
                    ttl: u8::MAX,
                    mdtype: u8::MAX,
                    np: u8::MAX,
                    path_hdr: u32::MAX,
                    context: [u32::MAX; 4],
                };
            }
            _ => return m,
        }

        m.nw_frag = FRAG_MASK;
        m.nw_tos = u8::MAX;
        m.nw_ttl = u8::MAX;
        m.nw_proto = u8::MAX;
        m.ct_nw_proto = u8::MAX;
        m.ct_tp_src = u16::MAX;
        m.ct_tp_dst = u16::MAX;
        let has_l4 = matches!(
            self.nw_proto,
            ipproto::ICMP
                | ipproto::ICMPV6
                | ipproto::TCP
                | ipproto::UDP
                | ipproto::SCTP
                | ipproto::IGMP
        );
        if self.nw_frag & FRAG_LATER == 0 && has_l4 {
            m.tp_src = u16::MAX;
            m.tp_dst = u16::MAX;
            match self.nw_proto {
                ipproto::TCP => m.tcp_flags = u16::MAX,
                ipproto::IGMP => m.igmp_group_ip4 = u32::MAX,
                _ => {}
            }
        }
        m
    }

    /// The mask `Display` for [`Flow`] prints with: [`Flow::packet_mask`]
    /// without the context fields that are zero, as OVS's `flow_format()`
    /// does for packet-ins and `ovs-ofctl parse-pcap`.
    pub fn format_mask(&self) -> Flow {
        let mut m = self.packet_mask();
        if self.in_port == 0 {
            m.in_port = 0;
        }
        if self.skb_priority == 0 {
            m.skb_priority = 0;
        }
        if self.pkt_mark == 0 {
            m.pkt_mark = 0;
        }
        if self.recirc_id == 0 {
            m.recirc_id = 0;
        }
        if self.dp_hash == 0 {
            m.dp_hash = 0;
        }
        if self.ct_state == 0 {
            m.ct_state = 0;
        }
        if self.ct_zone == 0 {
            m.ct_zone = 0;
        }
        if self.ct_mark == 0 {
            m.ct_mark = 0;
        }
        if self.ct_label == [0; 16] {
            m.ct_label = [0; 16];
        }
        if !self.ct_is_valid(&m) || self.ct_nw_proto == 0 {
            m.ct_nw_proto = 0;
            m.ct_tp_src = 0;
            m.ct_tp_dst = 0;
            match self.dl_type {
                ethertype::IPV4 => {
                    m.ct_nw_src = 0;
                    m.ct_nw_dst = 0;
                }
                ethertype::IPV6 => {
                    m.ct_ipv6_src = [0; 16];
                    m.ct_ipv6_dst = [0; 16];
                }
                _ => {}
            }
        }
        for (r, v) in m.regs.iter_mut().zip(self.regs) {
            if v == 0 {
                *r = 0;
            }
        }
        if self.metadata == 0 {
            m.metadata = 0;
        }
        m
    }

    /// OVS's `is_ct_valid()` for a match: a state bit that implies a valid
    /// connection, or tracked with "not invalid" matched.
    fn ct_is_valid(&self, mask: &Flow) -> bool {
        use ct_state::*;
        let valid = NEW | ESTABLISHED | RELATED | REPLY_DIR | SRC_NAT | DST_NAT;
        self.ct_state & valid != 0
            || (self.ct_state & TRACKED != 0
                && mask.ct_state & INVALID != 0
                && self.ct_state & INVALID == 0)
    }
}
