#!/usr/bin/env bash
# Packets per second of rvs-vswitchd and Open vSwitch's DPDK build, side by side on this
# machine: same DPDK, same ports, same flows (installed with ovs-ofctl), one PMD on core
# 1 each, runs alternating, medians of the rounds. See benches/side_by_side.py.
#
#   sudo scripts/bench.sh            # every workload, 3 rounds; prints a Markdown table
#   sudo scripts/bench.sh --quick    # one short round of workload 1 (CI smoke test):
#                                    # fails only if a switch forwarded nothing
#   sudo scripts/bench.sh --workloads 1,3 --rounds 5 --seconds 10
#
# Needs root and the packages of scripts/deps.sh. Writes nothing outside a temp dir
# unless --markdown FILE is given.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ "$(id -u)" -ne 0 ]; then
    echo "bench.sh: needs root (DPDK, OVS daemons); try: sudo $0" >&2
    exit 1
fi
bash scripts/deps.sh
cargo build --release -p rvs-vswitchd
BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/rvs-vswitchd
exec python3 benches/side_by_side.py --rvs "$BIN" "$@"
