//! A local shim in front of the codec for OpenFlow 1.0 Nicira messages whose match
//! carries `NXM_NX_COOKIE` (as `ovs-ofctl` sends for `cookie=0x5/-1`): the codec
//! takes that header for `NXM_NX_MPLS_TTL` (same class and field, which OVS tells
//! apart by length) and rejects it. This takes the cookie entry out of the match
//! before decoding and hands back its value and mask, to be put into the decoded
//! message. (To be dropped when `rvs-openflow`'s NXM decoder checks lengths.)

const NX_VENDOR: u32 = 0x2320;
const NXT_FLOW_MOD: u32 = 13;
const NXM_NX_COOKIE: u32 = 0x0001_3c08;
const NXM_NX_COOKIE_W: u32 = 0x0001_3d10;

/// A message with its match's cookie entry taken out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stripped {
    /// The message without the entry.
    pub msg: Vec<u8>,
    /// The entry's value.
    pub cookie: u64,
    /// The entry's mask (all ones for the exact form).
    pub mask: u64,
}

fn be16(d: &[u8], at: usize) -> Option<usize> {
    Some(usize::from(u16::from_be_bytes(
        d.get(at..at + 2)?.try_into().ok()?,
    )))
}

fn be32(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(d.get(at..at + 4)?.try_into().ok()?))
}

/// Where the match-length field and the match of a Nicira message are, if it is a
/// `NXT_FLOW_MOD` or a `NXST_FLOW`/`NXST_AGGREGATE` request.
fn layout(d: &[u8]) -> Option<(usize, usize)> {
    if d.first() != Some(&1) {
        return None;
    }
    match d.get(1)? {
        4 if be32(d, 8)? == NX_VENDOR && be32(d, 12)? == NXT_FLOW_MOD => Some((40, 48)),
        16 if be16(d, 8)? == 0xffff && be32(d, 12)? == NX_VENDOR && be32(d, 16)? <= 1 => {
            Some((26, 32))
        }
        _ => None,
    }
}

/// The message without its cookie entry, if it has one.
pub fn strip(d: &[u8]) -> Option<Stripped> {
    let (len_at, m_at) = layout(d)?;
    let match_len = be16(d, len_at)?;
    let m = d.get(m_at..m_at + match_len)?;
    let padded = match_len.div_ceil(8) * 8;
    let rest = d.get(m_at + padded..)?;
    let mut out_m = Vec::with_capacity(match_len + 8);
    let mut found = None;
    let mut p = 0;
    while p + 4 <= m.len() {
        let h = be32(m, p)?;
        let end = p + 4 + (h & 0xff) as usize;
        let entry = m.get(p..end)?;
        let word = |at: usize| Some(u64::from_be_bytes(entry.get(at..at + 8)?.try_into().ok()?));
        if h == NXM_NX_COOKIE && found.is_none() {
            found = Some((word(4)?, u64::MAX));
        } else if h == NXM_NX_COOKIE_W && found.is_none() {
            found = Some((word(4)?, word(12)?));
        } else {
            out_m.extend_from_slice(entry);
        }
        p = end;
    }
    let (cookie, mask) = found?;
    let new_len = out_m.len();
    out_m.resize(new_len.div_ceil(8) * 8, 0);
    let mut out = d[..m_at].to_vec();
    out[len_at..len_at + 2].copy_from_slice(&(new_len as u16).to_be_bytes());
    out.extend_from_slice(&out_m);
    out.extend_from_slice(rest);
    let total = u16::try_from(out.len()).ok()?;
    out[2..4].copy_from_slice(&total.to_be_bytes());
    Some(Stripped {
        msg: out,
        cookie,
        mask,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rvs_openflow::msg::message::{self, Message};

    /// The fuzz target's seed corpus, with its invariants.
    #[test]
    fn fuzz_corpus() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/nxcookie");
        let mut n = 0;
        for e in std::fs::read_dir(&dir).expect("fuzz/corpus/nxcookie exists") {
            let data = std::fs::read(e.expect("entry").path()).expect("read");
            // Regression seeds need not carry a cookie; none may panic.
            if let Some(s) = strip(&data) {
                let m = &s.msg;
                assert_eq!(usize::from(u16::from_be_bytes([m[2], m[3]])), m.len());
                n += usize::from(message::decode(m).is_ok());
            }
        }
        assert!(n >= 3, "the three valid seeds decode once stripped");
    }

    #[test]
    fn exact_cookie_in_an_nx_flow_mod() {
        // What `ovs-ofctl -O OpenFlow10 del-flows br0 table=1,cookie=0x5/-1` sends.
        let mut d = vec![1, 4, 0, 64, 0, 0, 0, 10, 0, 0, 0x23, 0x20, 0, 0, 0, 13];
        d.extend_from_slice(&[0; 8]); // cookie
        d.extend_from_slice(&[1, 3, 0, 0, 0, 0, 0x80, 0]); // table 1 DELETE
        d.extend_from_slice(&[0xff; 6]); // buffer, out_port
        d.extend_from_slice(&[0, 0, 0, 12, 0, 0, 0, 0, 0, 0]); // flags, match_len
        d.extend_from_slice(&[0, 1, 0x3c, 8, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0]);
        let s = strip(&d).expect("stripped");
        assert_eq!((s.cookie, s.mask), (5, u64::MAX));
        assert_eq!(s.msg.len(), 48);
        let (_, _, m) = message::decode(&s.msg).expect("decodes");
        let Message::FlowMod(fm, _) = m else {
            panic!("{m:?}")
        };
        assert_eq!((fm.cookie_mask, fm.table_id), (0, 1));
        assert!(strip(&s.msg).is_none());
        // The masked form.
        let mut w = d[..48].to_vec();
        w[41] = 20;
        w.extend_from_slice(&[0, 1, 0x3d, 16, 0, 0, 0, 0, 0, 0, 0, 5]);
        w.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0xff, 0, 0, 0, 0]);
        w[3] = w.len() as u8;
        let s = strip(&w).expect("stripped");
        assert_eq!((s.cookie, s.mask, s.msg.len()), (5, 0xff, 48));
    }

    #[test]
    fn exact_cookie_in_an_nx_flow_stats_request() {
        let mut d = vec![1, 16, 0, 48, 0, 0, 0, 3, 0xff, 0xff, 0, 0, 0, 0, 0x23, 0x20];
        d.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]); // subtype NXST_FLOW, pad
        d.extend_from_slice(&[0xff, 0xff, 0, 12, 0xff, 0, 0, 0]); // out_port, len, table
        d.extend_from_slice(&[0, 1, 0x3c, 8, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0]);
        let s = strip(&d).expect("stripped");
        assert_eq!(s.msg.len(), 32);
        assert!(
            message::decode(&s.msg).is_ok(),
            "{:?}",
            message::decode(&s.msg)
        );
        assert!(strip(&[1, 0, 0, 8, 0, 0, 0, 0]).is_none());
    }
}
