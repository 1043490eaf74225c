//! The OpenFlow header and message framing.
//!
//! Sans-IO: [`Framer`] takes bytes as they arrive from a stream and hands out
//! whole messages; nothing here does I/O.

use bytes::{Buf, BufMut, BytesMut};

use crate::error::{OfpError, Result};
use crate::version::Version;

/// Bytes in `ofp_header`.
pub const HEADER_LEN: usize = 8;

/// `ofp_header`: version, type, length (of the whole message), xid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The version byte as received (may be one this crate does not speak).
    pub version: u8,
    /// Message type.
    pub type_: u8,
    /// Length of the message including this header.
    pub length: u16,
    /// Transaction ID.
    pub xid: u32,
}

impl Header {
    /// Reads a header from the first 8 bytes of `b`, without checking it.
    pub fn peek(b: &[u8]) -> Option<Header> {
        let mut b = b.get(..HEADER_LEN)?;
        Some(Header {
            version: b.get_u8(),
            type_: b.get_u8(),
            length: b.get_u16(),
            xid: b.get_u32(),
        })
    }

    /// Writes the header.
    pub fn emit(&self, out: &mut impl BufMut) {
        out.put_u8(self.version);
        out.put_u8(self.type_);
        out.put_u16(self.length);
        out.put_u32(self.xid);
    }

    /// The version, or `OFPBRC_BAD_VERSION`.
    pub fn ofp_version(&self) -> Result<Version> {
        Version::from_wire(self.version).ok_or(OfpError::OFPBRC_BAD_VERSION)
    }
}

/// Starts a message: writes a header with a zero length into `out`; finish
/// it with [`finish_message`].
pub fn start_message(out: &mut BytesMut, version: Version, type_: u8, xid: u32) -> usize {
    let start = out.len();
    Header {
        version: version.wire(),
        type_,
        length: 0,
        xid,
    }
    .emit(out);
    start
}

/// Sets the length of the message started at `start` to what follows it.
pub fn finish_message(out: &mut BytesMut, start: usize) {
    let len = u16::try_from(out.len() - start).unwrap_or(u16::MAX);
    out[start + 2..start + 4].copy_from_slice(&len.to_be_bytes());
}

/// Splits a byte stream into OpenFlow messages.
#[derive(Debug, Default)]
pub struct Framer {
    buf: BytesMut,
}

/// What [`Framer::next_message`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    /// A whole message, header included.
    Message(bytes::Bytes),
    /// More bytes are needed.
    Incomplete,
}

impl Framer {
    /// A framer with nothing buffered.
    pub fn new() -> Framer {
        Framer::default()
    }

    /// Adds bytes received from the peer.
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The next whole message. A header whose length is shorter than the
    /// header itself cannot be framed: the stream is unusable after it and
    /// the error (`OFPBRC_BAD_LEN`) should be sent before closing, as OVS's
    /// `vconn` does.
    pub fn next_message(&mut self) -> Result<Frame> {
        let Some(h) = Header::peek(&self.buf) else {
            return Ok(Frame::Incomplete);
        };
        let len = usize::from(h.length);
        if len < HEADER_LEN {
            return Err(OfpError::OFPBRC_BAD_LEN);
        }
        if self.buf.len() < len {
            return Ok(Frame::Incomplete);
        }
        Ok(Frame::Message(self.buf.split_to(len).freeze()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_split_and_joined() {
        let mut f = Framer::new();
        f.push(&[4, 2, 0, 10, 0, 0, 0, 7, 0xaa]);
        assert_eq!(f.next_message(), Ok(Frame::Incomplete));
        f.push(&[0xbb, 4, 3, 0, 8, 0, 0, 0, 7]);
        match f.next_message() {
            Ok(Frame::Message(m)) => assert_eq!(&m[..], &[4, 2, 0, 10, 0, 0, 0, 7, 0xaa, 0xbb]),
            other => panic!("{other:?}"),
        }
        assert!(matches!(f.next_message(), Ok(Frame::Message(m)) if m.len() == 8));
        assert_eq!(f.next_message(), Ok(Frame::Incomplete));
        f.push(&[4, 0, 0, 4, 0, 0, 0, 0]);
        assert_eq!(f.next_message(), Err(OfpError::OFPBRC_BAD_LEN));
    }
}
