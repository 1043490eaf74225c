//! Messages about a controller's session with the switch, as
//! version-independent values encoded and printed as OVS does: flow-removed
//! (OpenFlow 1.0, 1.1-1.4, 1.5 and `NXT_FLOW_REMOVED`), role request/reply
//! (OpenFlow 1.2+ and `NXT_ROLE_REQUEST`), role status (OpenFlow 1.4 and
//! the ONF 1.3 extension), asynchronous message configuration (OpenFlow
//! 1.3 masks, OpenFlow 1.4 properties, `NXT_SET_ASYNC_CONFIG`) and the
//! switch features reply (OVS `lib/ofp-monitor.c`, `lib/ofp-connection.c`,
//! `lib/ofp-switch.c`).

use std::fmt::Write;

use bytes::{Buf, BufMut};

use crate::error::{OfpError, Result, NX_VENDOR_ID, ONF_VENDOR_ID};
use crate::flow_stats::{duration, pull_oxs, put_oxs, Oxs};
use crate::matches::{nxm, of10, Match};
use crate::port::PhyPort;
use crate::version::Version;

fn message(v: Version, type_: u8, xid: u32, vendor: Option<(u32, u32)>) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.put_u8(v.wire());
    out.put_u8(if vendor.is_some() { 4 } else { type_ });
    out.put_u16(0);
    out.put_u32(xid);
    if let Some((id, sub)) = vendor {
        out.put_u32(id);
        out.put_u32(sub);
    }
    out
}

fn finish(mut out: Vec<u8>) -> Vec<u8> {
    let len = out.len() as u16;
    out[2..4].copy_from_slice(&len.to_be_bytes());
    out
}

/// A flow-removed message (OVS `struct ofputil_flow_removed`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowRemoved {
    /// The flow's match.
    pub m: Match,
    /// Priority.
    pub priority: u16,
    /// `OFPRR_*`: 0 idle, 1 hard, 2 delete, 3 group delete, 4 meter
    /// delete, 5 eviction.
    pub reason: u8,
    /// Table, 255 if unknown (OpenFlow 1.0).
    pub table_id: u8,
    /// Cookie.
    pub cookie: u64,
    /// Seconds alive.
    pub duration_sec: u32,
    /// Nanoseconds beyond `duration_sec`.
    pub duration_nsec: u32,
    /// Idle timeout.
    pub idle_timeout: u16,
    /// Hard timeout (not in OpenFlow 1.0 or NXT).
    pub hard_timeout: u16,
    /// Packets.
    pub packet_count: u64,
    /// Bytes.
    pub byte_count: u64,
}

/// The wire form of a flow-removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowRemovedRaw {
    /// OpenFlow 1.0 with its fixed match.
    Of10,
    /// `NXT_FLOW_REMOVED` (OpenFlow 1.0 with NXM).
    Nx,
    /// OpenFlow 1.1+ (OXM; OXS statistics in 1.5).
    Of11,
}

/// Decodes a flow-removed body (OVS `ofputil_decode_flow_removed()`).
pub fn decode_flow_removed(mut b: &[u8], v: Version, raw: FlowRemovedRaw) -> Result<FlowRemoved> {
    let mut fr = FlowRemoved {
        m: Match::default(),
        priority: 0,
        reason: 0,
        table_id: 255,
        cookie: 0,
        duration_sec: 0,
        duration_nsec: 0,
        idle_timeout: 0,
        hard_timeout: 0,
        packet_count: 0,
        byte_count: 0,
    };
    match raw {
        FlowRemovedRaw::Of10 => {
            if b.len() < 80 {
                return Err(OfpError::OFPBRC_BAD_LEN);
            }
            fr.m = Match::from_of10(&of10::RawMatch10::decode(&mut b)?);
            fr.cookie = b.get_u64();
            fr.priority = b.get_u16();
            fr.reason = b.get_u8();
            b.advance(1);
            fr.duration_sec = b.get_u32();
            fr.duration_nsec = b.get_u32();
            fr.idle_timeout = b.get_u16();
            b.advance(2);
            fr.packet_count = b.get_u64();
            fr.byte_count = b.get_u64();
        }
        FlowRemovedRaw::Nx => {
            if b.len() < 40 {
                return Err(OfpError::OFPBRC_BAD_LEN);
            }
            fr.cookie = b.get_u64();
            fr.priority = b.get_u16();
            fr.reason = b.get_u8();
            let t = b.get_u8();
            fr.table_id = if t == 0 { 255 } else { t - 1 };
            fr.duration_sec = b.get_u32();
            fr.duration_nsec = b.get_u32();
            fr.idle_timeout = b.get_u16();
            let match_len = usize::from(b.get_u16());
            fr.packet_count = b.get_u64();
            fr.byte_count = b.get_u64();
            let padded = match_len.div_ceil(8) * 8;
            if b.len() < padded {
                return Err(OfpError::OFPBMC_BAD_LEN);
            }
            fr.m = nxm::decode(&b[..match_len], false)?.m;
            if b.len() != padded {
                return Err(OfpError::OFPBRC_BAD_LEN);
            }
        }
        FlowRemovedRaw::Of11 if v >= Version::Of15 => {
            if b.len() < 16 {
                return Err(OfpError::OFPBRC_BAD_LEN);
            }
            fr.table_id = b.get_u8();
            fr.reason = b.get_u8();
            fr.priority = b.get_u16();
            fr.idle_timeout = b.get_u16();
            fr.hard_timeout = b.get_u16();
            fr.cookie = b.get_u64();
            fr.m = nxm::decode_oxm_match(&mut b)?;
            let o = pull_oxs(&mut b)?;
            fr.duration_sec = o.duration_sec;
            fr.duration_nsec = o.duration_nsec;
            fr.packet_count = o.packet_count;
            fr.byte_count = o.byte_count;
        }
        FlowRemovedRaw::Of11 => {
            if b.len() < 40 {
                return Err(OfpError::OFPBRC_BAD_LEN);
            }
            fr.cookie = b.get_u64();
            fr.priority = b.get_u16();
            fr.reason = b.get_u8();
            fr.table_id = b.get_u8();
            fr.duration_sec = b.get_u32();
            fr.duration_nsec = b.get_u32();
            fr.idle_timeout = b.get_u16();
            fr.hard_timeout = b.get_u16();
            fr.packet_count = b.get_u64();
            fr.byte_count = b.get_u64();
            fr.m = nxm::decode_oxm_match(&mut b)?;
        }
    }
    Ok(fr)
}

/// Encodes a whole flow-removed message (OVS
/// `ofputil_encode_flow_removed()`); `nx` picks `NXT_FLOW_REMOVED` in
/// OpenFlow 1.0.
pub fn encode_flow_removed(fr: &FlowRemoved, v: Version, nx: bool, xid: u32) -> Vec<u8> {
    let reason = if fr.reason == 4 && v < Version::Of14 {
        2
    } else {
        fr.reason
    };
    let unknown_to_zero = |c: u64| if c == u64::MAX { 0 } else { c };
    let mut out;
    if v == Version::Of10 && nx {
        out = message(v, 4, xid, Some((NX_VENDOR_ID, 14)));
        out.put_u64(fr.cookie);
        out.put_u16(fr.priority);
        out.put_u8(reason);
        out.put_u8(fr.table_id.wrapping_add(1));
        out.put_u32(fr.duration_sec);
        out.put_u32(fr.duration_nsec);
        out.put_u16(fr.idle_timeout);
        let len_at = out.len();
        out.put_u16(0);
        out.put_u64(fr.packet_count);
        out.put_u64(fr.byte_count);
        let start = out.len();
        let n = nxm::encode(&mut out, &fr.m, None, 0, 0);
        out[len_at..len_at + 2].copy_from_slice(&(n as u16).to_be_bytes());
        nxm::pad8(&mut out, start);
    } else if v == Version::Of10 {
        out = message(v, 11, xid, None);
        fr.m.to_of10().encode(&mut out);
        out.put_u64(fr.cookie);
        out.put_u16(fr.priority);
        out.put_u8(reason);
        out.put_u8(0);
        out.put_u32(fr.duration_sec);
        out.put_u32(fr.duration_nsec);
        out.put_u16(fr.idle_timeout);
        out.put_u16(0);
        out.put_u64(unknown_to_zero(fr.packet_count));
        out.put_u64(unknown_to_zero(fr.byte_count));
    } else if v >= Version::Of15 {
        out = message(v, 11, xid, None);
        out.put_u8(fr.table_id);
        out.put_u8(reason);
        out.put_u16(fr.priority);
        out.put_u16(fr.idle_timeout);
        out.put_u16(fr.hard_timeout);
        out.put_u64(fr.cookie);
        nxm::encode_oxm_match(&mut out, &fr.m, v);
        put_oxs(
            &mut out,
            &Oxs {
                duration_sec: fr.duration_sec,
                duration_nsec: fr.duration_nsec,
                packet_count: fr.packet_count,
                byte_count: fr.byte_count,
                ..Oxs::default()
            },
        );
    } else {
        out = message(v, 11, xid, None);
        out.put_u64(fr.cookie);
        out.put_u16(fr.priority);
        out.put_u8(reason);
        out.put_u8(fr.table_id);
        out.put_u32(fr.duration_sec);
        out.put_u32(fr.duration_nsec);
        out.put_u16(fr.idle_timeout);
        out.put_u16(fr.hard_timeout);
        out.put_u64(fr.packet_count);
        out.put_u64(fr.byte_count);
        nxm::encode_oxm_match(&mut out, &fr.m, v);
    }
    finish(out)
}

/// OVS `ofp_flow_removed_reason_to_string()`.
pub fn flow_removed_reason(r: u32) -> String {
    match r {
        0 => "idle".into(),
        1 => "hard".into(),
        2 => "delete".into(),
        3 => "group_delete".into(),
        4 => "meter_delete".into(),
        5 => "eviction".into(),
        r => r.to_string(),
    }
}

/// The ofp-print body of a flow-removed.
pub fn format_flow_removed(fr: &FlowRemoved) -> String {
    let mut s = String::from(" ");
    let _ = write!(s, "{}", fr.m.display(fr.priority));
    let _ = write!(s, " reason={}", flow_removed_reason(u32::from(fr.reason)));
    if fr.table_id != 255 {
        let _ = write!(s, " table_id={}", fr.table_id);
    }
    if fr.cookie != 0 {
        let _ = write!(s, " cookie:0x{:x}", fr.cookie);
    }
    s.push_str(" duration");
    duration(&mut s, fr.duration_sec, fr.duration_nsec);
    let _ = write!(s, " idle{}", fr.idle_timeout);
    if fr.hard_timeout != 0 {
        let _ = write!(s, " hard{}", fr.hard_timeout);
    }
    let _ = writeln!(s, " pkts{} bytes{}", fr.packet_count, fr.byte_count);
    s
}

/// Controller role, OpenFlow 1.2 numbering.
pub mod role {
    /// Keep the current role.
    pub const NOCHANGE: u32 = 0;
    /// Equal ("other").
    pub const EQUAL: u32 = 1;
    /// Primary ("master").
    pub const PRIMARY: u32 = 2;
    /// Secondary ("slave").
    pub const SECONDARY: u32 = 3;
}

/// A role request or reply (OVS `struct ofputil_role_request`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleRequest {
    /// [`role`] value.
    pub role: u32,
    /// Generation ID, if any.
    pub generation_id: Option<u64>,
}

/// Decodes a role request (`reply` false) or reply body; `nx` for the
/// Nicira form (OVS `ofputil_decode_role_message()`).
pub fn decode_role(mut b: &[u8], nx: bool, reply: bool) -> Result<RoleRequest> {
    if nx {
        if b.len() != 4 {
            return Err(OfpError::OFPBRC_BAD_LEN);
        }
        let r = b.get_u32();
        if r > 2 {
            return Err(OfpError::OFPRRFC_BAD_ROLE);
        }
        return Ok(RoleRequest {
            role: r + 1,
            generation_id: None,
        });
    }
    if b.len() != 16 {
        return Err(OfpError::OFPBRC_BAD_LEN);
    }
    let r = b.get_u32();
    b.advance(4);
    let g = b.get_u64();
    if r > 3 {
        return Err(OfpError::OFPRRFC_BAD_ROLE);
    }
    let none = if reply {
        g == u64::MAX
    } else {
        r == role::NOCHANGE
    };
    Ok(RoleRequest {
        role: r,
        generation_id: (!none).then_some(g),
    })
}

/// Encodes a role request or reply: OpenFlow 1.2+ form, or the Nicira one
/// in 1.0 and 1.1 (OVS `ofputil_encode_role_reply()`). In 1.2+ a missing
/// generation ID goes out as all-ones, which a request that changes the
/// role reads back as that ID (as in OVS).
pub fn encode_role(r: &RoleRequest, v: Version, reply: bool, xid: u32) -> Vec<u8> {
    let mut out;
    if v < Version::Of12 {
        out = message(v, 4, xid, Some((NX_VENDOR_ID, if reply { 11 } else { 10 })));
        out.put_u32(r.role.saturating_sub(1));
    } else {
        out = message(v, if reply { 25 } else { 24 }, xid, None);
        out.put_u32(r.role);
        out.put_u32(0);
        out.put_u64(r.generation_id.unwrap_or(u64::MAX));
    }
    finish(out)
}

fn role_text(s: &mut String, r: u32, generation_id: u64) {
    s.push_str(" role=");
    s.push_str(match r {
        role::NOCHANGE => "nochange",
        role::EQUAL => "equal",
        role::PRIMARY => "primary",
        _ => "secondary",
    });
    if generation_id != u64::MAX {
        let _ = write!(s, " generation_id={generation_id}");
    }
}

/// The ofp-print body of a role request or reply.
pub fn format_role(r: &RoleRequest) -> String {
    let mut s = String::new();
    role_text(&mut s, r.role, r.generation_id.unwrap_or(u64::MAX));
    s
}

/// A role status (OVS `struct ofputil_role_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleStatus {
    /// [`role`] value.
    pub role: u32,
    /// 0 primary request, 1 configuration changed, 2 experimenter.
    pub reason: u8,
    /// Generation ID.
    pub generation_id: u64,
}

/// Decodes a role status body.
pub fn decode_role_status(mut b: &[u8]) -> Result<RoleStatus> {
    if b.len() < 16 {
        return Err(OfpError::OFPBRC_BAD_LEN);
    }
    let r = b.get_u32();
    let reason = b.get_u8();
    b.advance(3);
    let generation_id = b.get_u64();
    if r > 3 {
        return Err(OfpError::OFPRRFC_BAD_ROLE);
    }
    Ok(RoleStatus {
        role: r,
        reason,
        generation_id,
    })
}

/// Encodes a role status: OpenFlow 1.4+, or the ONF extension in 1.3;
/// `None` before 1.3 (OVS `ofputil_encode_role_status()`).
pub fn encode_role_status(rs: &RoleStatus, v: Version, xid: u32) -> Option<Vec<u8>> {
    let mut out = match v {
        Version::Of13 => message(v, 4, xid, Some((ONF_VENDOR_ID, 1911))),
        v if v >= Version::Of14 => message(v, 30, xid, None),
        _ => return None,
    };
    out.put_u32(rs.role);
    out.put_u8(rs.reason);
    out.put_slice(&[0; 3]);
    out.put_u64(rs.generation_id);
    Some(finish(out))
}

/// The ofp-print body of a role status.
pub fn format_role_status(rs: &RoleStatus) -> String {
    let mut s = String::new();
    role_text(&mut s, rs.role, rs.generation_id);
    s.push_str(" reason=");
    s.push_str(match rs.reason {
        0 => "primary_request",
        1 => "configuration_changed",
        2 => "experimenter_data_changed",
        _ => "(unknown)",
    });
    s
}

/// Asynchronous message kinds, in OVS order (`enum
/// ofputil_async_msg_type`).
pub const ASYNC_TYPES: [&str; 6] = [
    "PACKET_IN",
    "PORT_STATUS",
    "FLOW_REMOVED",
    "ROLE_STATUS",
    "TABLE_STATUS",
    "REQUESTFORWARD",
];

/// Which reasons of each asynchronous message kind a controller gets, by
/// role (OVS `struct ofputil_async_cfg`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AsyncConfig {
    /// Reason bitmaps of [`ASYNC_TYPES`] for primary and equal roles.
    pub primary: [u32; 6],
    /// Reason bitmaps for the secondary role.
    pub secondary: [u32; 6],
    /// OpenFlow 1.4 property types (bit `2*kind + primary`) the message
    /// carried or should carry; the legacy forms carry the first three
    /// kinds.
    pub present: u16,
}

const LEGACY_PRESENT: u16 = 0x3f;

fn async_allowed(kind: usize, v: Version) -> u32 {
    match kind {
        0 if v >= Version::Of14 => 0x3f,
        0 => 0x7,
        1 => 0x7,
        2 => 0x3f,
        3 => 0x7,
        4 => 0x18,
        _ => 0x3,
    }
}

fn async_set(
    ac: &mut AsyncConfig,
    kind: usize,
    primary: bool,
    mask: u32,
    v: Version,
    loose: bool,
) -> Result<()> {
    let allowed = async_allowed(kind, v);
    if mask & !allowed != 0 && !loose {
        return Err(OfpError::OFPACFC_INVALID);
    }
    let mut mask = mask & allowed;
    if kind == 0 && mask & 1 != 0 {
        mask |= 1 << 6;
        if v < Version::Of13 {
            mask |= 1 << 7;
        }
    }
    if primary {
        ac.primary[kind] = mask;
    } else {
        ac.secondary[kind] = mask;
    }
    Ok(())
}

/// Decodes a set-async or get-async-reply body: the legacy mask layout
/// (`props` false) or OpenFlow 1.4 properties, starting from `basis`
/// (OVS `ofputil_decode_set_async_config()`).
pub fn decode_async(
    b: &[u8],
    v: Version,
    props: bool,
    loose: bool,
    basis: &AsyncConfig,
) -> Result<AsyncConfig> {
    let mut ac = AsyncConfig::default();
    if !props {
        if b.len() != 24 {
            return Err(OfpError::OFPBRC_BAD_LEN);
        }
        let mut b = b;
        for kind in 0..3 {
            for primary in [true, false] {
                async_set(&mut ac, kind, primary, b.get_u32(), v, true)?;
            }
        }
        ac.present = LEGACY_PRESENT;
        return Ok(ac);
    }
    ac = *basis;
    ac.present = 0;
    let mut b = b;
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
        if t >= 0xfffe && len < 12 {
            return Err(OfpError::OFPBPC_BAD_LEN);
        }
        let payload = &b[4..len];
        b = &b[padded..];
        if t >= 12 {
            if loose {
                continue;
            }
            return Err(OfpError::OFPACFC_UNSUPPORTED);
        }
        if payload.len() != 4 {
            return Err(OfpError::OFPBPC_BAD_LEN);
        }
        let mask = u32::from_be_bytes([payload[0], payload[1], payload[2], payload[3]]);
        async_set(&mut ac, usize::from(t / 2), t % 2 == 1, mask, v, loose)?;
        ac.present |= 1 << t;
    }
    Ok(ac)
}

fn async_body(ac: &AsyncConfig, v: Version, props: bool, out: &mut Vec<u8>) {
    let mask = |kind: usize, primary: bool| {
        let m = if primary {
            ac.primary[kind]
        } else {
            ac.secondary[kind]
        };
        m & async_allowed(kind, v)
    };
    if props {
        for t in 0..12u16 {
            if ac.present & (1 << t) != 0 {
                out.put_u16(t);
                out.put_u16(8);
                out.put_u32(mask(usize::from(t / 2), t % 2 == 1));
            }
        }
    } else {
        for kind in 0..3 {
            for primary in [true, false] {
                out.put_u32(mask(kind, primary));
            }
        }
    }
}

/// Encodes a set-async message for `v` (OpenFlow 1.4 properties,
/// OpenFlow 1.3 masks, or `NXT_SET_ASYNC_CONFIG` before 1.3).
pub fn encode_set_async(ac: &AsyncConfig, v: Version, xid: u32) -> Vec<u8> {
    let mut out = if v >= Version::Of13 {
        message(v, 28, xid, None)
    } else {
        message(v, 4, xid, Some((NX_VENDOR_ID, 19)))
    };
    async_body(ac, v, v >= Version::Of14, &mut out);
    finish(out)
}

/// Encodes a get-async reply for `v` (OpenFlow 1.3+), with every
/// property in 1.4+ (OVS `ofputil_encode_get_async_reply()`).
pub fn encode_get_async_reply(ac: &AsyncConfig, v: Version, xid: u32) -> Vec<u8> {
    let mut out = message(v, 27, xid, None);
    let mut all = *ac;
    all.present = 0xfff;
    async_body(&all, v, v >= Version::Of14, &mut out);
    finish(out)
}

fn async_reason(kind: usize, r: u32) -> String {
    let r8 = r as usize;
    match kind {
        0 => match r8 {
            6 | 7 => String::new(),
            _ => crate::actions::text::REASONS
                .get(r8)
                .map_or_else(|| r.to_string(), |s| (*s).to_owned()),
        },
        1 => ["add", "delete", "modify"]
            .get(r8)
            .map_or_else(|| r.to_string(), |s| (*s).to_owned()),
        2 => flow_removed_reason(r),
        3 => [
            "primary_request",
            "configuration_changed",
            "experimenter_data_changed",
        ]
        .get(r8)
        .map_or_else(|| r.to_string(), |s| (*s).to_owned()),
        4 => match r {
            3 => "vacancy_down".into(),
            4 => "vacancy_up".into(),
            r => r.to_string(),
        },
        _ => ["group_mod_request", "meter_mod_request"]
            .get(r8)
            .map_or_else(|| r.to_string(), |s| (*s).to_owned()),
    }
}

/// The ofp-print body of a set-async or get-async reply (OVS
/// `ofputil_format_set_async_config()`).
pub fn format_async(ac: &AsyncConfig) -> String {
    let mut s = String::new();
    for (name, masks) in [("primary", &ac.primary), ("secondary", &ac.secondary)] {
        let _ = writeln!(s, "\n {name}:");
        for (kind, t) in ASYNC_TYPES.iter().enumerate() {
            let _ = write!(s, "{t:>16}:");
            let m = masks[kind];
            for j in 0..32 {
                if m & (1 << j) != 0 {
                    let r = async_reason(kind, j);
                    if !r.is_empty() {
                        let _ = write!(s, " {r}");
                    }
                }
            }
            if m == 0 {
                s.push_str(" (off)");
            }
            s.push('\n');
        }
    }
    s
}

/// A switch features reply (OVS `struct ofputil_switch_features`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwitchFeatures {
    /// Datapath ID.
    pub datapath_id: u64,
    /// Packets the switch can buffer.
    pub n_buffers: u32,
    /// Tables.
    pub n_tables: u8,
    /// Auxiliary connection ID (OpenFlow 1.3+).
    pub auxiliary_id: u8,
    /// `OFPC_*` capability bits as the version defines them.
    pub capabilities: u32,
    /// OpenFlow 1.0 action bits (`OFPAT10_*`).
    pub actions: u32,
    /// Ports (sent in OpenFlow 1.0-1.2 only; later versions use the port
    /// description multipart).
    pub ports: Vec<PhyPort>,
}

/// Encodes a features reply for `v`.
pub fn encode_features_reply(f: &SwitchFeatures, v: Version, xid: u32) -> Vec<u8> {
    let mut out = message(v, 6, xid, None);
    out.put_u64(f.datapath_id);
    out.put_u32(f.n_buffers);
    out.put_u8(f.n_tables);
    out.put_u8(if v >= Version::Of13 {
        f.auxiliary_id
    } else {
        0
    });
    out.put_u16(0);
    out.put_u32(f.capabilities);
    out.put_u32(if v == Version::Of10 { f.actions } else { 0 });
    if v < Version::Of13 {
        for p in &f.ports {
            crate::port::put(p, v, &mut out);
        }
    }
    finish(out)
}

/// Decodes a features reply body.
pub fn decode_features_reply(mut b: &[u8], v: Version) -> Result<SwitchFeatures> {
    if b.len() < 24 {
        return Err(OfpError::OFPBRC_BAD_LEN);
    }
    let mut f = SwitchFeatures {
        datapath_id: b.get_u64(),
        n_buffers: b.get_u32(),
        n_tables: b.get_u8(),
        auxiliary_id: b.get_u8(),
        capabilities: 0,
        actions: 0,
        ports: Vec::new(),
    };
    b.advance(2);
    f.capabilities = b.get_u32();
    f.actions = b.get_u32();
    if v < Version::Of13 {
        f.auxiliary_id = 0;
        while let Some(p) = crate::port::pull(&mut b, v)? {
            f.ports.push(p);
        }
    } else if !b.is_empty() {
        return Err(OfpError::OFPBRC_BAD_LEN);
    }
    if v != Version::Of10 {
        f.actions = 0;
    }
    Ok(f)
}
