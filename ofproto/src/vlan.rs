//! Port VLAN modes for NORMAL (OVS `Port` columns `tag`, `trunks`, `vlan_mode`):
//! which VLAN a frame arriving on a port belongs to, and how it leaves a port.

/// `Port.vlan_mode`, resolved (an empty column means access with a tag, else trunk).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VlanMode {
    /// Untagged frames in VLAN `tag`; tagged frames dropped; output untagged.
    Access,
    /// Tagged frames in `trunks` (all VLANs if empty); untagged frames in VLAN 0.
    #[default]
    Trunk,
    /// Like trunk, but untagged frames are in VLAN `tag`, output tagged.
    NativeTagged,
    /// Like trunk, but untagged frames are in VLAN `tag`, which leaves untagged.
    NativeUntagged,
}

/// A port's VLAN configuration.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PortVlan {
    /// The mode.
    pub mode: VlanMode,
    /// `tag`: the access or native VLAN.
    pub tag: Option<u16>,
    /// `trunks`: VLANs carried; empty means all.
    pub trunks: Vec<u16>,
}

impl PortVlan {
    /// From the database columns. A mode that needs a tag but has none falls back to
    /// trunk, as OVS does (with a warning there).
    pub fn from_columns(mode: &str, tag: Option<i64>, trunks: &[i64]) -> PortVlan {
        let tag = tag.filter(|t| (0..4096).contains(t)).map(|t| t as u16);
        let mut trunks: Vec<u16> = trunks
            .iter()
            .filter(|t| (0..4096).contains(*t))
            .map(|t| *t as u16)
            .collect();
        trunks.sort_unstable();
        trunks.dedup();
        let mode = match (mode, tag) {
            ("access", Some(_)) => VlanMode::Access,
            ("native-tagged", Some(_)) => VlanMode::NativeTagged,
            ("native-untagged", Some(_)) => VlanMode::NativeUntagged,
            ("trunk", _) => VlanMode::Trunk,
            ("", Some(_)) => VlanMode::Access,
            _ => VlanMode::Trunk,
        };
        let tag = if mode == VlanMode::Trunk { None } else { tag };
        if mode == VlanMode::Access {
            trunks.clear();
        }
        PortVlan { mode, tag, trunks }
    }

    /// Whether the port carries VLAN `vlan` at all.
    pub fn includes(&self, vlan: u16) -> bool {
        match self.mode {
            VlanMode::Access => Some(vlan) == self.tag,
            VlanMode::Trunk => self.trunks.is_empty() || self.trunks.binary_search(&vlan).is_ok(),
            VlanMode::NativeTagged | VlanMode::NativeUntagged => {
                Some(vlan) == self.tag
                    || self.trunks.is_empty()
                    || self.trunks.binary_search(&vlan).is_ok()
            }
        }
    }

    /// The VLAN of a frame that arrives with 802.1Q VID `vid` (`None`: untagged or
    /// priority-tagged), or `None` if the port drops it.
    pub fn input_vlan(&self, vid: Option<u16>) -> Option<u16> {
        match (self.mode, vid) {
            (VlanMode::Access, None) => self.tag,
            (VlanMode::Access, Some(_)) => None,
            (VlanMode::Trunk, None) => Some(0).filter(|v| self.includes(*v)),
            (VlanMode::NativeTagged | VlanMode::NativeUntagged, None) => self.tag,
            (_, Some(v)) => Some(v).filter(|v| self.includes(*v)),
        }
    }

    /// The VID a frame in VLAN `vlan` carries out of this port; `None` for untagged.
    pub fn output_vid(&self, vlan: u16) -> Option<u16> {
        match self.mode {
            VlanMode::Access => None,
            VlanMode::NativeUntagged if Some(vlan) == self.tag => None,
            VlanMode::NativeTagged => Some(vlan),
            _ if vlan == 0 => None,
            _ => Some(vlan),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes() {
        let access = PortVlan::from_columns("", Some(100), &[]);
        assert_eq!(access.mode, VlanMode::Access);
        assert_eq!(access.input_vlan(None), Some(100));
        assert_eq!(access.input_vlan(Some(100)), None, "tagged frames dropped");
        assert_eq!(access.output_vid(100), None);
        assert!(!access.includes(200));

        let trunk = PortVlan::from_columns("trunk", None, &[100]);
        assert_eq!(trunk.input_vlan(Some(100)), Some(100));
        assert_eq!(trunk.input_vlan(Some(200)), None);
        assert_eq!(trunk.input_vlan(None), None, "VLAN 0 not in trunks");
        assert_eq!(trunk.output_vid(100), Some(100));
        let all = PortVlan::from_columns("", None, &[]);
        assert_eq!(all.input_vlan(None), Some(0));
        assert_eq!(all.output_vid(0), None);
        assert_eq!(all.output_vid(7), Some(7));

        let nt = PortVlan::from_columns("native-tagged", Some(10), &[20]);
        assert_eq!(nt.input_vlan(None), Some(10));
        assert_eq!(nt.input_vlan(Some(20)), Some(20));
        assert_eq!(nt.input_vlan(Some(30)), None);
        assert_eq!(nt.output_vid(10), Some(10));
        let nu = PortVlan::from_columns("native-untagged", Some(10), &[20]);
        assert_eq!(nu.output_vid(10), None);
        assert_eq!(nu.output_vid(20), Some(20));
        assert_eq!(
            PortVlan::from_columns("access", None, &[]).mode,
            VlanMode::Trunk,
            "access without a tag"
        );
    }
}
