use super::super::{tcp_flags, FRAG_ANY, VLAN_CFI};
use super::*;

fn eth(dl_type: u16) -> Flow {
    Flow {
        in_port: 0xffff,
        dl_src: EthAddr([0x02, 0, 0, 0, 0, 1]),
        dl_dst: EthAddr([0x02, 0, 0, 0, 0, 2]),
        dl_type,
        ..Flow::default()
    }
}

const L2: &str = "in_port=ANY,vlan_tci=0x0000,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02";

#[test]
fn zero_flow_prints_the_ethernet_header() {
    assert_eq!(
        Flow::default().to_string(),
        "vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,dl_type=0x0000"
    );
}

#[test]
fn tcp_over_qinq() {
    let flow = Flow {
        vlan_tpid: 0x88a8,
        vlan_tci: VLAN_CFI | 5 << 13 | 100,
        vlan1_tpid: 0x8100,
        vlan1_tci: VLAN_CFI | 7,
        nw_src: 0x0a00_0001,
        nw_dst: 0x0a00_0002,
        nw_proto: ipproto::TCP,
        nw_tos: 0xb9,
        nw_ttl: 64,
        nw_frag: FRAG_ANY,
        tp_src: 12345,
        tp_dst: 80,
        tcp_flags: tcp_flags::SYN | tcp_flags::ACK | 0x800,
        ..eth(ethertype::IPV4)
    };
    assert_eq!(
        flow.to_string(),
        "tcp,in_port=ANY,dl_vlan=100,dl_vlan_pcp=5,dl_vlan1=7,dl_vlan_pcp1=0,\
         dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02,nw_src=10.0.0.1,nw_dst=10.0.0.2,\
         nw_tos=184,nw_ecn=1,nw_ttl=64,nw_frag=first,tp_src=12345,tp_dst=80,\
         tcp_flags=syn|ack|[800]"
    );
}

#[test]
fn arp_and_unknown_type() {
    let arp = Flow {
        nw_src: 0x0a00_0001,
        nw_dst: 0x0a00_0002,
        nw_proto: 1,
        arp_sha: EthAddr([0x02, 0, 0, 0, 0, 1]),
        ..eth(ethertype::ARP)
    };
    assert_eq!(
        arp.to_string(),
        format!(
            "arp,{L2},arp_spa=10.0.0.1,arp_tpa=10.0.0.2,arp_op=1,\
             arp_sha=02:00:00:00:00:01,arp_tha=00:00:00:00:00:00"
        )
    );
    assert_eq!(eth(0x1234).to_string(), format!("{L2},dl_type=0x1234"));
}

#[test]
fn mpls_stack_until_bos() {
    let flow = Flow {
        mpls_lse: [100 << 12 | 3, 200 << 12 | 2 << 9 | 1 << 8 | 64, 7],
        ..eth(ethertype::MPLS)
    };
    assert_eq!(
        flow.to_string(),
        format!("mpls,{L2},mpls_label=100,mpls_tc=0,mpls_ttl=3,mpls_bos=0,mpls_lse1=820544")
    );
}

#[test]
fn neighbour_solicitation() {
    let mut target = [0u8; 16];
    target[..2].copy_from_slice(&[0xfe, 0x80]);
    target[15] = 1;
    let flow = Flow {
        ipv6_label: 0x12345,
        nw_proto: ipproto::ICMPV6,
        nw_ttl: 255,
        tp_src: 135,
        nd_target: target,
        arp_sha: EthAddr([0x02, 0, 0, 0, 0, 1]),
        tcp_flags: 1,
        igmp_group_ip4: 0x6000_0000,
        ..eth(ethertype::IPV6)
    };
    assert_eq!(
        flow.to_string(),
        format!(
            "icmp6,{L2},ipv6_src=::,ipv6_dst=::,ipv6_label=0x12345,nw_tos=0,nw_ecn=0,\
             nw_ttl=255,nw_frag=no,icmp_type=135,icmp_code=0,nd_target=fe80::1,\
             nd_sll=02:00:00:00:00:01,nd_tll=00:00:00:00:00:00"
        )
    );
}

#[test]
fn context_fields_print_when_set() {
    let mut flow = Flow {
        pkt_mark: 0x10,
        recirc_id: 2,
        dp_hash: 0,
        skb_priority: 1,
        ct_state: ct_state::TRACKED | ct_state::ESTABLISHED,
        ct_zone: 5,
        ct_mark: 1,
        metadata: 0xab,
        ..eth(0x88cc)
    };
    flow.regs[3] = 7;
    flow.ct_label[15] = 0x01;
    flow.ct_label[14] = 0x02;
    flow.tunnel.ip_dst = 0x0a00_0009;
    flow.tunnel.ip_src = 0x0a00_0008;
    flow.tunnel.tun_id = 42;
    flow.tunnel.flags = tun_flags::KEY | tun_flags::CSUM;
    flow.tunnel.ip_ttl = 64;
    flow.tunnel.ip_tos = 0x1c;
    assert_eq!(
        flow.to_string(),
        format!(
            "pkt_mark=0x10,recirc_id=0x2,skb_priority=0x1,ct_state=est|trk,ct_zone=5,\
             ct_mark=0x1,ct_label=0x201,eth,tun_id=0x2a,tun_src=10.0.0.8,tun_dst=10.0.0.9,\
             tun_ipv6_src=::,tun_ipv6_dst=::,tun_gbp_id=0,tun_gbp_flags=0,tun_tos=1c,\
             tun_ttl=64,tun_flags=csum|key,{L2},dl_type=0x88cc"
        )
    );
}

#[test]
fn registers_and_metadata_print_in_matches_only() {
    let mut flow = Flow {
        metadata: 0xab,
        ..Flow::default()
    };
    flow.regs[3] = 7;
    assert!(!flow.to_string().contains("reg3"));
    let mask = Flow::exact_mask();
    let s = MatchDisplay {
        flow: &flow,
        mask: &mask,
    }
    .to_string();
    assert!(s.contains(",reg0=0,"), "{s}");
    assert!(s.contains(",reg3=0x7,"), "{s}");
    assert!(s.contains(",metadata=0xab,"), "{s}");
}

#[test]
fn match_with_partial_masks() {
    let flow = Flow {
        nw_src: 0x0a01_0203,
        vlan_tci: VLAN_CFI | 10,
        ..eth(ethertype::IPV4)
    };
    let mask = Flow {
        dl_type: u16::MAX,
        nw_src: 0xffff_0000,
        vlan_tci: VLAN_CFI | VLAN_VID_MASK,
        tp_dst: 0xff00,
        dl_dst: EthAddr([0x01, 0, 0, 0, 0, 0]),
        tcp_flags: tcp_flags::SYN,
        ..Flow::default()
    };
    let s = MatchDisplay {
        flow: &flow,
        mask: &mask,
    }
    .to_string();
    assert_eq!(
        s,
        "ip,dl_vlan=10,dl_dst=02:00:00:00:00:02/01:00:00:00:00:00,nw_src=10.1.2.3/16,\
         tp_dst=0x0/0xff00"
    );
}

#[test]
fn ipv6_text_like_glibc() {
    let cases: [(&str, &str); 8] = [
        ("::", "::"),
        ("::1", "::1"),
        ("::102:304", "::1.2.3.4"),
        ("::ffff:102:304", "::ffff:1.2.3.4"),
        ("1:0:0:2::3", "1:0:0:2::3"),
        ("2001:db8::1", "2001:db8::1"),
        ("1:2:3:4:5:6:7:0", "1:2:3:4:5:6:7:0"),
        ("fe80::", "fe80::"),
    ];
    for (addr, want) in cases {
        let a: std::net::Ipv6Addr = addr.parse().unwrap();
        assert_eq!(Ipv6Text(a.octets()).to_string(), want, "{addr}");
    }
}
