//! The Open vSwitch commands: bridges (including "fake" VLAN bridges), ports, bonds,
//! interfaces, controllers, fail modes, managers, SSL and `emer-reset`.
//!
//! Like `ovs-vsctl`, they work on a cache of names (bridges, ports, interfaces) built
//! from the transaction's current state. Here the cache is rebuilt whenever a command
//! needs it, which keeps it right after any write without OVS's manual upkeep.

use std::collections::BTreeMap;

use crate::commands::Command;
use crate::ctx::{command_string, fatal, Ctx, Fail, R};
use crate::data::{Atom, Datum};

#[derive(Debug, Clone)]
pub(crate) struct Br {
    pub(crate) cfg: Option<String>,
    pub(crate) parent: Option<String>,
    vlan: i64,
    ports: Vec<String>,
}

#[derive(Debug, Clone)]
struct Port {
    cfg: String,
    bridge: String,
    ifaces: Vec<String>,
}

#[derive(Debug, Clone)]
struct Iface {
    cfg: String,
    port: String,
}

#[derive(Debug, Default)]
pub(crate) struct Cache {
    bridges: BTreeMap<String, Br>,
    ports: BTreeMap<String, Port>,
    ifaces: BTreeMap<String, Iface>,
}

fn port_tag(ctx: &Ctx, port: &str) -> Option<i64> {
    ctx.txn
        .get("Port", port, "tag")
        .first()
        .and_then(Atom::as_int)
        .filter(|t| (0..=4095).contains(t))
}

fn is_fake_bridge(ctx: &Ctx, port: &str) -> bool {
    let fake = ctx.txn.get("Port", port, "fake_bridge").first() == Some(&Atom::Boolean(true));
    fake && port_tag(ctx, port).is_some()
}

pub(crate) fn populate(ctx: &Ctx) -> Cache {
    let mut c = Cache::default();
    let bridges = ctx.txn.get_refs("Open_vSwitch", &ctx.ovs, "bridges");
    let mut seen_br = std::collections::BTreeSet::new();
    let mut seen_ports = std::collections::BTreeSet::new();
    for b in &bridges {
        let name = ctx.txn.get_str("Bridge", b, "name");
        if !seen_br.insert(name.clone()) {
            crate::warn(
                "vsctl",
                &format!("{name}: database contains duplicate bridge name"),
            );
            continue;
        }
        c.bridges.insert(
            name.clone(),
            Br {
                cfg: Some(b.clone()),
                parent: None,
                vlan: 0,
                ports: Vec::new(),
            },
        );
        for p in ctx.txn.get_refs("Bridge", b, "ports") {
            let pname = ctx.txn.get_str("Port", &p, "name");
            if !seen_ports.insert(pname.clone()) {
                continue;
            }
            if is_fake_bridge(ctx, &p) && seen_br.insert(pname.clone()) {
                let vlan = port_tag(ctx, &p).unwrap_or(0);
                let conflict = c
                    .bridges
                    .values()
                    .any(|x| x.parent.as_deref() == Some(name.as_str()) && x.vlan == vlan);
                if !conflict {
                    c.bridges.insert(
                        pname,
                        Br {
                            cfg: None,
                            parent: Some(name.clone()),
                            vlan,
                            ports: Vec::new(),
                        },
                    );
                }
            }
        }
    }
    let mut seen_br = std::collections::BTreeSet::new();
    for b in &bridges {
        let name = ctx.txn.get_str("Bridge", b, "name");
        if !seen_br.insert(name.clone()) {
            continue;
        }
        for p in ctx.txn.get_refs("Bridge", b, "ports") {
            let pname = ctx.txn.get_str("Port", &p, "name");
            if let Some(existing) = c.ports.get(&pname) {
                if existing.cfg == p {
                    crate::warn(
                        "vsctl",
                        &format!(
                            "{pname}: port is in multiple bridges ({name} and {})",
                            existing.bridge
                        ),
                    );
                }
                continue;
            }
            if is_fake_bridge(ctx, &p) && !seen_br.insert(pname.clone()) {
                continue;
            }
            let mut owner = name.clone();
            if let Some(tag) = port_tag(ctx, &p) {
                if let Some((child, _)) = c
                    .bridges
                    .iter()
                    .find(|(_, x)| x.parent.as_deref() == Some(name.as_str()) && x.vlan == tag)
                {
                    owner = child.clone();
                }
            }
            if let Some(br) = c.bridges.get_mut(&owner) {
                br.ports.push(pname.clone());
            }
            let mut port = Port {
                cfg: p.clone(),
                bridge: owner,
                ifaces: Vec::new(),
            };
            for i in ctx.txn.get_refs("Port", &p, "interfaces") {
                let iname = ctx.txn.get_str("Interface", &i, "name");
                if c.ifaces.contains_key(&iname) {
                    continue;
                }
                c.ifaces.insert(
                    iname.clone(),
                    Iface {
                        cfg: i.clone(),
                        port: pname.clone(),
                    },
                );
                port.ifaces.push(iname);
            }
            c.ports.insert(pname, port);
        }
    }
    c
}

fn verify_ports(ctx: &mut Ctx) {
    if ctx.verified_ports {
        return;
    }
    let ovs = ctx.ovs.clone();
    ctx.txn.verify("Open_vSwitch", &ovs, "bridges");
    for b in ctx.txn.uuids("Bridge") {
        ctx.txn.verify("Bridge", &b, "ports");
    }
    for p in ctx.txn.uuids("Port") {
        ctx.txn.verify("Port", &p, "interfaces");
    }
    ctx.verified_ports = true;
}

pub(crate) fn find_bridge(ctx: &mut Ctx, c: &Cache, name: &str, must_exist: bool) -> R<Option<Br>> {
    let br = c.bridges.get(name).cloned();
    if must_exist && br.is_none() {
        return fatal(format!("no bridge named {name}"));
    }
    let ovs = ctx.ovs.clone();
    ctx.txn.verify("Open_vSwitch", &ovs, "bridges");
    Ok(br)
}

pub(crate) fn find_real_bridge(ctx: &mut Ctx, c: &Cache, name: &str) -> R<Br> {
    let br = find_bridge(ctx, c, name, true)?.ok_or(Fail::Exit(1))?;
    if br.parent.is_some() {
        return fatal(format!("{name} is a fake bridge"));
    }
    Ok(br)
}

fn find_port(ctx: &mut Ctx, c: &Cache, name: &str, must_exist: bool) -> R<Option<Port>> {
    let port = c.ports.get(name).filter(|p| p.bridge != name).cloned();
    if must_exist && port.is_none() {
        return fatal(format!("no port named {name}"));
    }
    verify_ports(ctx);
    Ok(port)
}

fn find_iface(ctx: &mut Ctx, c: &Cache, name: &str, must_exist: bool) -> R<Option<Iface>> {
    let iface = c
        .ifaces
        .get(name)
        .filter(|i| c.ports.get(&i.port).is_none_or(|p| p.bridge != name))
        .cloned();
    if must_exist && iface.is_none() {
        return fatal(format!("no interface named {name}"));
    }
    verify_ports(ctx);
    Ok(iface)
}

fn check_conflicts(ctx: &mut Ctx, c: &Cache, name: &str, msg: &str) -> R<()> {
    verify_ports(ctx);
    if c.bridges.contains_key(name) {
        return fatal(format!(
            "{msg} because a bridge named {name} already exists"
        ));
    }
    if let Some(p) = c.ports.get(name) {
        return fatal(format!(
            "{msg} because a port named {name} already exists on bridge {}",
            p.bridge
        ));
    }
    if let Some(i) = c.ifaces.get(name) {
        let br = c
            .ports
            .get(&i.port)
            .map(|p| p.bridge.clone())
            .unwrap_or_default();
        return fatal(format!(
            "{msg} because an interface named {name} already exists on bridge {br}"
        ));
    }
    Ok(())
}

pub(crate) fn str_datum(s: &str) -> Datum {
    Datum::scalar(Atom::String(s.to_string()))
}

fn refs_datum(uuids: &[String]) -> Datum {
    let mut d = Datum {
        keys: uuids.iter().map(|u| Atom::Uuid(u.clone())).collect(),
        values: Vec::new(),
    };
    d.sort();
    d
}

pub(crate) fn set_refs(ctx: &mut Ctx, table: &str, uuid: &str, col: &str, refs: &[String]) {
    ctx.txn.write(table, uuid, col, refs_datum(refs));
}

fn new_iface(ctx: &mut Ctx, name: &str, internal: bool) -> String {
    let i = ctx.txn.insert("Interface", None);
    ctx.txn.write("Interface", &i, "name", str_datum(name));
    if internal {
        ctx.txn
            .write("Interface", &i, "type", str_datum("internal"));
    }
    i
}

fn new_port(ctx: &mut Ctx, name: &str, ifaces: &[String]) -> String {
    let p = ctx.txn.insert("Port", None);
    ctx.txn.write("Port", &p, "name", str_datum(name));
    set_refs(ctx, "Port", &p, "interfaces", ifaces);
    p
}

pub(crate) fn bridge_cfg(c: &Cache, br: &Br) -> String {
    match &br.parent {
        Some(p) => c
            .bridges
            .get(p)
            .and_then(|b| b.cfg.clone())
            .unwrap_or_default(),
        None => br.cfg.clone().unwrap_or_default(),
    }
}

fn add_ref(ctx: &mut Ctx, table: &str, uuid: &str, col: &str, r: &str) {
    let mut refs = ctx.txn.get_refs(table, uuid, col);
    refs.push(r.to_string());
    set_refs(ctx, table, uuid, col, &refs);
}

fn del_ref(ctx: &mut Ctx, table: &str, uuid: &str, col: &str, r: &str) {
    let refs: Vec<String> = ctx
        .txn
        .get_refs(table, uuid, col)
        .into_iter()
        .filter(|x| x != r)
        .collect();
    set_refs(ctx, table, uuid, col, &refs);
}

fn add_br(ctx: &mut Ctx, cmd: &Command) -> R<()> {
    let a = &cmd.args;
    let name = &a[1];
    if name.is_empty() {
        return fatal("bridge name must not be empty string");
    }
    let (parent, vlan) = match a.len() {
        2 => (None, 0),
        4 => {
            let vlan = atoi(&a[3]);
            if !(0..=4095).contains(&vlan) {
                return fatal(format!("{}: vlan must be between 0 and 4095", a[0]));
            }
            (Some(a[2].clone()), vlan)
        }
        _ => return fatal(format!("'{}' command takes exactly 1 or 3 arguments", a[0])),
    };
    let c = populate(ctx);
    if cmd.has("--may-exist") {
        if let Some(br) = find_bridge(ctx, &c, name, false)? {
            match &parent {
                None => {
                    if br.parent.is_some() {
                        return fatal(format!(
                            "\"--may-exist add-br {name}\" but {name} is a VLAN bridge for VLAN {}",
                            br.vlan
                        ));
                    }
                }
                Some(p) => {
                    let head = format!("\"--may-exist add-br {name} {p} {vlan}\" but {name}");
                    match &br.parent {
                        None => return fatal(format!("{head} is not a VLAN bridge")),
                        Some(bp) if bp != p => {
                            return fatal(format!("{head} has the wrong parent {bp}"))
                        }
                        Some(_) if br.vlan != vlan => {
                            return fatal(format!(
                                "{head} is a VLAN bridge for the wrong VLAN {}",
                                br.vlan
                            ))
                        }
                        _ => {}
                    }
                }
            }
            return Ok(());
        }
    }
    check_conflicts(
        ctx,
        &c,
        name,
        &format!("cannot create a bridge named {name}"),
    )?;
    let iface = match &parent {
        None => {
            let i = new_iface(ctx, name, true);
            let p = new_port(ctx, name, std::slice::from_ref(&i));
            let b = ctx.txn.insert("Bridge", None);
            ctx.txn.write("Bridge", &b, "name", str_datum(name));
            set_refs(ctx, "Bridge", &b, "ports", &[p]);
            let ovs = ctx.ovs.clone();
            add_ref(ctx, "Open_vSwitch", &ovs, "bridges", &b);
            i
        }
        Some(pname) => {
            let pb = find_bridge(ctx, &c, pname, false)?;
            if pb.as_ref().is_some_and(|b| b.parent.is_some()) {
                return fatal("cannot create bridge with fake bridge as parent");
            }
            let Some(pb) = pb else {
                return fatal(format!("parent bridge {pname} does not exist"));
            };
            if let Some((child, _)) = c
                .bridges
                .iter()
                .find(|(_, b)| b.parent.as_deref() == Some(pname.as_str()) && b.vlan == vlan)
            {
                return fatal(format!(
                    "bridge {pname} already has a child VLAN bridge {child} on VLAN {vlan}"
                ));
            }
            let i = new_iface(ctx, name, true);
            let p = new_port(ctx, name, std::slice::from_ref(&i));
            ctx.txn.write(
                "Port",
                &p,
                "fake_bridge",
                Datum::scalar(Atom::Boolean(true)),
            );
            ctx.txn
                .write("Port", &p, "tag", Datum::scalar(Atom::Integer(vlan)));
            let bcfg = pb.cfg.clone().unwrap_or_default();
            add_ref(ctx, "Bridge", &bcfg, "ports", &p);
            i
        }
    };
    ctx.new_ifaces.push(iface);
    Ok(())
}

/// C's `atoi`: leading spaces, optional sign, digits; 0 if none.
pub(crate) fn atoi(s: &str) -> i64 {
    let t = s.trim_start();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let n: String = digits.chars().take_while(char::is_ascii_digit).collect();
    let v = n.parse::<i64>().unwrap_or(0).min(i64::from(i32::MAX) + 1);
    if neg {
        -v
    } else {
        v
    }
}

fn del_port(ctx: &mut Ctx, c: &Cache, port: &Port) {
    let br = &c.bridges[&port.bridge];
    let bcfg = bridge_cfg(c, br);
    del_ref(ctx, "Bridge", &bcfg, "ports", &port.cfg);
    for i in &port.ifaces {
        ctx.txn.delete("Interface", &c.ifaces[i].cfg);
    }
    ctx.txn.delete("Port", &port.cfg);
}

fn del_bridge(ctx: &mut Ctx, c: &Cache, name: &str) {
    let br = c.bridges[name].clone();
    let children: Vec<String> = c
        .bridges
        .iter()
        .filter(|(_, b)| b.parent.as_deref() == Some(name))
        .map(|(n, _)| n.clone())
        .collect();
    for ch in children {
        del_bridge(ctx, c, &ch);
    }
    for p in &br.ports {
        let port = c.ports[p].clone();
        del_port(ctx, c, &port);
    }
    if let Some(cfg) = &br.cfg {
        // ovs-vsctl 3.1 means to delete the bridge's Flow_Sample_Collector_Set rows
        // here, but its del-br does not monitor that table, so it never finds any and
        // the rows (and the bridge they reference) stay. Do the same.
        ctx.txn.delete("Bridge", cfg);
        let ovs = ctx.ovs.clone();
        del_ref(ctx, "Open_vSwitch", &ovs, "bridges", cfg);
    }
}

pub(crate) fn output_sorted(ctx: &mut Ctx, mut v: Vec<String>) {
    v.sort();
    for s in v {
        ctx.line(s);
    }
}

#[allow(clippy::too_many_arguments)]
fn add_port(
    ctx: &mut Ctx,
    cmd: &Command,
    br_name: &str,
    port_name: &str,
    may_exist: bool,
    fake_iface: bool,
    iface_names: &[String],
    settings: &[String],
) -> R<()> {
    if port_name.is_empty() {
        return fatal("port name must not be empty string");
    }
    if iface_names.iter().any(String::is_empty) {
        return fatal("interface name must not be empty string");
    }
    let c = populate(ctx);
    if may_exist {
        if let Some(p) = find_port(ctx, &c, port_name, false)? {
            let mut want: Vec<String> = iface_names.to_vec();
            want.sort();
            let mut have: Vec<String> = ctx
                .txn
                .get_refs("Port", &p.cfg, "interfaces")
                .iter()
                .map(|i| ctx.txn.get_str("Interface", i, "name"))
                .collect();
            have.sort();
            if p.bridge != br_name {
                return fatal(format!(
                    "\"{}\" but {port_name} is actually attached to bridge {}",
                    command_string(cmd),
                    p.bridge
                ));
            }
            if want != have {
                return fatal(format!(
                    "\"{}\" but {port_name} actually has interface(s) {}",
                    command_string(cmd),
                    have.join(", ")
                ));
            }
            return Ok(());
        }
    }
    check_conflicts(
        ctx,
        &c,
        port_name,
        &format!("cannot create a port named {port_name}"),
    )?;
    for i in iface_names {
        check_conflicts(ctx, &c, i, &format!("cannot create an interface named {i}"))?;
    }
    let br = find_bridge(ctx, &c, br_name, true)?.ok_or(Fail::Exit(1))?;
    let mut ifaces = Vec::new();
    for n in iface_names {
        let i = new_iface(ctx, n, false);
        ctx.new_ifaces.push(i.clone());
        ifaces.push(i);
    }
    let p = new_port(ctx, port_name, &ifaces);
    if fake_iface {
        ctx.txn.write(
            "Port",
            &p,
            "bond_fake_iface",
            Datum::scalar(Atom::Boolean(true)),
        );
    }
    if br.parent.is_some() {
        ctx.txn
            .write("Port", &p, "tag", Datum::scalar(Atom::Integer(br.vlan)));
    }
    let table = ctx.table("Port");
    for s in settings {
        crate::dbctl::set_column(ctx, &table, &p, s)?;
    }
    let bcfg = bridge_cfg(&c, &br);
    add_ref(ctx, "Bridge", &bcfg, "ports", &p);
    Ok(())
}

fn set_external_id(d: &Datum, key: &str, value: Option<&str>) -> Datum {
    let mut pairs: Vec<(Atom, Atom)> = d
        .keys
        .iter()
        .cloned()
        .zip(d.values.iter().cloned())
        .filter(|(k, _)| k.as_str() != key)
        .collect();
    if let Some(v) = value {
        pairs.push((Atom::String(key.into()), Atom::String(v.into())));
    }
    let mut out = Datum {
        keys: pairs.iter().map(|p| p.0.clone()).collect(),
        values: pairs.into_iter().map(|p| p.1).collect(),
    };
    out.sort();
    out
}

fn get_external_id(ctx: &mut Ctx, d: &Datum, prefix: &str, key: Option<&String>) {
    match key {
        Some(k) => {
            if let Some(v) = d.get_str(&format!("{prefix}{k}")) {
                let v = v.to_string();
                ctx.line(v);
            }
        }
        None => {
            for (k, v) in d.keys.iter().zip(&d.values) {
                if let Some(rest) = k.as_str().strip_prefix(prefix) {
                    let line = format!("{rest}={}", v.as_str());
                    ctx.line(line);
                }
            }
        }
    }
}

/// Runs an Open vSwitch command; `Ok(false)` if `cmd` is not one.
pub fn run(ctx: &mut Ctx, cmd: &Command) -> R<bool> {
    let a = &cmd.args;
    let must_exist = !cmd.has("--if-exists");
    match a[0].as_str() {
        "init" => {}
        "add-br" => add_br(ctx, cmd)?,
        "del-br" => {
            let c = populate(ctx);
            if find_bridge(ctx, &c, &a[1], must_exist)?.is_some() {
                del_bridge(ctx, &c, &a[1]);
            }
        }
        "list-br" => {
            let (mut real, mut fake) = (cmd.has("--real"), cmd.has("--fake"));
            if !real && !fake {
                real = true;
                fake = true;
            }
            let c = populate(ctx);
            let v = c
                .bridges
                .iter()
                .filter(|(_, b)| if b.parent.is_some() { fake } else { real })
                .map(|(n, _)| n.clone())
                .collect();
            output_sorted(ctx, v);
        }
        "br-exists" => {
            let c = populate(ctx);
            if find_bridge(ctx, &c, &a[1], false)?.is_none() {
                return Err(Fail::Exit(2));
            }
        }
        "br-to-vlan" => {
            let c = populate(ctx);
            let br = find_bridge(ctx, &c, &a[1], true)?.ok_or(Fail::Exit(1))?;
            ctx.line(br.vlan.to_string());
        }
        "br-to-parent" => {
            let c = populate(ctx);
            find_bridge(ctx, &c, &a[1], true)?;
            let br = &c.bridges[&a[1]];
            let name = br.parent.clone().unwrap_or_else(|| a[1].clone());
            ctx.line(name);
        }
        "br-set-external-id" | "br-get-external-id" => {
            let c = populate(ctx);
            let br = find_bridge(ctx, &c, &a[1], true)?.ok_or(Fail::Exit(1))?;
            let (table, row, prefix) = match &br.cfg {
                Some(cfg) => ("Bridge", cfg.clone(), ""),
                None => ("Port", c.ports[&a[1]].cfg.clone(), "fake-bridge-"),
            };
            let d = ctx.txn.get(table, &row, "external_ids");
            ctx.txn.verify(table, &row, "external_ids");
            if a[0] == "br-set-external-id" {
                let key = format!("{prefix}{}", a[2]);
                let new = set_external_id(&d, &key, a.get(3).map(String::as_str));
                ctx.txn.write(table, &row, "external_ids", new);
            } else {
                get_external_id(ctx, &d, prefix, a.get(2));
            }
        }
        "list-ports" => {
            let c = populate(ctx);
            let br = find_bridge(ctx, &c, &a[1], true)?.ok_or(Fail::Exit(1))?;
            let bcfg = bridge_cfg(&c, &br);
            ctx.txn.verify("Bridge", &bcfg, "ports");
            let v = br.ports.iter().filter(|p| **p != a[1]).cloned().collect();
            output_sorted(ctx, v);
        }
        "add-port" => add_port(
            ctx,
            cmd,
            &a[1],
            &a[2],
            cmd.has("--may-exist"),
            false,
            &a[2..3],
            &a[3..],
        )?,
        "add-bond" => {
            let n = a[3..]
                .iter()
                .position(|x| x.contains('='))
                .unwrap_or(a.len() - 3);
            if n < 2 {
                return fatal(format!(
                    "add-bond requires at least 2 interfaces, but only {n} were specified"
                ));
            }
            add_port(
                ctx,
                cmd,
                &a[1],
                &a[2],
                cmd.has("--may-exist"),
                cmd.has("--fake-iface"),
                &a[3..3 + n],
                &a[3 + n..],
            )?;
        }
        "add-bond-iface" => {
            let c = populate(ctx);
            let port = find_port(ctx, &c, &a[1], true)?.ok_or(Fail::Exit(1))?;
            let name = &a[2];
            if cmd.has("--may-exist") {
                if let Some(i) = find_iface(ctx, &c, name, false)? {
                    if i.port == a[1] {
                        return Ok(true);
                    }
                    return fatal(format!(
                        "\"{}\" but {name} is actually attached to port {}",
                        command_string(cmd),
                        i.port
                    ));
                }
            }
            check_conflicts(
                ctx,
                &c,
                name,
                &format!("cannot create an interface named {name}"),
            )?;
            let i = new_iface(ctx, name, false);
            add_ref(ctx, "Port", &port.cfg, "interfaces", &i);
            ctx.new_ifaces.push(i);
        }
        "del-bond-iface" => {
            let c = populate(ctx);
            let name = &a[a.len() - 1];
            let Some(iface) = find_iface(ctx, &c, name, must_exist)? else {
                return Ok(true);
            };
            if a.len() > 2 {
                let port = find_port(ctx, &c, &a[1], true)?.ok_or(Fail::Exit(1))?;
                if port.cfg != c.ports[&iface.port].cfg {
                    return fatal(format!("port {} does not have an interface {name}", a[1]));
                }
            }
            let port = &c.ports[&iface.port];
            if port.ifaces.len() <= 1 {
                return fatal(format!(
                    "cannot delete last interface from port {}",
                    iface.port
                ));
            }
            del_ref(ctx, "Port", &port.cfg, "interfaces", &iface.cfg);
            ctx.txn.delete("Interface", &iface.cfg);
        }
        "del-port" => {
            let c = populate(ctx);
            let target = &a[a.len() - 1];
            let port = if find_bridge(ctx, &c, target, false)?.is_some() {
                if must_exist {
                    return fatal(format!(
                        "cannot delete port {target} because it is the local port for bridge {target} (deleting this port requires deleting the entire bridge)"
                    ));
                }
                None
            } else if !cmd.has("--with-iface") {
                find_port(ctx, &c, target, must_exist)?
            } else {
                let mut p = find_port(ctx, &c, target, false)?;
                if p.is_none() {
                    if let Some(i) = find_iface(ctx, &c, target, false)? {
                        p = c.ports.get(&i.port).cloned();
                    }
                }
                if must_exist && p.is_none() {
                    return fatal(format!("no port or interface named {target}"));
                }
                p
            };
            if let Some(port) = port {
                if a.len() == 3 {
                    find_bridge(ctx, &c, &a[1], true)?;
                    if port.bridge != a[1] {
                        let pb = &c.bridges[&port.bridge];
                        if pb.parent.as_deref() == Some(a[1].as_str()) {
                            return fatal(format!(
                                "bridge {} does not have a port {} (although its child bridge {} does)",
                                a[1], a[2], port.bridge
                            ));
                        }
                        return fatal(format!("bridge {} does not have a port {}", a[1], a[2]));
                    }
                }
                del_port(ctx, &c, &port);
            }
        }
        "port-to-br" => {
            let c = populate(ctx);
            let p = find_port(ctx, &c, &a[1], true)?.ok_or(Fail::Exit(1))?;
            ctx.line(p.bridge);
        }
        "list-ifaces" => {
            let c = populate(ctx);
            let br = find_bridge(ctx, &c, &a[1], true)?.ok_or(Fail::Exit(1))?;
            verify_ports(ctx);
            let mut v = Vec::new();
            for p in &br.ports {
                for i in &c.ports[p].ifaces {
                    if *i != a[1] {
                        v.push(i.clone());
                    }
                }
            }
            output_sorted(ctx, v);
        }
        "iface-to-br" => {
            let c = populate(ctx);
            let i = find_iface(ctx, &c, &a[1], true)?.ok_or(Fail::Exit(1))?;
            let br = c.ports[&i.port].bridge.clone();
            ctx.line(br);
        }
        _ => return crate::switch::run(ctx, cmd),
    }
    Ok(true)
}
