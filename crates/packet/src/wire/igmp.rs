//! IGMP (RFC 1112 v1, RFC 2236 v2, RFC 3376 v3).
//!
//! All versions share the first 8 bytes: type, max response code, checksum
//! and a 4-byte field that is the group address except in v3 reports. A
//! membership query of 12 bytes or more is a v3 query, with the S flag, QRV,
//! QQIC and source list after the group; a v3 report carries group records
//! ([`IgmpGroupRecord`], iterated with [`IgmpPacket::group_records`]).

use std::net::Ipv4Addr;

use super::checksum;
use super::{get_array, get_u16, set_u16, Error, Result};

open_enum! {
    /// An IGMP message type.
    pub enum IgmpMessage(u8) {
        /// Membership query (all versions).
        MembershipQuery = 0x11,
        /// Version 1 membership report.
        MembershipReportV1 = 0x12,
        /// Version 2 membership report.
        MembershipReportV2 = 0x16,
        /// Version 2 leave group.
        LeaveGroup = 0x17,
        /// Version 3 membership report.
        MembershipReportV3 = 0x22,
    }
}

/// A view of an IGMP message. The checksum covers the whole buffer, which
/// must be exactly the message (the IP payload).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgmpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

mod field {
    use std::ops::Range;
    pub const TYPE: usize = 0;
    pub const MAX_RESP_CODE: usize = 1;
    pub const CHECKSUM: usize = 2;
    pub const GROUP_ADDR: Range<usize> = 4..8;
    pub const V2_END: usize = 8;
    // Version 3 query.
    pub const S_QRV: usize = 8;
    pub const QQIC: usize = 9;
    pub const NUM_SOURCES: usize = 10;
    pub const SOURCES: usize = 12;
    // Version 3 report.
    pub const NUM_RECORDS: usize = 6;
    pub const RECORDS: usize = 8;
    // Group record.
    pub const REC_TYPE: usize = 0;
    pub const REC_AUX_LEN: usize = 1;
    pub const REC_NUM_SOURCES: usize = 2;
    pub const REC_GROUP: usize = 4;
    pub const REC_SOURCES: usize = 8;
}

view_common!(IgmpPacket);

impl<T: AsRef<[u8]>> IgmpPacket<T> {
    /// Length of the common header (the whole of a v1/v2 message).
    pub const HEADER_LEN: usize = field::V2_END;

    /// Checks that the buffer holds the 8-byte header and, for a v3 query,
    /// the source list it announces.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < Self::HEADER_LEN {
            return Err(Error::Truncated);
        }
        if self.is_v3_query() && len < field::SOURCES + 4 * usize::from(self.num_sources()) {
            return Err(Error::Truncated);
        }
        Ok(())
    }

    /// Message type.
    pub fn msg_type(&self) -> IgmpMessage {
        IgmpMessage::from(self.buffer.as_ref()[field::TYPE])
    }

    /// Max response code (unused, zero, in v1).
    pub fn max_resp_code(&self) -> u8 {
        self.buffer.as_ref()[field::MAX_RESP_CODE]
    }

    /// Checksum as stored.
    pub fn checksum(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::CHECKSUM)
    }

    /// Group address (queries, v1/v2 reports, leaves).
    pub fn group_addr(&self) -> Ipv4Addr {
        Ipv4Addr::from(get_array::<4>(
            self.buffer.as_ref(),
            field::GROUP_ADDR.start,
        ))
    }

    /// True for a version 3 membership query: a query of 12 bytes or more.
    pub fn is_v3_query(&self) -> bool {
        self.msg_type() == IgmpMessage::MembershipQuery
            && self.buffer.as_ref().len() >= field::SOURCES
    }

    /// Byte `at` of a v3 query field, or 0 when the message is too short to
    /// be a v3 query.
    fn v3_query_byte(&self, at: usize) -> u8 {
        let data = self.buffer.as_ref();
        if data.len() >= field::SOURCES {
            data[at]
        } else {
            0
        }
    }

    /// S flag (suppress router-side processing) of a v3 query; false when
    /// the message is shorter than a v3 query.
    pub fn suppress_flag(&self) -> bool {
        self.v3_query_byte(field::S_QRV) & 0x08 != 0
    }

    /// Querier's robustness variable of a v3 query; 0 when the message is
    /// shorter than a v3 query.
    pub fn qrv(&self) -> u8 {
        self.v3_query_byte(field::S_QRV) & 0x07
    }

    /// Querier's query interval code of a v3 query; 0 when the message is
    /// shorter than a v3 query.
    pub fn qqic(&self) -> u8 {
        self.v3_query_byte(field::QQIC)
    }

    /// Number of sources of a v3 query; 0 when the message is shorter than
    /// a v3 query.
    pub fn num_sources(&self) -> u16 {
        let hi = self.v3_query_byte(field::NUM_SOURCES);
        u16::from_be_bytes([hi, self.v3_query_byte(field::NUM_SOURCES + 1)])
    }

    /// Source addresses of a v3 query (empty for other messages).
    pub fn query_sources(&self) -> impl Iterator<Item = Ipv4Addr> + '_ {
        let data = self.buffer.as_ref();
        let sources = if self.is_v3_query() {
            let end = (field::SOURCES + 4 * usize::from(self.num_sources())).min(data.len());
            &data[field::SOURCES..end]
        } else {
            &[]
        };
        sources
            .chunks_exact(4)
            .map(|a| Ipv4Addr::new(a[0], a[1], a[2], a[3]))
    }

    /// Number of group records of a v3 report.
    pub fn num_group_records(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::NUM_RECORDS)
    }

    /// Group records of a v3 report (nothing for other messages).
    pub fn group_records(&self) -> IgmpGroupRecords<'_> {
        let is_report = self.msg_type() == IgmpMessage::MembershipReportV3;
        IgmpGroupRecords {
            data: &self.buffer.as_ref()[field::RECORDS..],
            left: if is_report {
                self.num_group_records()
            } else {
                0
            },
        }
    }

    /// True when the checksum over the message is correct.
    pub fn verify_checksum(&self) -> bool {
        checksum::sum(self.buffer.as_ref()) == 0xffff
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> IgmpPacket<T> {
    /// Sets the message type.
    pub fn set_msg_type(&mut self, value: IgmpMessage) {
        self.buffer.as_mut()[field::TYPE] = value.into();
    }

    /// Sets the max response code.
    pub fn set_max_resp_code(&mut self, value: u8) {
        self.buffer.as_mut()[field::MAX_RESP_CODE] = value;
    }

    /// Sets the stored checksum.
    pub fn set_checksum(&mut self, value: u16) {
        set_u16(self.buffer.as_mut(), field::CHECKSUM, value);
    }

    /// Sets the group address.
    pub fn set_group_addr(&mut self, addr: Ipv4Addr) {
        self.buffer.as_mut()[field::GROUP_ADDR].copy_from_slice(&addr.octets());
    }

    /// Sets the S flag of a v3 query.
    pub fn set_suppress_flag(&mut self, value: bool) {
        let b = &mut self.buffer.as_mut()[field::S_QRV];
        *b = if value { *b | 0x08 } else { *b & !0x08 };
    }

    /// Sets the robustness variable of a v3 query (low 3 bits used).
    pub fn set_qrv(&mut self, value: u8) {
        let b = &mut self.buffer.as_mut()[field::S_QRV];
        *b = (*b & !0x07) | (value & 0x07);
    }

    /// Sets the query interval code of a v3 query.
    pub fn set_qqic(&mut self, value: u8) {
        self.buffer.as_mut()[field::QQIC] = value;
    }

    /// Sets the number of sources of a v3 query.
    pub fn set_num_sources(&mut self, value: u16) {
        set_u16(self.buffer.as_mut(), field::NUM_SOURCES, value);
    }

    /// Sets the number of group records of a v3 report.
    pub fn set_num_group_records(&mut self, value: u16) {
        set_u16(self.buffer.as_mut(), field::NUM_RECORDS, value);
    }

    /// Computes and stores the checksum over the message.
    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let csum = checksum::checksum(self.buffer.as_ref());
        self.set_checksum(csum);
    }
}

/// A view of one group record of a v3 report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgmpGroupRecord<T: AsRef<[u8]>> {
    buffer: T,
}

view_common!(IgmpGroupRecord);

impl<T: AsRef<[u8]>> IgmpGroupRecord<T> {
    /// Checks that the buffer holds the record, sources and auxiliary data
    /// included.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < field::REC_SOURCES || len < self.record_len() {
            return Err(Error::Truncated);
        }
        Ok(())
    }

    /// Length of the whole record in bytes.
    pub fn record_len(&self) -> usize {
        field::REC_SOURCES
            + 4 * usize::from(self.num_sources())
            + 4 * usize::from(self.aux_data_len())
    }

    /// Record type (1 MODE_IS_INCLUDE ... 6 BLOCK_OLD_SOURCES).
    pub fn record_type(&self) -> u8 {
        self.buffer.as_ref()[field::REC_TYPE]
    }

    /// Auxiliary data length, in 32-bit words.
    pub fn aux_data_len(&self) -> u8 {
        self.buffer.as_ref()[field::REC_AUX_LEN]
    }

    /// Number of sources.
    pub fn num_sources(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::REC_NUM_SOURCES)
    }

    /// Multicast address.
    pub fn mcast_addr(&self) -> Ipv4Addr {
        Ipv4Addr::from(get_array::<4>(self.buffer.as_ref(), field::REC_GROUP))
    }

    /// Source addresses.
    pub fn sources(&self) -> impl Iterator<Item = Ipv4Addr> + '_ {
        let end = field::REC_SOURCES + 4 * usize::from(self.num_sources());
        self.buffer.as_ref()[field::REC_SOURCES..end]
            .chunks_exact(4)
            .map(|a| Ipv4Addr::new(a[0], a[1], a[2], a[3]))
    }

    /// Auxiliary data.
    pub fn aux_data(&self) -> &[u8] {
        let start = field::REC_SOURCES + 4 * usize::from(self.num_sources());
        &self.buffer.as_ref()[start..self.record_len()]
    }
}

/// Iterator over the group records of a v3 report. A truncated record
/// yields one error and ends the walk.
#[derive(Debug, Clone)]
pub struct IgmpGroupRecords<'a> {
    data: &'a [u8],
    left: u16,
}

impl<'a> Iterator for IgmpGroupRecords<'a> {
    type Item = Result<IgmpGroupRecord<&'a [u8]>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        match IgmpGroupRecord::new_checked(self.data) {
            Ok(record) => {
                let (this, rest) = self.data.split_at(record.record_len());
                self.data = rest;
                self.left -= 1;
                Some(Ok(IgmpGroupRecord::new_unchecked(this)))
            }
            Err(err) => {
                self.left = 0;
                Some(Err(err))
            }
        }
    }
}

/// The common 8-byte header of an IGMP message: all of a v1/v2 message, the
/// start of a v3 one (whose extra fields are read through the view).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IgmpRepr {
    /// Message type.
    pub msg_type: IgmpMessage,
    /// Max response code.
    pub max_resp_code: u8,
    /// Group address (for a v3 report: reserved and number of records).
    pub group_addr: Ipv4Addr,
}

impl IgmpRepr {
    /// Reads the common header. The checksum is not verified (see
    /// [`IgmpPacket::verify_checksum`]).
    pub fn parse<T: AsRef<[u8]>>(packet: &IgmpPacket<T>) -> Result<Self> {
        packet.check_len()?;
        Ok(IgmpRepr {
            msg_type: packet.msg_type(),
            max_resp_code: packet.max_resp_code(),
            group_addr: packet.group_addr(),
        })
    }

    /// Bytes [`Self::emit`] writes: the 8-byte header.
    pub const fn buffer_len(&self) -> usize {
        field::V2_END
    }

    /// Writes the header into `packet`, which must hold
    /// [`Self::buffer_len`] bytes, with a zero checksum; fill it with
    /// [`IgmpPacket::fill_checksum`].
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut IgmpPacket<T>) {
        packet.set_msg_type(self.msg_type);
        packet.set_max_resp_code(self.max_resp_code);
        packet.set_checksum(0);
        packet.set_group_addr(self.group_addr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_util::hex;

    // IGMP parts of scapy (contrib igmp, igmpv3):
    // IGMP(type=0x16, gaddr="239.1.2.3", mrcode=0)
    const V2_REPORT: &str = "1600f8faef010203";
    // IGMP(type=0x11, gaddr="0.0.0.0", mrcode=100)
    const V2_QUERY: &str = "1164ee9b00000000";
    // IGMPv3(type=0x11, mrcode=20)/IGMPv3mq(gaddr="239.1.1.1", s=1, qrv=2,
    //   qqic=125, srcaddrs=["10.0.0.9", "10.0.0.10"])
    const V3_QUERY: &str = "1114e056ef0101010a7d00020a0000090a00000a";
    // IGMPv3(type=0x22)/IGMPv3mr(records=[IGMPv3gr(rtype=4, maddr="239.1.1.1"),
    //   IGMPv3gr(rtype=1, maddr="239.2.2.2", srcaddrs=["10.0.0.7"])])
    const V3_REPORT: &str = "2200eded0000000204000000ef01010101000001ef0202020a000007";

    #[test]
    fn v2_round_trip() {
        for (literal, msg_type, code, group) in [
            (
                V2_REPORT,
                IgmpMessage::MembershipReportV2,
                0,
                Ipv4Addr::new(239, 1, 2, 3),
            ),
            (
                V2_QUERY,
                IgmpMessage::MembershipQuery,
                100,
                Ipv4Addr::UNSPECIFIED,
            ),
        ] {
            let bytes = hex(literal);
            let packet = IgmpPacket::new_checked(&bytes[..]).unwrap();
            assert!(packet.verify_checksum());
            assert!(!packet.is_v3_query());
            let repr = IgmpRepr::parse(&packet).unwrap();
            assert_eq!(
                repr,
                IgmpRepr {
                    msg_type,
                    max_resp_code: code,
                    group_addr: group
                }
            );
            let mut out = [0u8; 8];
            let mut view = IgmpPacket::new_unchecked(&mut out[..]);
            repr.emit(&mut view);
            view.fill_checksum();
            assert_eq!(out[..], bytes[..]);
        }
    }

    #[test]
    fn v3_query() {
        let bytes = hex(V3_QUERY);
        let packet = IgmpPacket::new_checked(&bytes[..]).unwrap();
        assert!(packet.verify_checksum());
        assert!(packet.is_v3_query());
        assert_eq!(packet.group_addr(), Ipv4Addr::new(239, 1, 1, 1));
        assert_eq!(packet.max_resp_code(), 20);
        assert!(packet.suppress_flag());
        assert_eq!(
            (packet.qrv(), packet.qqic(), packet.num_sources()),
            (2, 125, 2)
        );
        let sources: Vec<_> = packet.query_sources().collect();
        assert_eq!(
            sources,
            [Ipv4Addr::new(10, 0, 0, 9), Ipv4Addr::new(10, 0, 0, 10)]
        );
        for len in 12..bytes.len() {
            assert_eq!(
                IgmpPacket::new_checked(&bytes[..len]),
                Err(Error::Truncated)
            );
        }
        let mut out = bytes.clone();
        out[..12].fill(0);
        let mut view = IgmpPacket::new_unchecked(&mut out[..]);
        IgmpRepr::parse(&packet).unwrap().emit(&mut view);
        view.set_suppress_flag(true);
        view.set_qrv(2);
        view.set_qqic(125);
        view.set_num_sources(2);
        view.fill_checksum();
        assert_eq!(out, bytes);
    }

    #[test]
    fn v3_report_records() {
        let bytes = hex(V3_REPORT);
        let packet = IgmpPacket::new_checked(&bytes[..]).unwrap();
        assert!(packet.verify_checksum());
        assert_eq!(packet.msg_type(), IgmpMessage::MembershipReportV3);
        assert_eq!(packet.num_group_records(), 2);
        let records: Vec<_> = packet.group_records().collect::<Result<_>>().unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!((records[0].record_type(), records[0].num_sources()), (4, 0));
        assert_eq!(records[0].mcast_addr(), Ipv4Addr::new(239, 1, 1, 1));
        assert_eq!(records[1].record_type(), 1);
        assert_eq!(
            records[1].sources().collect::<Vec<_>>(),
            [Ipv4Addr::new(10, 0, 0, 7)]
        );
        assert!(records[1].aux_data().is_empty());
        // A truncated second record.
        let packet = IgmpPacket::new_checked(&bytes[..bytes.len() - 1]).unwrap();
        let records: Vec<_> = packet.group_records().collect();
        assert_eq!(records.len(), 2);
        assert_eq!(records[1], Err(Error::Truncated));
    }

    #[test]
    fn rejects_truncation() {
        let bytes = hex(V2_REPORT);
        for len in 0..8 {
            assert_eq!(
                IgmpPacket::new_checked(&bytes[..len]),
                Err(Error::Truncated)
            );
        }
    }

    #[test]
    fn setters_round_trip() {
        let mut bytes = hex(V3_QUERY);
        let mut packet = IgmpPacket::new_checked(&mut bytes[..]).unwrap();
        packet.set_msg_type(IgmpMessage::LeaveGroup);
        packet.set_max_resp_code(1);
        packet.set_group_addr(Ipv4Addr::new(224, 0, 0, 2));
        packet.set_suppress_flag(false);
        packet.set_qrv(7);
        assert_eq!(packet.msg_type(), IgmpMessage::LeaveGroup);
        assert!(!packet.is_v3_query());
        assert_eq!(packet.query_sources().count(), 0);
        assert_eq!(packet.group_records().count(), 0);
        assert_eq!(packet.max_resp_code(), 1);
        assert_eq!(packet.group_addr(), Ipv4Addr::new(224, 0, 0, 2));
        assert_eq!((packet.suppress_flag(), packet.qrv()), (false, 7));
        packet.fill_checksum();
        assert!(packet.verify_checksum());

        let mut bytes = hex(V3_REPORT);
        let mut packet = IgmpPacket::new_checked(&mut bytes[..]).unwrap();
        packet.set_num_group_records(1);
        assert_eq!(packet.num_group_records(), 1);
        assert_eq!(packet.group_records().count(), 1);
    }
}
