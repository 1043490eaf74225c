//! Groups: group-mods as a version-independent [`GroupMod`], in the
//! OpenFlow 1.1-1.4 layout and the OpenFlow 1.5 / Nicira (OpenFlow 1.0)
//! layout with bucket IDs and properties (OVS `lib/ofp-group.c`).

use std::fmt::Write;

use bytes::{Buf, BufMut};

use crate::actions::{port, text, wire, Action};
use crate::error::{OfpError, Result};
use crate::field::{access, port_name};
use crate::matches::Match;
use crate::version::Version;

/// `OFPG_ANY`.
pub const OFPG_ANY: u32 = 0xffff_ffff;
/// Bucket ID "all" (OpenFlow 1.5).
pub const BUCKET_ALL: u32 = 0xffff_ffff;
/// Bucket ID "first".
pub const BUCKET_FIRST: u32 = 0xffff_fffe;
/// Bucket ID "last".
pub const BUCKET_LAST: u32 = 0xffff_fffd;

/// One bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    /// Bucket ID (OpenFlow 1.5; position for older versions).
    pub bucket_id: u32,
    /// Weight for select groups.
    pub weight: u16,
    /// Port whose liveness matters (OpenFlow 1.0 numbering).
    pub watch_port: u32,
    /// Group whose liveness matters.
    pub watch_group: u32,
    /// Actions.
    pub actions: Vec<Action>,
}

/// A group-mod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMod {
    /// 0 add, 1 modify, 2 delete, 3 insert-bucket, 4 remove-bucket,
    /// 0x8000 add-or-modify.
    pub command: u16,
    /// 0 all, 1 select, 2 indirect, 3 fast failover.
    pub type_: u8,
    /// Group ID.
    pub group_id: u32,
    /// Bucket the command is about (OpenFlow 1.5).
    pub command_bucket_id: u32,
    /// Buckets.
    pub buckets: Vec<Bucket>,
}

pub(crate) fn decode_buckets11(mut b: &[u8], v: Version) -> Result<Vec<Bucket>> {
    let mut out = Vec::new();
    let mut id = 0;
    while !b.is_empty() {
        if b.len() < 16 {
            return Err(OfpError::OFPGMFC_BAD_BUCKET);
        }
        let len = usize::from(u16::from_be_bytes([b[0], b[1]]));
        if len < 16 || len > b.len() {
            return Err(OfpError::OFPGMFC_BAD_BUCKET);
        }
        let mut h = &b[2..16];
        let weight = h.get_u16();
        let watch_port = access::port_from_ofp11(h.get_u32()).ok_or(OfpError::OFPGMFC_BAD_WATCH)?;
        let watch_group = h.get_u32();
        let actions = wire::decode_actions(&b[16..len], v)?;
        out.push(Bucket {
            bucket_id: id,
            weight,
            watch_port,
            watch_group,
            actions,
        });
        id += 1;
        b = &b[len..];
    }
    Ok(out)
}

pub(crate) fn decode_buckets15(mut b: &[u8], v: Version, type_: u8) -> Result<Vec<Bucket>> {
    let mut out = Vec::new();
    while !b.is_empty() {
        if b.len() < 8 {
            return Err(OfpError::OFPGMFC_BAD_BUCKET);
        }
        let len = usize::from(u16::from_be_bytes([b[0], b[1]]));
        let actions_len = usize::from(u16::from_be_bytes([b[2], b[3]]));
        let bucket_id = u32::from_be_bytes([b[4], b[5], b[6], b[7]]);
        if len < 8 + actions_len || len > b.len() || len % 8 != 0 {
            return Err(OfpError::OFPGMFC_BAD_BUCKET);
        }
        let actions = wire::decode_actions(&b[8..8 + actions_len], v)?;
        let mut bucket = Bucket {
            bucket_id,
            weight: u16::from(type_ == 1),
            watch_port: port::ANY,
            watch_group: OFPG_ANY,
            actions,
        };
        let mut props = &b[8 + actions_len..len];
        while !props.is_empty() {
            if props.len() < 4 {
                return Err(OfpError::OFPBPC_BAD_LEN);
            }
            let t = u16::from_be_bytes([props[0], props[1]]);
            let plen = usize::from(u16::from_be_bytes([props[2], props[3]]));
            let padded = plen.div_ceil(8) * 8;
            if plen < 4 || padded > props.len() {
                return Err(OfpError::OFPBPC_BAD_LEN);
            }
            let body = &props[4..plen];
            match (t, body.len()) {
                (0, 2 | 4) => bucket.weight = u16::from_be_bytes([body[0], body[1]]),
                (1, 4) => {
                    let p = u32::from_be_bytes([body[0], body[1], body[2], body[3]]);
                    bucket.watch_port =
                        access::port_from_ofp11(p).ok_or(OfpError::OFPGMFC_BAD_WATCH)?;
                }
                (2, 4) => {
                    bucket.watch_group = u32::from_be_bytes([body[0], body[1], body[2], body[3]])
                }
                (0..=2, _) => return Err(OfpError::OFPBPC_BAD_LEN),
                _ => return Err(OfpError::OFPBPC_BAD_TYPE),
            }
            props = &props[padded..];
        }
        out.push(bucket);
        b = &b[len..];
    }
    Ok(out)
}

/// Decodes a group-mod body: the OpenFlow 1.1-1.4 layout, or with `ext`
/// the OpenFlow 1.5 / NXT_GROUP_MOD one.
pub fn decode(mut b: &[u8], v: Version, ext: bool) -> Result<GroupMod> {
    let need = if ext { 16 } else { 8 };
    if b.len() < need {
        return Err(OfpError::OFPBRC_BAD_LEN);
    }
    let command = b.get_u16();
    let type_ = b.get_u8();
    b.advance(1);
    let group_id = b.get_u32();
    let mut gm = GroupMod {
        command,
        type_,
        group_id,
        command_bucket_id: BUCKET_ALL,
        buckets: Vec::new(),
    };
    if ext {
        let blen = usize::from(b.get_u16());
        b.advance(2);
        gm.command_bucket_id = b.get_u32();
        let ok = match command {
            3 | 4 => {
                gm.command_bucket_id <= 0xffff_ff00
                    || matches!(gm.command_bucket_id, BUCKET_FIRST | BUCKET_LAST)
                    || (command == 4 && gm.command_bucket_id == BUCKET_ALL)
            }
            _ => gm.command_bucket_id == BUCKET_ALL,
        };
        if !ok || blen > b.len() {
            return Err(OfpError::OFPGMFC_BAD_BUCKET);
        }
        gm.buckets = decode_buckets15(&b[..blen], v, type_)?;
    } else {
        gm.buckets = decode_buckets11(b, v)?;
        if v >= Version::Of13 && command == 2 && !gm.buckets.is_empty() {
            return Err(OfpError::OFPGMFC_INVALID_GROUP);
        }
    }
    if type_ > 3 {
        return Err(OfpError::OFPGMFC_BAD_TYPE);
    }
    if !matches!(command, 0..=4 | 0x8000) {
        return Err(OfpError::OFPGMFC_BAD_COMMAND);
    }
    Ok(gm)
}

/// Encodes a whole group-mod message for `v` (NXT_GROUP_MOD in OpenFlow
/// 1.0).
pub fn encode(gm: &GroupMod, v: Version, xid: u32) -> Vec<u8> {
    let mut out = Vec::new();
    out.put_u8(v.wire());
    if v == Version::Of10 {
        out.put_u8(4);
        out.put_u16(0);
        out.put_u32(xid);
        out.put_u32(crate::error::NX_VENDOR_ID);
        out.put_u32(31);
    } else {
        out.put_u8(15);
        out.put_u16(0);
        out.put_u32(xid);
    }
    out.put_u16(gm.command);
    out.put_u8(gm.type_);
    out.put_u8(0);
    out.put_u32(gm.group_id);
    if v == Version::Of10 || v >= Version::Of15 {
        let len_at = out.len();
        out.put_u16(0);
        out.put_u16(0);
        out.put_u32(gm.command_bucket_id);
        let start = out.len();
        put_buckets15(&gm.buckets, gm.type_, v, &mut out);
        let blen = (out.len() - start) as u16;
        out[len_at..len_at + 2].copy_from_slice(&blen.to_be_bytes());
    } else {
        put_buckets11(&gm.buckets, v, &mut out);
    }
    let len = out.len() as u16;
    out[2..4].copy_from_slice(&len.to_be_bytes());
    out
}

/// Appends buckets in the OpenFlow 1.5 / Nicira layout (OVS
/// `ofputil_put_ofp15_bucket()`); a bucket ID of `u32::MAX` becomes the
/// bucket's position.
pub(crate) fn put_buckets15(buckets: &[Bucket], type_: u8, v: Version, out: &mut Vec<u8>) {
    let m = Match::default();
    for (i, bk) in buckets.iter().enumerate() {
        let bstart = out.len();
        out.put_u16(0);
        out.put_u16(0);
        out.put_u32(if bk.bucket_id == u32::MAX {
            i as u32
        } else {
            bk.bucket_id
        });
        let astart = out.len();
        wire::encode_actions(&bk.actions, v, &m, out);
        let alen = (out.len() - astart) as u16;
        if type_ == 1 || bk.weight != 0 {
            out.put_u16(0);
            out.put_u16(8);
            out.put_u16(bk.weight);
            out.put_u16(0);
        }
        if bk.watch_port != port::ANY {
            out.put_u16(1);
            out.put_u16(8);
            out.put_u32(access::port_to_ofp11(bk.watch_port));
        }
        if bk.watch_group != OFPG_ANY {
            out.put_u16(2);
            out.put_u16(8);
            out.put_u32(bk.watch_group);
        }
        let blen = (out.len() - bstart) as u16;
        out[bstart..bstart + 2].copy_from_slice(&blen.to_be_bytes());
        out[bstart + 2..bstart + 4].copy_from_slice(&alen.to_be_bytes());
    }
}

/// Appends buckets in the OpenFlow 1.1-1.4 layout.
pub(crate) fn put_buckets11(buckets: &[Bucket], v: Version, out: &mut Vec<u8>) {
    let m = Match::default();
    for bk in buckets {
        let bstart = out.len();
        out.put_u16(0);
        out.put_u16(bk.weight);
        out.put_u32(access::port_to_ofp11(bk.watch_port));
        out.put_u32(bk.watch_group);
        out.put_u32(0);
        wire::encode_actions(&bk.actions, v, &m, out);
        let blen = (out.len() - bstart) as u16;
        out[bstart..bstart + 2].copy_from_slice(&blen.to_be_bytes());
    }
}

fn bucket_id_text(s: &mut String, label: &str, id: u32, v: Version) {
    if v > Version::Of10 && v < Version::Of15 {
        return;
    }
    s.push_str(label);
    match id {
        BUCKET_FIRST => s.push_str("first"),
        BUCKET_LAST => s.push_str("last"),
        BUCKET_ALL => s.push_str("all"),
        _ => {
            let _ = write!(s, "{id}");
        }
    }
    s.push(',');
}

/// The ofp-print body of a group-mod (OVS `ofputil_group_mod_format__()`).
pub fn format(gm: &GroupMod, v: Version) -> String {
    let mut s = String::from("\n ");
    let bucket_command = matches!(gm.command, 3 | 4);
    match gm.command {
        0 => s.push_str("ADD"),
        1 => s.push_str("MOD"),
        0x8000 => s.push_str("ADD_OR_MOD"),
        2 => s.push_str("DEL"),
        3 => s.push_str("INSERT_BUCKET"),
        4 => s.push_str("REMOVE_BUCKET"),
        c => {
            let _ = write!(s, "cmd:{c}");
        }
    }
    s.push(' ');
    if bucket_command {
        bucket_id_text(&mut s, "command_bucket_id:", gm.command_bucket_id, v);
    }
    let _ = write!(s, "group_id={}", gm.group_id);
    if !bucket_command {
        let t = ["all", "select", "indirect", "ff", "unknown"][usize::from(gm.type_.min(4))];
        let _ = write!(s, ",type={t}");
    }
    s.push(',');
    format_buckets(&mut s, &gm.buckets, gm.type_, v);
    s
}

/// `bucket=...,bucket=...` (OVS `ofp_print_group()`), after which the
/// trailing comma is dropped.
pub(crate) fn format_buckets(s: &mut String, buckets: &[Bucket], type_: u8, v: Version) {
    for b in buckets {
        s.push_str("bucket=");
        bucket_id_text(s, "bucket_id:", b.bucket_id, v);
        if b.weight != u16::from(type_ == 1) {
            let _ = write!(s, "weight:{},", b.weight);
        }
        if b.watch_port != port::ANY {
            let _ = write!(s, "watch_port:{},", port_name(b.watch_port));
        }
        if b.watch_group != OFPG_ANY {
            let _ = write!(s, "watch_group:{},", b.watch_group);
        }
        s.push_str("actions=");
        s.push_str(&text::format_actions(&b.actions));
        s.push(',');
    }
    if s.ends_with(',') {
        s.pop();
    }
}
