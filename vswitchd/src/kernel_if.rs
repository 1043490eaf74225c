//! What OVS reports about a kernel interface (`system` and `internal` ports) beyond
//! its link state: `Interface.link_speed`, `duplex`, and the driver in
//! `Interface.status` (`driver_name`, and `driver_version` when the kernel exposes
//! one).
//!
//! OVS asks the driver through `ethtool` ioctls; rvs reads the same facts without
//! `unsafe`: speed and duplex from sysfs, the driver from the device's sysfs driver
//! link, or, for virtual devices that have none (veth, tun), from the link kind
//! rtnetlink reports (`IFLA_INFO_KIND`), which is the driver's name for those.
//! Called on the main task when status is written; every read is a few syscalls.

use std::os::fd::AsRawFd as _;
use std::path::Path;

use nix::sys::socket::{
    self, AddressFamily, MsgFlags, NetlinkAddr, SockFlag, SockProtocol, SockType,
};

/// Facts about one kernel interface; `None` where the kernel does not say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KernelInfo {
    /// Link speed in bits per second.
    pub speed_bps: Option<u64>,
    /// `full` or `half`.
    pub duplex: Option<String>,
    /// The driver's name (`driver_name`).
    pub driver: Option<String>,
    /// The driver module's version (`driver_version`).
    pub driver_version: Option<String>,
}

fn sys(name: &str, file: &str) -> Option<String> {
    let p = Path::new("/sys/class/net").join(name).join(file);
    std::fs::read_to_string(p)
        .ok()
        .map(|s| s.trim().to_string())
}

/// Reads what the kernel says about interface `name` (in this network namespace).
pub fn read(name: &str) -> KernelInfo {
    if name.is_empty() || name.contains('/') || name == "." || name == ".." {
        return KernelInfo::default();
    }
    let speed_bps = sys(name, "speed")
        .and_then(|s| s.parse::<i64>().ok())
        .filter(|&mbps| mbps > 0)
        .map(|mbps| mbps as u64 * 1_000_000);
    let duplex = sys(name, "duplex").filter(|d| d == "full" || d == "half");
    let driver = std::fs::read_link(Path::new("/sys/class/net").join(name).join("device/driver"))
        .ok()
        .and_then(|p| p.file_name().map(|f| f.to_string_lossy().into_owned()))
        .or_else(|| {
            let index = sys(name, "ifindex")?.parse::<i32>().ok()?;
            link_kind(index)
        });
    let driver_version = driver.as_ref().and_then(|d| {
        std::fs::read_to_string(Path::new("/sys/module").join(d).join("version"))
            .ok()
            .map(|v| v.trim().to_string())
    });
    KernelInfo {
        speed_bps,
        duplex,
        driver,
        driver_version,
    }
}

const RTM_NEWLINK: u16 = 16;
const RTM_GETLINK: u16 = 18;
const NLM_F_REQUEST: u16 = 1;
const NLMSG_ERROR: u16 = 2;
const IFLA_LINKINFO: u16 = 18;
const IFLA_INFO_KIND: u16 = 1;
const NLMSG_HDRLEN: usize = 16;
const IFINFOMSG_LEN: usize = 16;

/// Asks rtnetlink for the link kind (`veth`, `tun`, `bridge`, ...) of `ifindex`.
fn link_kind(ifindex: i32) -> Option<String> {
    let fd = socket::socket(
        AddressFamily::Netlink,
        SockType::Raw,
        SockFlag::SOCK_CLOEXEC,
        SockProtocol::NetlinkRoute,
    )
    .ok()?;
    socket::setsockopt(
        &fd,
        socket::sockopt::ReceiveTimeout,
        &nix::sys::time::TimeVal::new(1, 0),
    )
    .ok()?;
    let mut req = Vec::with_capacity(NLMSG_HDRLEN + IFINFOMSG_LEN);
    req.extend_from_slice(&((NLMSG_HDRLEN + IFINFOMSG_LEN) as u32).to_ne_bytes());
    req.extend_from_slice(&RTM_GETLINK.to_ne_bytes());
    req.extend_from_slice(&NLM_F_REQUEST.to_ne_bytes());
    req.extend_from_slice(&1u32.to_ne_bytes()); // seq
    req.extend_from_slice(&0u32.to_ne_bytes()); // pid: the kernel
    req.extend_from_slice(&[0, 0]); // family, pad
    req.extend_from_slice(&0u16.to_ne_bytes()); // type
    req.extend_from_slice(&ifindex.to_ne_bytes());
    req.extend_from_slice(&0u32.to_ne_bytes()); // flags
    req.extend_from_slice(&0u32.to_ne_bytes()); // change
    socket::sendto(
        fd.as_raw_fd(),
        &req,
        &NetlinkAddr::new(0, 0),
        MsgFlags::empty(),
    )
    .ok()?;
    let mut buf = vec![0u8; 16384];
    let n = socket::recv(fd.as_raw_fd(), &mut buf, MsgFlags::empty()).ok()?;
    parse_link_kind(&buf[..n])
}

fn u16_at(b: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(i..i + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(i..i + 4)?.try_into().ok()?))
}

/// The rtattrs in `b`: `(type, payload)`, stopping at the first malformed one.
fn attrs(b: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    let mut at = 0usize;
    std::iter::from_fn(move || {
        let len = usize::from(u16_at(b, at)?);
        let kind = u16_at(b, at + 2)? & 0x3fff;
        if len < 4 || at + len > b.len() {
            return None;
        }
        let payload = &b[at + 4..at + len];
        at += (len + 3) & !3;
        Some((kind, payload))
    })
}

/// The `IFLA_INFO_KIND` in an `RTM_NEWLINK` reply; `None` for anything else.
pub fn parse_link_kind(msg: &[u8]) -> Option<String> {
    let len = usize::try_from(u32_at(msg, 0)?).ok()?;
    let kind = u16_at(msg, 4)?;
    if kind == NLMSG_ERROR || kind != RTM_NEWLINK || len > msg.len() {
        return None;
    }
    let body = msg.get(NLMSG_HDRLEN + IFINFOMSG_LEN..len)?;
    let (_, info) = attrs(body).find(|(t, _)| *t == IFLA_LINKINFO)?;
    let (_, name) = attrs(info).find(|(t, _)| *t == IFLA_INFO_KIND)?;
    let name = name.split(|&c| c == 0).next()?;
    (!name.is_empty()).then(|| String::from_utf8_lossy(name).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(kind: u16, payload: &[u8]) -> Vec<u8> {
        let mut v = ((4 + payload.len()) as u16).to_ne_bytes().to_vec();
        v.extend_from_slice(&kind.to_ne_bytes());
        v.extend_from_slice(payload);
        while v.len() % 4 != 0 {
            v.push(0);
        }
        v
    }

    #[test]
    fn link_kind_from_a_reply() {
        let mut body = attr(3, b"p1\0");
        body.extend(attr(
            IFLA_LINKINFO,
            &[attr(IFLA_INFO_KIND, b"veth\0"), attr(2, &[1, 2, 3, 4])].concat(),
        ));
        let len = NLMSG_HDRLEN + IFINFOMSG_LEN + body.len();
        let mut msg = (len as u32).to_ne_bytes().to_vec();
        msg.extend_from_slice(&RTM_NEWLINK.to_ne_bytes());
        msg.extend_from_slice(&[0; 10]);
        msg.extend_from_slice(&[0; IFINFOMSG_LEN]);
        msg.extend_from_slice(&body);
        assert_eq!(parse_link_kind(&msg).as_deref(), Some("veth"));
        // Truncated or of another type: nothing, and no panic.
        for cut in 0..msg.len() {
            let _ = parse_link_kind(&msg[..cut]);
        }
        let mut err = msg.clone();
        err[4..6].copy_from_slice(&NLMSG_ERROR.to_ne_bytes());
        assert_eq!(parse_link_kind(&err), None);
    }

    #[test]
    fn loopback_has_a_kind_or_nothing_and_no_speed() {
        // `lo` exists everywhere; it has no driver link and reports no speed.
        let info = read("lo");
        assert_eq!(info.speed_bps, None);
        assert_eq!(read("../x"), KernelInfo::default());
    }
}
