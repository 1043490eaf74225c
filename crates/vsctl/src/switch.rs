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
        "add-aa-mapping" | "del-aa-mapping" | "get-aa-mapping" => aa_mapping(ctx, cmd)?,
        "list-dp-cap" | "add-zone-tp" | "del-zone-tp" | "list-zone-tp" => datapath(ctx, cmd)?,
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

/// C's `strtoull` as OVS uses it here: leading spaces, a sign, decimal digits; `None`
/// if no digit was read. The result is reinterpreted as signed, like the C code does.
fn strtoull(s: &str) -> Option<i64> {
    let t = s.trim_start();
    let (neg, d) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let digits: String = d.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    let v = digits.parse::<u64>().unwrap_or(u64::MAX);
    Some(if neg {
        v.wrapping_neg() as i64
    } else {
        v as i64
    })
}

fn aa_mapping(ctx: &mut Ctx, cmd: &Command) -> R<()> {
    let a = &cmd.args;
    let mut nums = Vec::new();
    if a[0] != "get-aa-mapping" {
        for arg in &a[2..4] {
            nums.push(strtoull(arg).ok_or_else(|| Fail::Fatal(format!("Invalid argument {arg}")))?);
        }
    }
    let c = populate(ctx);
    let br = find_bridge(ctx, &c, &a[1], true)?.ok_or(Fail::Exit(1))?;
    let br = bridge_cfg(&c, &br);
    let aa = ctx
        .txn
        .get_refs("Bridge", &br, "auto_attach")
        .first()
        .cloned();
    match a[0].as_str() {
        "add-aa-mapping" => {
            let aa = match aa {
                Some(u) => u,
                None => {
                    let u = ctx.txn.insert("AutoAttach", None);
                    set_refs(ctx, "Bridge", &br, "auto_attach", std::slice::from_ref(&u));
                    u
                }
            };
            let mut m = ctx.txn.get("AutoAttach", &aa, "mappings");
            if m.find_key(&Atom::Integer(nums[0])).is_none() {
                m.keys.push(Atom::Integer(nums[0]));
                m.values.push(Atom::Integer(nums[1]));
                m.sort();
            }
            ctx.txn.write("AutoAttach", &aa, "mappings", m);
        }
        "del-aa-mapping" => {
            if let Some(aa) = aa {
                let m = ctx.txn.get("AutoAttach", &aa, "mappings");
                let (isid, vlan) = (Atom::Integer(nums[0]), Atom::Integer(nums[1]));
                let found = m
                    .keys
                    .iter()
                    .zip(&m.values)
                    .any(|(k, v)| *k == isid && *v == vlan);
                if found {
                    // OVS keeps the pairs whose key and value both differ.
                    let mut keep = Datum::default();
                    for (k, v) in m.keys.iter().zip(&m.values) {
                        if *k != isid && *v != vlan {
                            keep.keys.push(k.clone());
                            keep.values.push(v.clone());
                        }
                    }
                    ctx.txn.write("AutoAttach", &aa, "mappings", keep);
                }
            }
        }
        _ => {
            ctx.txn.verify("Bridge", &br, "auto_attach");
            if let Some(aa) = aa {
                ctx.txn.verify("AutoAttach", &aa, "mappings");
                let m = ctx.txn.get("AutoAttach", &aa, "mappings");
                for (k, v) in m.keys.iter().zip(&m.values) {
                    let line = format!("{} {}", k.as_int().unwrap_or(0), v.as_int().unwrap_or(0));
                    ctx.line(line);
                }
            }
        }
    }
    Ok(())
}

/// The zone number of a `zone=N` argument (`%i`: decimal, or hex or octal by prefix).
fn parse_zone(s: &str) -> i64 {
    let Some(v) = s.strip_prefix("zone=") else {
        return 0;
    };
    let (neg, v) = match v.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, v.strip_prefix('+').unwrap_or(v)),
    };
    let n = if let Some(h) = v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        let d: String = h.chars().take_while(char::is_ascii_hexdigit).collect();
        i64::from_str_radix(&d, 16).unwrap_or(0)
    } else if v.starts_with('0') {
        let d: String = v.chars().take_while(|c| ('0'..='7').contains(c)).collect();
        i64::from_str_radix(&d, 8).unwrap_or(0)
    } else {
        let d: String = v.chars().take_while(char::is_ascii_digit).collect();
        d.parse().unwrap_or(0)
    };
    if neg {
        -n
    } else {
        n
    }
}

fn datapath(ctx: &mut Ctx, cmd: &Command) -> R<()> {
    let a = &cmd.args;
    let ovs = ctx.ovs.clone();
    let dps = ctx.txn.get("Open_vSwitch", &ovs, "datapaths");
    let dp = dps.get_str(&a[1]).map(str::to_string);
    match a[0].as_str() {
        "list-dp-cap" => {
            let Some(dp) = dp else {
                return fatal(format!("datapath \"{}\" record not found", a[1]));
            };
            let caps = ctx.txn.get("Datapath", &dp, "capabilities");
            let mut words: Vec<String> = caps
                .keys
                .iter()
                .zip(&caps.values)
                .map(|(k, v)| format!("{}={}", k.as_str(), v.as_str()))
                .collect();
            // OVS prints its hash map's order. Up to two entries share one bucket and
            // come out in reverse insertion (that is, reverse key) order; with more,
            // the order depends on OVS's string hash (see KNOWN_DIFFERENCES.md).
            if words.len() <= 2 {
                words.reverse();
            }
            ctx.line(words.join(" "));
        }
        "list-zone-tp" => {
            let Some(dp) = dp else {
                return fatal(format!("datapath: {} record not found", a[1]));
            };
            let zones = ctx.txn.get("Datapath", &dp, "ct_zones");
            for (k, z) in zones.keys.iter().zip(&zones.values) {
                let mut line = format!("Zone:{}, Timeout Policies: ", k.as_int().unwrap_or(0));
                match ctx
                    .txn
                    .get_refs("CT_Zone", z.as_str(), "timeout_policy")
                    .first()
                {
                    Some(tp) => {
                        let t = ctx.txn.get("CT_Timeout_Policy", tp, "timeouts");
                        for (k, v) in t.keys.iter().zip(&t.values) {
                            line += &format!("{}={} ", k.as_str(), v.as_int().unwrap_or(0));
                        }
                    }
                    None => line += "system default",
                }
                let line = line.trim_end_matches(' ').to_string();
                ctx.line(line);
            }
        }
        "add-zone-tp" => {
            let zone = parse_zone(&a[2]);
            let Some(dp) = dp else {
                return fatal(format!("datapath {} does not exist", a[1]));
            };
            let zones = ctx.txn.get("Datapath", &dp, "ct_zones");
            let existing = zones
                .get(&Atom::Integer(zone))
                .map(|z| z.as_str().to_string());
            if a.len() <= 3 {
                return fatal("No timeout policy");
            }
            if existing.is_some() && !cmd.has("--may-exist") {
                return fatal(format!("zone id {zone} already exists"));
            }
            let mut want = Datum::default();
            for kv in &a[3..] {
                let (k, v) = match kv.find(['=', ':']) {
                    Some(i) => (&kv[..i], &kv[i + 1..]),
                    None => (kv.as_str(), ""),
                };
                want.keys.push(Atom::String(k.to_string()));
                want.values.push(Atom::Integer(atoi(v)));
            }
            want.sort();
            let tp = ctx
                .txn
                .uuids("CT_Timeout_Policy")
                .into_iter()
                .find(|u| ctx.txn.get("CT_Timeout_Policy", u, "timeouts") == want);
            let tp = match tp {
                Some(u) => u,
                None => {
                    let u = ctx.txn.insert("CT_Timeout_Policy", None);
                    ctx.txn.write("CT_Timeout_Policy", &u, "timeouts", want);
                    u
                }
            };
            let zone_row = match existing {
                Some(z) => z,
                None => {
                    let z = ctx.txn.insert("CT_Zone", None);
                    let mut zones = zones.clone();
                    zones.keys.push(Atom::Integer(zone));
                    zones.values.push(Atom::Uuid(z.clone()));
                    zones.sort();
                    ctx.txn.write("Datapath", &dp, "ct_zones", zones);
                    z
                }
            };
            set_refs(ctx, "CT_Zone", &zone_row, "timeout_policy", &[tp]);
        }
        _ => {
            let zone = parse_zone(&a[2]);
            let Some(dp) = dp else {
                return fatal(format!("datapath {} does not exist", a[1]));
            };
            let mut zones = ctx.txn.get("Datapath", &dp, "ct_zones");
            let key = Atom::Integer(zone);
            if zones.find_key(&key).is_none() {
                if !cmd.has("--if-exists") {
                    return fatal(format!("zone id {zone} does not exist"));
                }
                return Ok(());
            }
            zones.subtract(&Datum {
                keys: vec![key],
                values: Vec::new(),
            });
            ctx.txn.write("Datapath", &dp, "ct_zones", zones);
        }
    }
    Ok(())
}
