//! Flow-mods and group-mods applied to a bridge's tables, with OVS's semantics: add
//! (replacing an identical rule, `CHECK_OVERLAP`), modify and delete (loose or strict,
//! with cookie/mask and `out_port`/`out_group`), `RESET_COUNTS`, and timeouts.

use std::time::Instant;

use rvs_openflow::actions::{self, Action};
use rvs_openflow::flow_mod::{command, flags, FlowMod};
use rvs_openflow::group::GroupMod;
use rvs_openflow::OfpError;

use crate::bridge::Bridge;
use crate::group::Group;
use crate::rule::{Rule, N_TABLES};

/// `OFPRR_IDLE_TIMEOUT`.
pub const OFPRR_IDLE_TIMEOUT: u8 = 0;
/// `OFPRR_HARD_TIMEOUT`.
pub const OFPRR_HARD_TIMEOUT: u8 = 1;
/// `OFPRR_DELETE`.
pub const OFPRR_DELETE: u8 = 2;
/// `OFPRR_GROUP_DELETE`.
pub const OFPRR_GROUP_DELETE: u8 = 3;

/// A rule that left a table, for FLOW_REMOVED.
#[derive(Debug)]
pub struct Removed {
    /// Its table.
    pub table_id: u8,
    /// Why (`OFPRR_*`).
    pub reason: u8,
    /// The rule as it was.
    pub rule: Rule,
}

fn cookie_ok(r: &Rule, fm: &FlowMod) -> bool {
    (r.cookie ^ fm.cookie) & fm.cookie_mask == 0
}

impl Bridge {
    /// Checks what the actions of a flow-mod for `table` refer to: tables, groups,
    /// meters, prerequisites (OVS `ofproto_check_ofpacts`).
    pub fn check_actions(
        &self,
        acts: &[Action],
        fm_match: &rvs_openflow::Match,
        table: u8,
    ) -> Result<(), OfpError> {
        actions::check(acts, fm_match, table)?;
        self.check_refs(acts)
    }

    fn check_refs(&self, acts: &[Action]) -> Result<(), OfpError> {
        for a in acts {
            match a {
                Action::Group(g) if !self.groups.contains_key(g) => {
                    return Err(OfpError::OFPBAC_BAD_OUT_GROUP)
                }
                Action::GotoTable(t) if usize::from(*t) >= N_TABLES => {
                    return Err(OfpError::OFPBIC_BAD_TABLE_ID)
                }
                Action::Resubmit { table, .. }
                    if *table != 255 && usize::from(*table) >= N_TABLES =>
                {
                    return Err(OfpError::OFPBRC_BAD_TABLE_ID)
                }
                Action::WriteActions(inner) | Action::Clone(inner) => self.check_refs(inner)?,
                _ => {}
            }
        }
        Ok(())
    }

    /// Applies a flow-mod at `now`. Returns the rules deleted (for FLOW_REMOVED), or
    /// the error to send back. Nothing changes on error.
    pub fn flow_mod(&mut self, fm: &FlowMod, now: Instant) -> Result<Vec<Removed>, OfpError> {
        // OVS keeps table 254 for itself (hidden, read-only to controllers).
        if usize::from(fm.table_id) == N_TABLES {
            return Err(OfpError::OFPBRC_EPERM);
        }
        match fm.command {
            command::ADD => self.add_flow(fm, now).map(|_| Vec::new()),
            command::MODIFY | command::MODIFY_STRICT => {
                self.modify_flows(fm, now, fm.command == command::MODIFY_STRICT)?;
                Ok(Vec::new())
            }
            command::DELETE | command::DELETE_STRICT => {
                Ok(self.delete_flows(fm, fm.command == command::DELETE_STRICT))
            }
            _ => Err(OfpError::OFPFMFC_BAD_COMMAND),
        }
    }

    fn add_flow(&mut self, fm: &FlowMod, now: Instant) -> Result<(), OfpError> {
        let t = if fm.table_id == 255 { 0 } else { fm.table_id };
        self.check_actions(&fm.actions, &fm.m, t)?;
        let table = &mut self.tables[usize::from(t)];
        if fm.flags & flags::CHECK_OVERLAP != 0
            && table.rules().iter().any(|r| {
                r.priority == fm.priority && !r.is_strict(&fm.m, fm.priority) && r.overlaps(&fm.m)
            })
        {
            return Err(OfpError::OFPFMFC_OVERLAP);
        }
        let mut rule = Rule::new(fm.m, fm.priority, fm.actions.clone(), now);
        rule.cookie = if fm.new_cookie == u64::MAX {
            0
        } else {
            fm.new_cookie
        };
        rule.idle_timeout = fm.idle_timeout;
        rule.hard_timeout = fm.hard_timeout;
        rule.importance = fm.importance;
        rule.flags = fm.flags;
        let old = table.remove_if(|r| r.is_strict(&fm.m, fm.priority));
        if let Some(old) = old.into_iter().next() {
            // A replaced rule hands its counters on unless told to reset them.
            if fm.flags & flags::RESET_COUNTS == 0 {
                rule.stats = old.stats;
            }
        }
        table.insert(rule);
        self.changed();
        Ok(())
    }

    fn modify_flows(&mut self, fm: &FlowMod, now: Instant, strict: bool) -> Result<(), OfpError> {
        let range = self.table_range(fm.table_id);
        for t in range.clone() {
            self.check_actions(&fm.actions, &fm.m, t as u8)?;
        }
        let mut n = 0;
        for t in range {
            for r in self.tables[t].rules_mut() {
                let hit = if strict {
                    r.is_strict(&fm.m, fm.priority)
                } else {
                    r.is_loose(&fm.m)
                };
                if !hit || !cookie_ok(r, fm) {
                    continue;
                }
                n += 1;
                r.actions = fm.actions.clone();
                r.modified = now;
                if fm.modify_cookie && fm.new_cookie != u64::MAX {
                    r.cookie = fm.new_cookie;
                }
                if fm.flags & flags::RESET_COUNTS != 0 {
                    r.stats = Default::default();
                }
            }
        }
        if n == 0 && fm.cookie_mask == 0 {
            // As OVS: a modify that matches nothing adds the flow.
            return self.add_flow(fm, now);
        }
        self.changed();
        Ok(())
    }

    fn table_range(&self, table_id: u8) -> std::ops::Range<usize> {
        if table_id == 255 {
            0..N_TABLES
        } else {
            usize::from(table_id)..usize::from(table_id) + 1
        }
    }

    fn delete_flows(&mut self, fm: &FlowMod, strict: bool) -> Vec<Removed> {
        let mut out = Vec::new();
        for t in self.table_range(fm.table_id) {
            let removed = self.tables[t].remove_if(|r| {
                let hit = if strict {
                    r.is_strict(&fm.m, fm.priority)
                } else {
                    r.is_loose(&fm.m)
                };
                hit && cookie_ok(r, fm)
                    && r.has_out_port(fm.out_port)
                    && r.has_out_group(fm.out_group)
            });
            out.extend(removed.into_iter().map(|rule| Removed {
                table_id: t as u8,
                reason: OFPRR_DELETE,
                rule,
            }));
        }
        if !out.is_empty() {
            self.changed();
        }
        out
    }

    /// Applies flow-mods all or nothing (an OpenFlow 1.4 bundle commit): either all
    /// succeed and the rules they deleted come back, or the tables are left as they
    /// were and the index of the failing flow-mod comes back with its error.
    pub fn flow_mods_atomic(
        &mut self,
        fms: &[&FlowMod],
        now: Instant,
    ) -> Result<Vec<Removed>, (usize, OfpError)> {
        let saved = self.tables.clone();
        let mut removed = Vec::new();
        for (i, fm) in fms.iter().enumerate() {
            match self.flow_mod(fm, now) {
                Ok(r) => removed.extend(r),
                Err(e) => {
                    self.tables = saved;
                    self.changed();
                    return Err((i, e));
                }
            }
        }
        Ok(removed)
    }

    /// Removes rules whose idle or hard timeout passed by `now`.
    pub fn expire_rules(&mut self, now: Instant) -> Vec<Removed> {
        let mut out = Vec::new();
        for (t, table) in self.tables.iter_mut().enumerate() {
            if table
                .rules()
                .iter()
                .all(|r| r.idle_timeout == 0 && r.hard_timeout == 0)
            {
                continue;
            }
            let removed = table.remove_if(|r| r.expired(now).is_some());
            out.extend(removed.into_iter().map(|rule| Removed {
                table_id: t as u8,
                reason: rule.expired(now).unwrap_or(OFPRR_DELETE),
                rule,
            }));
        }
        if !out.is_empty() {
            self.changed();
        }
        out
    }

    /// Applies a group-mod (OVS semantics for add, modify, delete, add-or-modify).
    pub fn group_mod(&mut self, gm: &GroupMod) -> Result<Vec<Removed>, OfpError> {
        const ADD: u16 = 0;
        const MODIFY: u16 = 1;
        const DELETE: u16 = 2;
        const ADD_OR_MOD: u16 = 0x8000;
        let all = 0xffff_fffc;
        if gm.command != DELETE {
            if gm.group_id > 0xffff_ff00 {
                return Err(OfpError::OFPGMFC_INVALID_GROUP);
            }
            if gm.type_ > 3 {
                return Err(OfpError::OFPGMFC_BAD_TYPE);
            }
            for b in &gm.buckets {
                self.check_actions(&b.actions, &rvs_openflow::Match::default(), 255)?;
            }
        }
        let g = Group {
            id: gm.group_id,
            type_: gm.type_,
            buckets: gm.buckets.clone(),
            stats: Default::default(),
        };
        match gm.command {
            ADD if self.groups.contains_key(&gm.group_id) => {
                return Err(OfpError::OFPGMFC_GROUP_EXISTS)
            }
            MODIFY if !self.groups.contains_key(&gm.group_id) => {
                return Err(OfpError::OFPGMFC_UNKNOWN_GROUP)
            }
            ADD | MODIFY | ADD_OR_MOD => {
                self.groups.insert(gm.group_id, g);
            }
            DELETE => {
                let ids: Vec<u32> = if gm.group_id == all {
                    self.groups.keys().copied().collect()
                } else {
                    vec![gm.group_id]
                };
                let mut removed = Vec::new();
                for id in ids {
                    if self.groups.remove(&id).is_some() {
                        for (t, table) in self.tables.iter_mut().enumerate() {
                            let gone = table.remove_if(|r| r.has_out_group(id));
                            removed.extend(gone.into_iter().map(|rule| Removed {
                                table_id: t as u8,
                                reason: OFPRR_GROUP_DELETE,
                                rule,
                            }));
                        }
                    }
                }
                self.changed();
                return Ok(removed);
            }
            _ => return Err(OfpError::OFPGMFC_BAD_COMMAND),
        }
        self.changed();
        Ok(Vec::new())
    }
}
