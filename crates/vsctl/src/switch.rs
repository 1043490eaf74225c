//! Controller, fail-mode, manager, SSL and `emer-reset` commands.

use crate::bridge::{
    atoi, bridge_cfg, find_bridge, find_real_bridge, output_sorted, populate, set_refs, str_datum,
    Cache,
};
use crate::commands::Command;
use crate::ctx::{fatal, Ctx, Fail, R};
use crate::data::{Atom, Datum};

fn verify_controllers(ctx: &mut Ctx, br: &str) {
    ctx.txn.verify("Bridge", br, "controller");
    for c in ctx.txn.get_refs("Bridge", br, "controller") {
        ctx.txn.verify("Controller", &c, "target");
    }
}

fn verify_managers(ctx: &mut Ctx) {
    let ovs = ctx.ovs.clone();
    ctx.txn.verify("Open_vSwitch", &ovs, "manager_options");
    for m in ctx.txn.get_refs("Open_vSwitch", &ovs, "manager_options") {
        ctx.txn.verify("Manager", &m, "target");
    }
}

fn insert_targets(ctx: &mut Ctx, cmd: &Command, table: &str, targets: &[String]) -> Vec<String> {
    let probe = cmd.value("--inactivity-probe").map(atoi);
    let mut out = Vec::new();
    for t in targets {
        if !crate::target::valid(t, table == "Controller") {
            crate::warn(
                "vsctl",
                &format!("target type \"{t}\" is possibly erroneous"),
            );
        }
        let u = ctx.txn.insert(table, None);
        ctx.txn.write(table, &u, "target", str_datum(t));
        if let Some(p) = probe {
            ctx.txn.write(
                table,
                &u,
                "inactivity_probe",
                Datum::scalar(Atom::Integer(p)),
            );
        }
        out.push(u);
    }
    out
}

fn parent_cfg(ctx: &mut Ctx, c: &Cache, name: &str) -> R<String> {
    let br = find_bridge(ctx, c, name, true)?.ok_or(Fail::Exit(1))?;
    Ok(bridge_cfg(c, &br))
}

/// Runs a controller, manager, SSL or switch command; `Ok(false)` if `cmd` is not one.
pub fn run(ctx: &mut Ctx, cmd: &Command) -> R<bool> {
    let a = &cmd.args;
    match a[0].as_str() {
        "get-controller" => {
            let c = populate(ctx);
            let br = parent_cfg(ctx, &c, &a[1])?;
            verify_controllers(ctx, &br);
            let v = ctx
                .txn
                .get_refs("Bridge", &br, "controller")
                .iter()
                .map(|u| ctx.txn.get_str("Controller", u, "target"))
                .collect();
            output_sorted(ctx, v);
        }
        "del-controller" | "set-controller" => {
            let c = populate(ctx);
            let br = find_real_bridge(ctx, &c, &a[1])?.cfg.unwrap_or_default();
            verify_controllers(ctx, &br);
            for u in ctx.txn.get_refs("Bridge", &br, "controller") {
                ctx.txn.delete("Controller", &u);
            }
            let new = if a[0] == "set-controller" {
                insert_targets(ctx, cmd, "Controller", &a[2..])
            } else {
                Vec::new()
            };
            set_refs(ctx, "Bridge", &br, "controller", &new);
        }
        "get-fail-mode" => {
            let c = populate(ctx);
            let br = parent_cfg(ctx, &c, &a[1])?;
            ctx.txn.verify("Bridge", &br, "fail_mode");
            let m = ctx.txn.get_str("Bridge", &br, "fail_mode");
            if !m.is_empty() {
                ctx.line(m);
            }
        }
        "del-fail-mode" => {
            let c = populate(ctx);
            let br = find_real_bridge(ctx, &c, &a[1])?.cfg.unwrap_or_default();
            ctx.txn.write("Bridge", &br, "fail_mode", Datum::default());
        }
        "set-fail-mode" => {
            let c = populate(ctx);
            let br = find_real_bridge(ctx, &c, &a[1])?.cfg.unwrap_or_default();
            if a[2] != "standalone" && a[2] != "secure" {
                return fatal("fail-mode must be \"standalone\" or \"secure\"");
            }
            ctx.txn.write("Bridge", &br, "fail_mode", str_datum(&a[2]));
        }
        "get-manager" => {
            verify_managers(ctx);
            let ovs = ctx.ovs.clone();
            let mut v: Vec<String> = ctx
                .txn
                .get_refs("Open_vSwitch", &ovs, "manager_options")
                .iter()
                .map(|u| ctx.txn.get_str("Manager", u, "target"))
                .collect();
            v.sort();
            v.dedup();
            output_sorted(ctx, v);
        }
        "del-manager" | "set-manager" => {
            verify_managers(ctx);
            let ovs = ctx.ovs.clone();
            for u in ctx.txn.get_refs("Open_vSwitch", &ovs, "manager_options") {
                ctx.txn.delete("Manager", &u);
            }
            let new = if a[0] == "set-manager" {
                insert_targets(ctx, cmd, "Manager", &a[1..])
            } else {
                Vec::new()
            };
            set_refs(ctx, "Open_vSwitch", &ovs, "manager_options", &new);
        }
        "get-ssl" => {
            let ovs = ctx.ovs.clone();
            ctx.txn.verify("Open_vSwitch", &ovs, "ssl");
            if let Some(ssl) = ctx
                .txn
                .get_refs("Open_vSwitch", &ovs, "ssl")
                .first()
                .cloned()
            {
                for col in ["private_key", "certificate", "ca_cert", "bootstrap_ca_cert"] {
                    ctx.txn.verify("SSL", &ssl, col);
                }
                let f = |c: &str| ctx.txn.get_str("SSL", &ssl, c);
                let text = format!(
                    "Private key: {}\nCertificate: {}\nCA Certificate: {}\nBootstrap: {}\n",
                    f("private_key"),
                    f("certificate"),
                    f("ca_cert"),
                    ctx.txn.get("SSL", &ssl, "bootstrap_ca_cert").first()
                        == Some(&Atom::Boolean(true))
                );
                ctx.out.text.push_str(&text);
            }
        }
        "del-ssl" => {
            let ovs = ctx.ovs.clone();
            if let Some(ssl) = ctx
                .txn
                .get_refs("Open_vSwitch", &ovs, "ssl")
                .first()
                .cloned()
            {
                ctx.txn.verify("Open_vSwitch", &ovs, "ssl");
                ctx.txn.delete("SSL", &ssl);
                ctx.txn.write("Open_vSwitch", &ovs, "ssl", Datum::default());
            }
        }
        "set-ssl" => {
            let ovs = ctx.ovs.clone();
            ctx.txn.verify("Open_vSwitch", &ovs, "ssl");
            if let Some(ssl) = ctx
                .txn
                .get_refs("Open_vSwitch", &ovs, "ssl")
                .first()
                .cloned()
            {
                ctx.txn.delete("SSL", &ssl);
            }
            let ssl = ctx.txn.insert("SSL", None);
            ctx.txn.write("SSL", &ssl, "private_key", str_datum(&a[1]));
            ctx.txn.write("SSL", &ssl, "certificate", str_datum(&a[2]));
            ctx.txn.write("SSL", &ssl, "ca_cert", str_datum(&a[3]));
            let boot = Datum::scalar(Atom::Boolean(cmd.has("--bootstrap")));
            ctx.txn.write("SSL", &ssl, "bootstrap_ca_cert", boot);
            set_refs(ctx, "Open_vSwitch", &ovs, "ssl", &[ssl]);
        }
        "emer-reset" => emer_reset(ctx),
        _ => return Ok(false),
    }
    Ok(true)
}

fn emer_reset(ctx: &mut Ctx) {
    let ovs = ctx.ovs.clone();
    ctx.txn
        .write("Open_vSwitch", &ovs, "manager_options", Datum::default());
    ctx.txn.write("Open_vSwitch", &ovs, "ssl", Datum::default());
    for b in ctx.txn.uuids("Bridge") {
        for col in [
            "controller",
            "fail_mode",
            "mirrors",
            "netflow",
            "sflow",
            "ipfix",
            "flood_vlans",
        ] {
            ctx.txn.write("Bridge", &b, col, Datum::default());
        }
        let oc = ctx.txn.get("Bridge", &b, "other_config");
        let keep = match oc.get_str("hwaddr") {
            Some(h) => Datum {
                keys: vec![Atom::String("hwaddr".into())],
                values: vec![Atom::String(h.into())],
            },
            None => Datum::default(),
        };
        ctx.txn.write("Bridge", &b, "other_config", keep);
    }
    for p in ctx.txn.uuids("Port") {
        ctx.txn.write("Port", &p, "other_config", Datum::default());
    }
    for i in ctx.txn.uuids("Interface") {
        for col in ["ingress_policing_rate", "ingress_policing_burst"] {
            ctx.txn
                .write("Interface", &i, col, Datum::scalar(Atom::Integer(0)));
        }
    }
    for t in [
        "Mirror",
        "Controller",
        "Manager",
        "NetFlow",
        "SSL",
        "sFlow",
        "IPFIX",
        "Flow_Sample_Collector_Set",
    ] {
        for u in ctx.txn.uuids(t) {
            ctx.txn.delete(t, &u);
        }
    }
}
