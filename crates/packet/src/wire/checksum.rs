//! The Internet checksum (RFC 1071), its pseudo-headers and incremental
//! updates (RFC 1624).
//!
//! Terms used here: a **sum** is the folded 16-bit one's-complement sum of
//! some bytes, not complemented; a **checksum** is the complement of a sum,
//! the value stored in a header. To checksum a packet, [`combine`] the sums of
//! its parts (pseudo-header, header, payload) and complement the result. A
//! packet verifies when the sum over it, checksum field included, is
//! `0xffff`.
//!
//! The incremental functions ([`update16`], [`update32`], [`update_bytes`])
//! rewrite a stored checksum after a field changes without touching the rest
//! of the packet, as header rewrite (set-field, NAT) needs.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::ip::IpProtocol;

/// Adds `data` as big-endian 16-bit words to the unfolded accumulator `acc`.
/// An odd trailing byte is padded with a zero byte, as RFC 1071 says.
fn accumulate(mut acc: u64, data: &[u8]) -> u64 {
    let mut chunks = data.chunks_exact(8);
    for chunk in &mut chunks {
        // Four 16-bit words at a time; a u64 cannot overflow before 2^48 bytes.
        let word = u64::from_be_bytes([
            chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7],
        ]);
        acc += (word >> 48) + ((word >> 32) & 0xffff) + ((word >> 16) & 0xffff) + (word & 0xffff);
    }
    let mut words = chunks.remainder().chunks_exact(2);
    for word in &mut words {
        acc += u64::from(u16::from_be_bytes([word[0], word[1]]));
    }
    if let [last] = words.remainder() {
        acc += u64::from(*last) << 8;
    }
    acc
}

/// Folds an unfolded accumulator into 16 bits with end-around carry.
fn fold(mut acc: u64) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

/// One's-complement sum of `data` (not complemented).
pub fn sum(data: &[u8]) -> u16 {
    fold(accumulate(0, data))
}

/// One's-complement sum of several partial sums.
pub fn combine(sums: &[u16]) -> u16 {
    fold(sums.iter().map(|&s| u64::from(s)).sum())
}

/// The Internet checksum of `data`: the complement of [`sum`].
pub fn checksum(data: &[u8]) -> u16 {
    !sum(data)
}

/// Sum of the IPv4 pseudo-header (RFC 793 section 3.1, RFC 768) for an
/// upper-layer packet of `length` bytes.
pub fn pseudo_header_v4(src: &Ipv4Addr, dst: &Ipv4Addr, proto: IpProtocol, length: u16) -> u16 {
    let acc = accumulate(0, &src.octets());
    let acc = accumulate(acc, &dst.octets());
    fold(acc + u64::from(u8::from(proto)) + u64::from(length))
}

/// Sum of the IPv6 pseudo-header (RFC 8200 section 8.1) for an upper-layer
/// packet of `length` bytes. With a routing header, `dst` is the final
/// destination (the routing header's last address), not the IPv6 header's.
pub fn pseudo_header_v6(src: &Ipv6Addr, dst: &Ipv6Addr, proto: IpProtocol, length: u32) -> u16 {
    let acc = accumulate(0, &src.octets());
    let acc = accumulate(acc, &dst.octets());
    fold(acc + u64::from(u8::from(proto)) + u64::from(length >> 16) + u64::from(length & 0xffff))
}

/// The addresses of a pseudo-header: what upper-layer checksums need from the
/// IP header that carries them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IpPair {
    /// Source and destination of an IPv4 header.
    V4(Ipv4Addr, Ipv4Addr),
    /// Source and destination of an IPv6 header.
    V6(Ipv6Addr, Ipv6Addr),
}

impl IpPair {
    /// Sum of the pseudo-header for an upper-layer packet of protocol `proto`
    /// and `length` bytes. An IPv4 length above 65535 is truncated to 16 bits
    /// (such a packet cannot exist).
    pub fn pseudo_header(&self, proto: IpProtocol, length: usize) -> u16 {
        match self {
            IpPair::V4(src, dst) => pseudo_header_v4(src, dst, proto, length as u16),
            IpPair::V6(src, dst) => pseudo_header_v6(src, dst, proto, length as u32),
        }
    }
}

impl From<(Ipv4Addr, Ipv4Addr)> for IpPair {
    fn from((src, dst): (Ipv4Addr, Ipv4Addr)) -> Self {
        IpPair::V4(src, dst)
    }
}

impl From<(Ipv6Addr, Ipv6Addr)> for IpPair {
    fn from((src, dst): (Ipv6Addr, Ipv6Addr)) -> Self {
        IpPair::V6(src, dst)
    }
}

/// Checksum of an upper-layer packet `data` (TCP, UDP, ICMPv6, ...) under
/// the pseudo-header of `ips`, with the checksum field in `data` taken as it
/// is: zero it first to compute the value to store; a packet verifies when
/// this returns 0.
pub fn upper_layer(ips: &IpPair, proto: IpProtocol, data: &[u8]) -> u16 {
    !combine(&[ips.pseudo_header(proto, data.len()), sum(data)])
}

/// Updates `old_csum`, a stored checksum, for a 16-bit word of the covered
/// data changing from `old_word` to `new_word` (RFC 1624 equation 3:
/// `HC' = ~(~HC + ~m + m')`).
///
/// Returns `old_csum` unchanged when the word does not change (RFC 1624
/// erratum 4782). For UDP, whose zero checksum means "none", the caller must
/// skip the update when the stored checksum is zero and store `0xffff` when
/// the result is zero.
pub fn update16(old_csum: u16, old_word: u16, new_word: u16) -> u16 {
    if old_word == new_word {
        return old_csum;
    }
    !fold(u64::from(!old_csum) + u64::from(!old_word) + u64::from(new_word))
}

/// [`update16`] for a 32-bit field (an IPv4 address, a TCP sequence number),
/// as two 16-bit words.
pub fn update32(old_csum: u16, old_value: u32, new_value: u32) -> u16 {
    let csum = update16(old_csum, (old_value >> 16) as u16, (new_value >> 16) as u16);
    update16(csum, old_value as u16, new_value as u16)
}

/// [`update16`] for a field of any even length that starts at an even offset
/// of the covered data (an IPv6 address, a MAC address in a checksummed
/// payload). Bytes past the shorter of `old` and `new` are ignored.
pub fn update_bytes(old_csum: u16, old: &[u8], new: &[u8]) -> u16 {
    old.chunks_exact(2)
        .zip(new.chunks_exact(2))
        .fold(old_csum, |csum, (o, n)| {
            update16(
                csum,
                u16::from_be_bytes([o[0], o[1]]),
                u16::from_be_bytes([n[0], n[1]]),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example() {
        // The worked example of RFC 1071 section 3.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(sum(&data), 0xddf2);
        assert_eq!(checksum(&data), !0xddf2);
    }

    #[test]
    fn odd_length_pads_with_zero() {
        assert_eq!(sum(&[0x12, 0x34, 0x56]), 0x1234 + 0x5600);
        assert_eq!(sum(&[]), 0);
    }

    #[test]
    fn long_data_matches_word_by_word() {
        let data: Vec<u8> = (0..1001u32).map(|i| (i * 7 + 3) as u8).collect();
        let mut acc = 0u32;
        for pair in data.chunks(2) {
            let hi = u32::from(pair[0]) << 8;
            let lo = pair.get(1).copied().map_or(0, u32::from);
            acc += hi | lo;
        }
        while acc > 0xffff {
            acc = (acc & 0xffff) + (acc >> 16);
        }
        assert_eq!(sum(&data), acc as u16);
    }

    #[test]
    fn ipv4_header_checksum_verifies() {
        // IPv4 header of a UDP packet, checksum 0xa48b, built with scapy.
        let hdr = [
            0x45, 0xb9, 0x00, 0x21, 0x12, 0x34, 0x40, 0x00, 0x40, 0x11, 0xa4, 0x8b, 0xc0, 0xa8,
            0x01, 0x01, 0xc0, 0xa8, 0x01, 0x02,
        ];
        assert_eq!(sum(&hdr), 0xffff);
        let mut zeroed = hdr;
        zeroed[10] = 0;
        zeroed[11] = 0;
        assert_eq!(checksum(&zeroed), 0xa48b);
    }

    #[test]
    fn incremental_matches_recompute() {
        let mut hdr = [
            0x45, 0xb9, 0x00, 0x21, 0x12, 0x34, 0x40, 0x00, 0x40, 0x11, 0xa4, 0x8b, 0xc0, 0xa8,
            0x01, 0x01, 0xc0, 0xa8, 0x01, 0x02,
        ];
        // Decrement the TTL (a 16-bit word shared with the protocol).
        let old_word = u16::from_be_bytes([hdr[8], hdr[9]]);
        hdr[8] -= 1;
        let new_word = u16::from_be_bytes([hdr[8], hdr[9]]);
        let csum = update16(0xa48b, old_word, new_word);
        hdr[10..12].copy_from_slice(&csum.to_be_bytes());
        assert_eq!(sum(&hdr), 0xffff);

        // Rewrite the source address.
        let old_src = u32::from_be_bytes([hdr[12], hdr[13], hdr[14], hdr[15]]);
        let new_src = u32::from(Ipv4Addr::new(10, 200, 3, 77));
        hdr[12..16].copy_from_slice(&new_src.to_be_bytes());
        let csum = update32(csum, old_src, new_src);
        hdr[10..12].copy_from_slice(&csum.to_be_bytes());
        assert_eq!(sum(&hdr), 0xffff);

        // The same through update_bytes.
        let old_dst = [hdr[16], hdr[17], hdr[18], hdr[19]];
        let new_dst = [172, 16, 0, 9];
        hdr[16..20].copy_from_slice(&new_dst);
        let csum = update_bytes(csum, &old_dst, &new_dst);
        hdr[10..12].copy_from_slice(&csum.to_be_bytes());
        assert_eq!(sum(&hdr), 0xffff);
        hdr[10] = 0;
        hdr[11] = 0;
        assert_eq!(checksum(&hdr), csum);
    }

    #[test]
    fn update_of_unchanged_word_keeps_checksum() {
        assert_eq!(update16(0, 0x5555, 0x5555), 0);
        assert_eq!(update32(0x1234, 7, 7), 0x1234);
    }

    #[test]
    fn pseudo_headers() {
        let v4 = IpPair::from((Ipv4Addr::new(192, 168, 1, 1), Ipv4Addr::new(192, 168, 1, 2)));
        // 0xc0a8 + 0x0101 + 0xc0a8 + 0x0102 + 17 + 13.
        let expected = fold(0xc0a8 + 0x0101 + 0xc0a8 + 0x0102 + 17 + 13);
        assert_eq!(v4.pseudo_header(IpProtocol::Udp, 13), expected);
        let v6 = IpPair::from((Ipv6Addr::LOCALHOST, Ipv6Addr::LOCALHOST));
        assert_eq!(
            v6.pseudo_header(IpProtocol::Tcp, 0x1_0002),
            1 + 1 + 6 + 1 + 2
        );
    }
}
