//! Helpers shared by the wire tests.

/// Decodes a hex string (whitespace ignored) into bytes. Test literals are
/// written as hex dumps of frames built with scapy.
pub fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert!(digits.len() % 2 == 0, "odd number of hex digits");
    digits
        .chunks(2)
        .map(|pair| {
            let text = std::str::from_utf8(pair).unwrap();
            u8::from_str_radix(text, 16).unwrap()
        })
        .collect()
}

// IPv6 literals shared by the IPv6, extension header and TCP tests.
// scapy: IPv6(src="2001:db8::1", dst="2001:db8::2", tc=0x28, fl=0x12345,
//   hlim=64)/TCP(sport=12345, dport=80, seq=1, ack=2, flags="SA", window=8192,
//   options=[('MSS',1460),('NOP',None),('NOP',None),('SAckOK',b'')])/b"data"
pub const TCP_PACKET: &str =
    "628123450020064020010db800000000000000000000000120010db8000000000000000000000002\
    30390050000000010000000270122000fe470000020405b40101040264617461";
// scapy: IPv6(src="fe80::1", dst="fe80::2", hlim=1)
//   /IPv6ExtHdrHopByHop(options=[RouterAlert()])
//   /IPv6ExtHdrRouting(addresses=["2001:db8::9"], segleft=1)/IPv6ExtHdrDestOpt()
//   /IPv6ExtHdrFragment(offset=0, m=1, id=0xabcdef01)/UDP(sport=53, dport=53)/b"q"
pub const EXT_PACKET: &str =
    "6000000000390001fe800000000000000000000000000001fe800000000000000000000000000002\
    2b000502000001003c0200010000000020010db80000000000000000000000092c00010400000000\
    11000001abcdef01003500350009622e71";
// scapy: IPv6(src="fe80::1", dst="fe80::2")
//   /IPv6ExtHdrFragment(offset=100, m=0, id=5, nh=17)/b"12345678"
pub const LATER_FRAGMENT: &str =
    "6000000000102c40fe800000000000000000000000000001fe800000000000000000000000000002\
    11000320000000053132333435363738";
