//! Table statistics and table features replies (OVS
//! `ofputil_table_stats`, `ofputil_table_features` and the ditto-compressed
//! text `ovs-ofctl dump-tables` and `dump-table-features` print).

use std::fmt::Write;

use bytes::{Buf, BufMut};

use super::bitmaps::{self, FieldSet};
use super::{get_str, put_str};
use crate::error::{OfpError, Result};
use crate::field::{self, FieldId};
use crate::matches::nxm::EntryHeader;
use crate::version::Version;

/// Actions a table supports in one instruction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionFeatures {
    /// Action kinds ([`bitmaps::OFPACT_NAMES`] bits).
    pub ofpacts: u64,
    /// Fields set-field may set.
    pub set_fields: FieldSet,
}

/// Instructions a table supports, for table-miss flows or the others.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstructionFeatures {
    /// Tables goto-table may go to (bit per table 0..254).
    pub next: [u64; 4],
    /// Instruction kinds ([`bitmaps::INSTRUCTION_NAMES`] bits).
    pub instructions: u32,
    /// Write-actions.
    pub write: ActionFeatures,
    /// Apply-actions.
    pub apply: ActionFeatures,
}

impl InstructionFeatures {
    fn next_has(&self, t: usize) -> bool {
        self.next[t / 64] & (1 << (t % 64)) != 0
    }

    /// Allows goto-table to table `t`.
    pub fn set_next(&mut self, t: u8) {
        let t = usize::from(t);
        self.next[t / 64] |= 1 << (t % 64);
    }

    fn is_empty(&self) -> bool {
        self.next == [0; 4]
            && self.instructions == 0
            && self.write == ActionFeatures::default()
            && self.apply == ActionFeatures::default()
    }
}

/// A table's features (OVS `struct ofputil_table_features`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableFeatures {
    /// OpenFlow 1.5 command (0 replace, 1 modify, 2 enable, 3 disable).
    pub command: u8,
    /// Table.
    pub table_id: u8,
    /// Name.
    pub name: String,
    /// Metadata bits a match may use.
    pub metadata_match: u64,
    /// Metadata bits write-metadata may set.
    pub metadata_write: u64,
    /// OpenFlow 1.4+: eviction supported (`None` before 1.4).
    pub supports_eviction: Option<bool>,
    /// OpenFlow 1.4+: vacancy events supported.
    pub supports_vacancy_events: Option<bool>,
    /// Most flows.
    pub max_entries: u32,
    /// Instructions of flows other than the table-miss one.
    pub nonmiss: InstructionFeatures,
    /// Instructions of the table-miss flow.
    pub miss: InstructionFeatures,
    /// Fields a match may use.
    pub match_fields: FieldSet,
    /// Fields that may have arbitrary masks.
    pub mask: FieldSet,
    /// Fields that may be wildcarded.
    pub wildcard: FieldSet,
    /// Whether the message carried properties (or should).
    pub any_properties: bool,
}

impl TableFeatures {
    /// Features of table `table_id` with nothing in them.
    pub fn new(table_id: u8) -> TableFeatures {
        TableFeatures {
            command: 0,
            table_id,
            name: String::new(),
            metadata_match: 0,
            metadata_write: 0,
            supports_eviction: None,
            supports_vacancy_events: None,
            max_entries: 0,
            nonmiss: InstructionFeatures::default(),
            miss: InstructionFeatures::default(),
            match_fields: FieldSet::new(),
            mask: FieldSet::new(),
            wildcard: FieldSet::new(),
            any_properties: false,
        }
    }
}

/// One table's counters, with the features OpenFlow 1.0's reply carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableStats {
    /// Flows in the table.
    pub active_count: u32,
    /// Lookups.
    pub lookup_count: u64,
    /// Lookups that hit.
    pub matched_count: u64,
    /// Features (`table_id` is the table's; OpenFlow 1.0 also sends the
    /// name, most flows and matchable fields).
    pub features: TableFeatures,
}

const OF10_WC: [(u32, FieldId); 12] = [
    (1, FieldId::InPort),
    (1 << 1, FieldId::VlanVid),
    (1 << 2, FieldId::EthSrc),
    (1 << 3, FieldId::EthDst),
    (1 << 4, FieldId::EthType),
    (1 << 5, FieldId::IpProto),
    (1 << 6, FieldId::TcpSrc),
    (1 << 7, FieldId::TcpDst),
    (0x3f << 8, FieldId::Ipv4Src),
    (0x3f << 14, FieldId::Ipv4Dst),
    (1 << 20, FieldId::VlanPcp),
    (1 << 21, FieldId::IpDscp),
];

/// Encodes one table's entry.
pub fn put_stats(t: &TableStats, v: Version) -> Vec<u8> {
    let f = &t.features;
    let mut out = Vec::new();
    out.put_u8(f.table_id);
    out.put_slice(&[0; 3]);
    if v == Version::Of10 {
        put_str(&mut out, &f.name, 32);
        let wc = OF10_WC
            .iter()
            .filter(|(_, id)| !f.match_fields.contains(id) || f.wildcard.contains(id))
            .fold(0, |a, (b, _)| a | b);
        out.put_u32(wc);
        out.put_u32(f.max_entries);
    }
    out.put_u32(t.active_count);
    out.put_u64(t.lookup_count);
    out.put_u64(t.matched_count);
    out
}

fn pull_one_stats(b: &mut &[u8], v: Version) -> Result<TableStats> {
    let n = if v == Version::Of10 { 64 } else { 24 };
    if b.len() < n {
        return Err(OfpError::OFPBRC_BAD_LEN);
    }
    let mut f = TableFeatures::new(b.get_u8());
    b.advance(3);
    if v == Version::Of10 {
        f.name = get_str(&b[..32]);
        b.advance(32);
        let wc = b.get_u32();
        let set: FieldSet = OF10_WC
            .iter()
            .filter(|(bit, _)| wc & bit != 0)
            .map(|(_, id)| *id)
            .collect();
        f.match_fields = set.clone();
        f.wildcard = set;
        f.max_entries = b.get_u32();
    }
    Ok(TableStats {
        active_count: b.get_u32(),
        lookup_count: b.get_u64(),
        matched_count: b.get_u64(),
        features: f,
    })
}

/// Entries until the first bad one, and its error.
pub fn pull_stats(mut b: &[u8], v: Version) -> (Vec<TableStats>, Option<OfpError>) {
    let mut out = Vec::new();
    while !b.is_empty() {
        match pull_one_stats(&mut b, v) {
            Ok(x) => out.push(x),
            Err(e) => return (out, Some(e)),
        }
    }
    (out, None)
}

/// Decodes a whole table stats body (OpenFlow 1.0 or 1.3+ layout).
pub fn decode_stats(b: &[u8], v: Version) -> Result<Vec<TableStats>> {
    match pull_stats(b, v) {
        (x, None) => Ok(x),
        (_, Some(e)) => Err(e),
    }
}

fn put_prop_start(out: &mut Vec<u8>, t: u16) -> usize {
    let at = out.len();
    out.put_u16(t);
    out.put_u16(4);
    at
}

fn put_prop_end(out: &mut Vec<u8>, at: usize) {
    let len = (out.len() - at) as u16;
    out[at + 2..at + 4].copy_from_slice(&len.to_be_bytes());
    while out.len() % 8 != 0 {
        out.put_u8(0);
    }
}

fn put_bitmap_prop(out: &mut Vec<u8>, t: u16, bits: u32) {
    let at = put_prop_start(out, t);
    for i in 0..32 {
        if bits & (1 << i) != 0 {
            out.put_u16(i);
            out.put_u16(4);
        }
    }
    put_prop_end(out, at);
}

fn put_fields_prop(out: &mut Vec<u8>, t: u16, f: &FieldSet, masks: Option<&FieldSet>, v: Version) {
    let at = put_prop_start(out, t);
    for id in f {
        let fd = id.field();
        if let Some(code) = fd.code_for(Some(v)) {
            let masked = masks.is_some_and(|m| m.contains(id));
            EntryHeader::of_code(code, usize::from(fd.n_bytes), masked).put(out);
        }
    }
    put_prop_end(out, at);
}

fn put_instruction_features(out: &mut Vec<u8>, f: &InstructionFeatures, miss: u16, v: Version) {
    put_bitmap_prop(
        out,
        miss,
        bitmaps::instructions_to_openflow(f.instructions, v),
    );
    let at = put_prop_start(out, 2 + miss);
    for t in 0..255u8 {
        if f.next_has(usize::from(t)) {
            out.put_u8(t);
        }
    }
    put_prop_end(out, at);
    for (a, actions_t, fields_t) in [(&f.write, 4, 12), (&f.apply, 6, 14)] {
        put_bitmap_prop(
            out,
            actions_t + miss,
            bitmaps::ofpacts_to_openflow(a.ofpacts, v),
        );
        put_fields_prop(out, fields_t + miss, &a.set_fields, None, v);
    }
}

/// Encodes one table's features (OVS `ofputil_append_table_features()`).
pub fn put_features(f: &TableFeatures, v: Version) -> Vec<u8> {
    let mut out = Vec::new();
    out.put_u16(0);
    out.put_u8(f.table_id);
    out.put_u8(if v >= Version::Of15 { f.command } else { 0 });
    out.put_u32(0);
    put_str(&mut out, &f.name, 32);
    out.put_u64(f.metadata_match);
    out.put_u64(f.metadata_write);
    let mut caps = 0;
    if v >= Version::Of14 {
        if f.supports_eviction != Some(false) {
            caps |= 1 << 2;
        }
        if f.supports_vacancy_events != Some(false) {
            caps |= 1 << 3;
        }
    }
    out.put_u32(caps);
    out.put_u32(f.max_entries);
    if f.any_properties {
        put_instruction_features(&mut out, &f.nonmiss, 0, v);
        put_instruction_features(&mut out, &f.miss, 1, v);
        put_fields_prop(&mut out, 8, &f.match_fields, Some(&f.mask), v);
        put_fields_prop(&mut out, 10, &f.wildcard, None, v);
    }
    let len = out.len() as u16;
    out[0..2].copy_from_slice(&len.to_be_bytes());
    out
}

/// Reads a list of 4-byte-or-longer IDs (action or instruction IDs)
/// packed with no padding: their types.
fn pull_ids(mut p: &[u8]) -> Result<Vec<u16>> {
    let mut out = Vec::new();
    while !p.is_empty() {
        if p.len() < 4 {
            return Err(OfpError::OFPBPC_BAD_LEN);
        }
        let t = u16::from_be_bytes([p[0], p[1]]);
        let len = usize::from(u16::from_be_bytes([p[2], p[3]]));
        if len < 4 || len > p.len() {
            return Err(OfpError::OFPBPC_BAD_LEN);
        }
        out.push(t);
        p = &p[len..];
    }
    Ok(out)
}

/// OXM headers: the fields, and those with masks (unknown fields skipped
/// when `loose`).
fn pull_oxms(mut p: &[u8], loose: bool) -> Result<(FieldSet, FieldSet)> {
    let mut exact = FieldSet::new();
    let mut masked = FieldSet::new();
    while !p.is_empty() {
        let h = EntryHeader::pull(&mut p)?;
        match field::by_code(h.class, h.field, h.vendor) {
            Some(f) => {
                if h.hasmask {
                    masked.insert(f.id);
                } else {
                    exact.insert(f.id);
                }
            }
            None if loose => {}
            None => return Err(OfpError::OFPBMC_BAD_FIELD),
        }
    }
    Ok((exact, masked))
}

fn pull_one_features(b: &mut &[u8], v: Version, loose: bool) -> Result<TableFeatures> {
    if b.len() < 64 {
        return Err(OfpError::OFPBPC_BAD_LEN);
    }
    let len = usize::from(u16::from_be_bytes([b[0], b[1]]));
    if len < 64 || len % 8 != 0 || len > b.len() {
        return Err(OfpError::OFPBPC_BAD_LEN);
    }
    let (e, rest) = b.split_at(len);
    *b = rest;
    let mut h = &e[2..64];
    let table_id = h.get_u8();
    let command = h.get_u8();
    let mut f = TableFeatures::new(table_id);
    if v >= Version::Of15 {
        if command > 3 {
            return Err(OfpError::OFPTFFC_BAD_COMMAND);
        }
        f.command = command;
    }
    if table_id == 255 {
        return Err(OfpError::OFPTFFC_BAD_TABLE);
    }
    h.advance(4);
    f.name = get_str(&h[..32]);
    h.advance(32);
    f.metadata_match = h.get_u64();
    f.metadata_write = h.get_u64();
    let caps = h.get_u32();
    if v >= Version::Of14 {
        f.supports_eviction = Some(caps & (1 << 2) != 0);
        f.supports_vacancy_events = Some(caps & (1 << 3) != 0);
    }
    f.max_entries = h.get_u32();
    let mut props = &e[64..];
    f.any_properties = !props.is_empty();
    let mut seen = 0u32;
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
        if t == 0xffff {
            if plen < 12 {
                return Err(OfpError::OFPBPC_BAD_LEN);
            }
            if props[4..8] == [0; 4] {
                return Err(OfpError::OFPBPC_BAD_EXPERIMENTER);
            }
        }
        let payload = &props[4..plen];
        props = &props[padded..];
        if t < 32 {
            if seen & (1 << t) != 0 {
                return Err(OfpError::OFPTFFC_BAD_FEATURES);
            }
            seen |= 1 << t;
        }
        let inst = |miss: bool, f: &mut TableFeatures| {
            if miss {
                std::mem::take(&mut f.miss)
            } else {
                std::mem::take(&mut f.nonmiss)
            }
        };
        let miss = t % 2 == 1;
        match t {
            0..=7 | 12..=15 => {
                let mut i = inst(miss, &mut f);
                match t & !1 {
                    0 => {
                        for id in pull_ids(payload)? {
                            match bitmaps::instruction_bit(u64::from(id)) {
                                Some(bit) => i.instructions |= bit,
                                None if loose => {}
                                None => return Err(OfpError::OFPBIC_UNKNOWN_INST),
                            }
                        }
                    }
                    2 => {
                        i.next = [0; 4];
                        for &id in payload {
                            if id == 255 {
                                return Err(OfpError::OFPBPC_BAD_VALUE);
                            }
                            i.set_next(id);
                        }
                    }
                    4 | 6 => {
                        let bits = pull_ids(payload)?
                            .into_iter()
                            .filter(|&t| t < 32)
                            .fold(0u32, |a, t| a | 1 << t);
                        let a = if t & !1 == 4 {
                            &mut i.write
                        } else {
                            &mut i.apply
                        };
                        a.ofpacts = bitmaps::ofpacts_from_openflow(bits, v);
                    }
                    _ => {
                        let (exact, masked) = pull_oxms(payload, loose)?;
                        if !masked.is_empty() {
                            return Err(OfpError::OFPBMC_BAD_MASK);
                        }
                        let a = if t & !1 == 12 {
                            &mut i.write
                        } else {
                            &mut i.apply
                        };
                        a.set_fields = exact;
                    }
                }
                if miss {
                    f.miss = i;
                } else {
                    f.nonmiss = i;
                }
            }
            8 => {
                let (exact, masked) = pull_oxms(payload, loose)?;
                f.match_fields = exact;
                f.mask = masked;
            }
            10 => {
                let (exact, masked) = pull_oxms(payload, loose)?;
                if !masked.is_empty() {
                    return Err(OfpError::OFPBMC_BAD_MASK);
                }
                f.wildcard = exact;
            }
            _ if loose => {}
            _ => return Err(OfpError::OFPBPC_BAD_TYPE),
        }
    }
    const REQUIRED: u32 = 1 | 1 << 2 | 1 << 4 | 1 << 6 | 1 << 8 | 1 << 10 | 1 << 12 | 1 << 14;
    if seen & REQUIRED != REQUIRED && (f.any_properties || v < Version::Of15) {
        return Err(OfpError::OFPTFFC_BAD_FEATURES);
    }
    if f.any_properties {
        if seen & (1 << 1) == 0 {
            f.miss.instructions = f.nonmiss.instructions;
        }
        if seen & (1 << 3) == 0 {
            f.miss.next = f.nonmiss.next;
        }
        if seen & (1 << 5) == 0 {
            f.miss.write.ofpacts = f.nonmiss.write.ofpacts;
        }
        if seen & (1 << 7) == 0 {
            f.miss.apply.ofpacts = f.nonmiss.apply.ofpacts;
        }
        if seen & (1 << 13) == 0 {
            f.miss.write.set_fields = f.nonmiss.write.set_fields.clone();
        }
        if seen & (1 << 15) == 0 {
            f.miss.apply.set_fields = f.nonmiss.apply.set_fields.clone();
        }
    }
    f.match_fields.extend(f.mask.iter().copied());
    f.wildcard.extend(f.mask.iter().copied());
    let m = f.match_fields.clone();
    f.wildcard.retain(|id| m.contains(id));
    Ok(f)
}

/// Tables until the first bad one, and its error (`loose`: ignore what
/// OVS does not understand, as a controller reading a reply does).
pub fn pull_features(
    mut b: &[u8],
    v: Version,
    loose: bool,
) -> (Vec<TableFeatures>, Option<OfpError>) {
    let mut out = Vec::new();
    while !b.is_empty() {
        match pull_one_features(&mut b, v, loose) {
            Ok(x) => out.push(x),
            Err(e) => return (out, Some(e)),
        }
    }
    (out, None)
}

/// Decodes a whole table features body.
pub fn decode_features(b: &[u8], v: Version, loose: bool) -> Result<Vec<TableFeatures>> {
    match pull_features(b, v, loose) {
        (x, None) => Ok(x),
        (_, Some(e)) => Err(e),
    }
}

fn action_features_text(s: &mut String, a: &ActionFeatures) {
    if a.ofpacts != 0 {
        s.push_str("        actions: ");
        bitmaps::format_ofpacts(s, a.ofpacts);
        s.push('\n');
    }
    if !a.set_fields.is_empty() {
        s.push_str("        supported on Set-Field:");
        bitmaps::format_fields(s, &a.set_fields);
        s.push('\n');
    }
}

fn instruction_features_text(
    s: &mut String,
    i: &InstructionFeatures,
    prev: Option<&InstructionFeatures>,
) {
    if i.next != [0; 4] {
        s.push_str("      next tables: ");
        let mut t = 0;
        while t < 255 {
            if !i.next_has(t) {
                t += 1;
                continue;
            }
            let mut end = t + 1;
            while end < 255 && i.next_has(end) {
                end += 1;
            }
            if end == t + 1 {
                let _ = write!(s, "{t},");
            } else {
                let _ = write!(s, "{t}-{},", end - 1);
            }
            t = end;
        }
        if s.ends_with(',') {
            s.pop();
        }
        s.push('\n');
    }
    if i.instructions != 0 {
        if prev.is_some_and(|p| p.instructions == i.instructions) {
            s.push_str("      (same instructions)\n");
        } else {
            s.push_str("      instructions: ");
            let names: Vec<String> = (0..32)
                .filter(|b| i.instructions & (1 << b) != 0)
                .map(|b| {
                    bitmaps::INSTRUCTION_NAMES
                        .get(b)
                        .map_or_else(|| b.to_string(), |n| (*n).to_owned())
                })
                .collect();
            s.push_str(&names.join(" "));
            s.push('\n');
        }
    }
    if prev.is_some_and(|p| p.write == i.write && p.apply == i.apply)
        && !i.write.set_fields.is_empty()
    {
        s.push_str("      (same actions)\n");
    } else if i.write != i.apply {
        s.push_str("      Write-Actions features:\n");
        action_features_text(s, &i.write);
        s.push_str("      Apply-Actions features:\n");
        action_features_text(s, &i.apply);
    } else if i.write.ofpacts != 0 || !i.write.set_fields.is_empty() {
        s.push_str("      Write-Actions and Apply-Actions features:\n");
        action_features_text(s, &i.write);
    }
}

/// OVS `table_instruction_features_next_equal()`: a table's next-table
/// set counts as equal to the following table's when it differs only in
/// that table.
fn next_equal(a: &InstructionFeatures, at: usize, b: &InstructionFeatures, bt: usize) -> bool {
    if bt == at + 1 && a.next_has(bt) && !b.next_has(bt) {
        (0..4).all(|i| {
            let mut d = a.next[i] ^ b.next[i];
            if i == bt / 64 {
                d &= !(1 << (bt % 64));
            }
            d == 0
        })
    } else if at == bt + 1 {
        next_equal(b, bt, a, at)
    } else {
        a.next == b.next
    }
}

fn inst_equal(a: &InstructionFeatures, at: u8, b: &InstructionFeatures, bt: u8) -> bool {
    next_equal(a, usize::from(at), b, usize::from(bt))
        && a.instructions == b.instructions
        && a.write == b.write
        && a.apply == b.apply
}

fn features_equal(a: &TableFeatures, b: &TableFeatures) -> bool {
    a.metadata_match == b.metadata_match
        && a.metadata_write == b.metadata_write
        && a.supports_eviction == b.supports_eviction
        && a.supports_vacancy_events == b.supports_vacancy_events
        && a.max_entries == b.max_entries
        && inst_equal(&a.nonmiss, a.table_id, &b.nonmiss, b.table_id)
        && inst_equal(&a.miss, a.table_id, &b.miss, b.table_id)
        && a.match_fields == b.match_fields
}

fn features_empty(f: &TableFeatures) -> bool {
    f.metadata_match == 0
        && f.metadata_write == 0
        && f.supports_eviction.is_none()
        && f.supports_vacancy_events.is_none()
        && f.max_entries == 0
        && f.nonmiss.is_empty()
        && f.miss.is_empty()
        && f.match_fields.is_empty()
}

fn matches_text(s: &mut String, f: &TableFeatures, mask: bool, wc: bool, title: &str) {
    let set: FieldSet = f
        .match_fields
        .iter()
        .filter(|id| f.mask.contains(id) == mask && f.wildcard.contains(id) == wc)
        .copied()
        .collect();
    if !set.is_empty() {
        let _ = write!(s, "      {title}:");
        bitmaps::format_fields(s, &set);
        s.push('\n');
    }
}

type Counters = (u32, u64, u64);

struct Ditto {
    first: Option<u8>,
    last: u8,
}

impl Ditto {
    fn finish(&mut self, s: &mut String) {
        let Some(first) = self.first.take() else {
            return;
        };
        s.push('\n');
        if first == self.last {
            let _ = writeln!(s, "  table {first}: ditto");
        } else {
            let _ = writeln!(s, "  tables {first}...{}: ditto", self.last);
        }
    }
}

/// OVS `ofputil_table_features_format()`.
fn format_one(
    s: &mut String,
    f: &TableFeatures,
    prev: Option<&TableFeatures>,
    stats: Option<Counters>,
    prev_stats: Option<Counters>,
    ditto: &mut Ditto,
) {
    if prev.is_none() && f.command != 0 {
        let c = ["replace", "modify", "enable", "disable"]
            .get(usize::from(f.command))
            .unwrap_or(&"***bad command***");
        let _ = write!(s, "\n  command: {c}");
    }
    let same_stats = stats.is_none() || (prev_stats.is_some() && stats == prev_stats);
    let same_features = prev.is_some_and(|p| features_equal(f, p));
    if same_stats && same_features && f.name.is_empty() {
        if ditto.first.is_none() {
            ditto.first = Some(f.table_id);
        }
        ditto.last = f.table_id;
        return;
    }
    ditto.finish(s);
    let _ = write!(s, "\n  table {}", f.table_id);
    if !f.name.is_empty() {
        let _ = write!(s, " (\"{}\")", f.name);
    }
    s.push(':');
    if same_stats && same_features {
        s.push_str(" ditto");
        return;
    }
    s.push('\n');
    if let Some((a, l, m)) = stats {
        let _ = writeln!(s, "    active={a}, lookup={l}, matched={m}");
    }
    if same_features {
        if !features_empty(f) {
            s.push_str("    (same features)\n");
        }
        return;
    }
    if f.metadata_match != 0 || f.metadata_write != 0 {
        let hex = |v: u64| {
            if v == 0 {
                "0".to_owned()
            } else {
                format!("{v:#x}")
            }
        };
        let _ = writeln!(
            s,
            "    metadata: match={} write={}",
            hex(f.metadata_match),
            hex(f.metadata_write)
        );
    }
    if let Some(e) = f.supports_eviction {
        let _ = writeln!(s, "    eviction: {}supported", if e { "" } else { "not " });
    }
    if let Some(e) = f.supports_vacancy_events {
        let _ = writeln!(
            s,
            "    vacancy events: {}supported",
            if e { "" } else { "not " }
        );
    }
    if f.max_entries != 0 {
        let _ = writeln!(s, "    max_entries={}", f.max_entries);
    }
    let t = f.table_id;
    if let Some(p) = prev.filter(|p| {
        inst_equal(&f.nonmiss, t, &p.nonmiss, p.table_id)
            && inst_equal(&f.miss, t, &p.miss, p.table_id)
    }) {
        let _ = p;
        if !f.nonmiss.is_empty() {
            s.push_str("    (same instructions)\n");
        }
    } else if !inst_equal(&f.nonmiss, t, &f.miss, t) {
        s.push_str("    instructions (other than table miss):\n");
        instruction_features_text(s, &f.nonmiss, prev.map(|p| &p.nonmiss));
        s.push_str("    instructions (table miss):\n");
        instruction_features_text(s, &f.miss, prev.map(|p| &p.miss));
    } else if !f.nonmiss.is_empty() {
        s.push_str("    instructions (table miss and others):\n");
        instruction_features_text(s, &f.nonmiss, prev.map(|p| &p.nonmiss));
    }
    if !f.match_fields.is_empty() {
        if prev.is_some_and(|p| p.match_fields == f.match_fields) {
            s.push_str("    (same matching)\n");
        } else {
            s.push_str("    matching:\n");
            matches_text(s, f, true, true, "arbitrary mask");
            matches_text(s, f, false, true, "exact match or wildcard");
            matches_text(s, f, false, false, "must exact match");
        }
    }
}

/// The ofp-print body of a table stats reply.
pub fn format_stats(s: &mut String, tables: &[TableStats]) {
    let mut ditto = Ditto {
        first: None,
        last: 0,
    };
    let mut prev: Option<&TableStats> = None;
    for t in tables {
        let c = (t.active_count, t.lookup_count, t.matched_count);
        format_one(
            s,
            &t.features,
            prev.map(|p| &p.features),
            Some(c),
            prev.map(|p| (p.active_count, p.lookup_count, p.matched_count)),
            &mut ditto,
        );
        prev = Some(t);
    }
    ditto.finish(s);
}

/// The ofp-print body of a table features reply.
pub fn format_features(s: &mut String, tables: &[TableFeatures]) {
    let mut ditto = Ditto {
        first: None,
        last: 0,
    };
    let mut prev: Option<&TableFeatures> = None;
    for f in tables {
        format_one(s, f, prev, None, None, &mut ditto);
        prev = Some(f);
    }
    ditto.finish(s);
}
