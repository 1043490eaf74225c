//! Zero-copy views of packet headers, in the smoltcp style.
//!
//! Every header has the same four parts:
//!
//! - a **view**, `Header<T: AsRef<[u8]>>` (for example [`Ipv4Packet`]), that
//!   wraps a byte buffer starting at the header and reads or writes fields in
//!   place. Field positions are byte ranges in a private `mod field`. Getters
//!   need `T: AsRef<[u8]>`, setters `T: AsMut<[u8]>`, so the same type serves
//!   `&[u8]`, `&mut [u8]` and `Vec<u8>`;
//! - constructors: `new_unchecked(buffer)` wraps without looking,
//!   `check_len()` validates, and `new_checked(buffer)` does both. After a
//!   successful `new_checked` (or `check_len`) **no getter and no
//!   `payload()`/`payload_mut()` can panic**: every length field the
//!   accessors rely on (IPv4 IHL and total length, TCP data offset, GRE flags,
//!   Geneve option length, ...) has been checked against the buffer.
//!   Setters that change such a length field (or a flag that moves other
//!   fields, as GRE's) can make the view inconsistent with its buffer; call
//!   `check_len()` again after them. `into_inner()` gives the buffer back;
//! - a **`Repr`** (for example [`Ipv4Repr`]): the header's fields as plain
//!   values, with `parse(&view)`, `buffer_len()` (bytes `emit` writes) and
//!   `emit(&mut view)`. `emit` writes the header only, never the payload.
//!   Checksums that cover only the header (IPv4) are filled by `emit`; those
//!   that cover the payload are left to the view's `fill_checksum`;
//! - **open enums** for protocol numbers ([`EtherType`], [`IpProtocol`],
//!   [`ArpOperation`], [`Icmpv4Message`], ...) whose `Unknown(_)` variant keeps
//!   any value, so converting from the wire and back is lossless.
//!
//! Views never allocate and hold no state besides the buffer, so they are
//! usable on the PMD threads. Checksums live in [`checksum`] (the Internet
//! checksum, pseudo-headers and RFC 1624 incremental updates) and
//! [`crc32c`] (SCTP).
//!
//! ```
//! use rvs_packet::wire::{EthernetFrame, EtherType, Ipv4Packet, IpProtocol};
//!
//! let bytes = [
//!     0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x08, 0x00,
//!     0x45, 0, 0, 20, 0, 1, 0, 0, 64, 17, 0x66, 0xd6, 10, 0, 0, 1, 10, 0, 0, 2,
//! ];
//! let eth = EthernetFrame::new_checked(&bytes[..]).unwrap();
//! assert_eq!(eth.ethertype(), EtherType::Ipv4);
//! let ip = Ipv4Packet::new_checked(eth.payload()).unwrap();
//! assert_eq!(ip.protocol(), IpProtocol::Udp);
//! assert!(ip.verify_checksum());
//! ```

#![warn(missing_docs)]

use std::fmt;

#[macro_use]
mod macros;

pub mod arp;
pub mod checksum;
pub mod crc32c;
pub mod ethernet;
pub mod geneve;
pub mod gre;
pub mod icmpv4;
pub mod icmpv6;
pub mod igmp;
pub mod ip;
pub mod ipv4;
pub mod ipv6;
pub mod ipv6ext;
pub mod ipv6opt;
pub mod llc;
pub mod mpls;
pub mod ndisc;
pub mod sctp;
pub mod tcp;
pub mod udp;
pub mod vlan;
pub mod vxlan;

pub use arp::{ArpHardware, ArpOperation, ArpPacket, ArpRepr};
pub use checksum::IpPair;
pub use ethernet::{EtherType, EthernetFrame, EthernetRepr};
pub use geneve::{GeneveHeader, GeneveOption, GeneveOptions, GeneveRepr};
pub use gre::{GreHeader, GreRepr};
pub use icmpv4::{Icmpv4Message, Icmpv4Packet, Icmpv4Repr};
pub use icmpv6::{Icmpv6Message, Icmpv6Packet, Icmpv6Repr};
pub use igmp::{IgmpGroupRecord, IgmpGroupRecords, IgmpMessage, IgmpPacket, IgmpRepr};
pub use ip::IpProtocol;
pub use ipv4::{Ipv4Packet, Ipv4Repr};
pub use ipv6::{Ipv6Packet, Ipv6Repr};
pub use ipv6ext::{Ipv6ExtHeader, Ipv6ExtHeaderRepr, Ipv6FragmentHeader, Ipv6FragmentRepr};
pub use ipv6opt::{Ipv6Option, Ipv6OptionType, Ipv6Options};
pub use llc::{LlcSnap, LlcSnapRepr};
pub use mpls::{MplsHeader, MplsLse, MplsRepr};
pub use ndisc::{NdOption, NdOptionType, NdOptions, NdiscRepr};
pub use sctp::{SctpPacket, SctpRepr};
pub use tcp::{TcpPacket, TcpRepr};
pub use udp::{UdpPacket, UdpRepr};
pub use vlan::{VlanHeader, VlanRepr};
pub use vxlan::{VxlanHeader, VxlanRepr};

/// Why a buffer could not be viewed or parsed as a header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Error {
    /// The buffer is shorter than the header, or than a length field in it
    /// says the header or packet is.
    Truncated,
    /// A field holds a value the format does not allow (for example an IPv4
    /// IHL below 5, a TCP data offset below 5, an IPv6 extension header
    /// length that overruns it, a wrong IP version).
    Malformed,
    /// The header is valid but describes something a `Repr` cannot hold (for
    /// example ARP for a hardware type other than Ethernet).
    Unsupported,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Truncated => f.write_str("Packet is truncated"),
            Error::Malformed => f.write_str("Packet header is malformed"),
            Error::Unsupported => f.write_str("Packet header is not supported"),
        }
    }
}

impl std::error::Error for Error {}

/// Result of parsing a header.
pub type Result<T> = std::result::Result<T, Error>;

/// Big-endian 16-bit field at `at`. Callers have checked the length.
#[inline]
fn get_u16(buf: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([buf[at], buf[at + 1]])
}

/// Writes a big-endian 16-bit field at `at`.
#[inline]
fn set_u16(buf: &mut [u8], at: usize, value: u16) {
    buf[at..at + 2].copy_from_slice(&value.to_be_bytes());
}

/// Big-endian 32-bit field at `at`. Callers have checked the length.
#[inline]
fn get_u32(buf: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]])
}

/// Writes a big-endian 32-bit field at `at`.
#[inline]
fn set_u32(buf: &mut [u8], at: usize, value: u32) {
    buf[at..at + 4].copy_from_slice(&value.to_be_bytes());
}

/// Big-endian 24-bit field at `at` (VXLAN and Geneve VNIs, MPLS labels).
#[inline]
fn get_u24(buf: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([0, buf[at], buf[at + 1], buf[at + 2]])
}

/// Writes the low 24 bits of `value` big-endian at `at`.
#[inline]
fn set_u24(buf: &mut [u8], at: usize, value: u32) {
    buf[at..at + 3].copy_from_slice(&value.to_be_bytes()[1..]);
}

/// Copies a fixed-size array out of `buf` at `at`.
#[inline]
fn get_array<const N: usize>(buf: &[u8], at: usize) -> [u8; N] {
    let mut out = [0; N];
    out.copy_from_slice(&buf[at..at + N]);
    out
}

#[cfg(any(test, fuzzing))]
#[doc(hidden)]
pub mod no_panic;
#[cfg(test)]
mod test_util;
