//! Geneve headers (RFC 8926), carried over UDP port 6081.
//!
//! The 8-byte base header is followed by variable-length options (their
//! total length is in the base header, in 4-byte units), then the payload,
//! an Ethernet frame when the protocol is 0x6558.

use super::ethernet::EtherType;
use super::{get_u16, get_u24, set_u16, set_u24, Error, Result};

/// A view of a Geneve header, its options and its payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneveHeader<T: AsRef<[u8]>> {
    buffer: T,
}

mod field {
    pub const VER_OPT_LEN: usize = 0;
    pub const FLAGS: usize = 1;
    pub const PROTOCOL: usize = 2;
    pub const VNI: usize = 4;
    pub const RESERVED: usize = 7;
    pub const OPTIONS: usize = 8;

    pub const OPT_CLASS: usize = 0;
    pub const OPT_TYPE: usize = 2;
    pub const OPT_LEN: usize = 3;
    pub const OPT_DATA: usize = 4;
}

/// Flags byte bit: OAM packet.
pub const FLAG_OAM: u8 = 0x80;
/// Flags byte bit: critical options present.
pub const FLAG_CRITICAL: u8 = 0x40;
/// Option type bit: critical option.
pub const OPT_TYPE_CRITICAL: u8 = 0x80;

/// The IANA UDP port of Geneve.
pub const UDP_PORT: u16 = 6081;

view_common!(GeneveHeader);

impl<T: AsRef<[u8]>> GeneveHeader<T> {
    /// Length of the base header.
    pub const MIN_HEADER_LEN: usize = field::OPTIONS;

    /// Checks that the buffer holds the base header and the options its
    /// option length announces. Options themselves are checked as
    /// [`Self::options`] walks them.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < Self::MIN_HEADER_LEN || len < self.header_len() {
            return Err(Error::Truncated);
        }
        Ok(())
    }

    /// Version (0).
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VER_OPT_LEN] >> 6
    }

    /// Length of the options in bytes (the field × 4).
    pub fn options_len(&self) -> usize {
        usize::from(self.buffer.as_ref()[field::VER_OPT_LEN] & 0x3f) * 4
    }

    /// Header length in bytes, options included.
    pub fn header_len(&self) -> usize {
        field::OPTIONS + self.options_len()
    }

    /// O: this is an OAM packet.
    pub fn oam(&self) -> bool {
        self.buffer.as_ref()[field::FLAGS] & FLAG_OAM != 0
    }

    /// C: critical options are present.
    pub fn critical(&self) -> bool {
        self.buffer.as_ref()[field::FLAGS] & FLAG_CRITICAL != 0
    }

    /// Protocol type of the payload.
    pub fn protocol(&self) -> EtherType {
        EtherType::from(get_u16(self.buffer.as_ref(), field::PROTOCOL))
    }

    /// Virtual network identifier (24 bits).
    pub fn vni(&self) -> u32 {
        get_u24(self.buffer.as_ref(), field::VNI)
    }

    /// The options as raw bytes.
    pub fn options_raw(&self) -> &[u8] {
        &self.buffer.as_ref()[field::OPTIONS..self.header_len()]
    }

    /// Iterator over the options.
    pub fn options(&self) -> GeneveOptions<'_> {
        GeneveOptions {
            data: self.options_raw(),
        }
    }

    /// Everything after the options.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[self.header_len()..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> GeneveHeader<T> {
    /// Sets the version (low 2 bits used).
    pub fn set_version(&mut self, version: u8) {
        let b = &mut self.buffer.as_mut()[field::VER_OPT_LEN];
        *b = (*b & 0x3f) | (version << 6);
    }

    /// Sets the options length in bytes; it must be a multiple of 4 up to
    /// 252.
    pub fn set_options_len(&mut self, len: usize) {
        let b = &mut self.buffer.as_mut()[field::VER_OPT_LEN];
        *b = (*b & 0xc0) | ((len / 4) as u8 & 0x3f);
    }

    /// Sets the whole flags byte (O, C and reserved bits).
    pub fn set_flags(&mut self, value: u8) {
        self.buffer.as_mut()[field::FLAGS] = value;
    }

    /// Sets or clears O.
    pub fn set_oam(&mut self, on: bool) {
        let b = &mut self.buffer.as_mut()[field::FLAGS];
        *b = if on { *b | FLAG_OAM } else { *b & !FLAG_OAM };
    }

    /// Sets or clears C.
    pub fn set_critical(&mut self, on: bool) {
        let b = &mut self.buffer.as_mut()[field::FLAGS];
        *b = if on {
            *b | FLAG_CRITICAL
        } else {
            *b & !FLAG_CRITICAL
        };
    }

    /// Sets the protocol type.
    pub fn set_protocol(&mut self, value: EtherType) {
        set_u16(self.buffer.as_mut(), field::PROTOCOL, value.into());
    }

    /// Sets the VNI (low 24 bits used).
    pub fn set_vni(&mut self, vni: u32) {
        set_u24(self.buffer.as_mut(), field::VNI, vni);
    }

    /// Sets the reserved byte after the VNI.
    pub fn set_reserved(&mut self, value: u8) {
        self.buffer.as_mut()[field::RESERVED] = value;
    }

    /// The options as raw bytes, mutably.
    pub fn options_raw_mut(&mut self) -> &mut [u8] {
        let end = self.header_len();
        &mut self.buffer.as_mut()[field::OPTIONS..end]
    }

    /// Everything after the options, mutably.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let start = self.header_len();
        &mut self.buffer.as_mut()[start..]
    }
}

/// A view of one Geneve option: class, type, length and data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneveOption<T: AsRef<[u8]>> {
    buffer: T,
}

view_common!(GeneveOption);

impl<T: AsRef<[u8]>> GeneveOption<T> {
    /// Checks that the buffer holds the option header and the data its
    /// length announces.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < field::OPT_DATA || len < self.option_len() {
            return Err(Error::Truncated);
        }
        Ok(())
    }

    /// Option class.
    pub fn class(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::OPT_CLASS)
    }

    /// Option type; its top bit ([`OPT_TYPE_CRITICAL`]) marks it critical.
    pub fn option_type(&self) -> u8 {
        self.buffer.as_ref()[field::OPT_TYPE]
    }

    /// Length of the data in bytes (the 5-bit field × 4).
    pub fn data_len(&self) -> usize {
        usize::from(self.buffer.as_ref()[field::OPT_LEN] & 0x1f) * 4
    }

    /// Length of the whole option in bytes.
    pub fn option_len(&self) -> usize {
        field::OPT_DATA + self.data_len()
    }

    /// The option data.
    pub fn data(&self) -> &[u8] {
        &self.buffer.as_ref()[field::OPT_DATA..self.option_len()]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> GeneveOption<T> {
    /// Sets the option class.
    pub fn set_class(&mut self, value: u16) {
        set_u16(self.buffer.as_mut(), field::OPT_CLASS, value);
    }

    /// Sets the option type.
    pub fn set_option_type(&mut self, value: u8) {
        self.buffer.as_mut()[field::OPT_TYPE] = value;
    }

    /// Sets the data length in bytes (a multiple of 4 up to 124); the three
    /// reserved bits are cleared.
    pub fn set_data_len(&mut self, len: usize) {
        self.buffer.as_mut()[field::OPT_LEN] = (len / 4) as u8 & 0x1f;
    }

    /// The option data, mutably.
    pub fn data_mut(&mut self) -> &mut [u8] {
        let end = self.option_len();
        &mut self.buffer.as_mut()[field::OPT_DATA..end]
    }
}

/// Iterator over Geneve options. A truncated option yields one error and
/// ends the walk.
#[derive(Debug, Clone)]
pub struct GeneveOptions<'a> {
    data: &'a [u8],
}

impl<'a> GeneveOptions<'a> {
    /// Iterates over the options in `data`.
    pub fn new(data: &'a [u8]) -> Self {
        GeneveOptions { data }
    }
}

impl<'a> Iterator for GeneveOptions<'a> {
    type Item = Result<GeneveOption<&'a [u8]>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.data.is_empty() {
            return None;
        }
        match GeneveOption::new_checked(self.data) {
            Ok(option) => {
                let (this, rest) = self.data.split_at(option.option_len());
                self.data = rest;
                Some(Ok(GeneveOption::new_unchecked(this)))
            }
            Err(err) => {
                self.data = &[];
                Some(Err(err))
            }
        }
    }
}

/// The fields of a Geneve header, options as raw bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GeneveRepr<'a> {
    /// O: OAM packet.
    pub oam: bool,
    /// C: critical options present.
    pub critical: bool,
    /// Protocol type of the payload.
    pub protocol: EtherType,
    /// Virtual network identifier (24 bits).
    pub vni: u32,
    /// Options, a multiple of 4 bytes, at most 252.
    pub options: &'a [u8],
}

impl<'a> GeneveRepr<'a> {
    /// Reads a header, borrowing the options from the view. Fails with
    /// `Malformed` unless the version is 0 and the options walk cleanly.
    pub fn parse<T: AsRef<[u8]>>(header: &'a GeneveHeader<T>) -> Result<Self> {
        header.check_len()?;
        if header.version() != 0 {
            return Err(Error::Malformed);
        }
        for option in header.options() {
            option.map_err(|_| Error::Malformed)?;
        }
        Ok(GeneveRepr {
            oam: header.oam(),
            critical: header.critical(),
            protocol: header.protocol(),
            vni: header.vni(),
            options: header.options_raw(),
        })
    }

    /// Bytes [`Self::emit`] writes: 8 plus the options.
    pub const fn buffer_len(&self) -> usize {
        field::OPTIONS + self.options.len()
    }

    /// Writes the header, reserved bits zero, into `header`, which must hold
    /// [`Self::buffer_len`] bytes.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, header: &mut GeneveHeader<T>) {
        header.buffer.as_mut()[field::VER_OPT_LEN] = 0;
        header.set_options_len(self.options.len());
        header.set_flags(0);
        header.set_oam(self.oam);
        header.set_critical(self.critical);
        header.set_protocol(self.protocol);
        header.set_vni(self.vni);
        header.set_reserved(0);
        header.options_raw_mut().copy_from_slice(self.options);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_util::hex;
    use crate::wire::EthernetFrame;

    // scapy (contrib geneve): GENEVE(vni=0x123456, proto=0x6558, critical=1,
    //   options=[GeneveOptions(classid=0x0102, type=0x80, data=b'\x00\x00\x00\x01'),
    //   GeneveOptions(classid=0xffff, type=0x01, data=b'')])
    //   /Ether(dst="00:00:00:00:00:02", src="00:00:00:00:00:01", type=0x0800)
    const PACKET: &str = "03406558123456000102800100000001ffff01000000000000020000000000010800";

    #[test]
    fn parse_emit_round_trip() {
        let bytes = hex(PACKET);
        let header = GeneveHeader::new_checked(&bytes[..]).unwrap();
        assert_eq!(header.header_len(), 20);
        let repr = GeneveRepr::parse(&header).unwrap();
        assert_eq!(
            repr,
            GeneveRepr {
                oam: false,
                critical: true,
                protocol: EtherType::TransEtherBridging,
                vni: 0x12_3456,
                options: &bytes[8..20],
            }
        );
        let options: Vec<_> = header.options().collect::<Result<_>>().unwrap();
        assert_eq!(options.len(), 2);
        assert_eq!(
            (options[0].class(), options[0].option_type()),
            (0x0102, 0x80)
        );
        assert_eq!(options[0].data(), &[0, 0, 0, 1]);
        assert_eq!((options[1].class(), options[1].data_len()), (0xffff, 0));
        let inner = EthernetFrame::new_checked(header.payload()).unwrap();
        assert_eq!(inner.ethertype(), EtherType::Ipv4);
        let mut out = vec![0xffu8; repr.buffer_len()];
        repr.emit(&mut GeneveHeader::new_unchecked(&mut out[..]));
        assert_eq!(out, bytes[..20]);
    }

    #[test]
    fn rejects_truncation() {
        let bytes = hex(PACKET);
        for len in 0..20 {
            assert_eq!(
                GeneveHeader::new_checked(&bytes[..len]),
                Err(Error::Truncated)
            );
        }
        for len in 0..8 {
            assert_eq!(
                GeneveOption::new_checked(&bytes[8..8 + len]),
                Err(Error::Truncated)
            );
        }
        // An option overrunning the option area.
        let mut bytes = hex(PACKET);
        bytes[11] = 0x03;
        let header = GeneveHeader::new_checked(&bytes[..]).unwrap();
        let options: Vec<_> = header.options().collect();
        assert_eq!(options, [Err(Error::Truncated)]);
        assert_eq!(GeneveRepr::parse(&header), Err(Error::Malformed));
    }

    #[test]
    fn setters_round_trip() {
        let mut buf = [0u8; 17];
        let mut header = GeneveHeader::new_unchecked(&mut buf[..]);
        header.set_version(0);
        header.set_options_len(8);
        header.set_oam(true);
        header.set_critical(true);
        header.set_critical(false);
        header.set_protocol(EtherType::Ipv4);
        header.set_vni(0xfe_dcba);
        header.set_reserved(0);
        header.payload_mut()[0] = 0x45;
        let mut option = GeneveOption::new_unchecked(header.options_raw_mut());
        option.set_class(0x0104);
        option.set_option_type(OPT_TYPE_CRITICAL | 3);
        option.set_data_len(4);
        option.data_mut().copy_from_slice(&[9, 8, 7, 6]);
        assert!(header.check_len().is_ok());
        assert_eq!(
            (header.oam(), header.critical(), header.version()),
            (true, false, 0)
        );
        assert_eq!(
            (header.protocol(), header.vni()),
            (EtherType::Ipv4, 0xfe_dcba)
        );
        let option = header.options().next().unwrap().unwrap();
        assert_eq!((option.class(), option.option_type()), (0x0104, 0x83));
        assert_eq!(option.data(), &[9, 8, 7, 6]);
        assert_eq!(header.payload(), &[0x45]);
        header.set_version(1);
        assert_eq!(GeneveRepr::parse(&header), Err(Error::Malformed));
    }
}
