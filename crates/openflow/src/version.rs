//! OpenFlow versions and OVS's "protocols" (version plus flow format), which
//! decide how a flow-mod is encoded (OVS `enum ofputil_protocol`).

use std::fmt;

/// An OpenFlow wire version this crate speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// OpenFlow 1.0 (wire 0x01).
    Of10,
    /// OpenFlow 1.1 (wire 0x02); framing only.
    Of11,
    /// OpenFlow 1.2 (wire 0x03); framing only.
    Of12,
    /// OpenFlow 1.3 (wire 0x04).
    Of13,
    /// OpenFlow 1.4 (wire 0x05).
    Of14,
    /// OpenFlow 1.5 (wire 0x06).
    Of15,
}

impl Version {
    /// All versions, oldest first.
    pub const ALL: [Version; 6] = [
        Version::Of10,
        Version::Of11,
        Version::Of12,
        Version::Of13,
        Version::Of14,
        Version::Of15,
    ];

    /// The version byte of `ofp_header`.
    pub fn wire(self) -> u8 {
        self as u8 + 1
    }

    /// The version for a header's version byte.
    pub fn from_wire(v: u8) -> Option<Version> {
        Version::ALL.get(usize::from(v).checked_sub(1)?).copied()
    }

    /// The name as `ovs-ofctl -O` takes it (`OpenFlow13`).
    pub fn name(self) -> &'static str {
        [
            "OpenFlow10",
            "OpenFlow11",
            "OpenFlow12",
            "OpenFlow13",
            "OpenFlow14",
            "OpenFlow15",
        ][self as usize]
    }

    /// `1.3`, as in `(OF1.3)` in ofp-print output.
    pub fn dotted(self) -> &'static str {
        ["1.0", "1.1", "1.2", "1.3", "1.4", "1.5"][self as usize]
    }

    /// The version named `s` (`OpenFlow13`, case-insensitive).
    pub fn from_name(s: &str) -> Option<Version> {
        Version::ALL
            .into_iter()
            .find(|v| v.name().eq_ignore_ascii_case(s))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of OVS protocols (OVS `enum ofputil_protocol` bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Protocols(pub u32);

impl Protocols {
    /// OpenFlow 1.0 with the standard match, no table IDs in flow-mods.
    pub const OF10_STD: Protocols = Protocols(1 << 0);
    /// OpenFlow 1.0 with the standard match and `nx_flow_mod_table_id`.
    pub const OF10_STD_TID: Protocols = Protocols(1 << 1);
    /// OpenFlow 1.0 with NXM, no table IDs.
    pub const OF10_NXM: Protocols = Protocols(1 << 2);
    /// OpenFlow 1.0 with NXM and table IDs.
    pub const OF10_NXM_TID: Protocols = Protocols(1 << 3);
    /// OpenFlow 1.1.
    pub const OF11_STD: Protocols = Protocols(1 << 4);
    /// OpenFlow 1.2 with OXM.
    pub const OF12_OXM: Protocols = Protocols(1 << 5);
    /// OpenFlow 1.3 with OXM.
    pub const OF13_OXM: Protocols = Protocols(1 << 6);
    /// OpenFlow 1.4 with OXM.
    pub const OF14_OXM: Protocols = Protocols(1 << 7);
    /// OpenFlow 1.5 with OXM.
    pub const OF15_OXM: Protocols = Protocols(1 << 8);
    /// None.
    pub const NONE: Protocols = Protocols(0);
    /// Every protocol.
    pub const ANY: Protocols = Protocols((1 << 9) - 1);
    /// Both OF1.0 standard-match variants.
    pub const OF10_STD_ANY: Protocols = Protocols(0b11);
    /// Both NXM variants.
    pub const OF10_NXM_ANY: Protocols = Protocols(0b1100);
    /// Every OXM protocol.
    pub const ANY_OXM: Protocols = Protocols(0b1_1110_0000);
    /// NXM and OXM.
    pub const NXM_OXM_ANY: Protocols = Protocols(0b1_1110_1100);
    /// NXM, OF1.1 and OXM.
    pub const NXM_OF11_UP: Protocols = Protocols(0b1_1111_1100);
    /// OF1.1 and later.
    pub const OF11_UP: Protocols = Protocols(0b1_1111_0000);
    /// OF1.2 and later.
    pub const OF12_UP: Protocols = Protocols(0b1_1110_0000);
    /// OF1.3 and later.
    pub const OF13_UP: Protocols = Protocols(0b1_1100_0000);
    /// OF1.4 and later.
    pub const OF14_UP: Protocols = Protocols(0b1_1000_0000);
    /// OF1.5.
    pub const OF15_UP: Protocols = Protocols(0b1_0000_0000);
    /// Protocols that can name a table in a flow-mod.
    pub const TID: Protocols = Protocols(0b1_1111_1010);

    /// Bitwise and.
    pub fn and(self, o: Protocols) -> Protocols {
        Protocols(self.0 & o.0)
    }

    /// Bitwise or.
    pub fn or(self, o: Protocols) -> Protocols {
        Protocols(self.0 | o.0)
    }

    /// True if no protocol is in the set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// True if `o` is a subset of `self`... of at least one common bit.
    pub fn intersects(self, o: Protocols) -> bool {
        self.0 & o.0 != 0
    }

    /// The protocols that speak OpenFlow version `v` (OVS
    /// `ofputil_protocols_from_ofp_version()`).
    pub fn from_version(v: Version) -> Protocols {
        match v {
            Version::Of10 => Protocols::OF10_STD_ANY.or(Protocols::OF10_NXM_ANY),
            Version::Of11 => Protocols::OF11_STD,
            Version::Of12 => Protocols::OF12_OXM,
            Version::Of13 => Protocols::OF13_OXM,
            Version::Of14 => Protocols::OF14_OXM,
            Version::Of15 => Protocols::OF15_OXM,
        }
    }

    /// The version of a single protocol.
    pub fn version(self) -> Version {
        match self.0 {
            0b1 | 0b10 | 0b100 | 0b1000 => Version::Of10,
            0b1_0000 => Version::Of11,
            0b10_0000 => Version::Of12,
            0b100_0000 => Version::Of13,
            0b1000_0000 => Version::Of14,
            _ => Version::Of15,
        }
    }

    /// The lowest protocol of the set.
    pub fn lowest(self) -> Option<Protocols> {
        (self.0 != 0).then(|| Protocols(1 << self.0.trailing_zeros()))
    }

    fn single_name(bit: u32) -> &'static str {
        [
            "OpenFlow10-table_id",
            "OpenFlow10+table_id",
            "NXM-table_id",
            "NXM+table_id",
            "OpenFlow11",
            "OXM-OpenFlow12",
            "OXM-OpenFlow13",
            "OXM-OpenFlow14",
            "OXM-OpenFlow15",
        ][bit.trailing_zeros() as usize]
    }

    const ABBREVS: [(Protocols, &'static str); 4] = [
        (Protocols::ANY, "any"),
        (Protocols::OF10_STD_ANY, "OpenFlow10"),
        (Protocols::OF10_NXM_ANY, "NXM"),
        (Protocols::ANY_OXM, "OXM"),
    ];

    /// The name of one protocol (OVS `ofputil_protocol_to_string()`).
    pub fn name(self) -> Option<&'static str> {
        if self.0.is_power_of_two() && self.0 < (1 << 9) {
            return Some(Protocols::single_name(self.0));
        }
        Protocols::ABBREVS
            .iter()
            .find(|(p, _)| *p == self)
            .map(|(_, n)| *n)
    }

    /// Parses `-F`/`-O`-style protocol names, comma separated.
    pub fn from_names(s: &str) -> Option<Protocols> {
        let mut out = Protocols::NONE;
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let one = (0..9)
                .map(|i| Protocols(1 << i))
                .find(|p| p.name().is_some_and(|n| n.eq_ignore_ascii_case(part)))
                .or_else(|| {
                    Protocols::ABBREVS
                        .iter()
                        .find(|(_, n)| n.eq_ignore_ascii_case(part))
                        .map(|(p, _)| *p)
                })?;
            out = out.or(one);
        }
        Some(out)
    }
}

impl fmt::Display for Protocols {
    /// OVS `ofputil_protocols_to_string()`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut left = self.0 & Protocols::ANY.0;
        if left == 0 {
            return f.write_str("none");
        }
        let mut first = true;
        while left != 0 {
            if !first {
                f.write_str(",")?;
            }
            first = false;
            if let Some((p, n)) = Protocols::ABBREVS.iter().find(|(p, _)| left & p.0 == p.0) {
                f.write_str(n)?;
                left &= !p.0;
            } else {
                let bit = 1 << left.trailing_zeros();
                f.write_str(Protocols::single_name(bit))?;
                left &= !bit;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(Protocols::ANY.to_string(), "any");
        assert_eq!(
            Protocols::NXM_OXM_ANY.and(Protocols::TID).to_string(),
            "OXM,NXM+table_id"
        );
        assert_eq!(
            Protocols(0b1_1111_1010).to_string(),
            "OXM,OpenFlow10+table_id,NXM+table_id,OpenFlow11"
        );
        assert_eq!(Version::from_wire(4), Some(Version::Of13));
        assert_eq!(Version::from_name("openflow15"), Some(Version::Of15));
    }
}
