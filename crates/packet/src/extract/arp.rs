//! ARP and RARP for Ethernet hardware and IPv4 protocol addresses.

use super::{be16, be32};
use crate::flow::{ethertype, EthAddr, Flow};

/// Length of an Ethernet/IPv4 ARP packet (OVS `ARP_ETH_HEADER_LEN`).
const ARP_ETH_HEADER_LEN: usize = 28;
/// Hardware type for Ethernet.
const HTYPE_ETHERNET: u16 = 1;

/// The fields of an Ethernet/IPv4 ARP packet.
struct ArpEth {
    op: u16,
    sha: [u8; 6],
    spa: [u8; 4],
    tha: [u8; 6],
    tpa: [u8; 4],
}

/// The ARP header, if all [`ARP_ETH_HEADER_LEN`] bytes are there and it is
/// for Ethernet hardware and IPv4 protocol addresses.
fn header(l3: &[u8]) -> Option<ArpEth> {
    let arp = l3.first_chunk::<ARP_ETH_HEADER_LEN>()?;
    let (fixed, rest) = arp.split_first_chunk::<8>()?;
    let (sha, rest) = rest.split_first_chunk::<6>()?;
    let (spa, rest) = rest.split_first_chunk::<4>()?;
    let (tha, rest) = rest.split_first_chunk::<6>()?;
    let tpa = rest.first_chunk::<4>()?;
    let [h0, h1, p0, p1, hlen, plen, op0, op1] = *fixed;
    let eth_ipv4 = be16([h0, h1]) == HTYPE_ETHERNET
        && be16([p0, p1]) == ethertype::IPV4
        && hlen == 6
        && plen == 4;
    eth_ipv4.then_some(ArpEth {
        op: be16([op0, op1]),
        sha: *sha,
        spa: *spa,
        tha: *tha,
        tpa: *tpa,
    })
}

/// Fills in `nw_src` (spa), `nw_dst` (tpa), `arp_sha`, `arp_tha` and, for
/// opcodes up to 255, `nw_proto`, if the packet is a complete Ethernet/IPv4
/// ARP header ([`ARP_ETH_HEADER_LEN`] bytes); otherwise sets nothing.
pub(super) fn parse(l3: &[u8], flow: &mut Flow) {
    let Some(arp) = header(l3) else {
        return;
    };
    flow.nw_src = be32(arp.spa);
    flow.nw_dst = be32(arp.tpa);
    // OpenFlow matches only the low 8 bits of the opcode; OVS leaves the field
    // zero when the opcode does not fit.
    if let Ok(op) = u8::try_from(arp.op) {
        flow.nw_proto = op;
    }
    flow.arp_sha = EthAddr(arp.sha);
    flow.arp_tha = EthAddr(arp.tha);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Who has 10.0.0.2? Tell 10.0.0.1 (at 02:00:00:00:00:01).
    const REQUEST: [u8; 28] = [
        0x00, 0x01, // htype Ethernet
        0x08, 0x00, // ptype IPv4
        6, 4, // hlen, plen
        0x00, 0x01, // op request
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // sha
        10, 0, 0, 1, // spa
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // tha
        10, 0, 0, 2, // tpa
    ];

    fn run(bytes: &[u8]) -> Flow {
        let mut flow = Flow::default();
        parse(bytes, &mut flow);
        flow
    }

    #[test]
    fn request() {
        let flow = run(&REQUEST);
        assert_eq!(flow.nw_src, 0x0a00_0001);
        assert_eq!(flow.nw_dst, 0x0a00_0002);
        assert_eq!(flow.nw_proto, 1);
        assert_eq!(flow.arp_sha, EthAddr([0x02, 0, 0, 0, 0, 1]));
        assert_eq!(flow.arp_tha, EthAddr::ZERO);
    }

    #[test]
    fn large_opcode_leaves_nw_proto_zero() {
        let mut arp = REQUEST;
        arp[6] = 0x01; // op 0x0102
        arp[7] = 0x02;
        let flow = run(&arp);
        assert_eq!(flow.nw_proto, 0);
        assert_eq!(flow.nw_src, 0x0a00_0001);
        arp[6] = 0x00;
        arp[7] = 0xff;
        assert_eq!(run(&arp).nw_proto, 0xff);
    }

    #[test]
    fn non_ethernet_ipv4_sets_nothing() {
        for (i, v) in [(1, 6), (3, 0xdd), (4, 8), (5, 16)] {
            let mut arp = REQUEST;
            arp[i] = v;
            assert_eq!(run(&arp), Flow::default(), "byte {i} = {v}");
        }
    }

    #[test]
    fn truncated_sets_nothing_and_trailer_is_ignored() {
        for n in 0..REQUEST.len() {
            assert_eq!(run(&REQUEST[..n]), Flow::default(), "len {n}");
        }
        let mut padded = REQUEST.to_vec();
        padded.extend_from_slice(&[0xee; 18]);
        assert_eq!(run(&padded), run(&REQUEST));
    }
}
