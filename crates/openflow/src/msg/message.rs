//! Whole messages as one version-independent enum: decode any message a
//! peer sends, encode any message back for a version.

use bytes::BufMut;

use super::basic::{self, Hello};
use super::stats::{self, StatsRequest};
use super::{identify, Raw};
use crate::error::{OfpError, Result};
use crate::flow_mod::{self, FlowMod};
use crate::group::{self, GroupMod};
use crate::header::Header;
use crate::meter::{self, MeterMod};
use crate::version::{Protocols, Version};

/// Switch configuration (get-config reply, set-config).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SwitchConfig {
    /// `OFPC_*` flags (fragment handling, invalid-TTL-to-controller).
    pub flags: u16,
    /// Bytes of a table-miss packet to send to the controller.
    pub miss_send_len: u16,
}

/// A decoded message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// Hello with the versions offered.
    Hello(Hello),
    /// Error and the data it echoes.
    Error(OfpError, Vec<u8>),
    /// Echo request payload.
    EchoRequest(Vec<u8>),
    /// Echo reply payload.
    EchoReply(Vec<u8>),
    /// Features request.
    FeaturesRequest,
    /// Get-config request.
    GetConfigRequest,
    /// Get-config reply.
    GetConfigReply(SwitchConfig),
    /// Set-config.
    SetConfig(SwitchConfig),
    /// Barrier request.
    BarrierRequest,
    /// Barrier reply.
    BarrierReply,
    /// Flow-mod, with the wire form it came in.
    FlowMod(Box<FlowMod>, flow_mod::Raw),
    /// Group-mod.
    GroupMod(GroupMod),
    /// Meter-mod.
    MeterMod(MeterMod),
    /// Packet-in, with the wire form it came in.
    PacketIn(Box<crate::packet_in::PacketIn>, crate::packet_in::Raw),
    /// Port status.
    PortStatus(Box<crate::port::PortStatus>),
    /// Packet-out.
    PacketOut(Box<crate::packet_out::PacketOut>),
    /// Multipart request.
    StatsRequest(StatsRequest),
    /// Features reply.
    FeaturesReply(Box<crate::controller::SwitchFeatures>),
    /// Flow removed; `true` for the Nicira form in OpenFlow 1.0.
    FlowRemoved(Box<crate::controller::FlowRemoved>, bool),
    /// Role request.
    RoleRequest(crate::controller::RoleRequest),
    /// Role reply.
    RoleReply(crate::controller::RoleRequest),
    /// Role status.
    RoleStatus(crate::controller::RoleStatus),
    /// Get-async request.
    GetAsyncRequest,
    /// Get-async reply.
    GetAsyncReply(crate::controller::AsyncConfig),
    /// Set-async (the properties present in `present`).
    SetAsync(crate::controller::AsyncConfig),
    /// `NXT_PACKET_IN2`.
    PacketIn2(Box<crate::packet_in2::PacketIn2>),
    /// `NXT_RESUME` (a controller resuming a paused pipeline).
    Resume(Box<crate::packet_in2::PacketIn2>),
    /// Port-mod.
    PortMod(crate::switch_mods::PortMod),
    /// Table-mod (OpenFlow 1.1+).
    TableMod(crate::switch_mods::TableMod),
    /// Multipart reply and its flags ([`crate::reply::MORE`]).
    StatsReply(Box<crate::reply::StatsReply>, u16),
    /// A message rvs identifies but does not decode: its OVS raw name and
    /// whole bytes.
    Other(&'static str, Vec<u8>),
}

/// Decodes one whole message: its version, xid and body. Errors are what
/// a switch would answer with.
pub fn decode(d: &[u8]) -> Result<(Version, u32, Message)> {
    let h = Header::peek(d).ok_or(OfpError::OFPBRC_BAD_LEN)?;
    if usize::from(h.length) != d.len() {
        return Err(OfpError::OFPBRC_BAD_LEN);
    }
    if h.type_ == 0 && h.version != 0 {
        // A hello of any version is fine: it starts negotiation. A version
        // newer than rvs speaks is reported as the newest rvs speaks.
        let v = Version::from_wire(h.version).unwrap_or(Version::Of15);
        return Ok((v, h.xid, Message::Hello(basic::decode_hello(d))));
    }
    let v = h.ofp_version()?;
    let raw: Raw = identify(d, false)?;
    let body = d.get(raw.body_ofs..).ok_or(OfpError::OFPBRC_BAD_LEN)?;
    let empty = |m: Message| {
        if body.is_empty() {
            Ok(m)
        } else {
            Err(OfpError::OFPBRC_BAD_LEN)
        }
    };
    let config = |body: &[u8]| {
        if body.len() != 4 {
            return Err(OfpError::OFPBRC_BAD_LEN);
        }
        Ok(SwitchConfig {
            flags: u16::from_be_bytes([body[0], body[1]]),
            miss_send_len: u16::from_be_bytes([body[2], body[3]]),
        })
    };
    let m = match raw.raw {
        "OFPT_HELLO" => Message::Hello(basic::decode_hello(d)),
        "OFPT_ERROR" => {
            let (e, p) = basic::decode_error(d).ok_or(OfpError::OFPBRC_BAD_LEN)?;
            Message::Error(e, p.to_vec())
        }
        "OFPT_ECHO_REQUEST" => Message::EchoRequest(body.to_vec()),
        "OFPT_ECHO_REPLY" => Message::EchoReply(body.to_vec()),
        "OFPT_FEATURES_REQUEST" => empty(Message::FeaturesRequest)?,
        "OFPT_GET_CONFIG_REQUEST" => empty(Message::GetConfigRequest)?,
        "OFPT_GET_CONFIG_REPLY" => Message::GetConfigReply(config(body)?),
        "OFPT_SET_CONFIG" => Message::SetConfig(config(body)?),
        "OFPT10_BARRIER_REQUEST" | "OFPT11_BARRIER_REQUEST" => empty(Message::BarrierRequest)?,
        "OFPT10_BARRIER_REPLY" | "OFPT11_BARRIER_REPLY" => empty(Message::BarrierReply)?,
        "OFPT10_FLOW_MOD" | "OFPT11_FLOW_MOD" | "NXT_FLOW_MOD" => {
            let kind = match raw.raw {
                "OFPT10_FLOW_MOD" => flow_mod::Raw::Of10,
                "NXT_FLOW_MOD" => flow_mod::Raw::Nx,
                _ => flow_mod::Raw::Of11,
            };
            Message::FlowMod(Box::new(flow_mod::decode(body, v, kind)?), kind)
        }
        "OFPT11_GROUP_MOD" | "OFPT15_GROUP_MOD" | "NXT_GROUP_MOD" => {
            Message::GroupMod(group::decode(body, v, raw.raw != "OFPT11_GROUP_MOD")?)
        }
        "OFPT13_METER_MOD" => Message::MeterMod(meter::decode(body)?),
        "OFPT10_PACKET_IN" | "OFPT11_PACKET_IN" | "OFPT12_PACKET_IN" | "OFPT13_PACKET_IN"
        | "NXT_PACKET_IN" => {
            use crate::packet_in::Raw as P;
            let kind = match raw.raw {
                "OFPT10_PACKET_IN" => P::Of10,
                "OFPT11_PACKET_IN" => P::Of11,
                "OFPT12_PACKET_IN" => P::Of12,
                "OFPT13_PACKET_IN" => P::Of13,
                _ => P::Nx,
            };
            Message::PacketIn(Box::new(crate::packet_in::decode(body, kind)?), kind)
        }
        "OFPT10_PORT_STATUS" | "OFPT11_PORT_STATUS" | "OFPT14_PORT_STATUS" => {
            Message::PortStatus(Box::new(crate::port::decode_status(body, v)?))
        }
        "OFPT10_PACKET_OUT" | "OFPT11_PACKET_OUT" | "OFPT15_PACKET_OUT" => {
            Message::PacketOut(Box::new(crate::packet_out::decode(body, v)?))
        }
        "OFPT10_FEATURES_REPLY" | "OFPT11_FEATURES_REPLY" | "OFPT13_FEATURES_REPLY" => {
            Message::FeaturesReply(Box::new(crate::controller::decode_features_reply(body, v)?))
        }
        "OFPT10_FLOW_REMOVED"
        | "OFPT11_FLOW_REMOVED"
        | "OFPT15_FLOW_REMOVED"
        | "NXT_FLOW_REMOVED" => {
            use crate::controller::FlowRemovedRaw as F;
            let kind = match raw.raw {
                "OFPT10_FLOW_REMOVED" => F::Of10,
                "NXT_FLOW_REMOVED" => F::Nx,
                _ => F::Of11,
            };
            Message::FlowRemoved(
                Box::new(crate::controller::decode_flow_removed(body, v, kind)?),
                kind == F::Nx,
            )
        }
        "NXT_PACKET_IN2" => Message::PacketIn2(Box::new(crate::packet_in2::decode(body, false)?)),
        "NXT_RESUME" => Message::Resume(Box::new(crate::packet_in2::decode(body, false)?)),
        "OFPT10_PORT_MOD" | "OFPT11_PORT_MOD" | "OFPT14_PORT_MOD" => {
            Message::PortMod(crate::switch_mods::decode_port_mod(body, v)?)
        }
        "OFPT11_TABLE_MOD" | "OFPT14_TABLE_MOD" => {
            Message::TableMod(crate::switch_mods::decode_table_mod(body, v)?)
        }
        "OFPT12_ROLE_REQUEST" | "NXT_ROLE_REQUEST" => Message::RoleRequest(
            crate::controller::decode_role(body, raw.family == "NXT", false)?,
        ),
        "OFPT12_ROLE_REPLY" | "NXT_ROLE_REPLY" => Message::RoleReply(
            crate::controller::decode_role(body, raw.family == "NXT", true)?,
        ),
        "OFPT14_ROLE_STATUS" | "ONFT13_ROLE_STATUS" => {
            Message::RoleStatus(crate::controller::decode_role_status(body)?)
        }
        "OFPT13_GET_ASYNC_REQUEST" | "OFPT14_GET_ASYNC_REQUEST" => empty(Message::GetAsyncRequest)?,
        "OFPT13_GET_ASYNC_REPLY" | "OFPT14_GET_ASYNC_REPLY" => {
            Message::GetAsyncReply(crate::controller::decode_async(
                body,
                v,
                raw.raw == "OFPT14_GET_ASYNC_REPLY",
                true,
                &Default::default(),
            )?)
        }
        "OFPT13_SET_ASYNC" | "NXT_SET_ASYNC_CONFIG" | "OFPT14_SET_ASYNC" => {
            Message::SetAsync(crate::controller::decode_async(
                body,
                v,
                raw.raw == "OFPT14_SET_ASYNC",
                false,
                &Default::default(),
            )?)
        }
        _ if raw.is_stats_request() => match stats::decode_request(body, &raw, v)? {
            Some(r) => Message::StatsRequest(r),
            None => Message::Other(raw.raw, d.to_vec()),
        },
        _ if raw.family.ends_with("ST") => match crate::reply::decode(body, &raw, v)? {
            Some(r) => Message::StatsReply(Box::new(r), raw.stats_flags),
            None => Message::Other(raw.raw, d.to_vec()),
        },
        other => Message::Other(other, d.to_vec()),
    };
    Ok((v, h.xid, m))
}

fn simple(v: Version, type_: u8, xid: u32, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + body.len());
    out.put_u8(v.wire());
    out.put_u8(type_);
    out.put_u16((8 + body.len()) as u16);
    out.put_u32(xid);
    out.extend_from_slice(body);
    out
}

/// Encodes `m` as a message of version `v`.
pub fn encode(m: &Message, v: Version, xid: u32) -> Vec<u8> {
    let of10 = v == Version::Of10;
    let config = |c: &SwitchConfig| [c.flags.to_be_bytes(), c.miss_send_len.to_be_bytes()].concat();
    match m {
        Message::Hello(h) => basic::encode_hello(h.versions, xid),
        Message::Error(e, data) => basic::encode_error(*e, v, xid, data),
        Message::EchoRequest(p) => simple(v, 2, xid, p),
        Message::EchoReply(p) => simple(v, 3, xid, p),
        Message::FeaturesRequest => simple(v, 5, xid, &[]),
        Message::GetConfigRequest => simple(v, 7, xid, &[]),
        Message::GetConfigReply(c) => simple(v, 8, xid, &config(c)),
        Message::SetConfig(c) => simple(v, 9, xid, &config(c)),
        Message::BarrierRequest => simple(v, if of10 { 18 } else { 20 }, xid, &[]),
        Message::BarrierReply => simple(v, if of10 { 19 } else { 21 }, xid, &[]),
        Message::FlowMod(fm, raw) => {
            let p = match (v, raw) {
                (Version::Of10, flow_mod::Raw::Nx) => Protocols::OF10_NXM_TID,
                (Version::Of10, _) => Protocols::OF10_STD_TID,
                _ => Protocols::from_version(v),
            };
            flow_mod::encode(fm, p, xid)
        }
        Message::GroupMod(gm) => group::encode(gm, v, xid),
        Message::MeterMod(mm) => meter::encode(mm, v, xid),
        Message::PacketOut(po) => crate::packet_out::encode(po, v, xid),
        Message::PacketIn(pin, raw) => crate::packet_in::encode(pin, v, *raw, xid),
        Message::PortStatus(ps) => crate::port::encode_status(ps, v, xid),
        Message::StatsRequest(r) => stats::encode_request(r, v, xid),
        Message::FeaturesReply(f) => crate::controller::encode_features_reply(f, v, xid),
        Message::FlowRemoved(fr, nx) => crate::controller::encode_flow_removed(fr, v, *nx, xid),
        Message::RoleRequest(r) => crate::controller::encode_role(r, v, false, xid),
        Message::RoleReply(r) => crate::controller::encode_role(r, v, true, xid),
        Message::RoleStatus(r) => crate::controller::encode_role_status(r, v, xid)
            .unwrap_or_else(|| simple(v, 1, xid, &[])),
        Message::GetAsyncRequest => simple(v, 26, xid, &[]),
        Message::GetAsyncReply(ac) => crate::controller::encode_get_async_reply(ac, v, xid),
        Message::SetAsync(ac) => crate::controller::encode_set_async(ac, v, xid),
        Message::StatsReply(r, flags) => crate::reply::encode(r, v, xid, *flags),
        Message::PacketIn2(p) => crate::packet_in2::encode(p, v, false, xid),
        Message::Resume(p) => crate::packet_in2::encode(p, v, true, xid),
        Message::PortMod(pm) => crate::switch_mods::encode_port_mod(pm, v, xid),
        // OpenFlow 1.0 has no table-mod: an empty error stands in, as for a
        // role status before 1.3.
        Message::TableMod(tm) => crate::switch_mods::encode_table_mod(tm, v, xid)
            .unwrap_or_else(|| simple(v, 1, xid, &[])),
        Message::Other(_, bytes) => bytes.clone(),
    }
}

/// The fuzzing invariant: if `d` decodes, encoding the result decodes
/// again, to the same message, and encoding that gives the same bytes.
///
/// "The same message" allows the canonicalizations OVS also makes: an
/// action that OpenFlow 1.2+ deprecates in favour of set-field (e.g.
/// `OFPAT_SET_DL_DST`) decodes as itself but is encoded as set-field, and
/// a packet-in's loosely decoded metadata may hold fields whose
/// prerequisites it lacks, which no encoding carries, and a Nicira role
/// request (no generation ID) re-encoded for OpenFlow 1.2+ carries an
/// all-ones one; for those messages only the bytes must be a fixpoint. Panics with a description otherwise.
pub fn check_round_trip(d: &[u8]) {
    let Ok((v, xid, m)) = decode(d) else {
        return;
    };
    let e1 = encode(&m, v, xid);
    let (v2, xid2, m2) = match decode(&e1) {
        Ok(x) => x,
        Err(e) => panic!("re-decoding {m:?} failed with {e}: {e1:02x?}"),
    };
    assert_eq!(xid2, xid);
    match (&m, &m2) {
        (Message::Hello(a), Message::Hello(b)) => assert_eq!(a.versions, b.versions),
        (Message::FlowMod(..), _)
        | (Message::GroupMod(_), _)
        | (Message::PacketOut(_), _)
        | (Message::PacketIn(..), _)
        | (Message::StatsRequest(_), _)
        | (Message::StatsReply(..), _)
        | (Message::FlowRemoved(..), _)
        | (Message::FeaturesReply(_), _)
        | (Message::SetAsync(_), _)
        | (Message::RoleRequest(_), _)
        | (Message::GetAsyncReply(_), _) => assert_eq!(v2, v),
        _ => {
            assert_eq!(v2, v);
            assert_eq!(m2, m, "decode(encode(m)) differs; encoded {e1:02x?}");
        }
    }
    let e2 = encode(&m2, v2, xid);
    assert_eq!(e2, e1, "encoding is not stable for {m:?}");
    let (_, _, m3) = decode(&e2).expect("re-decoding stable bytes");
    assert_eq!(m3, m2, "decode is not stable for {m2:?}");
}
