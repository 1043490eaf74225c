//! Actions and instructions (OVS `ofpact`s): one flat list per flow, as OVS
//! keeps them, with instructions (`goto_table`, `write_actions`, ...) as
//! members in instruction order.
//!
//! - [`text`]: ovs-ofctl's action syntax, parsed and printed;
//! - [`wire`]: OpenFlow 1.0 and 1.1+ actions and instructions;
//! - [`nx`]: Nicira extension actions.

pub mod balance;
pub mod ct;
mod decode;
pub mod extra;
mod format;
pub mod learn;
pub mod nx;
pub mod text;
pub mod wire;

use rvs_packet::{ct_state, ethertype, ipproto, EthAddr, FRAG_LATER, VLAN_CFI};

use crate::error::OfpError;
use crate::field::{FieldId, Prereq};
use crate::matches::Match;
use crate::version::Protocols;

/// Reserved port numbers (OpenFlow 1.0 numbering, as rvs stores ports).
pub mod port {
    /// Highest ordinary port + 1 (`OFPP_MAX`).
    pub const MAX: u32 = 0xff00;
    /// `OFPP_UNSET`.
    pub const UNSET: u32 = 0xfff7;
    /// `OFPP_IN_PORT`.
    pub const IN_PORT: u32 = 0xfff8;
    /// `OFPP_TABLE`.
    pub const TABLE: u32 = 0xfff9;
    /// `OFPP_NORMAL`.
    pub const NORMAL: u32 = 0xfffa;
    /// `OFPP_FLOOD`.
    pub const FLOOD: u32 = 0xfffb;
    /// `OFPP_ALL`.
    pub const ALL: u32 = 0xfffc;
    /// `OFPP_CONTROLLER`.
    pub const CONTROLLER: u32 = 0xfffd;
    /// `OFPP_LOCAL`.
    pub const LOCAL: u32 = 0xfffe;
    /// `OFPP_ANY` / `OFPP_NONE`.
    pub const ANY: u32 = 0xffff;
}

/// A bit range of a field, as `reg0[0..15]` names it (OVS `mf_subfield`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subfield {
    /// The field.
    pub field: FieldId,
    /// First bit (0 is the least significant).
    pub ofs: u16,
    /// Number of bits.
    pub n_bits: u16,
}

impl Subfield {
    /// The whole field.
    pub fn whole(field: FieldId) -> Subfield {
        Subfield {
            field,
            ofs: 0,
            n_bits: field.field().n_bits,
        }
    }

    /// OVS `mf_check__()`: the bits lie inside the field and the match
    /// meets its prerequisites.
    pub fn check(&self, m: Option<&Match>) -> Result<(), OfpError> {
        let f = self.field.field();
        // In u32: a peer's `ofs` and `n_bits` may each be up to 0xffff.
        if self.n_bits == 0
            || self.ofs >= f.n_bits
            || u32::from(self.ofs) + u32::from(self.n_bits) > u32::from(f.n_bits)
        {
            return Err(OfpError::OFPBAC_BAD_SET_LEN);
        }
        if m.is_some_and(|m| !m.prereqs_ok(f)) {
            return Err(OfpError::OFPBAC_MATCH_INCONSISTENT);
        }
        Ok(())
    }

    /// [`Subfield::check`] as a `what` ("source" or "destination") field,
    /// logging the problem as OVS's `mf_check_src()`/`mf_check_dst()` do.
    pub fn check_as(&self, m: Option<&Match>, what: &str) -> Result<(), OfpError> {
        let r = self.check(m);
        let f = self.field.field();
        match r {
            Err(OfpError::OFPBAC_MATCH_INCONSISTENT) => crate::diag::warn(
                "meta_flow",
                format!("{what} field {} lacks correct prerequisites", f.name),
            ),
            Err(_) if self.n_bits == 0 => {
                crate::diag::warn("meta_flow", format!("zero bit {what} field {}", f.name))
            }
            _ => {}
        }
        r
    }
}

/// `controller` action details (OVS `ofpact_controller`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Controller {
    /// Bytes of the packet to send.
    pub max_len: u16,
    /// Controller connection ID.
    pub controller_id: u16,
    /// Packet-in reason (`OFPR_*`).
    pub reason: u8,
    /// Opaque data for the controller.
    pub userdata: Vec<u8>,
    /// Pause the pipeline (continuations).
    pub pause: bool,
    /// Meter to apply, `NX_CTLR_NO_METER` (`u32::MAX`) for none.
    pub meter_id: u32,
}

/// Packet-in reason `OFPR_ACTION`.
pub const OFPR_ACTION: u8 = 1;
/// No meter on a controller action.
pub const NX_CTLR_NO_METER: u32 = u32::MAX;

impl Controller {
    /// True if a plain `output:CONTROLLER` can carry it.
    pub fn is_plain(&self) -> bool {
        self.reason == OFPR_ACTION
            && self.controller_id == 0
            && self.userdata.is_empty()
            && !self.pause
            && self.meter_id == NX_CTLR_NO_METER
    }
}

/// One action or instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Output to a port.
    Output {
        /// Port (OpenFlow 1.0 numbering).
        port: u32,
        /// Bytes to send to the controller when `port` is CONTROLLER.
        max_len: u16,
    },
    /// Send to the controller with extra information.
    Controller(Controller),
    /// OpenFlow 1.0 enqueue.
    Enqueue {
        /// Port.
        port: u32,
        /// Queue.
        queue: u32,
    },
    /// Output to the port in a register.
    OutputReg {
        /// Where the port is.
        src: Subfield,
        /// Bytes to send to the controller.
        max_len: u16,
        /// Came in as (or must be sent as) `NXAST_OUTPUT_REG2`.
        reg2: bool,
    },
    /// Apply a group.
    Group(u32),
    /// Set the queue.
    SetQueue(u32),
    /// Restore the queue.
    PopQueue,
    /// Look the packet up again.
    Resubmit {
        /// Port to pretend it came in on (`IN_PORT`: unchanged).
        in_port: u32,
        /// Table (255: the current one).
        table: u8,
        /// Use the conntrack original direction tuple.
        ct: bool,
    },
    /// Stop processing actions.
    Exit,
    /// An opaque note.
    Note(Vec<u8>),
    /// Decrement the IP TTL; `Some` lists controller IDs to notify
    /// (`dec_ttl(1,2)`, `NXAST_DEC_TTL_CNT_IDS`).
    DecTtl(Option<Vec<u16>>),
    /// Set (bits of) a field. `load` means it came in as (or was written
    /// as) `load:` and goes out as `NXAST_REG_LOAD` where it can.
    SetField {
        /// Field.
        field: FieldId,
        /// Value (only the masked bits are meaningful).
        value: u128,
        /// Which bits to set.
        mask: u128,
        /// Written as `load:`.
        load: bool,
    },
    /// Copy bits from one field to another.
    Move {
        /// Source bits.
        src: Subfield,
        /// Destination bits (same width).
        dst: Subfield,
    },
    /// Set the VLAN ID; `push` if a tag should be pushed when absent
    /// (`mod_vlan_vid`).
    SetVlanVid {
        /// VLAN ID.
        vid: u16,
        /// `mod_vlan_vid` rather than `set_vlan_vid`.
        push: bool,
    },
    /// Set the VLAN priority.
    SetVlanPcp {
        /// Priority.
        pcp: u8,
        /// `mod_vlan_pcp` rather than `set_vlan_pcp`.
        push: bool,
    },
    /// Remove the outer VLAN tag; `pop` if written as `pop_vlan`.
    StripVlan {
        /// `pop_vlan` rather than `strip_vlan`.
        pop: bool,
    },
    /// Push a VLAN tag with this TPID.
    PushVlan(u16),
    /// Set the Ethernet source.
    SetEthSrc(EthAddr),
    /// Set the Ethernet destination.
    SetEthDst(EthAddr),
    /// Set the IPv4 source.
    SetIpv4Src(u32),
    /// Set the IPv4 destination.
    SetIpv4Dst(u32),
    /// Set the DSCP (as the TOS byte, low 2 bits zero).
    SetIpDscp(u8),
    /// Set the ECN bits.
    SetIpEcn(u8),
    /// Set the IP TTL.
    SetIpTtl(u8),
    /// Set the transport source port.
    SetL4Src(u16),
    /// Set the transport destination port.
    SetL4Dst(u16),
    /// Decrement the MPLS TTL.
    DecMplsTtl,
    /// Set the MPLS label.
    SetMplsLabel(u32),
    /// Set the MPLS traffic class.
    SetMplsTc(u8),
    /// Set the MPLS TTL.
    SetMplsTtl(u8),
    /// Push an MPLS label stack entry (ethertype).
    PushMpls(u16),
    /// Pop an MPLS label stack entry; the payload's ethertype.
    PopMpls(u16),
    /// Set the tunnel ID; `wide` for `set_tunnel64`.
    SetTunnel {
        /// Tunnel ID.
        id: u64,
        /// `NXAST_SET_TUNNEL64`.
        wide: bool,
    },
    /// Conjunctive match clause.
    Conjunction {
        /// Conjunction ID.
        id: u32,
        /// Clause, 0-based.
        clause: u8,
        /// Number of clauses.
        n_clauses: u8,
    },
    /// Run actions on a copy of the packet.
    Clone(Vec<Action>),
    /// Clear the conntrack state.
    CtClear,
    /// Send through the connection tracker.
    Ct(ct::Ct),
    /// Network address translation (inside `ct`).
    Nat(ct::Nat),
    /// Learn a flow.
    Learn(Box<learn::Learn>),
    /// Choose a link by hash into a field.
    Multipath(Box<balance::Multipath>),
    /// Choose a live member port (and output, or load it into a field).
    Bundle(Box<balance::Bundle>),
    /// Meter (an instruction before OpenFlow 1.5).
    Meter(u32),
    /// Instruction: clear the action set.
    ClearActions,
    /// Instruction: add to the action set.
    WriteActions(Vec<Action>),
    /// Instruction: write metadata.
    WriteMetadata {
        /// Value.
        value: u64,
        /// Mask.
        mask: u64,
    },
    /// Instruction: continue in a later table.
    GotoTable(u8),
    /// Output to a port, the packet cut to `max_len` bytes
    /// (`output(port=..,max_len=..)`, `NXAST_OUTPUT_TRUNC`).
    OutputTrunc {
        /// Port (OpenFlow 1.0 numbering).
        port: u32,
        /// Bytes to keep, at least 14.
        max_len: u32,
    },
    /// Change the timeouts of the flow when a TCP FIN or RST passes
    /// (`fin_timeout`); 0 leaves a timeout alone.
    FinTimeout {
        /// New idle timeout.
        idle: u16,
        /// New hard timeout.
        hard: u16,
    },
    /// Sample packets to IPFIX collectors (`sample`).
    Sample(Box<extra::Sample>),
    /// Push bits of a field onto the stack (`push:`).
    StackPush(Subfield),
    /// Pop bits from the stack into a field (`pop:`).
    StackPop(Subfield),
    /// Set a 1-bit field to whether the packet is longer than `pkt_len`
    /// (`check_pkt_larger(N)->dst`).
    CheckPktLarger {
        /// Length to compare with.
        pkt_len: u16,
        /// Where the answer goes (one bit).
        dst: Subfield,
    },
}

/// OpenFlow 1.1+ instruction kinds, in the order OVS requires them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Inst {
    /// `meter`.
    Meter,
    /// Apply-actions (every plain action).
    Apply,
    /// `clear_actions`.
    Clear,
    /// `write_actions`.
    Write,
    /// `write_metadata`.
    WriteMetadata,
    /// `goto_table`.
    Goto,
}

impl Inst {
    /// The name OVS uses in messages.
    pub fn name(self) -> &'static str {
        match self {
            Inst::Meter => "meter",
            Inst::Apply => "apply_actions",
            Inst::Clear => "clear_actions",
            Inst::Write => "write_actions",
            Inst::WriteMetadata => "write_metadata",
            Inst::Goto => "goto_table",
        }
    }
}

impl Action {
    /// The instruction this action belongs to.
    pub fn inst(&self) -> Inst {
        match self {
            Action::Meter(_) => Inst::Meter,
            Action::ClearActions => Inst::Clear,
            Action::WriteActions(_) => Inst::Write,
            Action::WriteMetadata { .. } => Inst::WriteMetadata,
            Action::GotoTable(_) => Inst::Goto,
            _ => Inst::Apply,
        }
    }

    /// OVS's name for the action kind (`ofpact_name()`), for messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Action::Output { .. } => "output",
            Action::Controller(_) => "controller",
            Action::Enqueue { .. } => "enqueue",
            Action::OutputReg { .. } => "output_reg",
            Action::Group(_) => "group",
            Action::SetQueue(_) => "set_queue",
            Action::PopQueue => "pop_queue",
            Action::Resubmit { .. } => "resubmit",
            Action::Exit => "exit",
            Action::Note(_) => "note",
            Action::DecTtl(_) => "dec_ttl",
            Action::SetField { .. } => "set_field",
            Action::Move { .. } => "move",
            Action::SetVlanVid { .. } => "set_vlan_vid",
            Action::SetVlanPcp { .. } => "set_vlan_pcp",
            Action::StripVlan { .. } => "strip_vlan",
            Action::PushVlan(_) => "push_vlan",
            Action::SetEthSrc(_) => "mod_dl_src",
            Action::SetEthDst(_) => "mod_dl_dst",
            Action::SetIpv4Src(_) => "mod_nw_src",
            Action::SetIpv4Dst(_) => "mod_nw_dst",
            Action::SetIpDscp(_) => "mod_nw_tos",
            Action::SetIpEcn(_) => "mod_nw_ecn",
            Action::SetIpTtl(_) => "mod_nw_ttl",
            Action::SetL4Src(_) => "mod_tp_src",
            Action::SetL4Dst(_) => "mod_tp_dst",
            Action::DecMplsTtl => "dec_mpls_ttl",
            Action::SetMplsLabel(_) => "set_mpls_label",
            Action::SetMplsTc(_) => "set_mpls_tc",
            Action::SetMplsTtl(_) => "set_mpls_ttl",
            Action::PushMpls(_) => "push_mpls",
            Action::PopMpls(_) => "pop_mpls",
            Action::SetTunnel { .. } => "set_tunnel",
            Action::Conjunction { .. } => "conjunction",
            Action::Clone(_) => "clone",
            Action::CtClear => "ct_clear",
            Action::Ct(_) => "ct",
            Action::Nat(_) => "nat",
            Action::Learn(_) => "learn",
            Action::Multipath(_) => "multipath",
            Action::Bundle(b) if b.dst.is_some() => "bundle_load",
            Action::Bundle(_) => "bundle",
            Action::Meter(_) => "meter",
            Action::ClearActions => "clear_actions",
            Action::WriteActions(_) => "write_actions",
            Action::WriteMetadata { .. } => "write_metadata",
            Action::GotoTable(_) => "goto_table",
            Action::OutputTrunc { .. } => "output_trunc",
            Action::FinTimeout { .. } => "fin_timeout",
            Action::Sample(_) => "sample",
            Action::StackPush(_) => "push",
            Action::StackPop(_) => "pop",
            Action::CheckPktLarger { .. } => "check_pkt_larger",
        }
    }
}

/// OVS `ofpacts_verify()`: conjunctions only with notes, instructions in
/// order and at most once each, only allowed instructions.
pub fn verify(acts: &[Action], allow_instructions: bool) -> Result<(), (OfpError, String)> {
    verify_in(acts, allow_instructions, None)
}

/// [`verify`] for actions nested in `outer` (`"ct"`, `"clone"`,
/// `"write_actions"`).
pub fn verify_in(
    acts: &[Action],
    allow_instructions: bool,
    outer: Option<&str>,
) -> Result<(), (OfpError, String)> {
    if acts.iter().any(|a| matches!(a, Action::Conjunction { .. })) {
        if let Some(a) = acts
            .iter()
            .find(|a| !matches!(a, Action::Conjunction { .. } | Action::Note(_)))
        {
            return Err((
                OfpError::NXBAC_BAD_CONJUNCTION,
                format!(
                    "\"conjunction\" actions may be used along with \"note\" but not any other kind of action (such as the \"{}\" action used here)",
                    a.kind_name()
                ),
            ));
        }
        return Ok(());
    }
    let mut inst = Inst::Meter;
    for (i, a) in acts.iter().enumerate() {
        let dst = match a {
            Action::SetField { field, .. } => Some(*field),
            Action::Move { dst, .. } => Some(dst.field),
            _ => None,
        };
        let ct_field = matches!(dst, Some(FieldId::CtMark | FieldId::CtLabel));
        if ct_field && outer != Some("ct") {
            return Err((
                OfpError::OFPBAC_BAD_SET_ARGUMENT,
                "cannot set CT fields outside of ct action".into(),
            ));
        }
        if matches!(a, Action::Nat(_)) {
            if outer != Some("ct") {
                return Err((
                    OfpError::OFPBAC_BAD_SET_ARGUMENT,
                    "Cannot have NAT action outside of \"ct\" action".into(),
                ));
            }
            continue;
        }
        if outer == Some("ct") {
            match dst {
                None => {
                    return Err((
                        OfpError::OFPBAC_BAD_ARGUMENT,
                        format!("ct action doesn't support nested action {}", a.kind_name()),
                    ))
                }
                Some(f) if !ct_field => {
                    return Err((
                        OfpError::OFPBAC_BAD_ARGUMENT,
                        format!(
                            "ct action doesn't support nested modification of {}",
                            f.field().name
                        ),
                    ))
                }
                _ => {}
            }
        }
        if outer.is_some() && matches!(a, Action::Meter(_)) {
            return Err((
                OfpError::OFPBAC_BAD_ARGUMENT,
                format!(
                    "{} action doesn't support nested action meter",
                    outer.unwrap_or("")
                ),
            ));
        }
        let next = a.inst();
        let bad = if inst == Inst::Apply {
            next < inst
        } else {
            next <= inst
        };
        if i > 0 && bad {
            let msg = if next == inst {
                format!(
                    "duplicate {} instruction not allowed, for OpenFlow 1.1+ compatibility",
                    inst.name()
                )
            } else {
                format!(
                    "invalid instruction ordering: {} must appear before {}, for OpenFlow 1.1+ compatibility",
                    next.name(),
                    inst.name()
                )
            };
            return Err((OfpError::OFPBAC_UNSUPPORTED_ORDER, msg));
        }
        if !allow_instructions && !matches!(next, Inst::Apply | Inst::Meter) {
            return Err((
                OfpError::OFPBIC_UNSUP_INST,
                format!("{} instruction not allowed here", next.name()),
            ));
        }
        inst = next;
    }
    Ok(())
}

/// What [`check`] learned.
#[derive(Debug, Clone, Copy)]
pub struct CheckParams {
    /// Protocols still usable after the actions.
    pub usable: Protocols,
    /// The flow's table, 255 if unknown.
    pub table_id: u8,
}

fn inconsistent(u: &mut Protocols) {
    *u = u.and(Protocols::OF10_STD_ANY.or(Protocols::OF10_NXM_ANY));
}

/// OVS `ofpacts_check()`: actions against the match. Inconsistencies that
/// OpenFlow 1.0 tolerates narrow `usable`; others are errors.
pub fn check(acts: &[Action], m: &Match, table_id: u8) -> Result<Protocols, OfpError> {
    let mut m = *m;
    let mut usable = Protocols::ANY;
    for a in acts {
        check_one(a, &mut m, table_id, &mut usable)?;
    }
    Ok(usable)
}

fn is_ip_any(m: &Match) -> bool {
    matches!(m.flow.dl_type, ethertype::IPV4 | ethertype::IPV6)
}

#[allow(clippy::collapsible_match)] // One arm per action reads better than guards.
fn check_one(a: &Action, m: &mut Match, table_id: u8, u: &mut Protocols) -> Result<(), OfpError> {
    let ip_any = is_ip_any(m);
    let f = &mut m.flow;
    match a {
        Action::Output { port: p, .. } | Action::Enqueue { port: p, .. } => {
            check_output_port(*p)?;
        }
        Action::OutputReg { src, .. } => src.check_as(Some(m), "source")?,
        Action::OutputTrunc { port: p, .. } => check_output_port(*p)?,
        Action::StackPush(sf) => sf.check_as(Some(m), "source")?,
        Action::StackPop(sf) => extra::check_dst(sf, Some(m))?,
        Action::FinTimeout { .. } => {
            if f.nw_proto != ipproto::TCP {
                inconsistent(u);
            }
        }
        Action::Resubmit { ct: true, .. } => {
            let valid = ct_state::NEW
                | ct_state::ESTABLISHED
                | ct_state::RELATED
                | ct_state::REPLY_DIR
                | ct_state::SRC_NAT
                | ct_state::DST_NAT;
            let ok = f.ct_state & valid != 0
                || (f.ct_state & ct_state::TRACKED != 0
                    && m.mask.ct_state & ct_state::INVALID != 0
                    && f.ct_state & ct_state::INVALID == 0);
            if !ok {
                return Err(OfpError::OFPBAC_MATCH_INCONSISTENT);
            }
        }
        Action::SetField { field, .. } => {
            let fd = field.field();
            if !m.prereqs_ok(fd) || (*field == FieldId::VlanVid && m.flow.vlan_tci & VLAN_CFI == 0)
            {
                crate::diag::warn(
                    "ofp_actions",
                    format!("set_field {} lacks correct prerequisites", fd.name),
                );
                return Err(OfpError::OFPBAC_MATCH_INCONSISTENT);
            }
            if *field == FieldId::VlanTci {
                if let Action::SetField { value, .. } = a {
                    m.flow.vlan_tci = *value as u16;
                }
            }
        }
        Action::Move { src, dst } => {
            src.check_as(Some(m), "source")?;
            dst.check_as(Some(m), "destination")?;
            if !dst.field.field().writable {
                return Err(OfpError::OFPBAC_BAD_SET_ARGUMENT);
            }
        }
        Action::SetVlanVid { push, .. } | Action::SetVlanPcp { push, .. } => {
            if f.vlan_tci & VLAN_CFI == 0 && !push {
                inconsistent(u);
            }
            f.vlan_tci |= VLAN_CFI;
        }
        Action::StripVlan { .. } => {
            if f.vlan_tci & VLAN_CFI == 0 {
                inconsistent(u);
            }
            f.vlan_tci = f.vlan1_tci;
            f.vlan1_tci = 0;
        }
        Action::PushVlan(_) => {
            if f.vlan1_tci & VLAN_CFI != 0 {
                return Err(OfpError::OFPBAC_BAD_TAG);
            }
            f.vlan1_tci = f.vlan_tci;
            f.vlan_tci |= VLAN_CFI;
        }
        Action::SetIpv4Src(_) | Action::SetIpv4Dst(_) => {
            if f.dl_type != ethertype::IPV4 {
                inconsistent(u);
            }
        }
        Action::SetIpDscp(_) | Action::SetIpEcn(_) | Action::SetIpTtl(_) | Action::DecTtl(_) => {
            if !ip_any {
                inconsistent(u);
            }
        }
        Action::SetL4Src(_) | Action::SetL4Dst(_) => {
            let l4 = matches!(f.nw_proto, ipproto::TCP | ipproto::UDP | ipproto::SCTP);
            if !ip_any || f.nw_frag & FRAG_LATER != 0 || !l4 {
                inconsistent(u);
            }
        }
        Action::DecMplsTtl
        | Action::SetMplsLabel(_)
        | Action::SetMplsTc(_)
        | Action::SetMplsTtl(_) => {
            if !matches!(f.dl_type, ethertype::MPLS | ethertype::MPLS_MCAST) {
                inconsistent(u);
            }
        }
        Action::PushMpls(t) => {
            if f.packet_type != 0 {
                inconsistent(u);
            }
            f.dl_type = *t;
            f.nw_proto = 0;
        }
        Action::PopMpls(t) => {
            if f.packet_type != 0 || !matches!(f.dl_type, ethertype::MPLS | ethertype::MPLS_MCAST) {
                inconsistent(u);
            }
            f.dl_type = *t;
        }
        Action::Clone(inner) => {
            for a in inner {
                check_one(a, m, table_id, u)?;
            }
        }
        Action::WriteActions(inner) => {
            let mut tmp = *m;
            let mut tu = *u;
            for a in inner {
                check_one(a, &mut tmp, table_id, &mut tu)?;
            }
        }
        Action::Learn(l) => learn::check(l, m)?,
        Action::Multipath(mp) => mp.dst.check_as(Some(m), "destination")?,
        Action::Bundle(b) => {
            if let Some(d) = &b.dst {
                d.check_as(Some(m), "destination")?;
            }
            for p in &b.members {
                check_output_port(*p)?;
            }
        }
        Action::Ct(c) => {
            let nw_proto = f.nw_proto;
            if !ip_any
                || (f.ct_state & ct_state::INVALID != 0 && c.flags & ct::CT_COMMIT != 0)
                || (c.alg == 21 && nw_proto != ipproto::TCP)
                || (c.alg == 69 && nw_proto != ipproto::UDP)
            {
                return Err(OfpError::OFPBAC_MATCH_INCONSISTENT);
            }
            if let Some(z) = &c.zone_src {
                return z.check(Some(m));
            }
            for a in &c.actions {
                check_one(a, m, table_id, u)?;
            }
        }
        Action::GotoTable(t) => {
            if table_id != 255 && *t <= table_id {
                return Err(OfpError::OFPBIC_BAD_TABLE_ID);
            }
        }
        _ => {}
    }
    Ok(())
}

/// OVS `ofpact_check_output_port()`.
pub fn check_output_port(p: u32) -> Result<(), OfpError> {
    match p {
        port::IN_PORT
        | port::TABLE
        | port::NORMAL
        | port::FLOOD
        | port::ALL
        | port::CONTROLLER
        | port::LOCAL => Ok(()),
        p if p < port::MAX => Ok(()),
        _ => Err(OfpError::OFPBAC_BAD_OUT_PORT),
    }
}

/// True if a field with this prerequisite needs an IP match.
pub fn prereq_is_l3(p: Prereq) -> bool {
    !matches!(p, Prereq::None | Prereq::Ethernet | Prereq::VlanVid)
}
