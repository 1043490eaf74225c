#!/usr/bin/env python3
"""Side-by-side packet rate of rvs-vswitchd and Open vSwitch's DPDK build.

Both switches get the same DPDK (Debian's 22.11), the same EAL memory mode, one PMD
on core 1 (main thread on core 0), identical ports and identical flows installed with
ovs-ofctl. Runs alternate between the switches; each figure is the median of the
rounds. A rate is packets received by the PMD per second over a measured window after
a warm-up; cycles per packet are the core's clock divided by that rate (the PMD is
fully busy on every workload here).

Driven by scripts/bench.sh; run that rather than this.
"""

import argparse
import os
import re
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time

OVS_DPDK = "/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk"
SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def run(args, env, check=True, timeout=60):
    p = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: exit {p.returncode}: {p.stderr.strip()}")
    return p.stdout


def cpu_hz():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("cpu MHz"):
                return float(line.split(":")[1]) * 1e6
    return 0.0


# ---------------------------------------------------------------- pcaps


def udp_frame(src_ip, dst_ip, sport, dport, dst_mac=b"\x02\x00\x00\x00\x00\x02"):
    eth = dst_mac + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
    total = 46
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, 64, 17, 0,
                               bytes(src_ip), bytes(dst_ip)))
    s = sum(struct.unpack("!10H", ip))
    while s > 0xFFFF:
        s = (s & 0xFFFF) + (s >> 16)
    ip[10:12] = struct.pack("!H", ~s & 0xFFFF)
    udp = struct.pack("!HHHH", sport, dport, total - 20, 0)
    return (eth + bytes(ip) + udp).ljust(60, b"\x00")


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", i // 1000, (i % 1000) * 1000, len(fr), len(fr)))
            f.write(fr)


def macs_pcap(path, n):
    """n frames from n distinct source MAC addresses (a megaflow each under a dl_src
    rule, in both switches: neither tracks prefixes of MAC addresses)."""
    frames = []
    for i in range(n):
        src = bytes([2, 0x10, 0, (i >> 16) & 255, (i >> 8) & 255, i & 255])
        f = bytearray(udp_frame([10, 0, 0, 1], [10, 1, 0, 1], 1024, 5000))
        f[6:12] = src
        frames.append(bytes(f))
    write_pcap(path, frames)


def flows_pcap(path, n):
    """n distinct UDP flows spread over ten destination groups (for the rule set)."""
    frames = []
    for i in range(n):
        group = i % 10
        frames.append(udp_frame([10, 0, 0, 1 + (i // 250) % 250], [10, 1, group, 1],
                                1024 + i % 60000, 5000 + group))
    write_pcap(path, frames)


# Ten L3/L4 rules with different match shapes: ten dpcls subtables. Each group of
# the pcap's flows hits one of them; all rewrite the destination MAC.
def l3l4_rules():
    act = "actions=mod_dl_dst:02:00:00:00:00:99,output:2"
    shapes = [
        "udp,nw_dst=10.1.0.1",
        "udp,nw_dst=10.1.1.1,tp_dst=5001",
        "udp,nw_src=10.0.0.0/8,nw_dst=10.1.2.1",
        "udp,nw_dst=10.1.3.0/24,tp_dst=5003",
        "ip,nw_dst=10.1.4.1",
        "udp,nw_dst=10.1.5.1,tp_src=0x400/0xfc00,tp_dst=5005",
        "udp,nw_dst=10.1.6.0/255.255.255.0",
        "udp,nw_dst=10.1.7.1,nw_tos=0",
        "udp,nw_src=10.0.0.0/16,nw_dst=10.1.8.1,tp_dst=5008",
        "udp,dl_src=02:00:00:00:00:01,nw_dst=10.1.9.1",
    ]
    rules = [f"priority={100 + i},in_port=1,{m},{act}" for i, m in enumerate(shapes)]
    rules.append("priority=1,actions=drop")
    return rules


# ---------------------------------------------------------------- the switches


class Bed:
    """A private ovsdb-server and run directory."""

    def __init__(self, root):
        self.dir = root
        self.env = dict(os.environ, OVS_RUNDIR=root, OVS_DBDIR=root, OVS_LOGDIR=root,
                        OVS_SYSCONFDIR=root)
        db = os.path.join(root, "conf.db")
        run(["ovsdb-tool", "create", db, SCHEMA], self.env)
        self.sock = os.path.join(root, "db.sock")
        self.db = subprocess.Popen(
            ["ovsdb-server", db, f"--remote=punix:{self.sock}",
             f"--pidfile={root}/ovsdb-server.pid", f"--unixctl={root}/ovsdb-server.ctl",
             f"--log-file={root}/ovsdb-server.log"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if os.path.exists(self.sock):
                break
            time.sleep(0.05)
        self.vsctl("--no-wait", "init")

    def vsctl(self, *args, timeout=60):
        return run(["ovs-vsctl", f"--db=unix:{self.sock}", "--timeout=30", *args], self.env,
                   timeout=timeout)

    def close(self):
        self.db.terminate()
        self.db.wait()


class Switch:
    def __init__(self, bed, kind, rvs_bin, hugepages):
        self.bed, self.kind = bed, kind
        self.ctl = os.path.join(bed.dir, f"{kind}.ctl")
        prefix = f"bench{kind}{os.getpid()}"
        mem = "--socket-mem=1024 --huge-unlink" if hugepages else "--no-huge --legacy-mem -m 2048"
        bed.vsctl("--no-wait", "set", "Open_vSwitch", ".",
                  "other_config:dpdk-init=true", "other_config:dpdk-lcore-mask=0x1",
                  "other_config:pmd-cpu-mask=0x2",
                  f'other_config:dpdk-extra="{mem} --no-pci --file-prefix={prefix}"')
        binary = OVS_DPDK if kind == "ovs" else rvs_bin
        self.log = os.path.join(bed.dir, f"{kind}.log")
        self.proc = subprocess.Popen(
            [binary, f"unix:{bed.sock}", f"--unixctl={self.ctl}",
             f"--pidfile={bed.dir}/{kind}.pid", f"--log-file={self.log}"],
            env=bed.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            if os.path.exists(self.ctl):
                break
            if self.proc.poll() is not None:
                raise RuntimeError(f"{kind} exited at start-up; see {self.log}")
            time.sleep(0.05)

    def appctl(self, *args):
        return run(["ovs-appctl", "-t", self.ctl, *args], self.bed.env)

    def ofctl(self, *args):
        return run(["ovs-ofctl", *args], self.bed.env)

    def pmd_packets(self):
        out = self.appctl("dpif-netdev/pmd-stats-show")
        total = 0
        for block in out.split("pmd thread")[1:]:
            m = re.search(r"packets received: (\d+)", block)
            if m:
                total += int(m.group(1))
        return total

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        # The database forgets the bridge for the next run (OVS forgets flows anyway).
        self.bed.vsctl("--no-wait", "--if-exists", "del-br", "br0")


def add_port(bed, name, ofport, kind="dpdk", **options):
    args = ["add-port", "br0", name, "--", "set", "Interface", name, f"type={kind}",
            f"ofport_request={ofport}"]
    args += [f"options:{k}={v}" for k, v in options.items()]
    bed.vsctl(*args)
    err = bed.vsctl("get", "Interface", name, "error").strip()
    if err not in ("[]", '""'):
        raise RuntimeError(f"port {name}: {err}")


# ---------------------------------------------------------------- workloads


class Guests:
    """dpdk-testpmd with two virtio_user ports (server=1) in io mode on core 0."""

    def __init__(self, root):
        self.socks = [os.path.join(root, f"vu{i}.sock") for i in range(2)]
        for s in self.socks:
            if os.path.exists(s):
                os.unlink(s)
        args = ["dpdk-testpmd", "--no-huge", "-m", "1024", "--no-pci", "--lcores=0@0,1@0",
                f"--file-prefix=benchvu{os.getpid()}"]
        args += [f"--vdev=virtio_user{i},path={s},server=1" for i, s in enumerate(self.socks)]
        args += ["--", "-i", "--forward-mode=io", "--total-num-mbufs=32768"]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, text=True)
        time.sleep(2)

    def start(self):
        self.proc.stdin.write("start tx_first 64\n")
        self.proc.stdin.flush()

    def close(self):
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
            self.proc.wait()


def setup(bed, sw, workload, pcaps):
    """Ports and flows of a workload. Returns an object to close afterwards, if any."""
    bed.vsctl("add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev",
              "fail_mode=secure")
    emc = "0" if workload == 3 else "100"
    # Workload 5: with room for one datapath flow only, every packet is an upcall
    # (translated and executed, not installed): the rate of flow setups.
    limit = "1" if workload == 5 else "200000"
    bed.vsctl("set", "Open_vSwitch", ".", f"other_config:emc-insert-inv-prob={emc}",
              f"other_config:flow-limit={limit}")
    extra = None
    if workload == 6:
        extra = Guests(bed.dir)
        add_port(bed, "vhc0", 1, "dpdkvhostuserclient", **{"vhost-server-path": extra.socks[0]})
        add_port(bed, "vhc1", 2, "dpdkvhostuserclient", **{"vhost-server-path": extra.socks[1]})
        rules = ["in_port=1,actions=output:2", "in_port=2,actions=output:1"]
    else:
        add_port(bed, "sink", 2, **{"dpdk-devargs": "net_null1,no-rx=1"})
        if workload == 1:
            add_port(bed, "src", 1, **{"dpdk-devargs": "net_null0"})
        else:
            pcap = pcaps[{4: "16k", 5: "macs"}.get(workload, "1k")]
            add_port(bed, "src", 1, **{"dpdk-devargs": f"net_pcap0,rx_pcap={pcap},infinite_rx=1"})
        if workload == 3:
            rules = l3l4_rules()
        elif workload == 5:
            # The drop rule's dl_src puts dl_src in every megaflow's mask.
            rules = ["priority=10,in_port=1,dl_src=02:00:00:00:00:ff,actions=drop",
                     "priority=1,in_port=1,actions=output:2"]
        elif workload == 4:
            # Matching on the protocol keeps both switches off their port-wide (simple
            # match) path: every packet goes through the EMC, then the megaflows.
            rules = ["in_port=1,udp,actions=output:2"]
        else:
            rules = ["in_port=1,actions=output:2"]
    flows = os.path.join(bed.dir, "flows.txt")
    with open(flows, "w") as f:
        f.write("\n".join(rules) + "\n")
    sw.ofctl("del-flows", "br0")
    sw.ofctl("add-flows", "br0", flows)
    if extra:
        extra.start()
    return extra


def measure(sw, warmup, seconds):
    time.sleep(warmup)
    p0, t0 = sw.pmd_packets(), time.monotonic()
    time.sleep(seconds)
    p1, t1 = sw.pmd_packets(), time.monotonic()
    return (p1 - p0) / (t1 - t0)


def forwarded(bed):
    """Whether the sink port has sent frames, by the statistics in the database
    (written every 5 s)."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        out = bed.vsctl("get", "Interface", "sink", "statistics")
        m = re.search(r"\btx_packets=(\d+)", out)
        if m and int(m.group(1)) > 0:
            return True
        time.sleep(0.5)
    return False


def testpmd_ceiling(seconds):
    """testpmd io forwarding between workload 1's ports: the ceiling here."""
    args = ["dpdk-testpmd", "--no-huge", "-m", "1024", "--no-pci", "--lcores=0@0,1@1",
            f"--file-prefix=benchtp{os.getpid()}", "--vdev=net_null0",
            "--vdev=net_null1,no-rx=1", "--", "--forward-mode=io", "--auto-start",
            "--stats-period=1", "--total-num-mbufs=32768"]
    p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    time.sleep(seconds + 2)
    p.send_signal(signal.SIGINT)
    try:
        out, _ = p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
    # The last "Tx-pps" printed for port 1 (the sink).
    rates = re.findall(r"statistics for port 1.*?Tx-pps:\s+(\d+)", out, re.S)
    return float(rates[-1]) if rates else 0.0


NAMES = {
    1: "1 net_null -> sink, in_port rule (port-wide megaflow / OVS simple match)",
    2: "2 pcap 1k flows -> sink, same rule",
    3: "3 pcap 1k flows, 10 L3/L4 subtables + mod_dl_dst (dpcls, EMC off)",
    4: "4 pcap 16k flows, in_port+udp rule (EMC thrash, megaflow hits)",
    5: "5 flow setup: 16k source MACs, a dl_src rule, flow-limit=1: every packet an upcall",
    6: "6 vhost-user loop, testpmd io (2 virtio_user)",
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rvs", required=True, help="rvs-vswitchd binary")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--warmup", type=float, default=3.0)
    ap.add_argument("--workloads", default="1,2,3,4,5,6")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--hugepages", action="store_true")
    ap.add_argument("--markdown", help="write the result table here")
    ap.add_argument("--switches", default="rvs,ovs", help="which switches to run")
    a = ap.parse_args()
    workloads = [int(w) for w in a.workloads.split(",")]
    if a.quick:
        workloads, a.rounds, a.seconds, a.warmup = [1], 1, 2.0, 2.0
    root = tempfile.mkdtemp(prefix="rvs-bench-")
    bed = Bed(root)
    pcaps = {"1k": os.path.join(root, "1k.pcap"), "16k": os.path.join(root, "16k.pcap")}
    flows_pcap(pcaps["1k"], 1000)
    flows_pcap(pcaps["16k"], 16384)
    pcaps["macs"] = os.path.join(root, "macs.pcap")
    macs_pcap(pcaps["macs"], 16384)
    hz = cpu_hz()
    results = {w: {"rvs": [], "ovs": []} for w in workloads}
    failed = False
    try:
        for r in range(a.rounds):
            for w in workloads:
                # Alternate which switch goes first.
                order = ["ovs", "rvs"] if (r + w) % 2 == 0 else ["rvs", "ovs"]
                for kind in [k for k in order if k in a.switches.split(",")]:
                    sw = Switch(bed, kind, a.rvs, a.hugepages)
                    extra = None
                    try:
                        extra = setup(bed, sw, w, pcaps)
                        pps = measure(sw, a.warmup, a.seconds)
                        if a.quick and not forwarded(bed):
                            raise RuntimeError("the sink sent nothing")
                    except Exception as e:
                        log(f"round {r + 1} workload {w} {kind}: {e}")
                        pps = 0.0
                        failed = True
                    finally:
                        if extra:
                            extra.close()
                        sw.stop()
                    results[w][kind].append(pps)
                    log(f"round {r + 1} workload {w} {kind}: {pps / 1e6:.2f} Mpps")
        ceiling = 0.0 if a.quick else testpmd_ceiling(a.seconds)
    finally:
        bed.close()
        if not os.environ.get("RVS_BENCH_KEEP"):
            shutil.rmtree(root, ignore_errors=True)

    lines = ["| workload | rvs Mpps | OVS-DPDK Mpps | rvs/OVS | rvs cycles/pkt | OVS cycles/pkt |",
             "|---|---:|---:|---:|---:|---:|"]
    for w in workloads:
        med = lambda xs: statistics.median(xs) if xs else 0.0
        rv, ov = med(results[w]["rvs"]), med(results[w]["ovs"])
        ratio = rv / ov if ov else float("nan")
        cyc = lambda pps: f"{hz / pps:.0f}" if pps and hz else "-"
        lines.append(f"| {NAMES[w]} | {rv / 1e6:.2f} | {ov / 1e6:.2f} | {ratio:.2f}x | "
                     f"{cyc(rv)} | {cyc(ov)} |")
    if ceiling:
        lines.append(f"| testpmd io-fwd on workload 1's ports (ceiling) | {ceiling / 1e6:.2f} | | | "
                     f"{hz / ceiling:.0f} | |")
    table = "\n".join(lines)
    print(table)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(table + "\n")
    if a.quick:
        for kind in a.switches.split(","):
            if not all(p > 0 for p in results[1][kind]):
                log(f"--quick: {kind} forwarded nothing")
                failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
