#!/usr/bin/env bash
# Build, lint and test everything, then run the demo as a smoke test. Exits non-zero
# on the first failure. Needs root: the end-to-end tests (package rvs-e2e) create
# network namespaces, veth pairs and run ovsdb-server / the switch.
#
# The end-to-end tests drive rvs-vswitchd by default; RVS_E2E_SWITCH=ovs drives
# Debian's ovs-vswitchd instead. When testing rvs, the e2e tests also run against
# ovs-vswitchd, the oracle, so a test that is wrong shows up as such.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ "$(id -u)" -ne 0 ]; then
    echo "test.sh: must run as root: the end-to-end tests create network namespaces," >&2
    echo "veth pairs and af_packet sockets. Run: sudo $0" >&2
    exit 1
fi

step() { echo; echo "==== $*"; }

# Tests that compare rvs with the real OVS tools (ovs-ofctl, ovsdb-server, scapy)
# fail instead of skipping when a tool is missing: deps.sh installed them.
export RVS_REQUIRE_ORACLES=1

step "deps"
bash scripts/deps.sh

step "cargo build --workspace --all-targets"
cargo build --workspace --all-targets

step "cargo check without DPDK (the dpdk feature off)"
cargo check -p rvs-vswitchd --no-default-features

step "cargo fmt --all -- --check"
cargo fmt --all -- --check

step "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

# The oracle first: if the e2e tests fail against Open vSwitch, the tests or the
# machine are broken, not rvs.
if [ "${RVS_E2E_SWITCH:-rvs}" != ovs ]; then
    step "cargo test -p rvs-e2e against ovs-vswitchd (oracle)"
    RVS_E2E_SWITCH=ovs cargo test -p rvs-e2e
fi

step "cargo test --workspace (e2e against ${RVS_E2E_SWITCH:-rvs})"
cargo test --workspace

step "scripts/fuzz-smoke.sh (every fuzz target, bounded runs)"
bash scripts/fuzz-smoke.sh

step "scripts/demo.sh"
bash scripts/demo.sh

if [ "${RVS_E2E_SWITCH:-rvs}" != ovs ]; then
    step "scripts/demo.sh with the embedded database and rvs-vsctl"
    RVS_DEMO_DB=embedded bash scripts/demo.sh
fi

step "scripts/bench.sh --quick (rvs and ovs-vswitchd-dpdk both forward on DPDK ports; no speed asserted)"
bash scripts/bench.sh --quick

step "all passed"
