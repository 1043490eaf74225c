//! Ethernet II and IEEE 802.3 headers, VLAN tags, LLC/SNAP.

use super::{be16, MAX_VLAN_HEADERS};
use crate::flow::{ethertype, EthAddr, Flow, VLAN_CFI};

/// Destination, source, type/length.
pub(super) const ETH_HEADER_LEN: usize = 14;
/// TPID and TCI.
const VLAN_HEADER_LEN: usize = 4;
/// 802.2 LLC (DSAP, SSAP, control) and SNAP (OUI, type).
const LLC_SNAP_HEADER_LEN: usize = 8;

/// The LLC header that announces a SNAP header: DSAP 0xaa, SSAP 0xaa, UI.
const LLC_SNAP: [u8; 3] = [0xaa, 0xaa, 0x03];
/// The SNAP OUI under which the SNAP protocol ID is an ethertype.
const SNAP_ORG_ETHERNET: [u8; 3] = [0x00, 0x00, 0x00];

fn is_vlan_tpid(tpid: u16) -> bool {
    tpid == ethertype::VLAN || tpid == ethertype::QINQ
}

/// Fills in the link-layer fields and returns the bytes after the Ethernet,
/// VLAN and LLC/SNAP headers, or `None` for a frame shorter than an Ethernet
/// header (leaving the flow untouched, so `dl_type` stays 0 as in OVS).
#[inline]
pub(super) fn parse<'a>(frame: &'a [u8], flow: &mut Flow) -> Option<&'a [u8]> {
    if frame.len() < ETH_HEADER_LEN {
        return None;
    }
    let (dst, rest) = frame.split_first_chunk::<6>()?;
    let (src, mut rest) = rest.split_first_chunk::<6>()?;
    flow.dl_dst = EthAddr(*dst);
    flow.dl_src = EthAddr(*src);

    // Like OVS's parse_vlan(): a tag counts only when the two bytes of the
    // type/length field after it are there too.
    for n in 0..MAX_VLAN_HEADERS {
        let Some((tag, after)) = rest.split_first_chunk::<VLAN_HEADER_LEN>() else {
            break;
        };
        if !is_vlan_tpid(be16([tag[0], tag[1]])) || after.len() < 2 {
            break;
        }
        let tpid = be16([tag[0], tag[1]]);
        let tci = be16([tag[2], tag[3]]) | VLAN_CFI;
        if n == 0 {
            (flow.vlan_tpid, flow.vlan_tci) = (tpid, tci);
        } else {
            (flow.vlan1_tpid, flow.vlan1_tci) = (tpid, tci);
        }
        rest = after;
    }

    let (type_len, rest) = rest.split_first_chunk::<2>()?;
    let type_len = be16(*type_len);
    if type_len >= ethertype::MIN {
        flow.dl_type = type_len;
        return Some(rest);
    }
    // 802.3: the field is a length. Only SNAP with the Ethernet OUI names an
    // ethertype.
    flow.dl_type = ethertype::NOT_ETH_TYPE;
    let Some((llc, payload)) = rest.split_first_chunk::<LLC_SNAP_HEADER_LEN>() else {
        return Some(rest);
    };
    let [dsap, ssap, cntl, o0, o1, o2, t0, t1] = *llc;
    if [dsap, ssap, cntl] != LLC_SNAP || [o0, o1, o2] != SNAP_ORG_ETHERNET {
        return Some(rest);
    }
    let snap_type = be16([t0, t1]);
    if snap_type >= ethertype::MIN {
        flow.dl_type = snap_type;
    }
    Some(payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DST: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];
    const SRC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];

    fn frame(parts: &[&[u8]]) -> Vec<u8> {
        [&DST[..], &SRC[..]]
            .iter()
            .chain(parts)
            .flat_map(|p| p.iter().copied())
            .collect()
    }

    fn run(frame: &[u8]) -> (Flow, Option<usize>) {
        let mut flow = Flow::default();
        let rest = parse(frame, &mut flow).map(<[u8]>::len);
        (flow, rest)
    }

    #[test]
    fn ethernet_ii() {
        let (flow, rest) = run(&frame(&[&[0x08, 0x00], &[1, 2, 3]]));
        assert_eq!(flow.dl_dst, EthAddr(DST));
        assert_eq!(flow.dl_src, EthAddr(SRC));
        assert_eq!(flow.dl_type, 0x0800);
        assert_eq!(flow.vlan_tci, 0);
        assert_eq!(rest, Some(3));
    }

    #[test]
    fn short_frames_set_nothing() {
        let full = frame(&[&[0x08, 0x00]]);
        for n in 0..ETH_HEADER_LEN {
            assert_eq!(run(&full[..n]), (Flow::default(), None), "len {n}");
        }
        assert_eq!(run(&full).1, Some(0));
    }

    #[test]
    fn vlan_tag_sets_tci_with_cfi_and_drops_dei() {
        // PCP 5, DEI 1, VID 100.
        let (flow, rest) = run(&frame(&[&[0x81, 0x00, 0xb0, 0x64], &[0x86, 0xdd], &[0; 4]]));
        assert_eq!((flow.vlan_tpid, flow.vlan_tci), (0x8100, 0xb064));
        assert_eq!((flow.vlan1_tpid, flow.vlan1_tci), (0, 0));
        assert_eq!(flow.dl_type, 0x86dd);
        assert_eq!(rest, Some(4));
        // VID 0 (priority tag) still counts as tagged.
        let (flow, _) = run(&frame(&[&[0x81, 0x00, 0x20, 0x00], &[0x08, 0x06]]));
        assert_eq!(flow.vlan_tci, 0x3000);
    }

    #[test]
    fn qinq_keeps_outer_tag_and_inner_type() {
        let (flow, rest) = run(&frame(&[
            &[0x88, 0xa8, 0x00, 0x0a],
            &[0x81, 0x00, 0x00, 0x14],
            &[0x08, 0x00],
            &[9; 5],
        ]));
        assert_eq!((flow.vlan_tpid, flow.vlan_tci), (0x88a8, 0x100a));
        assert_eq!((flow.vlan1_tpid, flow.vlan1_tci), (0x8100, 0x1014));
        assert_eq!(flow.dl_type, 0x0800);
        assert_eq!(rest, Some(5));
    }

    #[test]
    fn third_tag_is_not_parsed() {
        let (flow, rest) = run(&frame(&[
            &[0x81, 0x00, 0x00, 0x01],
            &[0x81, 0x00, 0x00, 0x02],
            &[0x81, 0x00, 0x00, 0x03],
            &[0x08, 0x00],
        ]));
        assert_eq!(flow.vlan_tci, 0x1001);
        assert_eq!(flow.vlan1_tci, 0x1002);
        assert_eq!(flow.dl_type, 0x8100);
        assert_eq!(rest, Some(4));
    }

    #[test]
    fn truncated_tag_leaves_tpid_as_dl_type() {
        // TPID plus up to 3 more bytes: fewer than the 6 OVS requires.
        for extra in 0..4 {
            let f = frame(&[&[0x81, 0x00, 0x00, 0x05, 0x08, 0x00][..2 + extra]]);
            let (flow, rest) = run(&f);
            assert_eq!((flow.dl_type, flow.vlan_tci), (0x8100, 0), "extra {extra}");
            assert_eq!(rest, Some(extra));
        }
    }

    #[test]
    fn llc_without_snap_is_not_eth_type() {
        // STP BPDU: 802.3 length, LLC 42 42 03.
        let (flow, rest) = run(&frame(&[
            &[0x00, 0x26],
            &[0x42, 0x42, 0x03, 0, 0, 0, 0, 0, 0],
        ]));
        assert_eq!(flow.dl_type, ethertype::NOT_ETH_TYPE);
        assert_eq!(rest, Some(9));
        // Too short for an LLC/SNAP header.
        let (flow, _) = run(&frame(&[&[0x00, 0x05], &[0xaa, 0xaa, 0x03]]));
        assert_eq!(flow.dl_type, ethertype::NOT_ETH_TYPE);
    }

    #[test]
    fn snap_with_ethernet_oui_gives_its_type() {
        let (flow, rest) = run(&frame(&[
            &[0x00, 0x30],
            &[0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x06],
            &[1, 2],
        ]));
        assert_eq!(flow.dl_type, ethertype::ARP);
        assert_eq!(rest, Some(2));
    }

    #[test]
    fn snap_with_other_oui_or_length_type_is_not_eth_type() {
        // Cisco OUI (CDP).
        let (flow, _) = run(&frame(&[
            &[0x00, 0x30],
            &[0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x20, 0x00],
        ]));
        assert_eq!(flow.dl_type, ethertype::NOT_ETH_TYPE);
        // Ethernet OUI but the SNAP type is below 0x0600.
        let (flow, rest) = run(&frame(&[
            &[0x00, 0x30],
            &[0xaa, 0xaa, 0x03, 0, 0, 0, 0x05, 0xff],
        ]));
        assert_eq!(flow.dl_type, ethertype::NOT_ETH_TYPE);
        assert_eq!(rest, Some(0));
    }

    #[test]
    fn vlan_then_snap() {
        let (flow, _) = run(&frame(&[
            &[0x81, 0x00, 0x00, 0x07],
            &[0x00, 0x30],
            &[0xaa, 0xaa, 0x03, 0, 0, 0, 0x86, 0xdd],
        ]));
        assert_eq!((flow.vlan_tci, flow.dl_type), (0x1007, ethertype::IPV6));
    }
}
