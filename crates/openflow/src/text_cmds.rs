//! ovs-ofctl's text for groups and meters (`add-group`, `mod-group`,
//! `del-groups`, `add-meter`, `mod-meter`, `del-meters`), parsed into the
//! version-independent [`GroupMod`] and [`MeterMod`] (OVS
//! `parse_ofp_group_mod_str()` and `parse_ofp_meter_mod_str()`).

use crate::actions::{port, text};
use crate::field::parse_port;
use crate::group::{Bucket, GroupMod, BUCKET_ALL, BUCKET_FIRST, BUCKET_LAST, OFPG_ANY};
use crate::kv::{str_to_u16, str_to_u32, str_to_u8, KeyValues};
use crate::meter::{Band, MeterMod, OFPMBT_DROP, OFPMBT_DSCP_REMARK};
use crate::meter::{OFPMF_BURST, OFPMF_KBPS, OFPMF_PKTPS, OFPMF_STATS};

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
