//! 802.1Q-tagged frames cross the switch with their tag. The receiving kernel moves
//! the tag of a frame into packet metadata before af_packet sees it, so the switch
//! must put it back from `PACKET_AUXDATA`. (This kernel has no VLAN devices, so the
//! tagged frames come from scapy and are checked with tcpdump.)
//!
//! Run as root. `RVS_E2E_SWITCH=ovs` runs it against Debian's `ovs-vswitchd`.

use std::process::Stdio;
use std::time::Duration;

use rvs_e2e::Bed;

#[test]
fn tagged_frames_keep_their_vlan() {
    let bed = Bed::start("vlan");
    bed.add_bridge("br0");
    let a = bed.host("a", "10.9.0.1/24");
    let b = bed.host("b", "10.9.0.2/24");
    bed.add_port("br0", &a);
    bed.add_port("br0", &b);
    assert!(a.ping(&b.ip, 2), "untagged traffic flows"); // MACs learned
    let tcpdump =
        b.ns.command(&[
            "timeout", "15", "tcpdump", "-Z", "root", "-i", &b.ifname, "-c", "3", "-nn", "-e",
            "-l", "vlan 10",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("tcpdump");
    std::thread::sleep(Duration::from_millis(1500));
    let send = format!(
        "from scapy.all import Ether, Dot1Q, IP, ICMP, sendp\n\
         f = Ether(src='{src}', dst='{dst}')/Dot1Q(vlan=10, prio=3)/IP(src='10.0.10.1', dst='10.0.10.2')/ICMP()\n\
         sendp([f] * 5, iface='{iface}', verbose=False)\n",
        src = a.mac,
        dst = b.mac,
        iface = a.ifname
    );
    let out = a.ns.run(&["python3", "-c", &send]);
    assert!(
        out.status.success(),
        "scapy: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = tcpdump.wait_with_output().expect("tcpdump output");
    let text = String::from_utf8_lossy(&got.stdout);
    let tagged = text
        .lines()
        .filter(|l| l.contains("vlan 10") && l.contains("10.0.10.1"))
        .count();
    assert!(
        tagged >= 3,
        "b did not see the frames tagged with VLAN 10:\n{text}"
    );
}
