//! Actions printed in ovs-ofctl syntax (OVS `ofpacts_format()`).

use std::fmt::Write;

use super::text::{format_subfield, REASONS};
use super::{port, Action, Subfield, NX_CTLR_NO_METER, OFPR_ACTION};
use crate::field::{format_value, port_name};

fn hex_arg(out: &mut String, data: &[u8]) {
    for (i, b) in data.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        let _ = write!(out, "{b:02x}");
    }
}

/// Actions in ovs-ofctl syntax; `drop` for none.
pub fn format_actions(acts: &[Action]) -> String {
    let mut s = String::new();
    if acts.is_empty() {
        s.push_str("drop");
    }
    for (i, a) in acts.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        format_action(&mut s, a);
    }
    s
}

fn format_action(s: &mut String, a: &Action) {
    if super::extra::format(s, a) {
        return;
    }
    match a {
        Action::Output { port: p, max_len } => {
            if *p < port::MAX {
                s.push_str("output:");
            }
            s.push_str(&port_name(*p));
            if *p == port::CONTROLLER {
                let _ = write!(s, ":{max_len}");
            }
        }
        Action::Controller(c) => {
            if c.is_plain() {
                let _ = write!(s, "CONTROLLER:{}", c.max_len);
                return;
            }
            s.push_str("controller(");
            if c.reason != OFPR_ACTION {
                match REASONS.get(usize::from(c.reason)) {
                    Some(r) => {
                        let _ = write!(s, "reason={r},");
                    }
                    None => {
                        let _ = write!(s, "reason={},", c.reason);
                    }
                }
            }
            if c.max_len != u16::MAX {
                let _ = write!(s, "max_len={},", c.max_len);
            }
            if c.controller_id != 0 {
                let _ = write!(s, "id={},", c.controller_id);
            }
            if !c.userdata.is_empty() {
                s.push_str("userdata=");
                hex_arg(s, &c.userdata);
                s.push(',');
            }
            if c.pause {
                s.push_str("pause,");
            }
            if c.meter_id != NX_CTLR_NO_METER {
                let _ = write!(s, "meter_id={},", c.meter_id);
            }
            if s.ends_with(',') {
                s.pop();
            }
            s.push(')');
        }
        Action::Enqueue { port: p, queue } => {
            let _ = write!(s, "enqueue:{}:{queue}", port_name(*p));
        }
        Action::OutputReg { src, .. } => {
            let _ = write!(s, "output:{}", format_subfield(src));
        }
        Action::Group(g) => {
            let _ = write!(s, "group:{g}");
        }
        Action::SetQueue(q) => {
            let _ = write!(s, "set_queue:{q}");
        }
        Action::PopQueue => s.push_str("pop_queue"),
        Action::Resubmit { in_port, table, ct } => {
            if *in_port != port::IN_PORT && *table == 255 && !ct {
                let _ = write!(s, "resubmit:{}", port_name(*in_port));
            } else {
                s.push_str("resubmit(");
                if *in_port != port::IN_PORT {
                    s.push_str(&port_name(*in_port));
                }
                s.push(',');
                if *table != 255 {
                    let _ = write!(s, "{table}");
                }
                if *ct {
                    s.push_str(",ct");
                }
                s.push(')');
            }
        }
        Action::Exit => s.push_str("exit"),
        Action::Note(d) => {
            s.push_str("note:");
            hex_arg(s, d);
        }
        Action::DecTtl(None) => s.push_str("dec_ttl"),
        Action::DecTtl(Some(ids)) => {
            s.push_str("dec_ttl(");
            for (i, id) in ids.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                let _ = write!(s, "{id}");
            }
            s.push(')');
        }
        Action::SetField {
            field,
            value,
            mask,
            load,
        } => {
            let f = field.field();
            if *load {
                for (ofs, n_bits) in load_segments(*mask, f.n_bits) {
                    let bits = if n_bits == 128 {
                        u128::MAX
                    } else {
                        (1u128 << n_bits) - 1
                    };
                    let v = (value >> ofs) & bits;
                    let sf = Subfield {
                        field: *field,
                        ofs,
                        n_bits,
                    };
                    if v == 0 {
                        let _ = write!(s, "load:0->{},", format_subfield(&sf));
                    } else {
                        let _ = write!(s, "load:{v:#x}->{},", format_subfield(&sf));
                    }
                }
                if s.ends_with(',') {
                    s.pop();
                }
            } else {
                let _ = write!(
                    s,
                    "set_field:{}->{}",
                    format_value(f, *value, Some(*mask)),
                    f.name
                );
            }
        }
        Action::Move { src, dst } => {
            let _ = write!(s, "move:{}->{}", format_subfield(src), format_subfield(dst));
        }
        Action::SetVlanVid { vid, push } => {
            let n = if *push {
                "mod_vlan_vid"
            } else {
                "set_vlan_vid"
            };
            let _ = write!(s, "{n}:{vid}");
        }
        Action::SetVlanPcp { pcp, push } => {
            let n = if *push {
                "mod_vlan_pcp"
            } else {
                "set_vlan_pcp"
            };
            let _ = write!(s, "{n}:{pcp}");
        }
        Action::StripVlan { pop } => s.push_str(if *pop { "pop_vlan" } else { "strip_vlan" }),
        Action::PushVlan(t) => {
            let _ = write!(s, "push_vlan:{t:#x}");
        }
        Action::SetEthSrc(m) => {
            let _ = write!(s, "mod_dl_src:{m}");
        }
        Action::SetEthDst(m) => {
            let _ = write!(s, "mod_dl_dst:{m}");
        }
        Action::SetIpv4Src(ip) => {
            let _ = write!(s, "mod_nw_src:{}", std::net::Ipv4Addr::from(*ip));
        }
        Action::SetIpv4Dst(ip) => {
            let _ = write!(s, "mod_nw_dst:{}", std::net::Ipv4Addr::from(*ip));
        }
        Action::SetIpDscp(t) => {
            let _ = write!(s, "mod_nw_tos:{t}");
        }
        Action::SetIpEcn(e) => {
            let _ = write!(s, "mod_nw_ecn:{e}");
        }
        Action::SetIpTtl(t) => {
            let _ = write!(s, "mod_nw_ttl:{t}");
        }
        Action::SetL4Src(p) => {
            let _ = write!(s, "mod_tp_src:{p}");
        }
        Action::SetL4Dst(p) => {
            let _ = write!(s, "mod_tp_dst:{p}");
        }
        Action::DecMplsTtl => s.push_str("dec_mpls_ttl"),
        Action::SetMplsLabel(l) => {
            let _ = write!(s, "set_mpls_label({l})");
        }
        Action::SetMplsTc(t) => {
            let _ = write!(s, "set_mpls_tc({t})");
        }
        Action::SetMplsTtl(t) => {
            let _ = write!(s, "set_mpls_ttl({t})");
        }
        Action::PushMpls(t) => {
            let _ = write!(s, "push_mpls:0x{t:04x}");
        }
        Action::PopMpls(t) => {
            let _ = write!(s, "pop_mpls:0x{t:04x}");
        }
        Action::SetTunnel { id, wide } => {
            let w = if *wide || *id > u64::from(u32::MAX) {
                "64"
            } else {
                ""
            };
            if *id == 0 {
                let _ = write!(s, "set_tunnel{w}:0");
            } else {
                let _ = write!(s, "set_tunnel{w}:{id:#x}");
            }
        }
        Action::Conjunction {
            id,
            clause,
            n_clauses,
        } => {
            let _ = write!(
                s,
                "conjunction({id},{}/{n_clauses})",
                u32::from(*clause) + 1
            );
        }
        Action::Clone(inner) => {
            let _ = write!(s, "clone({})", format_actions(inner));
        }
        Action::CtClear => s.push_str("ct_clear"),
        Action::Ct(c) => super::ct::format_ct(s, c),
        Action::Nat(n) => super::ct::format_nat(s, n),
        Action::Learn(l) => super::learn::format(s, l),
        Action::Multipath(m) => super::balance::format_multipath(s, m),
        Action::Bundle(b) => super::balance::format_bundle(s, b),
        Action::Meter(m) => {
            let _ = write!(s, "meter:{m}");
        }
        Action::ClearActions => s.push_str("clear_actions"),
        Action::WriteActions(inner) => {
            let _ = write!(s, "write_actions({})", format_actions(inner));
        }
        Action::WriteMetadata { value, mask } => {
            if *value == 0 {
                s.push_str("write_metadata:0");
            } else {
                let _ = write!(s, "write_metadata:{value:#x}");
            }
            if *mask != u64::MAX {
                if *mask == 0 {
                    s.push_str("/0");
                } else {
                    let _ = write!(s, "/{mask:#x}");
                }
            }
        }
        Action::GotoTable(t) => {
            let _ = write!(s, "goto_table:{t}");
        }
        // Printed by `extra::format` above.
        Action::OutputTrunc { .. }
        | Action::FinTimeout { .. }
        | Action::Sample(_)
        | Action::StackPush(_)
        | Action::StackPop(_)
        | Action::CheckPktLarger { .. } => {}
    }
}

/// Runs of set bits of `mask`, at most 64 bits each (OVS
/// `next_load_segment()`): `(ofs, n_bits)`.
pub fn load_segments(mask: u128, n_bits: u16) -> Vec<(u16, u16)> {
    let mut out = Vec::new();
    let mut start = 0u16;
    while start < n_bits {
        let Some(ofs) = (start..n_bits).find(|&b| mask >> b & 1 == 1) else {
            break;
        };
        let limit = (ofs + 64).min(n_bits);
        let end = (ofs + 1..limit)
            .find(|&b| mask >> b & 1 == 0)
            .unwrap_or(limit);
        out.push((ofs, end - ofs));
        start = end;
    }
    out
}
