//! IEEE 802.2 LLC headers and SNAP extensions, as carried by 802.3 frames
//! (an Ethernet type/length field below 0x0600).
//!
//! Only the 1-byte control field of unnumbered frames is handled, as OVS
//! does: a header is SNAP when DSAP and SSAP are 0xaa and control is 0x03,
//! and then 5 more bytes (OUI and ethertype) follow.

use super::ethernet::EtherType;
use super::{get_array, get_u16, set_u16, Error, Result};

/// A view of an LLC header, with its SNAP extension when present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LlcSnap<T: AsRef<[u8]>> {
    buffer: T,
}

mod field {
    use std::ops::Range;
    pub const DSAP: usize = 0;
    pub const SSAP: usize = 1;
    pub const CONTROL: usize = 2;
    pub const OUI: Range<usize> = 3..6;
    pub const ETHERTYPE: usize = 6;
    pub const LLC_END: usize = 3;
    pub const SNAP_END: usize = 8;
}

/// The SAP value that announces SNAP.
pub const SAP_SNAP: u8 = 0xaa;
/// The control value of unnumbered information frames.
pub const CONTROL_UI: u8 = 0x03;

view_common!(LlcSnap);

impl<T: AsRef<[u8]>> LlcSnap<T> {
    /// Checks that the buffer holds the LLC header and, for SNAP, its
    /// extension.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < field::LLC_END || len < self.header_len() {
            return Err(Error::Truncated);
        }
        Ok(())
    }

    /// True when DSAP, SSAP and control announce a SNAP extension.
    pub fn is_snap(&self) -> bool {
        self.dsap() == SAP_SNAP && self.ssap() == SAP_SNAP && self.control() == CONTROL_UI
    }

    /// Header length: 8 with SNAP, else 3.
    pub fn header_len(&self) -> usize {
        if self.is_snap() {
            field::SNAP_END
        } else {
            field::LLC_END
        }
    }

    /// Destination service access point.
    pub fn dsap(&self) -> u8 {
        self.buffer.as_ref()[field::DSAP]
    }

    /// Source service access point.
    pub fn ssap(&self) -> u8 {
        self.buffer.as_ref()[field::SSAP]
    }

    /// Control field.
    pub fn control(&self) -> u8 {
        self.buffer.as_ref()[field::CONTROL]
    }

    /// SNAP organizationally unique identifier, for SNAP headers.
    pub fn oui(&self) -> Option<[u8; 3]> {
        let fits = self.buffer.as_ref().len() >= field::SNAP_END;
        (self.is_snap() && fits).then(|| get_array(self.buffer.as_ref(), field::OUI.start))
    }

    /// SNAP protocol identifier (an ethertype when the OUI is zero), for
    /// SNAP headers.
    pub fn ethertype(&self) -> Option<EtherType> {
        let fits = self.buffer.as_ref().len() >= field::SNAP_END;
        (self.is_snap() && fits)
            .then(|| EtherType::from(get_u16(self.buffer.as_ref(), field::ETHERTYPE)))
    }

    /// Everything after the header.
    pub fn payload(&self) -> &[u8] {
        self.buffer.as_ref().get(self.header_len()..).unwrap_or(&[])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> LlcSnap<T> {
    /// Sets the DSAP.
    pub fn set_dsap(&mut self, value: u8) {
        self.buffer.as_mut()[field::DSAP] = value;
    }

    /// Sets the SSAP.
    pub fn set_ssap(&mut self, value: u8) {
        self.buffer.as_mut()[field::SSAP] = value;
    }

    /// Sets the control field.
    pub fn set_control(&mut self, value: u8) {
        self.buffer.as_mut()[field::CONTROL] = value;
    }

    /// Sets the SNAP OUI (the buffer must hold 8 bytes).
    pub fn set_oui(&mut self, oui: [u8; 3]) {
        self.buffer.as_mut()[field::OUI].copy_from_slice(&oui);
    }

    /// Sets the SNAP protocol identifier (the buffer must hold 8 bytes).
    pub fn set_ethertype(&mut self, value: EtherType) {
        set_u16(self.buffer.as_mut(), field::ETHERTYPE, value.into());
    }

    /// Everything after the header, mutably.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let start = self.header_len();
        self.buffer.as_mut().get_mut(start..).unwrap_or(&mut [])
    }
}

/// The SNAP extension of an LLC header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Snap {
    /// Organizationally unique identifier.
    pub oui: [u8; 3],
    /// Protocol identifier.
    pub ethertype: EtherType,
}

/// The fields of an LLC header and its SNAP extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LlcSnapRepr {
    /// Destination service access point.
    pub dsap: u8,
    /// Source service access point.
    pub ssap: u8,
    /// Control field.
    pub control: u8,
    /// The SNAP extension; `Some` exactly when DSAP and SSAP are
    /// [`SAP_SNAP`] and control is [`CONTROL_UI`].
    pub snap: Option<Snap>,
}

impl LlcSnapRepr {
    /// The SNAP header for an ethertype (OUI zero, RFC 1042).
    pub fn rfc1042(ethertype: EtherType) -> Self {
        LlcSnapRepr {
            dsap: SAP_SNAP,
            ssap: SAP_SNAP,
            control: CONTROL_UI,
            snap: Some(Snap {
                oui: [0; 3],
                ethertype,
            }),
        }
    }

    /// Reads a header.
    pub fn parse<T: AsRef<[u8]>>(header: &LlcSnap<T>) -> Result<Self> {
        header.check_len()?;
        let snap = match (header.oui(), header.ethertype()) {
            (Some(oui), Some(ethertype)) => Some(Snap { oui, ethertype }),
            _ => None,
        };
        Ok(LlcSnapRepr {
            dsap: header.dsap(),
            ssap: header.ssap(),
            control: header.control(),
            snap,
        })
    }

    /// Bytes [`Self::emit`] writes: 8 with SNAP, else 3.
    pub const fn buffer_len(&self) -> usize {
        if self.snap.is_some() {
            field::SNAP_END
        } else {
            field::LLC_END
        }
    }

    /// Writes the header into `header`, which must hold
    /// [`Self::buffer_len`] bytes.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, header: &mut LlcSnap<T>) {
        header.set_dsap(self.dsap);
        header.set_ssap(self.ssap);
        header.set_control(self.control);
        if let Some(snap) = self.snap {
            header.set_oui(snap.oui);
            header.set_ethertype(snap.ethertype);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_util::hex;
    use crate::wire::EthernetFrame;

    // scapy: Dot3(dst="01:00:0c:cc:cc:cc", src="00:00:00:00:00:01")
    //   /LLC(dsap=0xaa, ssap=0xaa, ctrl=3)/SNAP(OUI=0x00000c, code=0x2000)/b"cdp"
    const CDP: &str = "01000ccccccc000000000001000baaaa0300000c2000636470";

    #[test]
    fn snap_round_trip() {
        let bytes = hex(CDP);
        let eth = EthernetFrame::new_checked(&bytes[..]).unwrap();
        assert!(eth.ethertype().is_802_3_length());
        let llc = LlcSnap::new_checked(eth.payload()).unwrap();
        assert!(llc.is_snap());
        let repr = LlcSnapRepr::parse(&llc).unwrap();
        let snap = Snap {
            oui: [0x00, 0x00, 0x0c],
            ethertype: EtherType::Unknown(0x2000),
        };
        assert_eq!(
            repr,
            LlcSnapRepr {
                dsap: 0xaa,
                ssap: 0xaa,
                control: 3,
                snap: Some(snap)
            }
        );
        assert_eq!(llc.payload(), b"cdp");
        let mut out = [0u8; 8];
        repr.emit(&mut LlcSnap::new_unchecked(&mut out[..]));
        assert_eq!(out, bytes[14..22]);
        let ip = LlcSnapRepr::rfc1042(EtherType::Ipv4);
        assert_eq!(ip.buffer_len(), 8);
    }

    #[test]
    fn plain_llc() {
        // STP BPDU start: DSAP 0x42, SSAP 0x42, UI.
        let bytes = [0x42, 0x42, 0x03, 0x00, 0x00];
        let llc = LlcSnap::new_checked(&bytes[..]).unwrap();
        assert!(!llc.is_snap());
        assert_eq!((llc.oui(), llc.ethertype()), (None, None));
        assert_eq!(llc.payload(), &[0, 0]);
        let repr = LlcSnapRepr::parse(&llc).unwrap();
        assert_eq!(
            repr,
            LlcSnapRepr {
                dsap: 0x42,
                ssap: 0x42,
                control: 3,
                snap: None
            }
        );
        let mut out = [0u8; 3];
        repr.emit(&mut LlcSnap::new_unchecked(&mut out[..]));
        assert_eq!(out, bytes[..3]);
    }

    #[test]
    fn rejects_truncation() {
        let bytes = hex(CDP);
        for len in 0..8 {
            assert_eq!(
                LlcSnap::new_checked(&bytes[14..14 + len]),
                Err(Error::Truncated)
            );
        }
    }

    #[test]
    fn setters_round_trip() {
        let mut buf = [0u8; 9];
        let mut llc = LlcSnap::new_unchecked(&mut buf[..]);
        llc.set_dsap(SAP_SNAP);
        llc.set_ssap(SAP_SNAP);
        llc.set_control(CONTROL_UI);
        llc.set_oui([1, 2, 3]);
        llc.set_ethertype(EtherType::Arp);
        llc.payload_mut()[0] = 9;
        assert!(llc.check_len().is_ok());
        assert_eq!(llc.oui(), Some([1, 2, 3]));
        assert_eq!(llc.ethertype(), Some(EtherType::Arp));
        llc.set_control(0x13);
        assert_eq!(llc.header_len(), 3);
        assert_eq!(llc.ethertype(), None);
        assert_eq!(buf, [0xaa, 0xaa, 0x13, 1, 2, 3, 0x08, 0x06, 9]);
    }
}
