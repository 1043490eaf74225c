//! Raw OpenFlow 1.3 on `br0.mgmt`: flow-mods with bad matches, actions,
//! instructions, tables and ports each get the error OVS sends (type and code read
//! from the reply), and the connection stays up (an echo after each). Plus the
//! asynchronous configuration: a packet-in a set-async masks out does not come.
//!
//! Run as root. `RVS_E2E_SWITCH=ovs` runs it against Debian's `ovs-vswitchd`.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use rvs_e2e::Bed;

const OFP13: u8 = 4;

struct Conn {
    s: UnixStream,
    xid: u32,
}

impl Conn {
    fn open(bed: &Bed) -> Conn {
        let path = bed.switch.dir().join("br0.mgmt");
        let s = UnixStream::connect(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        s.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        let mut c = Conn { s, xid: 100 };
        c.send(0, &[]);
        let (t, _) = c.recv();
        assert_eq!(t, 0, "hello first");
        c
    }

    /// Sends a message of `type_` with `body`; returns its xid.
    fn send(&mut self, type_: u8, body: &[u8]) -> u32 {
        self.xid += 1;
        let mut m = vec![OFP13, type_];
        m.extend_from_slice(&((8 + body.len()) as u16).to_be_bytes());
        m.extend_from_slice(&self.xid.to_be_bytes());
        m.extend_from_slice(body);
        self.s.write_all(&m).expect("send");
        self.xid
    }

    /// The next message: its type and the bytes after the header.
    fn recv(&mut self) -> (u8, Vec<u8>) {
        let mut h = [0u8; 8];
        self.s.read_exact(&mut h).expect("a message header");
        let len = usize::from(u16::from_be_bytes([h[2], h[3]]));
        let mut body = vec![0u8; len.saturating_sub(8)];
        self.s.read_exact(&mut body).expect("a message body");
        (h[1], body)
    }

    /// Sends `type_`/`body` then a barrier, and returns what came before the barrier
    /// reply (type, body).
    fn transact(&mut self, type_: u8, body: &[u8]) -> Vec<(u8, Vec<u8>)> {
        self.send(type_, body);
        self.send(20, &[]);
        let mut got = Vec::new();
        loop {
            let (t, b) = self.recv();
            if t == 21 {
                return got;
            }
            got.push((t, b));
        }
    }

    /// The (type, code) of the error a flow-mod gets, if any.
    fn flow_mod_error(&mut self, fm: &[u8]) -> Option<(u16, u16)> {
        let got = self.transact(14, fm);
        got.iter().find(|(t, _)| *t == 1).map(|(_, b)| {
            (
                u16::from_be_bytes([b[0], b[1]]),
                u16::from_be_bytes([b[2], b[3]]),
            )
        })
    }

    fn alive(&mut self) -> bool {
        self.send(2, b"ping");
        matches!(self.recv(), (3, b) if b == b"ping")
    }
}

fn oxm(field: u8, value: &[u8]) -> Vec<u8> {
    let mut v = vec![0x80, 0x00, field << 1, value.len() as u8];
    v.extend_from_slice(value);
    v
}

fn output(port: u32) -> Vec<u8> {
    let mut a = vec![0, 0, 0, 16];
    a.extend_from_slice(&port.to_be_bytes());
    a.extend_from_slice(&[0xff, 0xff, 0, 0, 0, 0, 0, 0]);
    a
}

fn apply(actions: &[u8]) -> Vec<u8> {
    let mut i = vec![0, 4];
    i.extend_from_slice(&((8 + actions.len()) as u16).to_be_bytes());
    i.extend_from_slice(&[0; 4]);
    i.extend_from_slice(actions);
    i
}

fn goto(table: u8) -> Vec<u8> {
    vec![0, 1, 0, 8, table, 0, 0, 0]
}

/// An OpenFlow 1.3 flow-mod body (after the header).
fn flow_mod(table: u8, command: u8, fields: &[Vec<u8>], instructions: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&[0; 16]); // cookie, cookie mask
    b.extend_from_slice(&[table, command]);
    b.extend_from_slice(&[0, 0, 0, 0, 0x80, 0]); // timeouts, priority
    b.extend_from_slice(&[0xff; 12]); // buffer, out_port, out_group
    b.extend_from_slice(&[0; 4]); // flags, pad
    let oxms: Vec<u8> = fields.concat();
    b.extend_from_slice(&[0, 1]);
    b.extend_from_slice(&((4 + oxms.len()) as u16).to_be_bytes());
    b.extend_from_slice(&oxms);
    let pad = (8 - (4 + oxms.len()) % 8) % 8;
    b.extend(std::iter::repeat_n(0, pad));
    b.extend_from_slice(instructions);
    b
}

#[test]
fn bad_flow_mods_get_ovs_errors_and_async_config_masks_packet_ins() {
    let bed = Bed::start("ofbad");
    bed.add_bridge("br0");
    let mut c = Conn::open(&bed);
    let good = flow_mod(0, 0, &[oxm(0, &7u32.to_be_bytes())], &apply(&output(2)));
    assert_eq!(c.flow_mod_error(&good), None, "a good flow-mod");

    let eth_ip = oxm(5, &0x0800u16.to_be_bytes());
    let cases: Vec<(&str, Vec<u8>, (u16, u16))> = vec![
        (
            "tcp_dst without its prerequisites",
            flow_mod(0, 0, &[oxm(14, &80u16.to_be_bytes())], &[]),
            (4, 9), // OFPBMC_BAD_PREREQ
        ),
        (
            "an unknown OXM field",
            flow_mod(0, 0, &[oxm(120, &[0; 2])], &[]),
            (4, 6), // OFPBMC_BAD_FIELD
        ),
        (
            "a field twice",
            flow_mod(0, 0, &[eth_ip.clone(), eth_ip.clone()], &[]),
            (4, 10), // OFPBMC_DUP_FIELD
        ),
        (
            "in_port between the 16-bit and the reserved ranges",
            flow_mod(0, 0, &[oxm(0, &0x1_0000u32.to_be_bytes())], &[]),
            (4, 7), // OFPBMC_BAD_VALUE
        ),
        (
            "output between the 16-bit and the reserved ranges",
            flow_mod(0, 0, &[], &apply(&output(0x1_0000))),
            (2, 4), // OFPBAC_BAD_OUT_PORT
        ),
        (
            "an unknown action",
            flow_mod(0, 0, &[], &apply(&[0x12, 0x34, 0, 8, 0, 0, 0, 0])),
            (2, 0), // OFPBAC_BAD_TYPE
        ),
        (
            "a group that does not exist",
            flow_mod(0, 0, &[], &apply(&[0, 22, 0, 8, 0, 0, 0, 99])),
            (2, 9), // OFPBAC_BAD_OUT_GROUP
        ),
        (
            "goto_table backwards",
            flow_mod(5, 0, &[], &goto(2)),
            (3, 2), // OFPBIC_BAD_TABLE_ID
        ),
        (
            "the hidden table 254",
            flow_mod(254, 0, &[], &[]),
            (1, 5), // OFPBRC_EPERM
        ),
        (
            "a bad command",
            flow_mod(0, 9, &[], &[]),
            (5, 6), // OFPFMFC_BAD_COMMAND
        ),
    ];
    // OVS takes these (they match or reach nothing).
    for (what, fm) in [
        (
            "in_port 0",
            flow_mod(0, 0, &[oxm(0, &0u32.to_be_bytes())], &[]),
        ),
        ("output to port 0", flow_mod(0, 0, &[], &apply(&output(0)))),
    ] {
        assert_eq!(c.flow_mod_error(&fm), None, "{what}");
    }
    let mut wrong = Vec::new();
    for (what, fm, want) in &cases {
        let got = c.flow_mod_error(fm);
        if got != Some(*want) {
            wrong.push(format!("{what}: got {got:?}, want {want:?}"));
        }
        assert!(c.alive(), "{what}: the connection went down");
    }
    assert!(wrong.is_empty(), "{wrong:#?}");

    // Asynchronous messages: a management connection that sets a miss_send_len
    // gets packet-ins; OFPR_ACTION masked out by set-async, it gets none.
    c.send(9, &[0, 0, 0xff, 0xff]); // set-config, miss_send_len 65535
    let packet_out = |marker: u8| {
        let mut b = Vec::new();
        b.extend_from_slice(&0xffff_ffffu32.to_be_bytes()); // no buffer
        b.extend_from_slice(&0xffff_fffdu32.to_be_bytes()); // in_port CONTROLLER
        b.extend_from_slice(&16u16.to_be_bytes());
        b.extend_from_slice(&[0; 6]);
        b.extend_from_slice(&output(0xffff_fffd));
        let mut frame = vec![0xff; 6];
        frame.extend_from_slice(&[2, 0, 0, 0, 0, marker, 0x88, 0xb5]);
        frame.extend_from_slice(&[0; 46]);
        b.extend_from_slice(&frame);
        b
    };
    // The packet-in of a packet-out may come after the barrier (OVS makes it in its
    // datapath): wait for the next one, whatever comes in between.
    let next_packet_in = |c: &mut Conn| loop {
        let (t, b) = c.recv();
        if t == 10 {
            return b;
        }
    };
    let got = c.transact(13, &packet_out(1));
    let pin = match got.into_iter().find(|(t, _)| *t == 10) {
        Some((_, b)) => b,
        None => next_packet_in(&mut c),
    };
    assert_eq!(pin.get(6), Some(&1), "reason ACTION: {pin:?}");
    let set_async = |pin_mask: u32| {
        let mut b = Vec::new();
        for mask in [pin_mask, 0, 7, 7, 0xf, 0] {
            b.extend_from_slice(&mask.to_be_bytes());
        }
        b
    };
    // set-async: packet-ins for table misses only.
    assert!(c.transact(28, &set_async(1)).iter().all(|(t, _)| *t != 1));
    let got = c.transact(26, &[]);
    let reply = got
        .iter()
        .find(|(t, _)| *t == 27)
        .expect("a get-async reply");
    assert_eq!(reply.1.get(..4), Some(&1u32.to_be_bytes()[..]), "{got:?}");

    // A flow's controller action is OFPR_ACTION: masked, its packet-in does not come;
    // unmasked, the next packet's does.
    let a = bed.host("a", "10.8.0.1/24");
    bed.add_port("br0", &a);
    for (ip, mac) in [
        ("10.8.0.9", "02:00:00:00:00:09"),
        ("10.8.0.10", "02:00:00:00:00:0a"),
    ] {
        a.ns.run_ok(&["ip", "neigh", "add", ip, "lladdr", mac, "dev", &a.ifname]);
    }
    for args in [
        &["del-flows", "br0"][..],
        &["add-flow", "br0", "priority=10,icmp,actions=CONTROLLER"],
    ] {
        let mut ofctl = std::process::Command::new("ovs-ofctl");
        ofctl.env("OVS_RUNDIR", bed.switch.dir()).args(args);
        rvs_e2e::cmd::run_ok(&mut ofctl, Duration::from_secs(20));
    }
    assert!(!a.ping("10.8.0.9", 1), "nothing answers");
    let got = c.transact(20, &[]);
    assert!(
        got.iter().all(|(t, _)| *t != 10),
        "a masked packet-in: {got:?}"
    );
    assert!(c.transact(28, &set_async(3)).iter().all(|(t, _)| *t != 1));
    assert!(!a.ping("10.8.0.10", 1), "nothing answers");
    let pin = next_packet_in(&mut c);
    let total = usize::from(u16::from_be_bytes([pin[4], pin[5]]));
    let frame = &pin[pin.len() - total..];
    assert_eq!(pin.get(6), Some(&1), "reason ACTION");
    assert_eq!(
        frame.get(30..34),
        Some(&[10, 8, 0, 10][..]),
        "the masked packet-in came: {frame:?}"
    );
    assert!(c.alive());
}
