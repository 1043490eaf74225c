//! Flow tables, flow-mods, xlate of actions, groups and VLAN modes through the
//! registry; and the randomized megaflow property.

use std::time::{Duration, Instant};

use rvs_openflow::actions::Action;
use rvs_openflow::flow_mod::{self, command, flags};
use rvs_openflow::group::{Bucket, GroupMod};
use rvs_openflow::OfpError;
use rvs_packet::actions::DpAction;
use rvs_packet::rewrite::{Masked, SetField};
use rvs_packet::{EthAddr, Flow};

use crate::vlan::PortVlan;
use crate::xlate::PacketInCookie;
use crate::{FailMode, Registry};

fn fm(cmd: u8, s: &str) -> flow_mod::FlowMod {
    flow_mod::parse(s, Some(cmd))
        .unwrap_or_else(|e| panic!("{s}: {e}"))
        .0
}

/// br0 (secure, so empty) with LOCAL on datapath port 1 and ports 1..=3 on datapath
/// ports 2..=4.
fn registry() -> Registry {
    let mut r = Registry::new();
    r.ensure_bridge("br0", FailMode::Secure);
    r.add_port("br0", "br0", 1, None, None);
    for i in 1..=3u32 {
        assert_eq!(
            r.add_port("br0", &format!("p{i}"), i + 1, None, None),
            Some(i)
        );
    }
    r
}

fn add(r: &mut Registry, s: &str) {
    let b = r.bridge_mut("br0").expect("br0");
    b.flow_mod(&fm(command::ADD, s), Instant::now())
        .unwrap_or_else(|e| panic!("{s}: {e:?}"));
}

fn ip_pkt(in_port: u32) -> Flow {
    Flow {
        in_port,
        dl_src: EthAddr([2, 0, 0, 0, 0, 1]),
        dl_dst: EthAddr([2, 0, 0, 0, 0, 2]),
        dl_type: 0x0800,
        nw_src: 0x0a00_0001,
        nw_dst: 0x0a00_0002,
        nw_proto: 6,
        nw_ttl: 64,
        tp_src: 1000,
        tp_dst: 80,
        ..Flow::default()
    }
}

fn n_rules(r: &Registry) -> usize {
    r.bridge("br0")
        .unwrap()
        .tables()
        .iter()
        .map(|t| t.len())
        .sum()
}

#[test]
fn priorities_and_masks() {
    let mut r = registry();
    add(&mut r, "priority=10,ip,actions=output:1");
    add(&mut r, "priority=20,tcp,tp_dst=80,actions=output:2");
    let out = r.upcall(&ip_pkt(4));
    assert_eq!(out.actions, vec![DpAction::Output(3)]);
    assert_eq!(out.mask.tp_dst, 0xffff, "the higher rule consulted tp_dst");
    let mut p = ip_pkt(4);
    p.tp_dst = 81;
    assert_eq!(r.upcall(&p).actions, vec![DpAction::Output(2)]);
    // Output to the input port is dropped; IN_PORT sends it back.
    add(&mut r, "priority=30,in_port=1,actions=output:1");
    assert!(r.upcall(&ip_pkt(2)).actions.is_empty());
    add(&mut r, "priority=30,in_port=1,actions=in_port");
    assert_eq!(r.upcall(&ip_pkt(2)).actions, vec![DpAction::Output(2)]);
}

#[test]
fn add_replaces_and_checks_overlap() {
    let mut r = registry();
    add(&mut r, "priority=5,ip,actions=output:1");
    add(&mut r, "priority=5,ip,actions=output:2");
    assert_eq!(n_rules(&r), 1, "an identical match and priority replaces");
    let b = r.bridge_mut("br0").unwrap();
    let mut m = fm(command::ADD, "priority=5,tcp,actions=drop");
    m.flags |= flags::CHECK_OVERLAP;
    assert_eq!(
        b.flow_mod(&m, Instant::now()).unwrap_err(),
        OfpError::OFPFMFC_OVERLAP
    );
    m.priority = 6;
    b.flow_mod(&m, Instant::now())
        .expect("no overlap at another priority");
    let bad = fm(command::ADD, "table=254,actions=drop");
    assert_eq!(
        b.flow_mod(&bad, Instant::now()).unwrap_err(),
        OfpError::OFPBRC_EPERM
    );
    let bad = fm(command::ADD, "actions=group:7");
    assert_eq!(
        b.flow_mod(&bad, Instant::now()).unwrap_err(),
        OfpError::OFPBAC_BAD_OUT_GROUP
    );
}

#[test]
fn modify_and_delete_loose_strict_cookie_out_port() {
    let mut r = registry();
    add(&mut r, "priority=5,cookie=0x1,ip,actions=output:1");
    add(&mut r, "priority=6,cookie=0x2,tcp,actions=output:2");
    add(&mut r, "table=1,priority=7,cookie=0x3,udp,actions=output:3");
    let now = Instant::now();
    let b = r.bridge_mut("br0").unwrap();
    // Loose modify of "ip" hits both ip and tcp in table 0 only.
    b.flow_mod(&fm(command::MODIFY, "ip,actions=output:3"), now)
        .unwrap();
    let acts: Vec<_> = b.tables()[0]
        .rules()
        .iter()
        .map(|r| r.actions.clone())
        .collect();
    assert!(acts.iter().all(|a| a
        == &vec![Action::Output {
            port: 3,
            max_len: 0
        }]));
    // Strict modify needs the exact priority.
    b.flow_mod(
        &fm(command::MODIFY_STRICT, "priority=6,tcp,actions=output:1"),
        now,
    )
    .unwrap();
    assert_eq!(
        b.tables()[0].rules()[0].actions,
        vec![Action::Output {
            port: 1,
            max_len: 0
        }]
    );
    // Delete by cookie/mask across all tables.
    let removed = b
        .flow_mod(&fm(command::DELETE, "cookie=0x3/0xffffffffffffffff"), now)
        .unwrap();
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0].table_id, 1);
    // out_port filters deletion.
    let mut d = fm(command::DELETE, "ip");
    d.out_port = 2;
    assert!(b.flow_mod(&d, now).unwrap().is_empty());
    d.out_port = 1;
    assert_eq!(
        b.flow_mod(&d, now).unwrap().len(),
        1,
        "only the tcp rule outputs to 1"
    );
    // Strict delete with the wrong priority removes nothing.
    assert!(b
        .flow_mod(&fm(command::DELETE_STRICT, "priority=4,ip"), now)
        .unwrap()
        .is_empty());
    assert_eq!(
        b.flow_mod(&fm(command::DELETE_STRICT, "priority=5,ip"), now)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(n_rules(&r), 0);
}

#[test]
fn counters_timeouts_and_reset() {
    let mut r = registry();
    add(
        &mut r,
        "priority=5,ip,idle_timeout=10,hard_timeout=100,actions=output:1",
    );
    let up = r.upcall(&ip_pkt(3));
    assert!(up.credits.same(&r.revalidate(&ip_pkt(3)).credits));
    up.credits.credit(1, 100, Instant::now());
    r.credit(&ip_pkt(3), 4, 400);
    let b = r.bridge("br0").unwrap();
    let rule = &b.tables()[0].rules()[0];
    use std::sync::atomic::Ordering::Relaxed;
    assert_eq!(rule.stats.packets.load(Relaxed), 5);
    assert_eq!(rule.stats.bytes.load(Relaxed), 500);
    assert_eq!(b.tables()[0].stats.matched.load(Relaxed), 5);
    assert_eq!(b.tables()[0].stats.lookups.load(Relaxed), 5);
    let now = Instant::now();
    let b = r.bridge_mut("br0").unwrap();
    let mut m = fm(command::MODIFY, "ip,actions=output:2");
    m.flags = flags::RESET_COUNTS;
    b.flow_mod(&m, now).unwrap();
    assert_eq!(b.tables()[0].rules()[0].stats.packets.load(Relaxed), 0);
    // The megaflow's record still names the old counters: packets it carried before
    // the reset do not reach the reset ones.
    up.credits.credit(1, 100, now);
    assert_eq!(b.tables()[0].rules()[0].stats.packets.load(Relaxed), 0);
    assert!(b.expire_rules(now + Duration::from_secs(5)).is_empty());
    assert!(!up.credits.same(&r.revalidate(&ip_pkt(3)).credits));
    let b = r.bridge_mut("br0").unwrap();
    assert!(b.expire_rules(now + Duration::from_secs(5)).is_empty());
    let gone = b.expire_rules(now + Duration::from_secs(11));
    assert_eq!(gone.len(), 1);
    assert_eq!(gone[0].reason, crate::flow_mod::OFPRR_IDLE_TIMEOUT);
}

#[test]
fn set_fields_commit_before_output() {
    let mut r = registry();
    add(
        &mut r,
        "ip,actions=mod_dl_src:02:00:00:00:00:99,output:1,mod_nw_dst:10.0.0.9,dec_ttl,output:2",
    );
    let out = r.upcall(&ip_pkt(4));
    assert_eq!(
        out.actions,
        vec![
            DpAction::Set(SetField::EthSrc(Masked::exact(EthAddr([
                2, 0, 0, 0, 0, 0x99
            ])))),
            DpAction::Output(2),
            DpAction::Set(SetField::Ipv4Dst(Masked::exact(
                "10.0.0.9".parse().unwrap()
            ))),
            DpAction::Set(SetField::Ipv4Ttl(Masked::exact(63))),
            DpAction::Output(3),
        ]
    );
    assert_eq!(
        out.mask.dl_src,
        EthAddr::BROADCAST,
        "written fields are in the mask"
    );
    assert_eq!(out.mask.nw_ttl, 0xff);
    // TTL 1: dec_ttl sends to the controller and stops.
    let mut p = ip_pkt(4);
    p.nw_ttl = 1;
    let out = r.upcall(&p);
    assert_eq!(out.actions.len(), 4, "{:?}", out.actions);
    let DpAction::Userspace { userdata } = &out.actions[3] else {
        panic!("{:?}", out.actions);
    };
    let c = PacketInCookie::decode(userdata).unwrap();
    assert_eq!((c.reason, c.in_port), (2, 3));
}

#[test]
fn vlan_actions_and_pipeline_instructions() {
    let mut r = registry();
    add(&mut r, "table=0,in_port=1,actions=push_vlan:0x8100,set_field:4196->vlan_vid,write_metadata:0x5/0xff,goto_table:3");
    add(
        &mut r,
        "table=3,metadata=0x5/0xff,actions=output:2,strip_vlan,output:3",
    );
    let out = r.upcall(&ip_pkt(2));
    assert_eq!(
        out.actions,
        vec![
            DpAction::PushVlan {
                tpid: 0x8100,
                tci: 0x1000 | 100
            },
            DpAction::Output(3),
            DpAction::PopVlan,
            DpAction::Output(4),
        ]
    );
    // write_actions / clear_actions: the action set runs at the end.
    add(
        &mut r,
        "table=0,in_port=2,actions=write_actions(output:3),goto_table:1",
    );
    add(&mut r, "table=1,actions=write_actions(output:1)");
    assert_eq!(r.upcall(&ip_pkt(3)).actions, vec![DpAction::Output(2)]);
    add(&mut r, "table=1,actions=clear_actions");
    assert!(r.upcall(&ip_pkt(3)).actions.is_empty());
    // A resubmit loop is cut at OVS's limits and the packet dropped.
    add(&mut r, "table=0,in_port=3,actions=output:1,resubmit(,0)");
    assert!(r.upcall(&ip_pkt(4)).actions.is_empty());
    // Registers: load, move, output:reg.
    add(&mut r, "table=0,priority=40000,tcp,actions=load:2->NXM_NX_REG0[0..15],move:NXM_NX_REG0[0..15]->NXM_NX_REG1[0..15],output:NXM_NX_REG1[0..15]");
    assert_eq!(r.upcall(&ip_pkt(2)).actions, vec![DpAction::Output(3)]);
}

fn group(id: u32, type_: u8, buckets: Vec<(u32, Vec<Action>)>) -> GroupMod {
    GroupMod {
        command: 0,
        type_,
        group_id: id,
        command_bucket_id: 0,
        buckets: buckets
            .into_iter()
            .enumerate()
            .map(|(i, (watch_port, actions))| Bucket {
                bucket_id: i as u32,
                weight: 1,
                watch_port,
                watch_group: u32::MAX,
                actions,
            })
            .collect(),
    }
}

fn out(p: u32) -> Vec<Action> {
    vec![Action::Output {
        port: p,
        max_len: 0,
    }]
}

#[test]
fn groups() {
    let mut r = registry();
    let b = r.bridge_mut("br0").unwrap();
    b.group_mod(&group(1, 0, vec![(0xffff, out(1)), (0xffff, out(2))]))
        .unwrap();
    b.group_mod(&group(2, 3, vec![(9, out(1)), (3, out(3))]))
        .unwrap();
    b.group_mod(&group(3, 1, vec![(0xffff, out(2)), (0xffff, out(3))]))
        .unwrap();
    assert_eq!(
        b.group_mod(&group(1, 0, vec![])).unwrap_err(),
        OfpError::OFPGMFC_GROUP_EXISTS
    );
    add(&mut r, "in_port=3,actions=group:1");
    add(&mut r, "in_port=2,actions=group:2");
    add(&mut r, "in_port=1,actions=group:3");
    assert_eq!(
        r.upcall(&ip_pkt(4)).actions,
        vec![DpAction::Output(2), DpAction::Output(3)]
    );
    assert_eq!(
        r.upcall(&ip_pkt(3)).actions,
        vec![DpAction::Output(4)],
        "fast failover skips the bucket watching a missing port"
    );
    let sel = r.upcall(&ip_pkt(2));
    assert_eq!(sel.actions.len(), 1);
    assert_eq!(sel.mask.tp_src, 0xffff, "select hashes what it reads");
    // Deleting a group deletes the flows that use it.
    let b = r.bridge_mut("br0").unwrap();
    let mut d = group(1, 0, vec![]);
    d.command = 2;
    assert_eq!(b.group_mod(&d).unwrap().len(), 1);
}

#[test]
fn table_miss_by_version_and_fail_mode() {
    let mut r = registry();
    assert!(r.upcall(&ip_pkt(2)).actions.is_empty(), "secure: drop");
    let b = r.bridge_mut("br0").unwrap();
    b.set_controller_state(crate::ControllerState {
        configured: true,
        connected: true,
        miss_to_controller: true,
    });
    let out = r.upcall(&ip_pkt(2));
    let [DpAction::Userspace { userdata }] = &out.actions[..] else {
        panic!("{:?}", out.actions)
    };
    assert_eq!(PacketInCookie::decode(userdata).unwrap().reason, 0);
    // Standalone with a controller configured but not connected: fail open (NORMAL).
    r.ensure_bridge("br0", FailMode::Standalone);
    let b = r.bridge_mut("br0").unwrap();
    b.set_controller_state(crate::ControllerState {
        configured: true,
        connected: false,
        miss_to_controller: false,
    });
    assert_eq!(r.upcall(&ip_pkt(2)).actions.len(), 3, "NORMAL floods");
}

/// Seed 001's experiment in memory: two bridges joined by a patch pair, hosts with
/// tags 100/100/200/200; then the patch ports become trunks of VLAN 100 only.
#[test]
fn access_ports_across_a_patch_pair() {
    let mut r = Registry::new();
    for b in ["br0", "br1"] {
        r.ensure_bridge(b, FailMode::Standalone);
    }
    r.add_port("br0", "a", 1, None, None); // ofport 1, tag 100
    r.add_port("br0", "c", 2, None, None); // ofport 2, tag 200
    r.add_port("br1", "b", 3, None, None); // ofport 1, tag 100
    r.add_port("br1", "d", 4, None, None); // ofport 2, tag 200
    r.add_patch_port("br0", "p0", "p1", None, None);
    r.add_patch_port("br1", "p1", "p0", None, None);
    let set = |r: &mut Registry, br: &str, port: u32, v: PortVlan| {
        r.bridge_mut(br).unwrap().set_port_vlan(port, v);
    };
    for br in ["br0", "br1"] {
        set(&mut r, br, 1, PortVlan::from_columns("", Some(100), &[]));
        set(&mut r, br, 2, PortVlan::from_columns("", Some(200), &[]));
    }
    let bcast = |in_port| Flow {
        in_port,
        dl_src: EthAddr([2, 0, 0, 0, 0, in_port as u8]),
        dl_dst: EthAddr::BROADCAST,
        dl_type: 0x0806,
        ..Flow::default()
    };
    // a's broadcast reaches b (VLAN 100 over an untagged trunk pair), untagged.
    assert_eq!(r.upcall(&bcast(1)).actions, vec![DpAction::Output(3)]);
    assert_eq!(r.upcall(&bcast(2)).actions, vec![DpAction::Output(4)]);
    // Patch ports as trunks of 100 only: 200 no longer crosses.
    for (br, p) in [("br0", 3), ("br1", 3)] {
        set(&mut r, br, p, PortVlan::from_columns("trunk", None, &[100]));
    }
    assert_eq!(r.upcall(&bcast(1)).actions, vec![DpAction::Output(3)]);
    assert!(r.upcall(&bcast(2)).actions.is_empty());
    // Native-tagged egress: b's port tags VLAN 100 frames.
    set(
        &mut r,
        "br1",
        1,
        PortVlan::from_columns("native-tagged", Some(100), &[]),
    );
    assert_eq!(
        r.upcall(&bcast(1)).actions,
        vec![
            DpAction::PushVlan {
                tpid: 0x8100,
                tci: 0x1000 | 100
            },
            DpAction::Output(3)
        ]
    );
    // And a tagged frame from a native-untagged port in its native VLAN leaves untagged.
    set(
        &mut r,
        "br1",
        1,
        PortVlan::from_columns("native-untagged", Some(100), &[]),
    );
    assert_eq!(r.upcall(&bcast(1)).actions, vec![DpAction::Output(3)]);
    let mut tagged = bcast(3);
    tagged.vlan_tci = 0x1000 | 100;
    tagged.vlan_tpid = 0x8100;
    assert_eq!(
        r.upcall(&tagged).actions,
        vec![DpAction::PopVlan, DpAction::Output(1)],
        "VLAN 100 from b reaches a untagged"
    );
}

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len() as u64) as usize]
    }
}

fn random_flow(rng: &mut Rng) -> String {
    let mut parts = vec![
        format!("table={}", rng.below(3)),
        format!("priority={}", rng.below(4)),
    ];
    let matches = [
        "ip",
        "tcp",
        "udp",
        "arp",
        "in_port=1",
        "in_port=2",
        "in_port=3",
        "nw_src=10.0.0.1",
        "nw_dst=10.0.0.0/30",
        "tp_dst=80",
        "dl_vlan=5",
        "dl_src=02:00:00:00:00:01",
        "reg0=1",
        "metadata=0x1/0x1",
        "nw_ttl=1",
    ];
    for _ in 0..rng.below(3) {
        let m = *rng.pick(&matches);
        let needs_ip = m.starts_with("nw_") || m.starts_with("tp_");
        if needs_ip && !parts.iter().any(|p| p == "tcp" || p == "udp" || p == "ip") {
            parts.push(if m.starts_with("tp_") {
                "tcp".into()
            } else {
                "ip".into()
            });
        }
        if m.starts_with("tp_") && parts.iter().any(|p| p == "ip") {
            continue;
        }
        if ["ip", "tcp", "udp", "arp"].contains(&m)
            && parts
                .iter()
                .any(|p| ["ip", "tcp", "udp", "arp"].contains(&p.as_str()))
        {
            continue;
        }
        if !parts
            .iter()
            .any(|p| p.split('=').next() == m.split('=').next())
        {
            parts.push(m.into());
        }
    }
    let acts = [
        "output:1",
        "output:2",
        "output:3",
        "NORMAL",
        "FLOOD",
        "in_port",
        "mod_dl_src:02:00:00:00:00:77",
        "mod_vlan_vid:7",
        "strip_vlan",
        "load:1->NXM_NX_REG0[]",
        "resubmit(,2)",
        "goto_table:2",
        "write_metadata:0x1/0x1",
        "dec_ttl",
        "drop",
        "CONTROLLER",
        "push_vlan:0x8100",
    ];
    let mut a = Vec::new();
    for _ in 0..1 + rng.below(3) {
        let x = *rng.pick(&acts);
        if x == "goto_table:2" {
            continue;
        }
        a.push(x.to_string());
    }
    let table: u64 = parts[0][6..].parse().unwrap();
    if table < 2 && rng.below(3) == 0 {
        a.push("goto_table:2".into());
    }
    if a.iter().any(|x| x == "drop") {
        a = vec!["drop".into()];
    }
    let is_ip = parts.iter().any(|p| p == "ip" || p == "tcp" || p == "udp");
    a.retain(|x| x != "dec_ttl" || is_ip);
    if a.is_empty() {
        a.push("drop".into());
    }
    format!("{},actions={}", parts.join(","), a.join(","))
}

fn random_packet(rng: &mut Rng) -> Flow {
    let mut f = Flow {
        in_port: 2 + rng.below(3) as u32,
        dl_src: EthAddr([2, 0, 0, 0, 0, rng.below(3) as u8]),
        dl_dst: *rng.pick(&[
            EthAddr([2, 0, 0, 0, 0, 1]),
            EthAddr([2, 0, 0, 0, 0, 2]),
            EthAddr::BROADCAST,
        ]),
        dl_type: *rng.pick(&[0x0800, 0x0806]),
        ..Flow::default()
    };
    if rng.below(3) == 0 {
        f.vlan_tci = 0x1000 | *rng.pick(&[5, 7]);
        f.vlan_tpid = 0x8100;
    }
    if f.dl_type == 0x0800 {
        f.nw_src = 0x0a00_0000 | rng.below(4) as u32;
        f.nw_dst = 0x0a00_0000 | rng.below(6) as u32;
        f.nw_proto = *rng.pick(&[6, 17]);
        f.nw_ttl = *rng.pick(&[1, 2, 64]);
        f.tp_src = *rng.pick(&[1000, 2000]);
        f.tp_dst = *rng.pick(&[80, 443]);
    } else {
        f.nw_src = 0x0a00_0000 | rng.below(4) as u32;
        f.nw_dst = 0x0a00_0000 | rng.below(4) as u32;
        f.nw_proto = 1;
    }
    f
}

/// Another packet that agrees with `f` on every bit of `mask` and is random elsewhere.
fn same_megaflow(rng: &mut Rng, f: &Flow, mask: &Flow) -> Flow {
    let other = random_packet(rng);
    let mut w = *f.words();
    let o = other.words();
    let m = mask.words();
    for i in 0..w.len() {
        w[i] = (w[i] & m[i]) | (o[i] & !m[i]);
    }
    Flow::from_words(&w)
}

/// The megaflow property: for random tables and packets, every packet that agrees with
/// a translated packet under the translation's mask gets the same actions from a
/// fresh translation (which is what the installed megaflow would give it).
#[test]
fn megaflows_match_fresh_translations() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut n_rules, mut n_nonempty) = (0, 0);
    for round in 0..60 {
        let mut r = registry();
        r.ensure_bridge(
            "br0",
            if round % 2 == 0 {
                FailMode::Secure
            } else {
                FailMode::Standalone
            },
        );
        let mut rules = Vec::new();
        for _ in 0..1 + rng.below(8) {
            let s = random_flow(&mut rng);
            let Ok((m, _)) = flow_mod::parse(&s, Some(command::ADD)) else {
                continue;
            };
            let b = r.bridge_mut("br0").unwrap();
            if b.flow_mod(&m, Instant::now()).is_ok() {
                n_rules += 1;
                rules.push(s);
            }
        }
        // Learn a few MACs so that NORMAL has something to decide by.
        for i in 0..3 {
            let mut p = random_packet(&mut rng);
            p.dl_dst = EthAddr::BROADCAST;
            p.in_port = 2 + i;
            r.upcall(&p);
        }
        for _ in 0..40 {
            let p = random_packet(&mut rng);
            let first = r.revalidate(&p);
            n_nonempty += usize::from(!first.actions.is_empty());
            for _ in 0..5 {
                let q = same_megaflow(&mut rng, &p, &first.mask);
                let again = r.revalidate(&q);
                assert_eq!(
                    first.actions, again.actions,
                    "rules {rules:#?}\npacket {p:?}\nmask {:?}\nother {q:?}",
                    first.mask
                );
            }
        }
    }
    // The generator must produce real tables and real forwarding.
    assert!(n_rules > 150, "only {n_rules} rules");
    assert!(n_nonempty > 600, "only {n_nonempty} packets forwarded");
}

#[test]
fn bundled_flow_mods_apply_all_or_nothing() {
    let mut r = registry();
    add(&mut r, "priority=5,ip,actions=output:1");
    let keep = fm(command::MODIFY, "ip,actions=output:2");
    let del = fm(command::DELETE, "ip");
    let bad = fm(command::ADD, "priority=6,actions=group:7");
    let b = r.bridge_mut("br0").unwrap();
    let err = b
        .flow_mods_atomic(&[&keep, &del, &bad], Instant::now())
        .unwrap_err();
    assert_eq!(err, (2, OfpError::OFPBAC_BAD_OUT_GROUP));
    let rules = b.tables()[0].rules();
    assert_eq!(rules.len(), 1, "the delete was rolled back");
    assert_eq!(
        format!("{:?}", rules[0].actions),
        format!("{:?}", fm(command::ADD, "actions=output:1").actions)
    );
    let good = fm(command::ADD, "priority=7,arp,actions=drop");
    let removed = b.flow_mods_atomic(&[&del, &good], Instant::now()).unwrap();
    assert_eq!(removed.len(), 1);
    assert_eq!(n_rules(&r), 1);
}
