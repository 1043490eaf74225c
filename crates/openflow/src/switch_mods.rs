//! Port-mod, table-mod and bundles (control and add): decoding and
//! ofp-print text (OVS `ofp-port.c`, `ofp-table.c`, `ofp-bundle.c`).

use std::fmt::Write;

use bytes::{Buf, BufMut};
use rvs_packet::EthAddr;

use crate::error::{OfpError, Result};
use crate::field::{access, port_name};
use crate::version::Version;

/// A port-mod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortMod {
    /// Port.
    pub port_no: u32,
    /// Hardware address the port must have.
    pub hw_addr: EthAddr,
    /// Config bits to set.
    pub config: u32,
    /// Which config bits to change.
    pub mask: u32,
    /// Features to advertise, 0 for unchanged.
    pub advertise: u32,
}

/// Decodes a port-mod body as a switch does (OVS
/// `ofputil_decode_port_mod()`, strict): an unknown property is an error.
pub fn decode_port_mod(b: &[u8], v: Version) -> Result<PortMod> {
    decode_port_mod_with(b, v, false)
}

/// [`decode_port_mod`] that skips unknown properties, as `ovs-ofctl
/// ofp-print` does.
pub fn decode_port_mod_loose(b: &[u8], v: Version) -> Result<PortMod> {
    decode_port_mod_with(b, v, true)
}

fn decode_port_mod_with(mut b: &[u8], v: Version, loose: bool) -> Result<PortMod> {
    let mut hw = [0u8; 6];
    match v {
        Version::Of10 => {
            if b.len() != 24 {
                return Err(OfpError::OFPBRC_BAD_LEN);
            }
            let port_no = u32::from(b.get_u16());
            b.copy_to_slice(&mut hw);
            let config = b.get_u32() & 0x7f;
            let mask = b.get_u32() & 0x7f;
            let adv = b.get_u32();
            Ok(PortMod {
                port_no,
                hw_addr: EthAddr(hw),
                config,
                mask,
                advertise: (adv & 0x7f) | ((adv & 0xf80) << 4),
            })
        }
        Version::Of11 | Version::Of12 | Version::Of13 => {
            if b.len() != 32 {
                return Err(OfpError::OFPBRC_BAD_LEN);
            }
            let port_no =
                access::port_from_ofp11(b.get_u32()).ok_or(OfpError::OFPBAC_BAD_OUT_PORT)?;
            b.advance(4);
            b.copy_to_slice(&mut hw);
            b.advance(2);
            Ok(PortMod {
                port_no,
                hw_addr: EthAddr(hw),
                config: b.get_u32() & 0x65,
                mask: b.get_u32() & 0x65,
                advertise: b.get_u32() & 0xffff,
            })
        }
        _ => {
            if b.len() < 24 {
                return Err(OfpError::OFPBRC_BAD_LEN);
            }
            let port_no =
                access::port_from_ofp11(b.get_u32()).ok_or(OfpError::OFPBAC_BAD_OUT_PORT)?;
            b.advance(4);
            b.copy_to_slice(&mut hw);
            b.advance(2);
            let config = b.get_u32() & 0x65;
            let mask = b.get_u32() & 0x65;
            let mut pm = PortMod {
                port_no,
                hw_addr: EthAddr(hw),
                config,
                mask,
                advertise: 0,
            };
            while !b.is_empty() {
                if b.len() < 4 {
                    return Err(OfpError::OFPBPC_BAD_LEN);
                }
                let t = u16::from_be_bytes([b[0], b[1]]);
                let len = usize::from(u16::from_be_bytes([b[2], b[3]]));
                let padded = len.div_ceil(8) * 8;
                if len < 4 || padded > b.len() {
                    return Err(OfpError::OFPBPC_BAD_LEN);
                }
                if t == 0 {
                    if len != 8 {
                        return Err(OfpError::OFPBPC_BAD_LEN);
                    }
                    pm.advertise = u32::from_be_bytes([b[4], b[5], b[6], b[7]]) & 0xffff;
                } else if t == 0xffff && len < 12 {
                    return Err(OfpError::OFPBPC_BAD_LEN);
                } else if t == 0xffff && b[4..8] == [0; 4] {
                    return Err(OfpError::OFPBPC_BAD_EXPERIMENTER);
                } else if !loose {
                    return Err(if t == 0xffff {
                        OfpError::OFPBPC_BAD_EXP_TYPE
                    } else {
                        OfpError::OFPBPC_BAD_TYPE
                    });
                }
                b.advance(padded);
            }
            Ok(pm)
        }
    }
}

/// Encodes a whole port-mod message (OVS `ofputil_encode_port_mod()`):
/// only the config bits the version has; `advertise` as the version's
/// feature bits, in OpenFlow 1.4+ as an Ethernet property when not 0.
pub fn encode_port_mod(pm: &PortMod, v: Version, xid: u32) -> Vec<u8> {
    let mut out = vec![v.wire(), if v == Version::Of10 { 15 } else { 16 }, 0, 0];
    out.put_u32(xid);
    // OFPPC10_ALL and OFPPC11_ALL.
    let (config_bits, features) = if v == Version::Of10 {
        (0x7f, (pm.advertise & 0x7f) | ((pm.advertise >> 4) & 0xf80))
    } else {
        (0x65, pm.advertise & 0xffff)
    };
    if v == Version::Of10 {
        out.put_u16(pm.port_no as u16);
        out.put_slice(&pm.hw_addr.0);
    } else {
        out.put_u32(access::port_to_ofp11(pm.port_no));
        out.put_u32(0);
        out.put_slice(&pm.hw_addr.0);
        out.put_u16(0);
    }
    out.put_u32(pm.config & config_bits);
    out.put_u32(pm.mask & config_bits);
    if v < Version::Of14 {
        out.put_u32(features);
        out.put_u32(0);
    } else if pm.advertise != 0 {
        // OFPPMPT14_ETHERNET.
        out.put_u16(0);
        out.put_u16(8);
        out.put_u32(features);
    }
    let len = out.len() as u16;
    out[2..4].copy_from_slice(&len.to_be_bytes());
    out
}

fn bit_names(s: &mut String, bits: u32, names: &[(u32, &str)]) {
    if bits == 0 {
        s.push_str("0\n");
        return;
    }
    let mut parts = Vec::new();
    for i in 0..32 {
        let bit = 1u32 << i;
        if bits & bit != 0 {
            match names.iter().find(|(b, _)| *b == bit) {
                Some((_, n)) => parts.push((*n).to_owned()),
                None => parts.push(format!("0x{bit:x}")),
            }
        }
    }
    s.push_str(&parts.join(" "));
    s.push('\n');
}

/// The ofp-print body of a port-mod.
pub fn format_port_mod(pm: &PortMod) -> String {
    let mut s = String::new();
    let _ = writeln!(s, " port: {}: addr:{}", port_name(pm.port_no), pm.hw_addr);
    s.push_str("     config: ");
    bit_names(&mut s, pm.config, &crate::port::CONFIG_NAMES);
    s.push_str("     mask:   ");
    bit_names(&mut s, pm.mask, &crate::port::CONFIG_NAMES);
    s.push_str("     advertise: ");
    if pm.advertise != 0 {
        bit_names(&mut s, pm.advertise, &crate::port::FEATURE_NAMES);
    } else {
        s.push_str("UNCHANGED\n");
    }
    s
}

/// Table-miss behaviour of OpenFlow 1.1 and 1.2 (OVS `OFPUTIL_TABLE_MISS_*`).
pub mod table_miss {
    /// Not given (the version's default).
    pub const DEFAULT: u8 = 0;
    /// Send to the controller.
    pub const CONTROLLER: u8 = 1;
    /// Continue in the next table.
    pub const CONTINUE: u8 = 2;
    /// Drop.
    pub const DROP: u8 = 3;
}

/// A table-mod (OVS `struct ofputil_table_mod`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableMod {
    /// Table, 0xff for all tables.
    pub table_id: u8,
    /// [`table_miss`] value (OpenFlow 1.1 and 1.2; `DEFAULT` otherwise).
    pub miss: u8,
    /// Eviction on or off (OpenFlow 1.4+; `None` otherwise).
    pub eviction: Option<bool>,
    /// The eviction property's `OFPTMPEF14_*` flags, if present.
    pub eviction_flags: Option<u32>,
    /// Vacancy events on or off (OpenFlow 1.4+; `None` otherwise).
    pub vacancy: Option<bool>,
    /// The vacancy property's `(vacancy_down, vacancy_up)` thresholds in
    /// percent, if present.
    pub vacancy_thresholds: Option<(u8, u8)>,
}

const OFPTC14_EVICTION: u32 = 1 << 2;
const OFPTC14_VACANCY_EVENTS: u32 = 1 << 3;
const OFPTMPT14_EVICTION: u16 = 2;
const OFPTMPT14_VACANCY: u16 = 3;

/// Decodes a table-mod body (OVS `ofputil_decode_table_mod()`).
pub fn decode_table_mod(mut b: &[u8], v: Version) -> Result<TableMod> {
    if v == Version::Of10 {
        return Err(OfpError::OFPBRC_BAD_TYPE);
    }
    if b.len() < 8 {
        return Err(OfpError::OFPBRC_BAD_LEN);
    }
    let table_id = b.get_u8();
    b.advance(3);
    let config = b.get_u32();
    let of14 = v >= Version::Of14;
    let mut tm = TableMod {
        table_id,
        miss: match (v, config & 3) {
            (Version::Of11 | Version::Of12, 1) => table_miss::CONTINUE,
            (Version::Of11 | Version::Of12, 2) => table_miss::DROP,
            (Version::Of11 | Version::Of12, _) => table_miss::CONTROLLER,
            _ => table_miss::DEFAULT,
        },
        eviction: of14.then_some(config & OFPTC14_EVICTION != 0),
        eviction_flags: None,
        vacancy: of14.then_some(config & OFPTC14_VACANCY_EVENTS != 0),
        vacancy_thresholds: None,
    };
    if !of14 {
        return if b.is_empty() {
            Ok(tm)
        } else {
            Err(OfpError::OFPBRC_BAD_LEN)
        };
    }
    // Properties (OVS `ofpprop_pull()`): 8-byte aligned.
    while !b.is_empty() {
        if b.len() < 4 {
            return Err(OfpError::OFPBPC_BAD_LEN);
        }
        let t = u16::from_be_bytes([b[0], b[1]]);
        let len = usize::from(u16::from_be_bytes([b[2], b[3]]));
        let padded = len.div_ceil(8) * 8;
        if len < 4 || padded > b.len() {
            return Err(OfpError::OFPBPC_BAD_LEN);
        }
        let p = &b[..len];
        match t {
            OFPTMPT14_EVICTION => {
                if len != 8 {
                    return Err(OfpError::OFPBPC_BAD_LEN);
                }
                tm.eviction_flags = Some(u32::from_be_bytes([p[4], p[5], p[6], p[7]]));
            }
            OFPTMPT14_VACANCY => {
                if len != 8 {
                    return Err(OfpError::OFPBPC_BAD_LEN);
                }
                let (down, up, vacancy) = (p[4], p[5], p[6]);
                if down > up || up > 100 || vacancy != 0 {
                    return Err(OfpError::OFPBPC_BAD_VALUE);
                }
                tm.vacancy_thresholds = Some((down, up));
            }
            0xffff if len < 12 => return Err(OfpError::OFPBPC_BAD_LEN),
            0xffff if p[4..8] == [0; 4] => return Err(OfpError::OFPBPC_BAD_EXPERIMENTER),
            _ => return Err(OfpError::OFPBRC_BAD_TYPE),
        }
        b.advance(padded);
    }
    Ok(tm)
}

/// Encodes a whole table-mod message (OVS `ofputil_encode_table_mod()`);
/// OpenFlow 1.0 has none (`None`).
pub fn encode_table_mod(tm: &TableMod, v: Version, xid: u32) -> Option<Vec<u8>> {
    if v == Version::Of10 {
        return None;
    }
    let mut out = vec![v.wire(), 17, 0, 0];
    out.put_u32(xid);
    out.put_u8(tm.table_id);
    out.put_slice(&[0; 3]);
    let config = match v {
        Version::Of11 | Version::Of12 => match tm.miss {
            table_miss::CONTINUE => 1,
            table_miss::DROP => 2,
            _ => 0,
        },
        Version::Of13 => 0,
        _ => {
            (if tm.eviction == Some(true) {
                OFPTC14_EVICTION
            } else {
                0
            }) | if tm.vacancy == Some(true) {
                OFPTC14_VACANCY_EVENTS
            } else {
                0
            }
        }
    };
    out.put_u32(config);
    if v >= Version::Of14 {
        if let Some(f) = tm.eviction_flags {
            out.put_u16(OFPTMPT14_EVICTION);
            out.put_u16(8);
            out.put_u32(f);
        }
        if let Some((down, up)) = tm.vacancy_thresholds {
            out.put_u16(OFPTMPT14_VACANCY);
            out.put_u16(8);
            out.put_slice(&[down, up, 0, 0]);
        }
    }
    let len = out.len() as u16;
    out[2..4].copy_from_slice(&len.to_be_bytes());
    Some(out)
}

/// The ofp-print body of a table-mod (OVS `ofputil_table_mod_format()`).
///
/// OVS stores an eviction property's flags where it keeps eviction on/off,
/// so it prints them as `eviction=` (`default` for 0, which is left out,
/// `on` for 1, `off` for 2, `***error***` otherwise); rvs prints the same.
pub fn format_table_mod_struct(tm: &TableMod) -> String {
    let mut s = String::new();
    if tm.table_id == 0xff {
        s.push_str(" table_id: ALL_TABLES");
    } else {
        let _ = write!(s, " table_id={}", tm.table_id);
    }
    let miss = match tm.miss {
        table_miss::CONTROLLER => Some("controller"),
        table_miss::CONTINUE => Some("continue"),
        table_miss::DROP => Some("drop"),
        table_miss::DEFAULT => None,
        _ => Some("***error***"),
    };
    if let Some(m) = miss {
        let _ = write!(s, ", flow_miss_config={m}");
    }
    let eviction = match (tm.eviction_flags, tm.eviction) {
        (Some(0), _) | (None, None) => None,
        (Some(1), _) | (None, Some(true)) => Some("on"),
        (Some(2), _) | (None, Some(false)) => Some("off"),
        (Some(_), _) => Some("***error***"),
    };
    if let Some(e) = eviction {
        let _ = write!(s, ", eviction={e}");
    }
    match tm.vacancy {
        Some(true) => {
            let (down, up) = tm.vacancy_thresholds.unwrap_or((0, 0));
            let _ = write!(s, ", vacancy=on vacancy:{down},{up}");
        }
        Some(false) => s.push_str(", vacancy=off"),
        None => {}
    }
    s
}

/// The ofp-print body of a table-mod (OpenFlow 1.1+) from its body bytes.
pub fn format_table_mod(b: &[u8], v: Version) -> Result<String> {
    decode_table_mod(b, v).map(|tm| format_table_mod_struct(&tm))
}

fn bundle_flags(s: &mut String, flags: u16) {
    if flags == 0 {
        s.push('0');
        return;
    }
    let mut parts = Vec::new();
    for i in 0..16 {
        let bit = 1u16 << i;
        if flags & bit != 0 {
            parts.push(match bit {
                1 => "atomic".to_owned(),
                2 => "ordered".to_owned(),
                _ => format!("0x{bit:x}"),
            });
        }
    }
    s.push_str(&parts.join(" "));
}

/// The ofp-print body of a bundle control message.
pub fn format_bundle_ctrl(mut b: &[u8]) -> Result<String> {
    if b.len() < 8 {
        return Err(OfpError::OFPBRC_BAD_LEN);
    }
    let id = b.get_u32();
    let t = b.get_u16();
    let flags = b.get_u16();
    if t > 7 {
        return Err(OfpError::OFPBFC_BAD_TYPE);
    }
    let mut s = String::from("\n");
    if id == 0 {
        s.push_str(" bundle_id=0 type=");
    } else {
        let _ = write!(s, " bundle_id={id:#x} type=");
    }
    s.push_str(
        [
            "OPEN_REQUEST",
            "OPEN_REPLY",
            "CLOSE_REQUEST",
            "CLOSE_REPLY",
            "COMMIT_REQUEST",
            "COMMIT_REPLY",
            "DISCARD_REQUEST",
            "DISCARD_REPLY",
        ][usize::from(t)],
    );
    s.push_str(" flags=");
    bundle_flags(&mut s, flags);
    Ok(s)
}

/// The ofp-print body of a bundle-add message: its id and flags, then the
/// message it carries.
pub fn format_bundle_add(mut b: &[u8], outer: &[u8], verbosity: i32) -> Result<String> {
    if b.len() < 16 {
        return Err(OfpError::OFPBRC_BAD_LEN);
    }
    let id = b.get_u32();
    b.advance(2);
    let flags = b.get_u16();
    let inner_len = usize::from(u16::from_be_bytes([b[2], b[3]]));
    if inner_len < 8 || inner_len > b.len() {
        return Err(OfpError::OFPBFC_MSG_BAD_LEN);
    }
    let inner = &b[..inner_len];
    if inner[0] != outer[0] {
        return Err(OfpError::OFPBFC_MSG_UNSUP);
    }
    let mut s = String::from("\n");
    if id == 0 {
        s.push_str(" bundle_id=0");
    } else {
        let _ = write!(s, " bundle_id={id:#x}");
    }
    s.push_str(" flags=");
    bundle_flags(&mut s, flags);
    s.push('\n');
    s.push_str(&crate::ofp_print::ofp_to_string(inner, verbosity));
    Ok(s)
}
