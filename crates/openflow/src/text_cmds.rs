//! ovs-ofctl's text for groups and meters (`add-group`, `mod-group`,
//! `del-groups`, `add-meter`, `mod-meter`, `del-meters`), packet-outs and
//! port-mods (`packet-out`, `mod-port`), parsed into the
//! version-independent [`GroupMod`], [`MeterMod`], [`PacketOut`] and
//! [`PortMod`] (OVS `parse_ofp_group_mod_str()`,
//! `parse_ofp_meter_mod_str()`, `parse_ofp_packet_out_str()`,
//! `ofctl_mod_port()`).

use rvs_packet::EthAddr;

use crate::actions::{port, text};
use crate::field::parse_port;
use crate::field::FieldId;
use crate::group::{Bucket, GroupMod, BUCKET_ALL, BUCKET_FIRST, BUCKET_LAST, OFPG_ANY};
use crate::kv::{str_to_u16, str_to_u32, str_to_u8, KeyValues};
use crate::matches::Match;
use crate::meter::{Band, MeterMod, OFPMBT_DROP, OFPMBT_DSCP_REMARK};
use crate::meter::{OFPMF_BURST, OFPMF_KBPS, OFPMF_PKTPS, OFPMF_STATS};
use crate::packet_out::PacketOut;
use crate::switch_mods::PortMod;
use crate::version::Protocols;

/// Group-mod commands.
pub mod group_command {
    /// Add.
    pub const ADD: u16 = 0;
    /// Modify.
    pub const MODIFY: u16 = 1;
    /// Delete.
    pub const DELETE: u16 = 2;
    /// Insert a bucket (OpenFlow 1.5).
    pub const INSERT_BUCKET: u16 = 3;
    /// Remove a bucket (OpenFlow 1.5).
    pub const REMOVE_BUCKET: u16 = 4;
    /// Add or modify (Open vSwitch extension).
    pub const ADD_OR_MOD: u16 = 0x8000;
}

const OFPG_ALL: u32 = 0xffff_fffc;
const OFPG_MAX: u32 = 0xffff_ff00;

fn parse_bucket(s: &str, type_: u8) -> Result<Bucket, String> {
    let mut b = Bucket {
        bucket_id: BUCKET_ALL,
        weight: u16::from(type_ == 1),
        watch_port: port::ANY,
        watch_group: OFPG_ANY,
        actions: Vec::new(),
    };
    let mut actions = String::new();
    for (k, v) in KeyValues::new(s) {
        match k.to_ascii_lowercase().as_str() {
            "weight" => b.weight = str_to_u16(v, "weight")?,
            "watch_port" => {
                b.watch_port = parse_port(v)
                    .filter(|&p| p < 0xff00 || p == port::ANY || p == 0xfffd)
                    .ok_or_else(|| format!("{v}: invalid watch_port"))?;
            }
            "watch_group" => {
                b.watch_group = str_to_u32(v)?;
                if b.watch_group > OFPG_MAX {
                    return Err(format!("invalid watch_group id {}", b.watch_group));
                }
            }
            "bucket_id" => {
                b.bucket_id = str_to_u32(v)?;
                if b.bucket_id > 0xffff_ff00 {
                    return Err(format!("invalid bucket_id id {}", b.bucket_id));
                }
            }
            "action" | "actions" => {
                actions.push_str(v);
                actions.push(',');
            }
            _ => {
                actions.push_str(&format!("{k}({v}),"));
            }
        }
    }
    if actions.is_empty() {
        return Err("bucket must specify actions".into());
    }
    if type_ == 3 && b.watch_port == port::ANY && b.watch_group == OFPG_ANY {
        return Err("fast failover bucket requires watch_port or watch_group".into());
    }
    actions.pop();
    b.actions = text::parse_actions(&actions, false)?.0;
    Ok(b)
}

/// Parses a group-mod for `command` (OVS `parse_ofp_group_mod_str()`).
pub fn parse_group_mod(s: &str, command: u16) -> Result<GroupMod, String> {
    use group_command::*;
    let (types, buckets, cbid, cbid_all) = match command {
        ADD | MODIFY | ADD_OR_MOD => (true, true, false, false),
        DELETE => (false, false, false, false),
        INSERT_BUCKET => (false, true, true, false),
        REMOVE_BUCKET => (false, false, true, true),
        c => return Err(format!("unknown group command {c}")),
    };
    let mut gm = GroupMod {
        command,
        type_: 0,
        group_id: OFPG_ANY,
        command_bucket_id: BUCKET_ALL,
        buckets: Vec::new(),
    };
    if command == DELETE && s.is_empty() {
        gm.group_id = OFPG_ALL;
        return Ok(gm);
    }
    let (head, bkt) = match s.find("bucket=") {
        Some(i) => {
            if !buckets {
                return Err("bucket is not needed".into());
            }
            (&s[..i], Some(&s[i..]))
        }
        None => (s, None),
    };
    let (mut had_type, mut had_cbid) = (false, false);
    for (k, v) in KeyValues::new(head) {
        match k {
            "command_bucket_id" => {
                if !cbid {
                    return Err("command bucket id is not needed".into());
                }
                gm.command_bucket_id = match v {
                    "all" => BUCKET_ALL,
                    "first" => BUCKET_FIRST,
                    "last" => BUCKET_LAST,
                    _ => {
                        let id = str_to_u32(v)?;
                        if id > 0xffff_ff00
                            && ![BUCKET_FIRST, BUCKET_LAST, BUCKET_ALL].contains(&id)
                        {
                            return Err(format!("invalid command bucket id {id}"));
                        }
                        id
                    }
                };
                if gm.command_bucket_id == BUCKET_ALL && !cbid_all {
                    return Err("command_bucket_id=all is not permitted".into());
                }
                had_cbid = true;
            }
            "group_id" => {
                gm.group_id = if v == "all" { OFPG_ALL } else { str_to_u32(v)? };
                if gm.group_id != OFPG_ALL && gm.group_id > OFPG_MAX {
                    return Err(format!("invalid group id {}", gm.group_id));
                }
            }
            "type" => {
                if !types {
                    return Err("type is not needed".into());
                }
                gm.type_ = match v {
                    "all" => 0,
                    "select" => 1,
                    "indirect" => 2,
                    "ff" | "fast_failover" => 3,
                    _ => return Err(format!("invalid group type {v}")),
                };
                had_type = true;
            }
            "selection_method" | "selection_method_param" | "fields" => {
                return Err(format!("{k}: group properties are not supported"));
            }
            _ => return Err(format!("unknown keyword {k}")),
        }
    }
    if gm.group_id == OFPG_ANY {
        return Err("must specify a group_id".into());
    }
    if types && !had_type {
        return Err("must specify a type".into());
    }
    if cbid {
        if !(cbid_all || had_cbid) {
            return Err("must specify a command bucket id".into());
        }
    } else if had_cbid {
        return Err("command bucket id is not needed".into());
    }
    let mut rest = bkt;
    while let Some(b) = rest {
        let Some(eq) = b[1..].find('=') else {
            return Err("must specify bucket content".into());
        };
        let body = &b[eq + 2..];
        let (this, next) = match body.find("bucket=") {
            Some(i) => (&body[..i], Some(&body[i..])),
            None => (body, None),
        };
        let bucket = parse_bucket(this, gm.type_)?;
        if command != INSERT_BUCKET && gm.type_ != 1 && bucket.weight != 0 {
            return Err("Only select groups can have bucket weights.".into());
        }
        gm.buckets.push(bucket);
        rest = next;
    }
    if gm.type_ == 2 && gm.buckets.len() > 1 {
        return Err("Indirect groups can have at most one bucket.".into());
    }
    Ok(gm)
}

/// Meter-mod commands.
pub mod meter_command {
    /// Add.
    pub const ADD: u16 = 0;
    /// Modify.
    pub const MODIFY: u16 = 1;
    /// Delete.
    pub const DELETE: u16 = 2;
}

fn tokens(s: &str) -> impl Iterator<Item = &str> {
    s.split(['=', ',', ' ', '\t', '\r', '\n'])
        .filter(|t| !t.is_empty())
}

/// Parses a meter-mod for `command` (OVS `parse_ofp_meter_mod_str()`).
pub fn parse_meter_mod(s: &str, command: u16) -> Result<MeterMod, String> {
    let full = matches!(command, meter_command::ADD | meter_command::MODIFY);
    let mut mm = MeterMod {
        command,
        flags: 0,
        meter_id: 0,
        bands: Vec::new(),
    };
    let (head, bands) = if full {
        let i = s.find("band").ok_or("must specify bands")?;
        let eq = s[i + 1..].find('=').ok_or("must specify bands")?;
        (&s[..i], Some(&s[i + 1 + eq + 1..]))
    } else {
        (s, None)
    };
    let mut it = tokens(head);
    while let Some(name) = it.next() {
        let flag = match name {
            "kbps" => OFPMF_KBPS,
            "pktps" => OFPMF_PKTPS,
            "burst" => OFPMF_BURST,
            "stats" => OFPMF_STATS,
            _ => 0,
        };
        if full && flag != 0 {
            mm.flags |= flag;
            continue;
        }
        let value = it
            .next()
            .ok_or_else(|| format!("field {name} missing value"))?;
        if name != "meter" {
            return Err(format!("unknown keyword {name}"));
        }
        mm.meter_id = match value {
            "all" => 0xffff_ffff,
            "controller" => 0xffff_fffe,
            "slowpath" => 0xffff_fffd,
            _ => {
                let id = str_to_u32(value)?;
                if id == 0 || id > 0xffff_0000 {
                    return Err(format!("invalid value for {name}"));
                }
                id
            }
        };
    }
    if mm.meter_id == 0 {
        return Err("must specify 'meter'".into());
    }
    let Some(bands) = bands else {
        return Ok(mm);
    };
    if mm.flags == 0 {
        return Err("meter must specify either 'kbps' or 'pktps'".into());
    }
    let mut it = tokens(bands);
    while let Some(name) = it.next() {
        let value = it
            .next()
            .ok_or_else(|| format!("field {name} missing value"))?;
        if name == "type" {
            let type_ = match value {
                "drop" => OFPMBT_DROP,
                "dscp_remark" => OFPMBT_DSCP_REMARK,
                _ => return Err(format!("field {name} unknown value {value}")),
            };
            mm.bands.push(Band {
                type_,
                rate: 0,
                burst_size: 0,
                prec_level: 0,
            });
            continue;
        }
        let b = mm
            .bands
            .last_mut()
            .ok_or("band must start with the 'type' keyword")?;
        match name {
            "rate" => b.rate = str_to_u32(value)?,
            "burst_size" => b.burst_size = str_to_u32(value)?,
            "prec_level" => b.prec_level = str_to_u8(value, name)?,
            _ => return Err(format!("unknown keyword {name}")),
        }
    }
    if mm.bands.is_empty() {
        return Err("meter must have bands".into());
    }
    for b in &mm.bands {
        if b.type_ == OFPMBT_DSCP_REMARK && b.prec_level == 0 {
            return Err("'dscp_remark' band must have 'prec_level'".into());
        }
        if b.type_ != OFPMBT_DSCP_REMARK && b.prec_level != 0 {
            return Err("Only 'dscp_remark' band may have 'prec_level'".into());
        }
        if b.rate == 0 {
            return Err("band must have 'rate'".into());
        }
        if mm.flags & OFPMF_BURST != 0 && b.burst_size == 0 {
            return Err("band must have 'burst_size' when 'burst' flag is set".into());
        }
        if mm.flags & OFPMF_BURST == 0 && b.burst_size != 0 {
            return Err("band may have 'burst_size' only when 'burst' flag is set".into());
        }
    }
    Ok(mm)
}

/// Whether `id` is pipeline metadata that a packet-out may carry (OVS
/// `mf_is_pipeline_field()`).
fn is_pipeline_field(id: FieldId) -> bool {
    use FieldId as F;
    matches!(
        id,
        F::TunId
            | F::TunSrc
            | F::TunDst
            | F::TunIpv6Src
            | F::TunIpv6Dst
            | F::TunFlags
            | F::TunGbpId
            | F::TunGbpFlags
            | F::Metadata
            | F::InPort
            | F::InPortOxm
            | F::PacketType
            | F::Reg0
            | F::Reg1
            | F::Reg2
            | F::Reg3
            | F::Reg4
            | F::Reg5
            | F::Reg6
            | F::Reg7
            | F::Reg8
            | F::Reg9
            | F::Reg10
            | F::Reg11
            | F::Reg12
            | F::Reg13
            | F::Reg14
            | F::Reg15
            | F::Xreg0
            | F::Xreg1
            | F::Xreg2
            | F::Xreg3
            | F::Xreg4
            | F::Xreg5
            | F::Xreg6
            | F::Xreg7
            | F::Xxreg0
            | F::Xxreg1
            | F::Xxreg2
            | F::Xxreg3
    )
}

/// Bytes from hex digits, with white space allowed between bytes (OVS
/// `eth_from_hex()`): at least an Ethernet header's worth.
pub fn packet_from_hex(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut rest = s;
    loop {
        rest = rest.trim_start_matches([' ', '\t', '\r', '\n']);
        let Some(pair) = rest.get(..2) else { break };
        let Ok(byte) = u8::from_str_radix(pair, 16) else {
            break;
        };
        if !pair.bytes().all(|c| c.is_ascii_hexdigit()) {
            break;
        }
        out.push(byte);
        rest = &rest[2..];
    }
    if !rest.is_empty() {
        return Err("Trailing garbage in packet data".into());
    }
    if out.len() < 14 {
        return Err("Packet data too short for Ethernet".into());
    }
    Ok(out)
}

/// Parses `ovs-ofctl packet-out`'s one-argument form, `in_port=.. packet=HEX
/// actions=..` plus any pipeline fields (OVS `parse_ofp_packet_out_str()`).
/// Returns the packet-out and the protocols that can carry it.
pub fn parse_packet_out(s: &str) -> Result<(PacketOut, Protocols), String> {
    let mut usable = Protocols::ANY;
    let mut md = Match::default();
    md.flow.in_port = port::CONTROLLER;
    md.mask.in_port = u32::from(u16::MAX);
    let (fields, act_str) = match s.find("action") {
        Some(i) => (&s[..i], s[i..].find('=').map(|eq| &s[i + eq + 1..])),
        None => (s, None),
    };
    let mut packet = None;
    for (name, value) in KeyValues::new(fields) {
        if value.is_empty() {
            return Err(format!("field {name} missing value"));
        }
        match name {
            "in_port" => {
                let p = parse_port(value)
                    .ok_or_else(|| format!("{value} is not a valid OpenFlow port"))?;
                if p > port::MAX && p != port::LOCAL && p != port::ANY && p != port::CONTROLLER {
                    return Err(format!(
                        "{value} is not a valid OpenFlow port for PACKET_OUT"
                    ));
                }
                md.flow.in_port = p;
            }
            "packet_type" => {
                let Some((ns, ns_type)) = value.split_once(',') else {
                    return Err(format!("{name}({value}) can't be interpreted"));
                };
                let num = |t: &str| crate::kv::c_uint(t).unwrap_or(0) as u32;
                md.flow.packet_type = num(ns) << 16 | (num(ns_type) & 0xffff);
                md.mask.packet_type = u32::MAX;
            }
            "packet" => packet = Some(packet_from_hex(value).map_err(|e| format!("{name}: {e}"))?),
            _ => {
                let f =
                    crate::field::by_name(name).ok_or_else(|| format!("unknown keyword {name}"))?;
                let (v, m) = crate::field::parse_value(f, value)?;
                usable = usable.and(md.set_field(f, v, m));
                if !is_pipeline_field(f.id) {
                    return Err(format!(
                        "{name} is not a valid pipeline field for PACKET_OUT"
                    ));
                }
            }
        }
    }
    let packet = packet
        .filter(|p| !p.is_empty())
        .ok_or("must specify packet")?;
    let actions = match act_str {
        Some(a) => {
            let (acts, u) = text::parse_actions(a, false)?;
            usable = usable.and(u);
            acts
        }
        None => Vec::new(),
    };
    Ok((
        PacketOut {
            buffer_id: u32::MAX,
            metadata: md,
            actions,
            packet,
        },
        usable,
    ))
}

/// `ovs-ofctl mod-port`'s commands: the config bit each changes (OVS
/// `OFPUTIL_PC_*`: `PORT_DOWN`, `NO_STP`, `NO_RECV`, `NO_RECV_STP`,
/// `NO_FLOOD`, `NO_FWD`, `NO_PACKET_IN`) and the value it sets (OVS
/// `ofctl_mod_port()`); `no-`/`no` inverts.
const PORT_COMMANDS: [(&str, u32, bool); 8] = [
    ("up", 1 << 0, false),
    ("down", 1 << 0, true),
    ("stp", 1 << 1, false),
    ("receive", 1 << 2, false),
    ("receive-stp", 1 << 3, false),
    ("flood", 1 << 4, false),
    ("forward", 1 << 5, false),
    ("packet-in", 1 << 6, false),
];

/// The port-mod `ovs-ofctl mod-port` sends for `command` (`down`,
/// `no-flood`, ...) to the port `port_no` whose address is `hw_addr`.
pub fn parse_mod_port(port_no: u32, hw_addr: EthAddr, command: &str) -> Result<PortMod, String> {
    let lower = command.to_ascii_lowercase();
    let (cmd, not) = match lower.strip_prefix("no-") {
        Some(c) => (c, true),
        None => match lower.strip_prefix("no") {
            Some(c) => (c, true),
            None => (lower.as_str(), false),
        },
    };
    let &(_, bit, on) = PORT_COMMANDS
        .iter()
        .find(|(n, _, _)| *n == cmd)
        .ok_or_else(|| format!("unknown mod-port command '{command}'"))?;
    Ok(PortMod {
        port_no,
        hw_addr,
        config: if on ^ not { bit } else { 0 },
        mask: bit,
        advertise: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_and_meter_errors_match_ovs() {
        assert_eq!(
            parse_group_mod("type=all,bucket=output:1", 0).unwrap_err(),
            "must specify a group_id"
        );
        assert_eq!(
            parse_group_mod("group_id=1,type=all,bucket=weight:2,output:1", 0).unwrap_err(),
            "Only select groups can have bucket weights."
        );
        assert_eq!(
            parse_group_mod("group_id=1,type=ff,bucket=output:1", 0).unwrap_err(),
            "fast failover bucket requires watch_port or watch_group"
        );
        assert_eq!(
            parse_meter_mod("meter=1,kbps,band=type=drop", 0).unwrap_err(),
            "band must have 'rate'"
        );
        assert_eq!(
            parse_meter_mod("meter=1,kbps", 0).unwrap_err(),
            "must specify bands"
        );
        let gm = parse_group_mod("", group_command::DELETE).unwrap();
        assert_eq!(gm.group_id, OFPG_ALL);
    }
}
