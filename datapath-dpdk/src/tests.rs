//! Scenario tests on dummy ports, with one and several PMDs: no root, no devices.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rvs_packet::actions::DpAction;
use rvs_packet::rewrite::{Masked, SetField};
use rvs_packet::{EthAddr, Flow};

use super::*;
use crate::netdev::dummy::{DummyHandle, DummyNetdev};

type Rule = dyn Fn(&Flow) -> (Vec<DpAction>, Flow) + Send + Sync;

/// An upcall handler driven by a replaceable rule; counts upcalls and userspace calls.
struct Handler {
    rule: Mutex<Arc<Rule>>,
    /// The sink every translation names.
    sink: Mutex<Option<Arc<Counter>>>,
    generation: AtomicU64,
    upcalls: AtomicU64,
    userspace: Mutex<Vec<Vec<u8>>>,
}

impl Handler {
    fn new(rule: impl Fn(&Flow) -> (Vec<DpAction>, Flow) + Send + Sync + 'static) -> Arc<Handler> {
        Arc::new(Handler {
            rule: Mutex::new(Arc::new(rule)),
            sink: Mutex::new(None),
            generation: AtomicU64::new(0),
            upcalls: AtomicU64::new(0),
            userspace: Mutex::new(Vec::new()),
        })
    }

    fn set_rule(&self, rule: impl Fn(&Flow) -> (Vec<DpAction>, Flow) + Send + Sync + 'static) {
        *self.rule.lock().unwrap() = Arc::new(rule);
        self.generation.fetch_add(1, Ordering::Release);
    }
}

impl UpcallHandler for Handler {
    fn upcall(&self, _packet: &[u8], flow: &Flow) -> Upcall {
        self.upcalls.fetch_add(1, Ordering::Relaxed);
        self.revalidate(flow)
    }
    fn revalidate(&self, flow: &Flow) -> Upcall {
        let rule = self.rule.lock().unwrap().clone();
        let (actions, mask) = rule(flow);
        let stats = self.sink.lock().unwrap().clone();
        Upcall {
            actions,
            mask,
            stats: stats.map(|s| s as Arc<dyn StatsSink>),
        }
    }
    fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }
    fn userspace(&self, packet: &[u8], _flow: &Flow, userdata: &[u8]) {
        let mut v = userdata.to_vec();
        v.extend_from_slice(&packet[..6]);
        self.userspace.lock().unwrap().push(v);
    }
}

/// A stats sink that adds up what it is credited with.
#[derive(Debug, Default)]
struct Counter {
    packets: AtomicU64,
    bytes: AtomicU64,
}

impl Counter {
    fn get(&self) -> (u64, u64) {
        (
            self.packets.load(Ordering::Relaxed),
            self.bytes.load(Ordering::Relaxed),
        )
    }
}

impl StatsSink for Counter {
    fn credit(&self, packets: u64, bytes: u64) {
        self.packets.fetch_add(packets, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }
    fn same(&self, other: &dyn StatsSink) -> bool {
        other
            .as_any()
            .downcast_ref::<Counter>()
            .is_some_and(|o| std::ptr::eq(o, self))
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn in_port_mask() -> Flow {
    Flow {
        in_port: u32::MAX,
        ..Flow::default()
    }
}

/// Port 1 ↔ port 2 by input port only.
fn patch(f: &Flow) -> (Vec<DpAction>, Flow) {
    let out = if f.in_port == 1 { 2 } else { 1 };
    (vec![DpAction::Output(out)], in_port_mask())
}

/// A 60-byte IPv4/UDP frame from MAC `src` to MAC `dst`, UDP destination port `port`.
fn frame(src: u8, dst: u8, port: u16) -> Vec<u8> {
    let mut f = vec![0u8; 60];
    f[..6].copy_from_slice(&[2, 0, 0, 0, 0, dst]);
    f[6..12].copy_from_slice(&[2, 0, 0, 0, 0, src]);
    f[12..14].copy_from_slice(&[0x08, 0x00]);
    f[14..34].copy_from_slice(&[
        0x45, 0, 0, 46, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
    ]);
    f[34..36].copy_from_slice(&1000u16.to_be_bytes());
    f[36..38].copy_from_slice(&port.to_be_bytes());
    f[38..40].copy_from_slice(&26u16.to_be_bytes());
    f
}

fn wait_sent(h: &DummyHandle, n: usize) -> Vec<Vec<u8>> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut got = Vec::new();
    while got.len() < n && Instant::now() < deadline {
        got.extend(h.take_sent());
        std::thread::sleep(Duration::from_millis(1));
    }
    got
}

fn wait_until(mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    false
}

fn config(cores: &[usize]) -> DpConfig {
    DpConfig {
        pmd_cores: Some(cores.to_vec()),
        emc_insert_inv_prob: 1,
        ..DpConfig::default()
    }
}

fn setup(h: Arc<Handler>, cores: &[usize], n_rxq: usize) -> (Datapath, DummyHandle, DummyHandle) {
    let mut dp = Datapath::with_config(h, config(cores)).unwrap();
    let (a, ha) = DummyNetdev::with_queues("a", n_rxq);
    let (b, hb) = DummyNetdev::with_queues("b", n_rxq);
    assert_eq!(dp.add_port(Arc::new(a)).unwrap(), 1);
    assert_eq!(dp.add_port(Arc::new(b)).unwrap(), 2);
    (dp, ha, hb)
}

fn total(dp: &Datapath, f: impl Fn(&PmdStats) -> &AtomicU64) -> u64 {
    dp.pmds().iter().map(|p| PmdStats::get(f(&p.stats))).sum()
}

#[test]
fn forwards_and_caches_one_megaflow_per_in_port() {
    let h = Handler::new(patch);
    let (dp, ha, hb) = setup(h.clone(), &[0], 1);
    for i in 0..50 {
        ha.inject(&frame(1, i, 7));
    }
    assert_eq!(wait_sent(&hb, 50).len(), 50);
    hb.inject(&frame(2, 1, 7));
    assert_eq!(wait_sent(&ha, 1), vec![frame(2, 1, 7)]);
    assert_eq!(
        h.upcalls.load(Ordering::Relaxed),
        2,
        "50 destinations, one megaflow"
    );
    let c = dp.port_counters(1).unwrap();
    assert_eq!((c[0], c[3]), (50, 1));
    assert_eq!(total(&dp, |s| &s.megaflows), 2);
    // After the first packet's upcall, the port's one megaflow matches on the port
    // alone: the rest go by the port-wide path (or the caches, for packets of the
    // first packet's burst).
    assert_eq!(
        total(&dp, |s| &s.simple_hits)
            + total(&dp, |s| &s.emc_hits)
            + total(&dp, |s| &s.megaflow_hits),
        49
    );
    let flows = dp.dump_flows().unwrap();
    let from_a = flows.iter().find(|(_, f)| f.key.in_port == 1).unwrap();
    assert_eq!(
        (from_a.1.packets, from_a.1.actions.clone()),
        (50, vec![DpAction::Output(2)])
    );
}

#[test]
fn revalidation_fixes_stale_megaflows() {
    let h = Handler::new(patch);
    let (dp, ha, hb) = setup(h.clone(), &[0], 1);
    ha.inject(&frame(1, 2, 7));
    assert_eq!(wait_sent(&hb, 1).len(), 1);
    // Same mask, new answer: updated in place, no upcall needed.
    h.set_rule(|_| (vec![DpAction::Output(1)], in_port_mask()));
    ha.inject(&frame(1, 2, 7));
    assert_eq!(wait_sent(&ha, 1).len(), 1, "the stale megaflow was used");
    assert_eq!(h.upcalls.load(Ordering::Relaxed), 1);
    // A wider mask: the old megaflow goes, the next packet makes a new one.
    h.set_rule(|f| {
        let m = Flow {
            in_port: u32::MAX,
            tp_dst: u16::MAX,
            ..Flow::default()
        };
        (vec![DpAction::Output(if f.tp_dst == 7 { 2 } else { 1 })], m)
    });
    ha.inject(&frame(1, 2, 7));
    assert_eq!(wait_sent(&hb, 1).len(), 1);
    assert_eq!(h.upcalls.load(Ordering::Relaxed), 2);
    assert!(total(&dp, |s| &s.revalidations) >= 2);
}

#[test]
fn megaflow_packets_are_credited_once_to_the_sink_of_their_translation() {
    let h = Handler::new(patch);
    let (a, b, c) = (
        Arc::new(Counter::default()),
        Arc::new(Counter::default()),
        Arc::new(Counter::default()),
    );
    *h.sink.lock().unwrap() = Some(a.clone());
    let (dp, ha, hb) = setup(h.clone(), &[0], 1);
    let len = frame(1, 2, 7).len() as u64;
    for _ in 0..5 {
        ha.inject(&frame(1, 2, 7));
    }
    assert_eq!(wait_sent(&hb, 5).len(), 5);
    dp.flush_flow_stats().unwrap();
    assert_eq!(a.get(), (5, 5 * len), "the upcall's packet and the hits");
    dp.flush_flow_stats().unwrap();
    assert_eq!(a.get(), (5, 5 * len), "credited once");
    // Same answer through other rules: what was counted stays with the old sink.
    *h.sink.lock().unwrap() = Some(b.clone());
    h.set_rule(patch);
    for _ in 0..3 {
        ha.inject(&frame(1, 2, 7));
    }
    assert_eq!(wait_sent(&hb, 3).len(), 3);
    dp.flush_flow_stats().unwrap();
    assert_eq!((a.get().0, b.get().0), (5, 3));
    assert_eq!(h.upcalls.load(Ordering::Relaxed), 1, "updated, not removed");
    // A megaflow removed by revalidation credits its last packets as it goes,
    // without being asked.
    for _ in 0..2 {
        ha.inject(&frame(1, 2, 7));
    }
    assert_eq!(wait_sent(&hb, 2).len(), 2);
    *h.sink.lock().unwrap() = Some(c.clone());
    h.set_rule(|f| {
        let m = Flow {
            in_port: u32::MAX,
            tp_dst: u16::MAX,
            ..Flow::default()
        };
        (patch(f).0, m)
    });
    dp.sync().unwrap();
    assert_eq!(b.get(), (5, 5 * len));
    ha.inject(&frame(1, 2, 7));
    assert_eq!(wait_sent(&hb, 1).len(), 1);
    dp.flush_flow_stats().unwrap();
    assert_eq!((a.get().0, b.get().0, c.get().0), (5, 5, 1));
}

#[test]
fn after_sync_no_packet_follows_the_old_answer() {
    let h = Handler::new(patch);
    let (dp, ha, hb) = setup(h.clone(), &[0, 1], 2);
    for i in 0..64u16 {
        ha.inject_to(usize::from(i), &frame(1, 2, i));
    }
    assert_eq!(wait_sent(&hb, 64).len(), 64);
    for round in 0..20u32 {
        // Alternate between b and a drop, syncing after each change.
        let drop = round % 2 == 0;
        h.set_rule(move |f| {
            let actions = if drop { vec![] } else { patch(f).0 };
            (actions, in_port_mask())
        });
        dp.sync().unwrap();
        for i in 0..16u16 {
            ha.inject_to(usize::from(i), &frame(1, 2, i));
        }
        assert!(wait_until(|| ha.pending_rx() == 0));
        dp.sync().unwrap(); // every injected packet has been processed
        let got = hb.take_sent().len();
        assert_eq!(got, if drop { 0 } else { 16 }, "round {round}");
    }
}

#[test]
fn deleted_port_neither_receives_nor_sends() {
    let h = Handler::new(patch);
    let (mut dp, ha, hb) = setup(h, &[0], 1);
    dp.del_port(2).unwrap();
    ha.inject(&frame(1, 2, 7));
    hb.inject(&frame(2, 1, 7));
    assert!(
        wait_until(|| ha.pending_rx() == 0),
        "port 1 is still polled"
    );
    dp.flush().unwrap(); // a full PMD round trip after the frame was taken
    assert!(hb.take_sent().is_empty());
    assert_eq!(hb.pending_rx(), 1, "a deleted port was polled");
    assert!(matches!(dp.del_port(2), Err(DpError::NoSuchPort(2))));
    let (c, _hc) = DummyNetdev::new("c");
    assert_eq!(
        dp.add_port(Arc::new(c)).unwrap(),
        2,
        "lowest free number is reused"
    );
    assert!(total(&dp, |s| &s.packets) >= 1);
}

#[test]
fn several_pmds_share_the_queues_and_forward_everything() {
    let h = Handler::new(patch);
    let (dp, ha, hb) = setup(h, &[0, 1], 4);
    let pmds = dp.pmds();
    assert_eq!(pmds.len(), 2);
    assert!(
        pmds.iter().all(|p| p.rxqs.len() == 4),
        "8 queues over 2 PMDs: {pmds:?}"
    );
    for i in 0..400u16 {
        ha.inject_to(usize::from(i), &frame(1, 2, i));
    }
    assert_eq!(wait_sent(&hb, 400).len(), 400);
    assert!(
        pmds.iter().all(|p| PmdStats::get(&p.stats.packets) > 0),
        "both PMDs worked"
    );
}

#[test]
fn queues_move_between_pmds_while_packets_flow() {
    let h = Handler::new(patch);
    let (mut dp, ha, hb) = setup(h, &[0], 2);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (stop2, ha2) = (stop.clone(), ha.clone());
    let sender = std::thread::spawn(move || {
        let mut n = 0u32;
        while !stop2.load(Ordering::Relaxed) {
            ha2.inject_to(n as usize, &frame(1, 2, n as u16));
            n += 1;
            if n % 64 == 0 {
                std::thread::sleep(Duration::from_micros(200));
            }
        }
        n
    });
    for cores in [vec![0, 1], vec![1], vec![0, 1], vec![0]] {
        std::thread::sleep(Duration::from_millis(30));
        dp.set_config(config(&cores)).unwrap();
        assert_eq!(dp.pmds().len(), cores.len());
        assert_eq!(dp.pmds().iter().map(|p| p.rxqs.len()).sum::<usize>(), 4);
    }
    stop.store(true, Ordering::Relaxed);
    let sent = sender.join().unwrap() as usize;
    let got = wait_sent(&hb, sent);
    assert_eq!(
        got.len(),
        sent,
        "every packet forwarded across reassignments"
    );
    assert!(wait_until(|| ha.pending_rx() == 0));
}

#[test]
fn ports_come_and_go_under_traffic() {
    let h = Handler::new(|f| {
        // a <-> b; anything from c goes to a.
        let out = match f.in_port {
            1 => 2,
            _ => 1,
        };
        (vec![DpAction::Output(out)], in_port_mask())
    });
    let (mut dp, ha, hb) = setup(h, &[0, 1], 1);
    for round in 0..5u16 {
        let (c, hc) = DummyNetdev::new("c");
        let pc = dp.add_port(Arc::new(c)).unwrap();
        for i in 0..20 {
            ha.inject(&frame(1, 2, i));
            hc.inject(&frame(3, 1, i));
        }
        dp.del_port(pc).unwrap();
        let got = wait_sent(&hb, 20);
        assert_eq!(got.len(), 20, "round {round}: a -> b kept forwarding");
        let _ = ha.take_sent();
    }
    assert_eq!(dp.ports().len(), 2);
}

#[test]
fn idle_megaflows_expire() {
    let h = Handler::new(patch);
    let mut dp = Datapath::with_config(
        h,
        DpConfig {
            max_idle_ms: 50,
            ..config(&[0])
        },
    )
    .unwrap();
    let (a, ha) = DummyNetdev::new("a");
    let (b, hb) = DummyNetdev::new("b");
    dp.add_port(Arc::new(a)).unwrap();
    dp.add_port(Arc::new(b)).unwrap();
    ha.inject(&frame(1, 2, 7));
    assert_eq!(wait_sent(&hb, 1).len(), 1);
    assert_eq!(dp.dump_flows().unwrap().len(), 1);
    assert!(
        wait_until(|| dp.dump_flows().unwrap().is_empty()),
        "the megaflow never expired"
    );
}

#[test]
fn flow_limit_keeps_new_megaflows_out_but_forwards() {
    let h = Handler::new(|f| {
        let m = Flow {
            in_port: u32::MAX,
            tp_dst: u16::MAX,
            ..Flow::default()
        };
        let _ = f;
        (vec![DpAction::Output(2)], m)
    });
    let mut dp = Datapath::with_config(
        h,
        DpConfig {
            flow_limit: 2,
            ..config(&[0])
        },
    )
    .unwrap();
    let (a, ha) = DummyNetdev::new("a");
    let (b, hb) = DummyNetdev::new("b");
    dp.add_port(Arc::new(a)).unwrap();
    dp.add_port(Arc::new(b)).unwrap();
    for i in 0..5 {
        ha.inject(&frame(1, 2, i));
    }
    assert_eq!(wait_sent(&hb, 5).len(), 5);
    assert_eq!(dp.dump_flows().unwrap().len(), 2);
    assert_eq!(total(&dp, |s| &s.lost), 3);
}

#[test]
fn modifying_actions_run_on_copies_in_order() {
    let h = Handler::new(|f| {
        let mask = Flow {
            in_port: u32::MAX,
            recirc_id: u32::MAX,
            ..Flow::default()
        };
        let actions = if f.recirc_id == 0 {
            vec![
                DpAction::Output(2),
                DpAction::PushVlan {
                    tpid: 0x8100,
                    tci: 0x2000 | 10,
                },
                DpAction::Output(2),
                DpAction::Clone(vec![
                    DpAction::PopVlan,
                    DpAction::Set(SetField::EthDst(Masked::exact(EthAddr([9; 6])))),
                    DpAction::Output(2),
                ]),
                DpAction::Userspace {
                    userdata: vec![0xab],
                },
                DpAction::Truncate(20),
                DpAction::Output(2),
                DpAction::Recirc(7),
            ]
        } else {
            vec![DpAction::PopVlan, DpAction::Output(2)]
        };
        (actions, mask)
    });
    let (dp, ha, hb) = setup(h.clone(), &[0], 1);
    let f = frame(1, 2, 7);
    ha.inject(&f);
    let got = wait_sent(&hb, 5);
    assert_eq!(got.len(), 5, "{got:?}");
    assert_eq!(got[0], f, "first output: the packet as received");
    assert_eq!(&got[1][12..16], &[0x81, 0x00, 0x20, 10], "then tagged");
    assert_eq!(got[1].len(), f.len() + 4);
    let mut cloned = f.clone();
    cloned[..6].copy_from_slice(&[9; 6]);
    assert!(
        got.contains(&cloned),
        "the clone popped the tag and set dl_dst"
    );
    assert!(got.iter().any(|g| g.len() == 20), "truncated output");
    assert!(
        got.contains(&f),
        "after recirculation the tag was popped again"
    );
    assert_eq!(
        h.userspace.lock().unwrap()[0],
        [&[0xab][..], &f[..6]].concat()
    );
    assert_eq!(
        total(&dp, |s| &s.passes),
        2,
        "one packet, one recirculation"
    );
}

#[test]
fn rewrites_then_outputs_run_in_place() {
    // dl_dst rewritten, then out twice: both copies carry the new address; a rewrite
    // the packet cannot take (an IPv4 field on a frame without IPv4) drops it.
    let h = Handler::new(|f| {
        let actions = if f.tp_dst == 7 {
            vec![
                DpAction::Set(SetField::EthDst(Masked::exact(EthAddr([9; 6])))),
                DpAction::Output(2),
                DpAction::Output(2),
            ]
        } else {
            vec![
                DpAction::Set(SetField::Ipv4Src(Masked::exact(std::net::Ipv4Addr::new(
                    10, 0, 0, 9,
                )))),
                DpAction::Output(2),
            ]
        };
        let mask = Flow {
            tp_dst: u16::MAX,
            ..in_port_mask()
        };
        (actions, mask)
    });
    let (dp, ha, hb) = setup(h, &[0], 1);
    let f = frame(1, 2, 7);
    ha.inject(&f);
    let got = wait_sent(&hb, 2);
    let mut want = f.clone();
    want[..6].copy_from_slice(&[9; 6]);
    assert_eq!(got, vec![want.clone(), want]);
    // Not IPv4: the rewrite fails and nothing goes out.
    let mut arp = frame(1, 2, 8);
    arp[12..14].copy_from_slice(&[0x08, 0x06]);
    ha.inject(&arp);
    assert!(wait_until(|| total(&dp, |s| &s.packets) == 2));
    dp.sync().unwrap();
    assert_eq!(hb.take_sent().len(), 0, "a failed rewrite sends nothing");
    assert_eq!(
        dp.pmds()
            .iter()
            .map(|p| p.stats.drops(DropReason::RewriteFailed))
            .sum::<u64>(),
        1
    );
}

#[test]
fn recirculation_loops_are_cut() {
    let h = Handler::new(|_| {
        (
            vec![DpAction::Recirc(1)],
            Flow {
                in_port: u32::MAX,
                recirc_id: u32::MAX,
                ..Flow::default()
            },
        )
    });
    let (dp, ha, _hb) = setup(h, &[0], 1);
    ha.inject(&frame(1, 2, 7));
    assert!(wait_until(
        || total(&dp, |s| &s.passes) == u64::from(MAX_RECIRC_DEPTH) + 1
    ));
    assert!(wait_until(|| dp.pmds()[0]
        .stats
        .drops(DropReason::RecircDepth)
        == 1));
}

#[test]
fn affinity_pins_queues() {
    let h = Handler::new(patch);
    let (mut dp, _ha, _hb) = setup(h, &[0, 1], 2);
    dp.set_rxq_affinity(1, [(0, 1), (1, 1)].into_iter().collect())
        .unwrap();
    let pmds = dp.pmds();
    let on1 = &pmds.iter().find(|p| p.core == 1).unwrap().rxqs;
    assert_eq!(
        on1,
        &vec![(1, 0), (1, 1)],
        "core 1 polls port 1's queues and nothing else"
    );
}
