//! UUIDs: parsing, printing, ordering (the order of their text form, as OVS's
//! `uuid_compare_3way`) and generation of random (version 4) UUIDs.

use std::fmt;
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};

/// A UUID as a 128-bit number whose big-endian hex digits are its text form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Uuid(pub u128);

impl Uuid {
    /// The all-zeros UUID.
    pub const ZERO: Uuid = Uuid(0);

    /// Parses the 36-character text form (hex digits in either case).
    pub fn parse(s: &str) -> Option<Uuid> {
        let b = s.as_bytes();
        if b.len() != 36 {
            return None;
        }
        let mut v: u128 = 0;
        for (i, &c) in b.iter().enumerate() {
            if matches!(i, 8 | 13 | 18 | 23) {
                if c != b'-' {
                    return None;
                }
                continue;
            }
            let d = (c as char).to_digit(16)?;
            v = (v << 4) | u128::from(d);
        }
        Some(Uuid(v))
    }

    /// A new random version-4 UUID.
    pub fn random() -> Uuid {
        let hi = next_random();
        let lo = next_random();
        let mut v = (u128::from(hi) << 64) | u128::from(lo);
        // Version 4, RFC 4122 variant.
        v &= !(0xf << 76);
        v |= 0x4 << 76;
        v &= !(0x3 << 62);
        v |= 0x2 << 62;
        Uuid(v)
    }
}

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = format!("{:032x}", self.0);
        write!(
            f,
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }
}

static STATE: AtomicU64 = AtomicU64::new(0);

fn seed() -> u64 {
    let mut buf = [0u8; 8];
    let from_os = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .is_ok();
    let mut s = u64::from_ne_bytes(buf);
    if !from_os || s == 0 {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        s ^= t ^ (u64::from(std::process::id()) << 32);
    }
    s | 1
}

/// splitmix64 over a process-wide counter seeded once from the OS.
fn next_random() -> u64 {
    const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;
    if STATE.load(Ordering::Relaxed) == 0 {
        let _ = STATE.compare_exchange(0, seed(), Ordering::Relaxed, Ordering::Relaxed);
    }
    let mut z = STATE
        .fetch_add(GAMMA, Ordering::Relaxed)
        .wrapping_add(GAMMA);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trip_and_order() {
        let s = "0123abcd-4567-89ab-cdef-0123456789ab";
        let u = Uuid::parse(s).unwrap();
        assert_eq!(u.to_string(), s);
        assert_eq!(Uuid::parse("0123ABCD-4567-89AB-CDEF-0123456789AB"), Some(u));
        assert!(Uuid::parse("0123abcd-4567-89ab-cdef-0123456789a").is_none());
        assert!(Uuid::parse("0123abcd+4567-89ab-cdef-0123456789ab").is_none());
        let a = Uuid::parse("10000000-0000-0000-0000-000000000000").unwrap();
        let b = Uuid::parse("0fffffff-ffff-ffff-ffff-ffffffffffff").unwrap();
        assert!(b < a);
    }

    #[test]
    fn random_uuids_are_v4_and_distinct() {
        let a = Uuid::random();
        let b = Uuid::random();
        assert_ne!(a, b);
        let s = a.to_string();
        assert_eq!(&s[14..15], "4");
        assert!(matches!(&s[19..20], "8" | "9" | "a" | "b"));
    }
}
