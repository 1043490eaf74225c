//! Datapath actions: what a datapath does with a packet after a cache hit or an upcall.
//!
//! This is the narrow vocabulary shared by ofproto (which produces actions when it
//! translates a packet) and the datapath (which executes them), so that neither crate
//! depends on the other. Port numbers here are datapath port numbers, not OpenFlow ports.

use std::fmt;

use crate::rewrite::SetField;

/// One datapath action (OVS's `OVS_ACTION_ATTR_*`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DpAction {
    /// Transmit the packet, as it is now, on a datapath port.
    Output(u32),
    /// Push an 802.1Q (0x8100) or 802.1ad (0x88a8) tag.
    PushVlan {
        /// Tag protocol identifier.
        tpid: u16,
        /// PCP, DEI and VID.
        tci: u16,
    },
    /// Pop the outermost VLAN tag.
    PopVlan,
    /// Push an MPLS label stack entry; the frame's ethertype becomes `ethertype`.
    PushMpls {
        /// 0x8847 or 0x8848.
        ethertype: u16,
        /// The label stack entry.
        lse: u32,
    },
    /// Pop the outermost MPLS entry; the frame's ethertype becomes `ethertype` when it
    /// was the bottom of the stack.
    PopMpls {
        /// Ethertype of the payload.
        ethertype: u16,
    },
    /// Set a header field, under a mask (`set` and `set_masked`).
    Set(SetField),
    /// Run the packet through the datapath again with `recirc_id` set.
    Recirc(u32),
    /// Set `dp_hash` to a hash of the packet's L4 tuple and `basis`.
    Hash {
        /// Hash basis.
        basis: u32,
    },
    /// Hand the packet to the slow path (to a controller), with this cookie.
    Userspace {
        /// Opaque data for the slow path (OVS's user cookie).
        userdata: Vec<u8>,
    },
    /// Run actions on a copy of the packet; the original goes on unchanged.
    Clone(Vec<DpAction>),
    /// Run actions on a copy with a probability of `probability / u32::MAX`.
    Sample {
        /// Out of `u32::MAX`.
        probability: u32,
        /// Actions for the sampled copy.
        actions: Vec<DpAction>,
    },
    /// Truncate the packet to at most this many bytes for the next output.
    Truncate(u32),
    /// Run meter `id` (a hook for the meter issue: an unknown meter passes packets).
    Meter(u32),
    /// Connection tracking (a hook for the conntrack issue).
    Ct {
        /// Zone.
        zone: u16,
        /// Commit the connection.
        commit: bool,
    },
    /// Pop a tunnel header received on tunnel port `port` (a hook for the tunnel issue).
    TunnelPop(u32),
}

impl DpAction {
    /// Whether the action changes or multiplies the packet (anything but `Output`).
    pub fn modifies(&self) -> bool {
        !matches!(self, DpAction::Output(_))
    }
}

fn fmt_list(f: &mut fmt::Formatter<'_>, actions: &[DpAction]) -> fmt::Result {
    for (i, a) in actions.iter().enumerate() {
        if i > 0 {
            f.write_str(",")?;
        }
        write!(f, "{a}")?;
    }
    Ok(())
}

impl fmt::Display for DpAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DpAction::Output(p) => write!(f, "{p}"),
            DpAction::PushVlan { tpid, tci } => {
                if *tpid != 0x8100 {
                    write!(
                        f,
                        "push_vlan(tpid=0x{tpid:04x},vid={},pcp={})",
                        tci & 0xfff,
                        tci >> 13
                    )
                } else {
                    write!(f, "push_vlan(vid={},pcp={})", tci & 0xfff, tci >> 13)
                }
            }
            DpAction::PopVlan => f.write_str("pop_vlan"),
            DpAction::PushMpls { ethertype, lse } => write!(
                f,
                "push_mpls(label={},tc={},ttl={},bos={},eth_type=0x{ethertype:x})",
                lse >> 12,
                (lse >> 9) & 7,
                lse & 0xff,
                (lse >> 8) & 1
            ),
            DpAction::PopMpls { ethertype } => write!(f, "pop_mpls(eth_type=0x{ethertype:x})"),
            DpAction::Set(s) => write!(f, "set({s})"),
            DpAction::Recirc(id) => write!(f, "recirc(0x{id:x})"),
            DpAction::Hash { basis } => write!(f, "hash(l4({basis}))"),
            DpAction::Userspace { userdata } => {
                f.write_str("userspace(pid=0,userdata(")?;
                for b in userdata {
                    write!(f, "{b:02x}")?;
                }
                f.write_str("))")
            }
            DpAction::Clone(a) => {
                f.write_str("clone(")?;
                fmt_list(f, a)?;
                f.write_str(")")
            }
            DpAction::Sample {
                probability,
                actions,
            } => {
                let pct = f64::from(*probability) * 100.0 / f64::from(u32::MAX);
                write!(f, "sample(sample={pct:.1}%,actions(")?;
                fmt_list(f, actions)?;
                f.write_str("))")
            }
            DpAction::Truncate(n) => write!(f, "trunc({n})"),
            DpAction::Meter(id) => write!(f, "meter({id})"),
            DpAction::Ct { zone, commit } => {
                f.write_str("ct(")?;
                if *commit {
                    f.write_str("commit,")?;
                }
                write!(f, "zone={zone})")
            }
            DpAction::TunnelPop(p) => write!(f, "tnl_pop({p})"),
        }
    }
}

/// Formats an action list as `ovs-appctl dpctl/dump-flows` does (`drop` when empty).
pub fn format_actions(actions: &[DpAction]) -> String {
    if actions.is_empty() {
        return "drop".into();
    }
    actions
        .iter()
        .map(DpAction::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_dpctl() {
        assert_eq!(format_actions(&[]), "drop");
        assert_eq!(
            format_actions(&[DpAction::Output(1), DpAction::Output(3)]),
            "1,3"
        );
        let a = [
            DpAction::PushVlan {
                tpid: 0x8100,
                tci: 0x2000 | 10,
            },
            DpAction::Recirc(1),
            DpAction::Clone(vec![DpAction::PopVlan, DpAction::Output(2)]),
        ];
        assert_eq!(
            format_actions(&a),
            "push_vlan(vid=10,pcp=1),recirc(0x1),clone(pop_vlan,2)"
        );
        assert!(DpAction::PopVlan.modifies() && !DpAction::Output(1).modifies());
        use crate::rewrite::{Masked, SetField};
        let a = [
            DpAction::Set(SetField::EthDst(Masked::exact(crate::EthAddr([
                0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
            ])))),
            DpAction::Set(SetField::Ipv4Ttl(Masked::exact(63))),
            DpAction::Set(SetField::TcpDst(Masked::new(0x50, 0xff))),
            DpAction::Output(2),
        ];
        assert_eq!(
            format_actions(&a),
            "set(eth(dst=aa:bb:cc:dd:ee:ff)),set(ipv4(ttl=63)),set(tcp(dst=80/255)),2"
        );
    }
}
