//! Capability bitmaps in replies: OVS's action kinds ("ofpacts") and
//! instruction kinds, mapped to and from each version's OpenFlow bits,
//! and sets of match fields, with the text OVS prints for each.

use std::collections::BTreeSet;

use crate::field::FieldId;
use crate::version::Version;

/// OVS's action kinds in its own order (`OFPACTS` in OVS's
/// `ofp-actions.h`), by the names it prints. Bit `i` of an action bitmap
/// is `OFPACT_NAMES[i]`.
pub const OFPACT_NAMES: [&str; 59] = [
    "output",
    "group",
    "controller",
    "enqueue",
    "output_reg",
    "bundle",
    "set_field",
    "set_vlan_vid",
    "set_vlan_pcp",
    "strip_vlan",
    "push_vlan",
    "mod_dl_src",
    "mod_dl_dst",
    "mod_nw_src",
    "mod_nw_dst",
    "mod_nw_tos",
    "mod_nw_ecn",
    "mod_nw_ttl",
    "mod_tp_src",
    "mod_tp_dst",
    "move",
    "push",
    "pop",
    "dec_ttl",
    "set_mpls_label",
    "set_mpls_tc",
    "set_mpls_ttl",
    "dec_mpls_ttl",
    "push_mpls",
    "pop_mpls",
    "dec_nsh_ttl",
    "delete_field",
    "encap",
    "decap",
    "set_tunnel",
    "set_queue",
    "pop_queue",
    "fin_timeout",
    "resubmit",
    "learn",
    "conjunction",
    "multipath",
    "note",
    "exit",
    "sample",
    "unroll_xlate",
    "ct",
    "ct_clear",
    "nat",
    "output_trunc",
    "clone",
    "check_pkt_larger",
    "debug_recirc",
    "debug_slow",
    "meter",
    "clear_actions",
    "write_actions",
    "write_metadata",
    "goto_table",
];

/// The bit of action kind `name`.
pub fn ofpact_bit(name: &str) -> u64 {
    OFPACT_NAMES
        .iter()
        .position(|n| *n == name)
        .map_or(0, |i| 1 << i)
}

/// `(action kind, OFPAT number)` of a version (OVS `get_ofpact_map()`).
fn ofpact_map(v: Version) -> &'static [(&'static str, u32)] {
    match v {
        Version::Of10 => &[
            ("output", 0),
            ("set_vlan_vid", 1),
            ("set_vlan_pcp", 2),
            ("strip_vlan", 3),
            ("mod_dl_src", 4),
            ("mod_dl_dst", 5),
            ("mod_nw_src", 6),
            ("mod_nw_dst", 7),
            ("mod_nw_tos", 8),
            ("mod_tp_src", 9),
            ("mod_tp_dst", 10),
            ("enqueue", 11),
        ],
        Version::Of11 => &[
            ("output", 0),
            ("set_vlan_vid", 1),
            ("set_vlan_pcp", 2),
            ("mod_dl_src", 3),
            ("mod_dl_dst", 4),
            ("mod_nw_src", 5),
            ("mod_nw_dst", 6),
            ("mod_nw_tos", 7),
            ("mod_nw_ecn", 8),
            ("mod_tp_src", 9),
            ("mod_tp_dst", 10),
            ("set_mpls_label", 13),
            ("set_mpls_tc", 14),
            ("set_mpls_ttl", 15),
            ("dec_mpls_ttl", 16),
            ("push_vlan", 17),
            ("strip_vlan", 18),
            ("push_mpls", 19),
            ("pop_mpls", 20),
            ("set_queue", 21),
            ("group", 22),
            ("mod_nw_ttl", 23),
            ("dec_ttl", 24),
        ],
        _ => &[
            ("output", 0),
            ("set_mpls_ttl", 15),
            ("dec_mpls_ttl", 16),
            ("push_vlan", 17),
            ("strip_vlan", 18),
            ("push_mpls", 19),
            ("pop_mpls", 20),
            ("set_queue", 21),
            ("group", 22),
            ("mod_nw_ttl", 23),
            ("dec_ttl", 24),
            ("set_field", 25),
        ],
    }
}

/// An action bitmap as OpenFlow `OFPAT` bits of `v` (OVS
/// `ofpact_bitmap_to_openflow()`); kinds `v` lacks are dropped.
pub fn ofpacts_to_openflow(bits: u64, v: Version) -> u32 {
    ofpact_map(v)
        .iter()
        .filter(|(n, _)| bits & ofpact_bit(n) != 0)
        .fold(0, |a, (_, t)| a | 1 << t)
}

/// OpenFlow `OFPAT` bits of `v` as an action bitmap.
pub fn ofpacts_from_openflow(bits: u32, v: Version) -> u64 {
    ofpact_map(v)
        .iter()
        .filter(|(_, t)| bits & (1 << t) != 0)
        .fold(0, |a, (n, _)| a | ofpact_bit(n))
}

/// OVS `ofpact_bitmap_format()`.
pub fn format_ofpacts(s: &mut String, bits: u64) {
    if bits == 0 {
        s.push_str("<none>");
        return;
    }
    let names: Vec<&str> = (0..64)
        .filter(|i| bits & (1u64 << i) != 0)
        .map(|i| OFPACT_NAMES.get(i).copied().unwrap_or("<unknown>"))
        .collect();
    s.push_str(&names.join(" "));
}

/// OVS's instruction kinds in its order; bit `i` of an instruction bitmap
/// is `INSTRUCTION_NAMES[i]`, and `INSTRUCTION_TYPES[i]` its `OFPIT`.
pub const INSTRUCTION_NAMES: [&str; 6] = [
    "meter",
    "apply_actions",
    "clear_actions",
    "write_actions",
    "write_metadata",
    "goto_table",
];
/// `OFPIT` numbers of [`INSTRUCTION_NAMES`].
pub const INSTRUCTION_TYPES: [u16; 6] = [6, 4, 5, 3, 2, 1];

/// The instruction bitmap bit of an `OFPIT` type, if OVS knows it.
pub fn instruction_bit(ofpit: u64) -> Option<u32> {
    INSTRUCTION_TYPES
        .iter()
        .position(|&t| u64::from(t) == ofpit)
        .map(|i| 1 << i)
}

/// `OFPIT` bits of `v` for an instruction bitmap (OVS
/// `ovsinst_bitmap_to_openflow()`; meter exists in 1.3 and 1.4 only).
pub fn instructions_to_openflow(bits: u32, v: Version) -> u32 {
    let mut out = 0;
    for (i, t) in INSTRUCTION_TYPES.iter().enumerate() {
        if bits & (1 << i) != 0 && (*t != 6 || matches!(v, Version::Of13 | Version::Of14)) {
            out |= 1 << t;
        }
    }
    out
}

/// A set of match fields, in OVS's field order.
pub type FieldSet = BTreeSet<FieldId>;

fn is_all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())
}

fn sequential(a: &str, b: &str) -> bool {
    let n = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    if n == a.len() && n == b.len() {
        return false;
    }
    let (a, b) = (&a[n..], &b[n..]);
    is_all_digits(a)
        && is_all_digits(b)
        && a.len() < 10
        && b.len() < 10
        && a.parse::<u64>().ok().map(|x| x + 1) == b.parse::<u64>().ok()
}

fn suffix_run(ids: &[&str]) -> usize {
    let mut i = 1;
    loop {
        if i >= ids.len() || !sequential(ids[i - 1], ids[i]) {
            return if i == 2 { 1 } else { i };
        }
        i += 1;
    }
}

fn common_prefix(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut r = 0;
    for i in 0.. {
        match (a.get(i), b.get(i)) {
            (Some(x), Some(y)) if x == y => {
                if *x == b'_' {
                    r = i + 1;
                }
            }
            _ => return r,
        }
    }
    r
}

fn prefix_run(ids: &[&str], plen: usize) -> (usize, usize) {
    if ids.len() < 2 {
        return (ids.len(), 0);
    }
    let mut extra = common_prefix(&ids[0][plen..], &ids[1][plen..]);
    if extra == 0 {
        return (1, 0);
    }
    let mut i = 2;
    while i < ids.len() {
        let next = common_prefix(&ids[0][plen..], &ids[i][plen..]);
        if next == 0 {
            break;
        }
        extra = extra.min(next);
        i += 1;
    }
    (i, extra)
}

/// OVS `print_names()`: `eth_{src,dst}`, `reg0...reg15`.
fn print_names(s: &mut String, mut ids: &[&str], plen: usize) {
    let mut group = 0;
    while !ids.is_empty() {
        if group > 0 {
            s.push(if plen > 0 { ',' } else { ' ' });
        }
        group += 1;
        let (prun, extra) = prefix_run(ids, plen);
        let srun = suffix_run(ids);
        let run = prun.max(srun);
        if srun >= prun {
            s.push_str(&ids[0][plen..]);
            if run > 1 {
                s.push_str("...");
                s.push_str(&ids[run - 1][plen..]);
            }
        } else {
            s.push_str(&ids[0][plen..plen + extra]);
            s.push('{');
            print_names(s, &ids[..run], plen + extra);
            s.push('}');
        }
        ids = &ids[run..];
    }
}

/// ` name name...` of a field set (OVS `print_mf_bitmap()`).
pub fn format_fields(s: &mut String, f: &FieldSet) {
    let names: Vec<&str> = f.iter().map(|id| id.field().name).collect();
    if !names.is_empty() {
        s.push(' ');
        print_names(s, &names, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_abbreviate_like_ovs() {
        let mut s = String::new();
        print_names(
            &mut s,
            &[
                "eth_src", "eth_dst", "eth_type", "reg0", "reg1", "reg2", "ip_proto",
            ],
            0,
        );
        assert_eq!(s, "eth_{src,dst,type} reg0...reg2 ip_proto");
    }

    #[test]
    fn action_bits_round_trip_per_version() {
        let b = ofpact_bit("output") | ofpact_bit("set_field") | ofpact_bit("enqueue");
        assert_eq!(ofpacts_to_openflow(b, Version::Of13), 1 | 1 << 25);
        assert_eq!(ofpacts_to_openflow(b, Version::Of10), 1 | 1 << 11);
        let mut s = String::new();
        format_ofpacts(&mut s, ofpacts_from_openflow(1 | 1 << 25, Version::Of13));
        assert_eq!(s, "output set_field");
    }
}
