//! A real controller: an os-ken 3.1.1 learning switch (written here, OpenFlow 1.3)
//! connects to the switch through `set-controller br0 tcp:127.0.0.1:6653`, installs
//! its table-miss flow, learns from packet-ins, answers with packet-outs and installs
//! per-destination flows; two namespaces ping through them. The bridge is in secure
//! fail mode, so nothing passes without the controller.
//!
//! Needs os-ken (`scripts/deps.sh` installs it); fails, never skips, without it. Run
//! as root. `RVS_E2E_SWITCH=ovs` runs it against Debian's `ovs-vswitchd`.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use rvs_e2e::{cmd, wait_until, Bed};

/// The learning switch: a table-miss flow to the controller; on a packet-in, learn
/// the source, flood or forward, and install a flow once the destination is known.
const APP: &str = r#"
from os_ken.base import app_manager
from os_ken.controller import ofp_event
from os_ken.controller.handler import CONFIG_DISPATCHER, MAIN_DISPATCHER, set_ev_cls
from os_ken.lib.packet import ethernet, packet
from os_ken.ofproto import ofproto_v1_3


class LearningSwitch(app_manager.OSKenApp):
    OFP_VERSIONS = [ofproto_v1_3.OFP_VERSION]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.macs = {}

    def flow(self, dp, priority, match, actions):
        ofp, parser = dp.ofproto, dp.ofproto_parser
        inst = [parser.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS, actions)]
        dp.send_msg(parser.OFPFlowMod(datapath=dp, priority=priority, match=match,
                                      instructions=inst))

    @set_ev_cls(ofp_event.EventOFPSwitchFeatures, CONFIG_DISPATCHER)
    def features(self, ev):
        dp = ev.msg.datapath
        ofp, parser = dp.ofproto, dp.ofproto_parser
        self.flow(dp, 0, parser.OFPMatch(),
                  [parser.OFPActionOutput(ofp.OFPP_CONTROLLER, ofp.OFPCML_NO_BUFFER)])

    @set_ev_cls(ofp_event.EventOFPPacketIn, MAIN_DISPATCHER)
    def packet_in(self, ev):
        msg = ev.msg
        dp = msg.datapath
        ofp, parser = dp.ofproto, dp.ofproto_parser
        in_port = msg.match['in_port']
        eth = packet.Packet(msg.data).get_protocols(ethernet.ethernet)[0]
        table = self.macs.setdefault(dp.id, {})
        table[eth.src] = in_port
        out = table.get(eth.dst, ofp.OFPP_FLOOD)
        actions = [parser.OFPActionOutput(out)]
        if out != ofp.OFPP_FLOOD:
            self.flow(dp, 1, parser.OFPMatch(in_port=in_port, eth_dst=eth.dst,
                                             eth_src=eth.src), actions)
        dp.send_msg(parser.OFPPacketOut(datapath=dp, buffer_id=ofp.OFP_NO_BUFFER,
                                        in_port=in_port, actions=actions,
                                        data=msg.data))
"#;

/// `osken-manager` in the switch's namespace, stopped when dropped.
struct Controller(Child);

impl Drop for Controller {
    fn drop(&mut self) {
        cmd::stop_child(&mut self.0, libc::SIGTERM, Duration::from_secs(5));
    }
}

fn ofctl(bed: &Bed, args: &[&str]) -> String {
    let mut c = Command::new("ovs-ofctl");
    c.env("OVS_RUNDIR", bed.switch.dir()).args(args);
    let out = cmd::run(&mut c, Duration::from_secs(20));
    assert!(
        out.status.success(),
        "ovs-ofctl {args:?}: {}",
        cmd::stderr_str(&out)
    );
    cmd::stdout_str(&out)
}

#[test]
fn os_ken_learning_switch_forwards_pings() {
    let have = Command::new("python3")
        .args(["-c", "import os_ken"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        have,
        "os-ken is not installed: run scripts/deps.sh (pip install os-ken==3.1.1)"
    );
    let bed = Bed::start("osken");
    bed.add_bridge("br0");
    bed.vsctl_ok(&[
        "set",
        "bridge",
        "br0",
        "fail_mode=secure",
        "protocols=OpenFlow13",
    ]);
    let a = bed.host("a", "10.7.0.1/24");
    let b = bed.host("b", "10.7.0.2/24");
    bed.add_port("br0", &a);
    bed.add_port("br0", &b);
    assert!(
        !a.ping(&b.ip, 1),
        "secure mode: nothing passes without a controller"
    );

    let app = bed.switch.dir().join("learning_switch.py");
    std::fs::write(&app, APP).expect("write the app");
    let log = bed.switch.dir().join("osken.log");
    let mut c = bed.sw_ns.command(&[
        "osken-manager",
        "--ofp-listen-host",
        "127.0.0.1",
        "--ofp-tcp-listen-port",
        "6653",
        "--log-file",
        log.to_str().expect("utf-8 path"),
        app.to_str().expect("utf-8 path"),
    ]);
    let child = cmd::die_with_parent(&mut c)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start osken-manager");
    let _ctl = Controller(child);
    bed.vsctl_ok(&["set-controller", "br0", "tcp:127.0.0.1:6653"]);

    let miss = wait_until(Duration::from_secs(30), || {
        ofctl(&bed, &["-O", "OpenFlow13", "dump-flows", "br0"])
            .contains("priority=0 actions=CONTROLLER:65535")
    });
    let osken_log = || std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        miss,
        "the app's table-miss flow never came; os-ken log:\n{}",
        osken_log()
    );

    // The first exchange may lose a packet while the app learns (as with OVS).
    let first = wait_until(Duration::from_secs(15), || a.ping(&b.ip, 1));
    assert!(first, "no ping got through; os-ken log:\n{}", osken_log());
    assert!(
        a.ping(&b.ip, 3),
        "ping through the controller; os-ken log:\n{}",
        osken_log()
    );
    let dump = ofctl(&bed, &["-O", "OpenFlow13", "dump-flows", "br0"]);
    for (src, dst) in [(&a.mac, &b.mac), (&b.mac, &a.mac)] {
        assert!(
            dump.lines()
                .any(|l| l.contains("priority=1")
                    && l.contains(&format!("dl_src={src},dl_dst={dst}"))),
            "no learned flow {src} -> {dst}:\n{dump}"
        );
    }
    // The learned flows carry the traffic now.
    assert!(a.ping(&b.ip, 2));
    // (OVS credits its flows in the background: give the counters a moment.)
    let forwarded = wait_until(Duration::from_secs(10), || {
        ofctl(&bed, &["-O", "OpenFlow13", "dump-flows", "br0"])
            .lines()
            .filter(|l| l.contains("priority=1"))
            .all(|l| !l.contains("n_packets=0,"))
    });
    assert!(
        forwarded,
        "learned flows unused:\n{}",
        ofctl(&bed, &["-O", "OpenFlow13", "dump-flows", "br0"])
    );

    // Controller status as OVS writes it: the connected target, a passive one (no
    // status at all) and one that cannot connect.
    let row = |target: &str| {
        bed.vsctl_ok(&[
            "--columns=is_connected,role,status",
            "find",
            "controller",
            &format!("target=\"{target}\""),
        ])
    };
    let up = wait_until(Duration::from_secs(20), || {
        let r = row("tcp:127.0.0.1:6653");
        r.contains("is_connected        : true")
            && r.contains("role                : other")
            && r.contains("state=ACTIVE")
            && r.contains("sec_since_connect=")
    });
    assert!(up, "{}", row("tcp:127.0.0.1:6653"));
    bed.vsctl_ok(&[
        "set-controller",
        "br0",
        "tcp:127.0.0.1:6653",
        "ptcp:16653:127.0.0.1",
        "tcp:127.0.0.1:9",
    ]);
    let refused = wait_until(Duration::from_secs(20), || {
        let r = row("tcp:127.0.0.1:9");
        r.contains("is_connected        : false")
            && r.contains("role                : []")
            && r.contains("last_error=\"Connection refused\"")
            && r.contains("state=BACKOFF")
    });
    assert!(refused, "{}", row("tcp:127.0.0.1:9"));
    let passive = row("ptcp:16653:127.0.0.1");
    assert!(
        passive.contains("is_connected        : false")
            && passive.contains("status              : {}"),
        "{passive}"
    );
    assert!(row("tcp:127.0.0.1:6653").contains("is_connected        : true"));
}
