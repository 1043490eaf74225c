//! Network namespaces and the hosts (namespace + veth pair) attached to the switch.

use std::process::{Command, Output, Stdio};

use crate::cmd::{self, QUICK};
use crate::Id;

/// A named network namespace (`ip netns add`), deleted on drop. Deleting it also
/// destroys the veth pairs with an end in it and any tap device left in it.
#[derive(Debug)]
pub struct Netns {
    name: String,
}

impl Netns {
    /// Creates namespace `name` (removing a leftover of the same name first), brings
    /// `lo` up and turns IPv6 off for every interface created in it later, so no
    /// router or neighbour solicitations disturb the tests.
    pub fn new(name: &str) -> Netns {
        let _ = cmd::run(Command::new("ip").args(["netns", "del", name]), QUICK);
        cmd::run_ok(Command::new("ip").args(["netns", "add", name]), QUICK);
        let ns = Netns {
            name: name.to_owned(),
        };
        ns.run_ok(&["ip", "link", "set", "lo", "up"]);
        ns.sysctl("net/ipv6/conf/all/disable_ipv6", "1");
        ns.sysctl("net/ipv6/conf/default/disable_ipv6", "1");
        ns
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `ip netns exec <ns> <argv...>` as a command to be run.
    pub fn command(&self, argv: &[&str]) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name]).args(argv);
        c
    }

    /// Runs `argv` in the namespace; returns its output whatever the exit status.
    pub fn run(&self, argv: &[&str]) -> Output {
        cmd::run(&mut self.command(argv), QUICK)
    }

    /// Runs `argv` in the namespace; panics unless it succeeds.
    pub fn run_ok(&self, argv: &[&str]) -> Output {
        cmd::run_ok(&mut self.command(argv), QUICK)
    }

    /// Writes `value` to /proc/sys/`key` as seen from inside the namespace. Keys
    /// under net/ipv6 are ignored when the kernel has IPv6 turned off entirely.
    pub fn sysctl(&self, key: &str, value: &str) {
        // No procps on minimal systems: write the file from a shell in the namespace.
        const SCRIPT: &str = r#"case "$1" in net/ipv6/*) [ -e /proc/sys/net/ipv6 ] || exit 0;; esac
echo "$2" > "/proc/sys/$1""#;
        self.run_ok(&["sh", "-c", SCRIPT, "sysctl", key, value]);
    }

    /// Contents of a file as seen from inside the namespace (`ip netns exec` mounts the
    /// namespace's own /sys), trimmed.
    pub fn read(&self, path: &str) -> String {
        cmd::stdout_str(&self.run_ok(&["cat", path]))
    }

    /// Whether a network device of that name exists in the namespace.
    pub fn has_link(&self, ifname: &str) -> bool {
        self.run(&["ip", "link", "show", "dev", ifname])
            .status
            .success()
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        // Never panics (this runs while a failing test unwinds).
        let out = Command::new("ip")
            .args(["netns", "del", &self.name])
            .stdin(Stdio::null())
            .output();
        match out {
            Ok(out) if out.status.success() => {}
            Ok(out) => eprintln!(
                "rvs-e2e: ip netns del {} failed: {}",
                self.name,
                cmd::stderr_str(&out)
            ),
            Err(e) => eprintln!("rvs-e2e: ip netns del {}: {e}", self.name),
        }
    }
}

/// A host: its own namespace with one end of a veth pair (`ifname`, configured with
/// `ip`), the other end (`port`) inside the switch namespace, up and ready to be added
/// to a bridge. Dropping the host deletes its namespace and so the whole pair.
#[derive(Debug)]
pub struct Host {
    /// Label given by the test ("a", "b", ...).
    pub label: String,
    /// Interface name inside the host namespace.
    pub ifname: String,
    /// Name of the switch-side end: the name to give `ovs-vsctl add-port`.
    pub port: String,
    /// IPv4 address without prefix length.
    pub ip: String,
    /// MAC address of `ifname`.
    pub mac: String,
    /// Switch namespace name, for reading counters of `port`.
    sw_ns: String,
    /// Declared last: the namespace goes after everything else of the host.
    pub ns: Netns,
}

impl Host {
    /// Creates namespace `rvs-<pid>-<n>-<label>` and a veth pair `<label>-<id>-h`
    /// (inside it) / `<label>-<id>-s` (inside `sw_ns`); `label` has at most 4
    /// characters. The host end gets `ip_cidr`, tx checksum offload off (veth hands out
    /// CHECKSUM_PARTIAL packets that af_packet forwards with bad checksums), IPv6 off;
    /// both ends are brought up.
    pub fn new(id: &Id, sw_ns: &Netns, label: &str, ip_cidr: &str) -> Host {
        let short = id.short();
        let ifname = format!("{label}-{short}-h");
        let port = format!("{label}-{short}-s");
        assert!(
            port.len() <= 15,
            "interface name {port} longer than 15 characters: use a shorter host label"
        );
        let ns = Netns::new(&format!("{}-{label}", id.long()));
        // Created directly in the two namespaces: never visible in the host's.
        let add = format!(
            "link add {ifname} netns {} type veth peer name {port} netns {}",
            ns.name(),
            sw_ns.name()
        );
        cmd::run_ok(Command::new("ip").args(add.split(' ')), QUICK);
        ns.sysctl(&format!("net/ipv6/conf/{ifname}/disable_ipv6"), "1");
        sw_ns.sysctl(&format!("net/ipv6/conf/{port}/disable_ipv6"), "1");
        ns.run_ok(&["ip", "addr", "add", ip_cidr, "dev", &ifname]);
        ns.run_ok(&["ethtool", "-K", &ifname, "tx", "off"]);
        ns.run_ok(&["ip", "link", "set", &ifname, "up"]);
        sw_ns.run_ok(&["ip", "link", "set", &port, "up"]);
        let mac = ns.read(&format!("/sys/class/net/{ifname}/address"));
        let ip = ip_cidr.split('/').next().unwrap_or(ip_cidr).to_owned();
        Host {
            label: label.to_owned(),
            ifname,
            port,
            ip,
            mac,
            sw_ns: sw_ns.name().to_owned(),
            ns,
        }
    }

    /// `ping -c count` from this host to `ip`: true when every echo got its reply.
    pub fn ping(&self, ip: &str, count: u32) -> bool {
        crate::ping(&self.ns, ip, count)
    }

    /// A statistics counter (e.g. `rx_packets`) of the host end.
    pub fn stat(&self, stat: &str) -> u64 {
        crate::link_stat(&self.ns, &self.ifname, stat)
    }

    /// A statistics counter of the switch-side end (`rx_packets` there counts what
    /// the host sent towards the switch).
    pub fn port_stat(&self, stat: &str) -> u64 {
        let path = format!("/sys/class/net/{}/statistics/{stat}", self.port);
        let out = cmd::run_ok(
            Command::new("ip").args(["netns", "exec", &self.sw_ns, "cat", &path]),
            QUICK,
        );
        cmd::stdout_str(&out)
            .parse()
            .unwrap_or_else(|e| panic!("{path}: {e}"))
    }
}
