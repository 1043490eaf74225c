//! pcap files read as OVS's `lib/pcap-file.c` reads them, quirks included:
//! the same accepted magics and link types, the record byte order guessed per
//! record from the length, an empty or cut record ending the file with a
//! warning, and the same warnings, in OVS's log format on stderr.

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::Path;

use crate::log::warn;
use crate::Errno;

/// Link types OVS reads.
const LINKTYPE_ETHERNET: u32 = 1;
const LINKTYPE_LINUX_SLL: u32 = 0x71;

/// Reads `buf.len()` bytes unless the input ends first; returns how many.
fn fill(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// An open pcap file, positioned at the next record.
#[derive(Debug)]
pub struct PcapReader<R> {
    input: R,
    linux_sll: bool,
}

impl PcapReader<BufReader<File>> {
    /// Opens `path` and reads its header, logging OVS's warnings on failure
    /// (`ovs_pcap_open()`).
    pub fn open(path: &Path) -> Result<Self, Errno> {
        let file = File::open(path).map_err(|e| {
            let err = Errno::from_io(&e);
            warn(
                "pcap",
                format_args!(
                    "{}: failed to open pcap file for reading ({})",
                    path.display(),
                    err.text
                ),
            );
            err
        })?;
        PcapReader::new(BufReader::new(file))
    }
}

impl<R: Read> PcapReader<R> {
    /// Reads the file header (`ovs_pcap_read_header()`).
    pub fn new(mut input: R) -> Result<Self, Errno> {
        let mut hdr = [0u8; 24];
        let n = fill(&mut input, &mut hdr).map_err(|e| {
            let err = Errno::from_io(&e);
            warn(
                "pcap",
                format_args!("failed to read pcap header: {}", err.text),
            );
            err
        })?;
        if n < hdr.len() {
            warn(
                "pcap",
                format_args!("failed to read pcap header: End of file"),
            );
            return Err(Errno::eof());
        }
        // OVS reads the header in host order (little-endian on the machines
        // rvs runs on) and compares against both byte orders.
        let magic = u32::from_le_bytes([hdr[0], hdr[1], hdr[2], hdr[3]]);
        let swap = match magic {
            0xa1b2_c3d4 | 0xa1b2_3c4d => false,
            0xd4c3_b2a1 | 0x4d3c_b2a1 => true,
            _ => {
                warn(
                    "pcap",
                    format_args!(
                        "bad magic 0x{magic:08x} reading pcap file (expected 0xa1b2c3d4, \
                         0xa1b23c4d, 0xd4c3b2a1, or 0x4d3cb2a1)"
                    ),
                );
                return Err(Errno::eproto());
            }
        };
        let network = u32::from_le_bytes([hdr[20], hdr[21], hdr[22], hdr[23]]);
        let network = if swap { network.swap_bytes() } else { network };
        if network != LINKTYPE_ETHERNET && network != LINKTYPE_LINUX_SLL {
            warn(
                "pcap",
                format_args!("unknown network type {network} reading pcap file"),
            );
            return Err(Errno::eproto());
        }
        Ok(PcapReader {
            input,
            linux_sll: network == LINKTYPE_LINUX_SLL,
        })
    }

    /// The next packet as an Ethernet frame (`ovs_pcap_read()`): `Ok(None)` at
    /// the end of the file. Like OVS, a record header cut short is a quiet end
    /// of file, while an empty or cut packet is an end of file with a
    /// warning. A Linux "cooked" (SLL) record gets an Ethernet header with a
    /// zero destination; for a bad one the SLL header is hex-dumped to `out`,
    /// as OVS dumps it to stdout.
    pub fn read(&mut self, out: &mut dyn Write) -> Result<Option<Vec<u8>>, Errno> {
        let mut rec = [0u8; 16];
        let n = fill(&mut self.input, &mut rec).map_err(|e| {
            let err = Errno::from_io(&e);
            warn(
                "pcap",
                format_args!("failed to read pcap record header: {}", err.text),
            );
            err
        })?;
        if n < rec.len() {
            return Ok(None);
        }
        // The byte order of the length is guessed from its size, not taken
        // from the magic, as in OVS.
        let mut len = u32::from_le_bytes([rec[8], rec[9], rec[10], rec[11]]);
        if len > 0xffff {
            len = len.swap_bytes();
            if len > 0xffff {
                warn(
                    "pcap",
                    format_args!(
                        "bad packet length {len} or {} reading pcap file",
                        len.swap_bytes()
                    ),
                );
                return Err(Errno::eproto());
            }
        }
        let mut data = vec![0u8; len as usize];
        let got = fill(&mut self.input, &mut data);
        match got {
            Ok(k) if k == data.len() && k > 0 => {}
            Ok(_) => {
                warn(
                    "pcap",
                    format_args!("failed to read pcap packet: End of file"),
                );
                return Ok(None);
            }
            Err(e) => {
                let err = Errno::from_io(&e);
                warn(
                    "pcap",
                    format_args!("failed to read pcap packet: {}", err.text),
                );
                return Err(err);
            }
        }
        if self.linux_sll {
            return sll_to_ethernet(&data, out).map(Some);
        }
        Ok(Some(data))
    }
}

/// Replaces a Linux SLL header (packet type, ARPHRD, address length,
/// 8 address bytes, protocol) with an Ethernet header.
fn sll_to_ethernet(data: &[u8], out: &mut dyn Write) -> Result<Vec<u8>, Errno> {
    let Some((sll, payload)) = data.split_first_chunk::<16>() else {
        warn("pcap", format_args!("pcap packet too short for SLL header"));
        return Err(Errno::eproto());
    };
    if sll[4..6] != [0, 6] {
        let _ = out.write_all(hex_dump(sll).as_bytes());
        warn("pcap", format_args!("bad SLL header"));
        return Err(Errno::eproto());
    }
    let mut frame = Vec::with_capacity(14 + payload.len());
    frame.extend_from_slice(&[0; 6]);
    frame.extend_from_slice(&sll[6..12]);
    frame.extend_from_slice(&sll[14..16]);
    frame.extend_from_slice(payload);
    Ok(frame)
}

/// OVS `ds_put_hex_dump()` without the ASCII column.
fn hex_dump(bytes: &[u8]) -> String {
    let mut s = String::new();
    for (line, chunk) in bytes.chunks(16).enumerate() {
        s.push_str(&format!("{:08x}  ", line * 16));
        for (i, b) in chunk.iter().enumerate() {
            s.push_str(&format!("{b:02x}{}", if i == 7 { '-' } else { ' ' }));
        }
        let trimmed = s.trim_end_matches(' ').len();
        s.truncate(trimmed);
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(magic: u32, network: u32, be: bool) -> Vec<u8> {
        let w32 = |v: u32| if be { v.to_be_bytes() } else { v.to_le_bytes() };
        let w16 = |v: u16| if be { v.to_be_bytes() } else { v.to_le_bytes() };
        [
            &w32(magic)[..],
            &w16(2),
            &w16(4),
            &[0; 8],
            &w32(65535),
            &w32(network),
        ]
        .concat()
    }

    fn record(data: &[u8], be: bool) -> Vec<u8> {
        let len = data.len() as u32;
        let l = if be {
            len.to_be_bytes()
        } else {
            len.to_le_bytes()
        };
        [&[0; 8][..], &l, &l, data].concat()
    }

    fn read_all(file: &[u8]) -> Result<Vec<Vec<u8>>, Errno> {
        let mut r = PcapReader::new(file)?;
        let mut out = Vec::new();
        let mut sink = Vec::new();
        while let Some(p) = r.read(&mut sink)? {
            out.push(p);
        }
        Ok(out)
    }

    #[test]
    fn both_byte_orders_and_resolutions() {
        for (magic, be) in [
            (0xa1b2_c3d4, false),
            (0xa1b2_c3d4, true),
            (0xa1b2_3c4d, false),
            (0xa1b2_3c4d, true),
        ] {
            let file = [
                header(magic, 1, be),
                record(&[1; 20], be),
                record(&[2; 30], be),
            ]
            .concat();
            assert_eq!(read_all(&file).unwrap(), vec![vec![1; 20], vec![2; 30]]);
        }
    }

    #[test]
    fn bad_header_and_lengths() {
        assert_eq!(read_all(&[0; 10]), Err(Errno::eof()));
        assert_eq!(
            read_all(&header(0x1234_5678, 1, false)),
            Err(Errno::eproto())
        );
        assert_eq!(
            read_all(&header(0xa1b2_c3d4, 101, false)),
            Err(Errno::eproto())
        );
        let mut rec = record(&[0; 4], false);
        rec[8..12].copy_from_slice(&0x0012_3456u32.to_le_bytes());
        assert_eq!(
            read_all(&[header(0xa1b2_c3d4, 1, false), rec].concat()),
            Err(Errno::eproto())
        );
    }

    #[test]
    fn empty_or_cut_record_ends_the_file() {
        let h = header(0xa1b2_c3d4, 1, false);
        let file = [
            h.clone(),
            record(&[1; 20], false),
            record(&[], false),
            record(&[2; 4], false),
        ]
        .concat();
        assert_eq!(read_all(&file).unwrap(), vec![vec![1; 20]]);
        let cut = [h.clone(), record(&[1; 20], false)].concat();
        assert_eq!(
            read_all(&cut[..cut.len() - 1]).unwrap(),
            Vec::<Vec<u8>>::new()
        );
        assert_eq!(read_all(&cut[..30]).unwrap(), Vec::<Vec<u8>>::new());
    }

    #[test]
    fn linux_sll_becomes_ethernet() {
        let sll = [0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00, 0x45];
        let file = [header(0xa1b2_c3d4, 0x71, false), record(&sll, false)].concat();
        let want = [&[0; 6][..], &[2, 0, 0, 0, 0, 1], &[0x08, 0x00, 0x45]].concat();
        assert_eq!(read_all(&file).unwrap(), vec![want]);
        assert_eq!(
            hex_dump(&[0xab; 16]),
            "00000000  ab ab ab ab ab ab ab ab-ab ab ab ab ab ab ab ab\n"
        );
    }
}
