//! OpenFlow 1.0 and 1.1+ actions and instructions decoded from the wire
//! (OVS `ofpacts_pull_openflow_*()`).

use bytes::Buf;
use rvs_packet::{EthAddr, VLAN_CFI};

use super::wire::OFPAT_VENDOR;
use super::{nx, port, Action};
use crate::error::{OfpError, Result, NX_VENDOR_ID, ONF_VENDOR_ID};
use crate::field::{access, FieldId};
use crate::matches::nxm::{self, EntryHeader};
use crate::version::Version;

/// Decodes an action list (OVS `ofpacts_decode()`); every action must be
/// known, a multiple of 8 bytes and fit.
pub fn decode_actions(b: &[u8], v: Version) -> Result<Vec<Action>> {
    let mut ofs = 0;
    decode_actions_at(b, v, &mut ofs).inspect_err(|e| {
        let mut dump = String::new();
        crate::print::hex_dump_plain(&mut dump, b);
        crate::diag::warn(
            "ofp_actions",
            format!(
                "bad action at offset {ofs} ({}):\n{}",
                e.name(),
                dump.trim_end()
            ),
        );
    })
}

fn decode_actions_at(mut b: &[u8], v: Version, ofs: &mut usize) -> Result<Vec<Action>> {
    let mut out = Vec::new();
    while !b.is_empty() {
        if b.len() < 4 {
            return Err(OfpError::OFPBAC_BAD_LEN);
        }
        let type_ = u16::from_be_bytes([b[0], b[1]]);
        let len = usize::from(u16::from_be_bytes([b[2], b[3]]));
        let mut vendor = (0, 0);
        if type_ == OFPAT_VENDOR {
            if b.len() < 8 {
                return Err(OfpError::OFPBAC_BAD_LEN);
            }
            let id = u32::from_be_bytes([b[4], b[5], b[6], b[7]]);
            if id != NX_VENDOR_ID && id != ONF_VENDOR_ID {
                return Err(OfpError::OFPBAC_BAD_VENDOR);
            }
            if b.len() < 10 {
                return Err(OfpError::OFPBAC_BAD_LEN);
            }
            vendor = (id, u16::from_be_bytes([b[8], b[9]]));
        }
        if len > b.len() {
            return Err(OfpError::OFPBAC_BAD_LEN);
        }
        let (act, rest) = b.split_at(len);
        if type_ == OFPAT_VENDOR {
            nx::decode(act, vendor.0, vendor.1, v, &mut out)?;
        } else {
            if len < 8 || len % 8 != 0 {
                return Err(OfpError::OFPBAC_BAD_LEN);
            }
            decode_std(type_, act, v, &mut out)?;
        }
        if len % 8 != 0 || len == 0 {
            return Err(OfpError::OFPBAC_BAD_LEN);
        }
        b = rest;
        *ofs += len;
    }
    Ok(out)
}

/// Checks an action's length against the fixed size of its kind.
fn want_len(act: &[u8], len: usize) -> Result<()> {
    if act.len() == len {
        Ok(())
    } else {
        Err(OfpError::OFPBAC_BAD_LEN)
    }
}

fn decode_std(type_: u16, act: &[u8], v: Version, out: &mut Vec<Action>) -> Result<()> {
    let mut b = &act[4..];
    let of10 = v == Version::Of10;
    let a = if of10 {
        match type_ {
            0 => {
                want_len(act, 8)?;
                let p = u32::from(b.get_u16());
                let max_len = b.get_u16();
                super::check_output_port(p)?;
                Action::Output { port: p, max_len }
            }
            1 => {
                want_len(act, 8)?;
                let vid = b.get_u16();
                if vid & !0xfff != 0 {
                    return Err(OfpError::OFPBAC_BAD_ARGUMENT);
                }
                Action::SetVlanVid { vid, push: true }
            }
            2 => {
                want_len(act, 8)?;
                let pcp = b.get_u8();
                if pcp & !7 != 0 {
                    return Err(OfpError::OFPBAC_BAD_ARGUMENT);
                }
                Action::SetVlanPcp { pcp, push: true }
            }
            3 => {
                want_len(act, 8)?;
                Action::StripVlan { pop: false }
            }
            4 | 5 => {
                want_len(act, 16)?;
                let mut m = [0; 6];
                b.copy_to_slice(&mut m);
                if type_ == 4 {
                    Action::SetEthSrc(EthAddr(m))
                } else {
                    Action::SetEthDst(EthAddr(m))
                }
            }
            6 | 7 => {
                want_len(act, 8)?;
                let ip = b.get_u32();
                if type_ == 6 {
                    Action::SetIpv4Src(ip)
                } else {
                    Action::SetIpv4Dst(ip)
                }
            }
            8 => {
                want_len(act, 8)?;
                let tos = b.get_u8();
                if tos & 3 != 0 {
                    return Err(OfpError::OFPBAC_BAD_ARGUMENT);
                }
                Action::SetIpDscp(tos)
            }
            9 | 10 => {
                want_len(act, 8)?;
                let p = b.get_u16();
                if type_ == 9 {
                    Action::SetL4Src(p)
                } else {
                    Action::SetL4Dst(p)
                }
            }
            11 => {
                want_len(act, 16)?;
                let p = u32::from(b.get_u16());
                b.advance(6);
                let queue = b.get_u32();
                if p >= port::MAX && p != port::IN_PORT && p != port::LOCAL {
                    return Err(OfpError::OFPBAC_BAD_OUT_PORT);
                }
                Action::Enqueue { port: p, queue }
            }
            _ => return Err(OfpError::OFPBAC_BAD_TYPE),
        }
    } else {
        decode_std11(type_, act, v)?
    };
    out.push(a);
    Ok(())
}

fn decode_std11(type_: u16, act: &[u8], v: Version) -> Result<Action> {
    let mut b = &act[4..];
    if v >= Version::Of12 {
        if let Some(name) = deprecated_name(type_) {
            crate::diag::info(
                "ofp_actions",
                format!("{name} is deprecated in {} (use Set-Field)", v.name()),
            );
        }
    }
    Ok(match type_ {
        0 => {
            want_len(act, 16)?;
            let p = access::port_from_ofp11(b.get_u32()).ok_or(OfpError::OFPBAC_BAD_OUT_PORT)?;
            let max_len = b.get_u16();
            super::check_output_port(p)?;
            Action::Output { port: p, max_len }
        }
        1 | 2 => {
            want_len(act, 8)?;
            if type_ == 1 {
                let vid = b.get_u16();
                if vid & !0xfff != 0 {
                    return Err(OfpError::OFPBAC_BAD_ARGUMENT);
                }
                Action::SetVlanVid { vid, push: false }
            } else {
                let pcp = b.get_u8();
                if pcp & !7 != 0 {
                    return Err(OfpError::OFPBAC_BAD_ARGUMENT);
                }
                Action::SetVlanPcp { pcp, push: false }
            }
        }
        3 | 4 => {
            want_len(act, 16)?;
            let mut m = [0; 6];
            b.copy_to_slice(&mut m);
            if type_ == 3 {
                Action::SetEthSrc(EthAddr(m))
            } else {
                Action::SetEthDst(EthAddr(m))
            }
        }
        5 | 6 => {
            want_len(act, 8)?;
            let ip = b.get_u32();
            if type_ == 5 {
                Action::SetIpv4Src(ip)
            } else {
                Action::SetIpv4Dst(ip)
            }
        }
        7 => {
            want_len(act, 8)?;
            let tos = b.get_u8();
            if tos & 3 != 0 {
                return Err(OfpError::OFPBAC_BAD_ARGUMENT);
            }
            Action::SetIpDscp(tos)
        }
        8 => {
            want_len(act, 8)?;
            let ecn = b.get_u8();
            if ecn > 3 {
                return Err(OfpError::OFPBAC_BAD_ARGUMENT);
            }
            Action::SetIpEcn(ecn)
        }
        9 | 10 => {
            want_len(act, 8)?;
            let p = b.get_u16();
            if type_ == 9 {
                Action::SetL4Src(p)
            } else {
                Action::SetL4Dst(p)
            }
        }
        13 => {
            want_len(act, 8)?;
            Action::SetMplsLabel(b.get_u32())
        }
        14 => {
            want_len(act, 8)?;
            Action::SetMplsTc(b.get_u8())
        }
        15 => {
            want_len(act, 8)?;
            Action::SetMplsTtl(b.get_u8())
        }
        16 => {
            want_len(act, 8)?;
            Action::DecMplsTtl
        }
        17 => {
            want_len(act, 8)?;
            let t = b.get_u16();
            if t != 0x8100 && t != 0x88a8 {
                return Err(OfpError::OFPBAC_BAD_ARGUMENT);
            }
            Action::PushVlan(t)
        }
        18 => {
            want_len(act, 8)?;
            Action::StripVlan { pop: true }
        }
        19 => {
            want_len(act, 8)?;
            let t = b.get_u16();
            if !matches!(t, 0x8847 | 0x8848) {
                return Err(OfpError::OFPBAC_BAD_ARGUMENT);
            }
            Action::PushMpls(t)
        }
        20 => {
            want_len(act, 8)?;
            Action::PopMpls(b.get_u16())
        }
        21 => {
            want_len(act, 8)?;
            Action::SetQueue(b.get_u32())
        }
        22 => {
            want_len(act, 8)?;
            Action::Group(b.get_u32())
        }
        23 => {
            want_len(act, 8)?;
            Action::SetIpTtl(b.get_u8())
        }
        24 => {
            want_len(act, 8)?;
            Action::DecTtl(None)
        }
        25 if v >= Version::Of12 => decode_set_field(b, v)?,
        28 if v >= Version::Of15 => {
            if act.len() < 16 {
                return Err(OfpError::OFPBAC_BAD_LEN);
            }
            let n_bits = b.get_u16();
            let src_ofs = b.get_u16();
            let dst_ofs = b.get_u16();
            b.advance(2);
            nx::decode_move(&mut b, n_bits, src_ofs, dst_ofs)?
        }
        29 if v >= Version::Of15 => {
            want_len(act, 8)?;
            Action::Meter(b.get_u32())
        }
        _ => return Err(OfpError::OFPBAC_BAD_TYPE),
    })
}

/// OFPAT_SET_FIELD body: one OXM entry (masked only in OpenFlow 1.5),
/// zero padding.
fn decode_set_field(mut b: &[u8], v: Version) -> Result<Action> {
    let may_mask = v >= Version::Of15;
    let h = EntryHeader::pull(&mut b).map_err(|_| OfpError::OFPBMC_BAD_LEN)?;
    // OVS looks the field up by its whole header: a known field with
    // another length is BAD_SET_LEN (an empty one BAD_SET_TYPE), an unknown
    // one BAD_SET_TYPE, both before the payload is checked.
    let f =
        crate::field::by_code(h.class, h.field, h.vendor).ok_or(OfpError::OFPBAC_BAD_SET_TYPE)?;
    let n = usize::from(f.n_bytes);
    if h.field_len() != n {
        return Err(if h.field_len() + h.header_len() == 4 {
            OfpError::OFPBAC_BAD_SET_TYPE
        } else {
            OfpError::OFPBAC_BAD_SET_LEN
        });
    }
    if b.len() < h.payload_len() {
        return Err(OfpError::OFPBMC_BAD_LEN);
    }
    let read = |s: &[u8]| s.iter().fold(0u128, |a, &x| a << 8 | u128::from(x));
    let value = read(&b[..n]);
    let ones = if n == 16 {
        u128::MAX
    } else {
        (1u128 << (8 * n)) - 1
    };
    let mask = if h.hasmask { read(&b[n..2 * n]) } else { ones };
    if h.hasmask && value & !mask != 0 {
        return Err(OfpError::OFPBMC_BAD_WILDCARDS);
    }
    if h.hasmask && !may_mask {
        return Err(OfpError::OFPBAC_BAD_SET_MASK);
    }
    if b[h.payload_len()..].iter().any(|&x| x != 0) {
        return Err(OfpError::OFPBAC_BAD_SET_ARGUMENT);
    }
    if f.id == FieldId::InPortOxm {
        return Err(OfpError::OFPBAC_BAD_SET_ARGUMENT);
    }
    if !f.writable {
        crate::diag::warn(
            "ofp_actions",
            format!("destination field {} is not writable", f.name),
        );
        return Err(OfpError::OFPBAC_BAD_SET_ARGUMENT);
    }
    let vid_present = u128::from(VLAN_CFI);
    if !nxm::is_value_valid(f, value)
        || (f.id == FieldId::VlanVid && (mask & vid_present == 0 || value & vid_present == 0))
    {
        crate::diag::warn(
            "ofp_actions",
            format!(
                "Invalid value for set field {}: {}",
                f.name,
                crate::field::format_value(f, value, None)
            ),
        );
        return Err(OfpError::OFPBAC_BAD_SET_ARGUMENT);
    }
    Ok(Action::SetField {
        field: f.id,
        value,
        mask,
        load: false,
    })
}

/// OVS's name of a standard action deprecated in OpenFlow 1.2+ in favour
/// of set-field, by OpenFlow 1.1+ type.
fn deprecated_name(type_: u16) -> Option<&'static str> {
    Some(match type_ {
        1 => "OFPAT_SET_VLAN_VID",
        2 => "OFPAT_SET_VLAN_PCP",
        3 => "OFPAT_SET_DL_SRC",
        4 => "OFPAT_SET_DL_DST",
        5 => "OFPAT_SET_NW_SRC",
        6 => "OFPAT_SET_NW_DST",
        7 => "OFPAT_SET_NW_TOS",
        8 => "OFPAT_SET_NW_ECN",
        9 => "OFPAT_SET_TP_SRC",
        10 => "OFPAT_SET_TP_DST",
        13 => "OFPAT_SET_MPLS_LABEL",
        14 => "OFPAT_SET_MPLS_TC",
        15 => "OFPAT_SET_MPLS_TTL",
        _ => return None,
    })
}

/// Decodes OpenFlow 1.1+ instructions into one list in instruction order
/// (OVS `ofpacts_pull_openflow_instructions()`).
pub fn decode_instructions(b: &[u8], v: Version) -> Result<Vec<Action>> {
    if v == Version::Of10 {
        return decode_actions(b, v);
    }
    if b.len() % 8 != 0 {
        return Err(OfpError::OFPBIC_BAD_LEN);
    }
    let mut slots: [Option<&[u8]>; 6] = [None; 6];
    let mut rest = b;
    while !rest.is_empty() {
        if rest.len() < 8 {
            return Err(OfpError::OFPBIC_BAD_LEN);
        }
        let type_ = u16::from_be_bytes([rest[0], rest[1]]);
        let len = usize::from(u16::from_be_bytes([rest[2], rest[3]]));
        if len < 8 || len % 8 != 0 || len > rest.len() {
            return Err(OfpError::OFPBIC_BAD_LEN);
        }
        let (inst, r) = rest.split_at(len);
        rest = r;
        let slot = match type_ {
            6 if v >= Version::Of15 => return Err(OfpError::OFPBIC_UNKNOWN_INST),
            6 => 0,
            4 => 1,
            5 => 2,
            3 => 3,
            2 => 4,
            1 => 5,
            0xffff => return Err(OfpError::OFPBIC_BAD_EXPERIMENTER),
            _ => return Err(OfpError::OFPBIC_UNKNOWN_INST),
        };
        let want = match type_ {
            1 | 5 | 6 => Some(8),
            2 => Some(24),
            _ => None,
        };
        if want.is_some_and(|w| w != len) {
            return Err(OfpError::OFPBIC_BAD_LEN);
        }
        if slots[slot].is_some() {
            return Err(OfpError::OFPBIC_DUP_INST);
        }
        slots[slot] = Some(inst);
    }
    let mut out = Vec::new();
    if let Some(i) = slots[0] {
        out.push(Action::Meter(u32::from_be_bytes([i[4], i[5], i[6], i[7]])));
    }
    if let Some(i) = slots[1] {
        out.extend(decode_actions(&i[8..], v)?);
    }
    if slots[2].is_some() {
        out.push(Action::ClearActions);
    }
    if let Some(i) = slots[3] {
        out.push(Action::WriteActions(decode_actions(&i[8..], v)?));
    }
    if let Some(mut i) = slots[4] {
        i.advance(8);
        let value = i.get_u64();
        let mask = i.get_u64();
        out.push(Action::WriteMetadata { value, mask });
    }
    if let Some(i) = slots[5] {
        out.push(Action::GotoTable(i[4]));
    }
    Ok(out)
}
