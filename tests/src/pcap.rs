//! Writes pcap files of synthetic frames, for DPDK's `net_pcap` device to replay.

use std::io::Write as _;
use std::path::Path;

/// 64-byte Ethernet/IPv4/UDP frames (60 bytes on the wire before the FCS), one per
/// flow, `flows` distinct UDP source ports, `count` frames in all, from `src` to `dst`.
pub fn udp_frames(src: [u8; 6], dst: [u8; 6], flows: u16, count: usize) -> Vec<Vec<u8>> {
    (0..count)
        .map(|i| {
            let sport = 1024 + (i % usize::from(flows.max(1))) as u16;
            let mut f = Vec::with_capacity(60);
            f.extend_from_slice(&dst);
            f.extend_from_slice(&src);
            f.extend_from_slice(&[0x08, 0x00]);
            let total: u16 = 60 - 14;
            let mut ip = [
                0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 1, 0, 1, 10, 1, 0, 2,
            ];
            ip[2..4].copy_from_slice(&total.to_be_bytes());
            let sum = ip_checksum(&ip);
            ip[10..12].copy_from_slice(&sum.to_be_bytes());
            f.extend_from_slice(&ip);
            let udp_len = total - 20;
            f.extend_from_slice(&sport.to_be_bytes());
            f.extend_from_slice(&5001u16.to_be_bytes());
            f.extend_from_slice(&udp_len.to_be_bytes());
            f.extend_from_slice(&[0, 0]); // no UDP checksum
            f.resize(60, 0);
            f
        })
        .collect()
}

fn ip_checksum(h: &[u8]) -> u16 {
    let mut sum: u32 = h
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], c[1]])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Writes `frames` as a classic pcap file (Ethernet link type).
pub fn write_pcap(path: &Path, frames: &[Vec<u8>]) {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&[0; 8]); // thiszone, sigfigs
    out.extend_from_slice(&65535u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes()); // LINKTYPE_ETHERNET
    for (i, f) in frames.iter().enumerate() {
        out.extend_from_slice(&(i as u32 / 1000).to_le_bytes());
        out.extend_from_slice(&((i as u32 % 1000) * 1000).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(f);
    }
    let mut file = std::fs::File::create(path).expect("create pcap");
    file.write_all(&out).expect("write pcap");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_have_valid_ip_checksums() {
        let f = udp_frames([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2], 10, 20);
        assert_eq!(f.len(), 20);
        assert!(f.iter().all(|f| f.len() == 60));
        assert_eq!(ip_checksum(&f[0][14..34]), 0);
        assert_ne!(f[0][34..36], f[1][34..36]);
        assert_eq!(f[0][34..36], f[10][34..36]);
    }
}
