//! Bad input gets the error OVS would send: each message of
//! `tests/data/bad_messages.txt` (name, expected error, hex; built by
//! corrupting good messages and checked against `ovs-ofctl ofp-print`)
//! fails to decode with the expected error, and the error's wire code in
//! each version is OVS's.

use rvs_openflow::error::ErrorCode;
use rvs_openflow::msg::basic::error_reply;
use rvs_openflow::msg::message::decode;
use rvs_openflow::{OfpError, Version};

fn vectors() -> Vec<(String, String, Vec<u8>)> {
    include_str!("data/bad_messages.txt")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut it = l.split_whitespace();
            let name = it.next().expect("name").to_owned();
            let err = it.next().expect("error").to_owned();
            let hex = it.next().expect("hex");
            let bytes = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
                .collect();
            (name, err, bytes)
        })
        .collect()
}

#[test]
fn each_bad_message_gets_ovs_error() {
    let v = vectors();
    assert!(v.len() >= 30);
    for (name, want, bytes) in v {
        let got = decode(&bytes);
        if want == "-" {
            assert!(got.is_ok(), "{name}: {got:?}");
            continue;
        }
        match got {
            Err(e) => assert_eq!(e.name(), want, "{name}"),
            Ok(m) => panic!("{name}: decoded as {m:?}, want {want}"),
        }
    }
}

fn code(type_: u16, code: u16) -> ErrorCode {
    ErrorCode {
        type_,
        code,
        vendor: None,
    }
}

/// An extension error of OpenFlow 1.0/1.1 (inside `NXET_VENDOR`).
fn nx(type_: u16, code: u16) -> ErrorCode {
    ErrorCode {
        type_,
        code,
        vendor: Some(rvs_openflow::error::NX_VENDOR_ID),
    }
}

#[test]
fn error_codes_per_version_are_ovs() {
    use OfpError::*;
    let cases: &[(OfpError, Version, ErrorCode)] = &[
        (OFPBRC_BAD_LEN, Version::Of10, code(1, 6)),
        (OFPBRC_BAD_TYPE, Version::Of13, code(1, 1)),
        (OFPBRC_BAD_VERSION, Version::Of15, code(1, 0)),
        (OFPBRC_BAD_VENDOR, Version::Of10, code(1, 3)),
        (OFPBRC_BAD_SUBTYPE, Version::Of13, code(1, 4)),
        (OFPBRC_BAD_STAT, Version::Of13, code(1, 2)),
        (OFPBMC_BAD_PREREQ, Version::Of10, nx(1, 260)),
        (OFPBMC_BAD_PREREQ, Version::Of13, code(4, 9)),
        (OFPBMC_DUP_FIELD, Version::Of14, code(4, 10)),
        (OFPBMC_BAD_FIELD, Version::Of10, nx(0, 263)),
        (OFPBMC_BAD_FIELD, Version::Of13, code(4, 6)),
        (OFPBMC_BAD_LEN, Version::Of13, code(4, 1)),
        (OFPBAC_BAD_LEN, Version::Of13, code(2, 1)),
        (OFPBAC_BAD_VENDOR, Version::Of10, code(2, 2)),
        (OFPBAC_BAD_VENDOR_TYPE, Version::Of15, code(2, 3)),
        (OFPBAC_MATCH_INCONSISTENT, Version::Of10, nx(1, 522)),
        (OFPBAC_MATCH_INCONSISTENT, Version::Of13, code(2, 10)),
        (OFPBIC_UNKNOWN_INST, Version::Of13, code(3, 0)),
        (OFPFMFC_BAD_COMMAND, Version::Of10, code(3, 4)),
        (OFPFMFC_BAD_COMMAND, Version::Of13, code(5, 6)),
        (OFPMMFC_BAD_BAND, Version::Of13, code(12, 8)),
        (OFPGMFC_BAD_TYPE, Version::Of15, code(6, 10)),
    ];
    for &(e, v, want) in cases {
        assert_eq!(e.code(v), want, "{e} in {v}");
    }
    assert_eq!(
        OFPBIC_DUP_INST.code(Version::Of13),
        ErrorCode {
            type_: 0xffff,
            code: 2600,
            vendor: Some(rvs_openflow::error::ONF_VENDOR_ID)
        }
    );
    assert_eq!(
        NXBRC_NXM_INVALID.code(Version::Of15),
        ErrorCode {
            type_: 0xffff,
            code: 2,
            vendor: Some(rvs_openflow::error::NX_VENDOR_ID)
        }
    );
}

#[test]
fn error_reply_echoes_request() {
    let bad = vectors()
        .into_iter()
        .find(|(n, _, _)| n == "action_bad_len")
        .expect("vector")
        .2;
    assert!(bad.len() > 64);
    let e = decode(&bad).expect_err("bad");
    let r = error_reply(e, &bad);
    // OF1.3 error, xid 1, type 2 code 1, then the whole request (OVS 3.1).
    assert_eq!(&r[..4], &[4, 1, 0, (12 + bad.len()) as u8]);
    assert_eq!(&r[4..12], &[0, 0, 0, 1, 0, 2, 0, 1]);
    assert_eq!(&r[12..], &bad[..]);
    let (_, _, m) = decode(&r).expect("error decodes");
    assert_eq!(
        m,
        rvs_openflow::msg::message::Message::Error(OfpError::OFPBAC_BAD_LEN, bad.clone())
    );
    // A version rvs does not know is answered in OpenFlow 1.0.
    let r = error_reply(OfpError::OFPBRC_BAD_VERSION, &[9, 14, 0, 8, 0, 0, 0, 7]);
    assert_eq!(
        r,
        [1, 1, 0, 20, 0, 0, 0, 7, 0, 1, 0, 0, 9, 14, 0, 8, 0, 0, 0, 7]
    );
}
