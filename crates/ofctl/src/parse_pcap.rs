//! `parse-pcap FILE...`: the flow of every packet, as `ovs-ofctl parse-pcap`.

use std::ffi::OsString;
use std::io::Write;
use std::path::Path;

use crate::pcap::PcapReader;
use crate::{error, Errno};

/// `OFPP_ANY`, the port OVS's parse-pcap gives every packet (it prints as
/// `in_port=ANY`).
const OFPP_ANY: u32 = 0xffff;

/// Prints one line per packet of each file in `files` to `out`, in order.
/// A file that cannot be opened or read is reported on stderr and the next
/// one is read; the exit status is the last error's code (as a byte), or 0.
pub fn run(files: &[OsString], out: &mut dyn Write) -> i32 {
    let mut status = 0;
    for name in files {
        let path = Path::new(name);
        let mut reader = match PcapReader::open(path) {
            Ok(r) => r,
            Err(e) => {
                let _ = out.flush();
                error(format_args!("{}: open failed", path.display()), Some(&e));
                status = e.code;
                continue;
            }
        };
        loop {
            match reader.read(out) {
                Ok(Some(frame)) => {
                    let flow = rvs_packet::extract(&frame, OFPP_ANY);
                    let _ = writeln!(out, "{flow}");
                }
                Ok(None) => break,
                Err(e) => {
                    let _ = out.flush();
                    report_read_error(path, &e);
                    status = e.code;
                    break;
                }
            }
        }
    }
    status & 0xff
}

fn report_read_error(path: &Path, e: &Errno) {
    error(format_args!("{}: read failed", path.display()), Some(e));
}
