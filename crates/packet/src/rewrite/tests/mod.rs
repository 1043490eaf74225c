//! Tests of header rewrite, and the independent reference they check against: a
//! plain RFC 1071 sum and a bitwise CRC32c written here, not the crate's
//! checksum module, so that a bug there cannot hide a bug in the rewrite.

mod edge;
mod set_field;
mod tags;
mod tunnel;

use crate::Layout;

/// A deterministic xorshift64* generator, so failures reproduce.
pub(super) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn u128(&mut self) -> u128 {
        u128::from(self.next()) << 64 | u128::from(self.next())
    }

    pub fn bytes<const N: usize>(&mut self) -> [u8; N] {
        std::array::from_fn(|_| self.next() as u8)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Hex string to bytes.
pub(super) fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Folded one's-complement sum of `data` plus `init`, word by word.
pub(super) fn ref_sum(init: u32, data: &[u8]) -> u16 {
    let mut acc = init;
    for pair in data.chunks(2) {
        acc += u32::from(pair[0]) << 8 | u32::from(*pair.get(1).unwrap_or(&0));
        acc = (acc & 0xffff) + (acc >> 16);
    }
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

/// Bitwise CRC32c of `data`.
pub(super) fn ref_crc32c(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                crc >> 1 ^ 0x82f6_3b78
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Sum of the pseudo-header of the IP header at `l3` for `len` bytes of `proto`.
fn pseudo(frame: &[u8], l3: usize, proto: u8, len: usize) -> u32 {
    let addrs = if frame[l3] >> 4 == 4 {
        &frame[l3 + 12..l3 + 20]
    } else {
        &frame[l3 + 8..l3 + 40]
    };
    u32::from(ref_sum(0, addrs)) + u32::from(proto) + (len as u32 >> 16) + (len as u32 & 0xffff)
}

/// Checks every checksum of an Ethernet/IP frame from scratch: IPv4 header, and TCP,
/// UDP (unless zero over IPv4), ICMP, ICMPv6 or SCTP. `proto` is the transport
/// protocol (after any extension headers), `end` the end of the IP packet.
pub(super) fn verify(frame: &[u8], layout: &Layout, proto: u8) {
    let l3 = usize::from(layout.l3.unwrap());
    let l4 = usize::from(layout.l4.unwrap());
    let v4 = frame[l3] >> 4 == 4;
    let end = if v4 {
        assert_eq!(ref_sum(0, &frame[l3..l4]), 0xffff, "IPv4 header checksum");
        l3 + usize::from(u16::from_be_bytes([frame[l3 + 2], frame[l3 + 3]]))
    } else {
        l3 + 40 + usize::from(u16::from_be_bytes([frame[l3 + 4], frame[l3 + 5]]))
    };
    let seg = &frame[l4..end];
    match proto {
        6 | 58 => {
            let ok = ref_sum(pseudo(frame, l3, proto, seg.len()), seg);
            assert_eq!(ok, 0xffff, "transport checksum of proto {proto}");
        }
        // Over IPv4 a zero UDP checksum means none.
        17 if !(v4 && seg[6..8] == [0, 0]) => {
            assert_ne!(&seg[6..8], &[0, 0], "computed UDP checksum stored as 0");
            let ok = ref_sum(pseudo(frame, l3, proto, seg.len()), seg);
            assert_eq!(ok, 0xffff, "UDP checksum");
        }
        1 => assert_eq!(ref_sum(0, seg), 0xffff, "ICMP checksum"),
        132 => {
            let mut copy = seg.to_vec();
            copy[8..12].fill(0);
            assert_eq!(seg[8..12], ref_crc32c(&copy).to_le_bytes(), "SCTP CRC32c");
        }
        _ => {}
    }
}

#[test]
fn reference_crc32c_matches_scapy_sctp() {
    // An SCTP packet built by scapy: the stored CRC is least significant byte first.
    let frame = hex(concat!(
        "02fc0000000502fc000000010800450000340001000040846a32010203040506070803e8",
        "07d01122334414b482160000001400000000000000000000000061626364"
    ));
    let layout = Layout {
        l2_5: None,
        l3: Some(14),
        l4: Some(34),
    };
    verify(&frame, &layout, 132);
    assert_eq!(ref_crc32c(b"123456789"), 0xe306_9283);
}
