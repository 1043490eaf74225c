#!/usr/bin/env bash
# Install what rvs needs to build, test and demo. Idempotent: does nothing when
# everything is present. Never lets the packages start the system's own OVS.
set -euo pipefail

PKGS=(openvswitch-switch openvswitch-common openvswitch-switch-dpdk iproute2 iputils-ping ethtool
      tcpdump openssl iperf3 dpdk dpdk-dev libdpdk-dev pkg-config clang libclang-dev systemd)
BINS=(ovsdb-server ovsdb-tool ovs-vsctl ovs-ofctl ovs-appctl ovs-pki ip ping ethtool tcpdump openssl
      iperf3 dpdk-testpmd pkg-config clang systemd-analyze)

missing=()
for b in "${BINS[@]}"; do
    if ! command -v "$b" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$b" ] && [ ! -x "/usr/bin/$b" ]; then
        missing+=("$b")
    fi
done
if [ ! -f /usr/share/openvswitch/vswitch.ovsschema ]; then
    missing+=("vswitch.ovsschema")
fi
# DPDK 22.11 headers and libraries (rvs-dpdk-sys binds them through pkg-config), and
# OVS's DPDK build, the rival in DPDK tests and benchmarks.
if ! pkg-config --exists libdpdk 2>/dev/null || ! ls /usr/lib/llvm-*/lib/libclang*.so* >/dev/null 2>&1; then
    missing+=("libdpdk-dev/libclang")
fi
if [ ! -x /usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk ]; then
    missing+=("ovs-vswitchd-dpdk")
fi

if [ "${#missing[@]}" -gt 0 ]; then
    echo "deps: installing (missing: ${missing[*]})"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    # Keep the package's post-install scripts from starting the system's daemons.
    policy=/usr/sbin/policy-rc.d
    created_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
        $SUDO chmod +x "$policy"
        created_policy=1
    fi
    cleanup() { if [ "$created_policy" = 1 ]; then $SUDO rm -f "$policy"; fi; }
    trap cleanup EXIT
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${PKGS[@]}" >/dev/null
    # Even with policy-rc.d, make sure no system OVS daemon is left running.
    if command -v systemctl >/dev/null 2>&1; then
        $SUDO systemctl stop openvswitch-switch ovs-vswitchd ovsdb-server >/dev/null 2>&1 || true
    fi
fi

# scapy builds the packets of the differential tests against ovs-ofctl.
if ! python3 -c 'import scapy' >/dev/null 2>&1; then
    echo "deps: installing scapy"
    python3 -m pip install --quiet --disable-pip-version-check 'scapy==2.6.1' \
        || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages 'scapy==2.6.1'
fi

# os-ken (3.1.1 still has osken-manager) runs the learning-switch controller of the
# controller e2e test.
if ! python3 -c 'import os_ken' >/dev/null 2>&1; then
    echo "deps: installing os-ken"
    python3 -m pip install --quiet --disable-pip-version-check 'os-ken==3.1.1' \
        || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages 'os-ken==3.1.1'
fi
