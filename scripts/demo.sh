#!/usr/bin/env bash
# rvs demo: two hosts (network namespaces rvs-demo-a and rvs-demo-b) ping each other
# through rvs-vswitchd, configured with the real ovs-vsctl on a private ovsdb-server.
#
#   sudo scripts/demo.sh                      # rvs-vswitchd (built here, debug)
#   sudo RVS_E2E_SWITCH=ovs scripts/demo.sh   # the same with Debian's ovs-vswitchd
#   sudo RVS_DEMO_DB=embedded scripts/demo.sh # no ovsdb-server, no ovs-vsctl
#
# When no ovsdb-server is installed (or with RVS_DEMO_DB=embedded), rvs-vswitchd
# runs with no database argument: it serves $OVS_DBDIR/conf.db itself with its
# embedded OVSDB server, and the demo configures it with rvs-vsctl.
#
# The switch runs in a third namespace, rvs-demo-sw, rather than in the root one: the
# bridge's tap device is called br0, which would collide with a br0 many hosts already
# have (libvirt, netplan, docker setups, a system OVS), and Open vSwitch makes its tap
# devices persistent, so after a crash they would linger in the root namespace.
# Deleting the namespace removes the tap and every veth end in one step. Look inside
# with `ip -n rvs-demo-sw link`.
#
# Everything (daemons, namespaces, temp dir) is removed on exit, also on failure and
# Ctrl-C. Exits non-zero if a ping fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ "$(id -u)" -ne 0 ]; then
    echo "demo.sh: needs root (network namespaces, veth pairs, raw sockets); try: sudo $0" >&2
    exit 1
fi

SWITCH=${RVS_E2E_SWITCH:-rvs}
DB_MODE=${RVS_DEMO_DB:-}
if [ -z "$DB_MODE" ]; then
    if [ "$SWITCH" = rvs ] && ! command -v ovsdb-server >/dev/null 2>&1 && [ ! -x /usr/sbin/ovsdb-server ]; then
        DB_MODE=embedded
    else
        DB_MODE=ovsdb-server
    fi
fi
if [ "$DB_MODE" = embedded ] && [ "$SWITCH" != rvs ]; then
    echo "demo.sh: RVS_DEMO_DB=embedded needs RVS_E2E_SWITCH=rvs" >&2
    exit 1
fi
if [ "$DB_MODE" = ovsdb-server ]; then
    bash scripts/deps.sh
fi

case "$SWITCH" in
rvs)
    if [ -n "${RVS_VSWITCHD:-}" ]; then
        BIN=$RVS_VSWITCHD
    else
        echo "== building rvs-vswitchd"
        cargo build -p rvs-vswitchd
        BIN=${CARGO_TARGET_DIR:-$PWD/target}/debug/rvs-vswitchd
    fi
    if [ "$DB_MODE" = embedded ]; then
        VSCTL=${RVS_VSCTL:-}
        if [ -z "$VSCTL" ]; then
            echo "== building rvs-vsctl"
            cargo build -p rvs-vsctl
            VSCTL=${CARGO_TARGET_DIR:-$PWD/target}/debug/rvs-vsctl
        fi
    fi
    NAME=rvs-vswitchd
    ;;
ovs)
    BIN=/usr/sbin/ovs-vswitchd
    NAME=ovs-vswitchd
    ;;
*)
    echo "demo.sh: RVS_E2E_SWITCH=$SWITCH: expected rvs or ovs" >&2
    exit 1
    ;;
esac
[ -x "$BIN" ] || { echo "demo.sh: $BIN is missing" >&2; exit 1; }

NS_SW=rvs-demo-sw
NS_A=rvs-demo-a
NS_B=rvs-demo-b
IP_A=10.99.0.1
IP_B=10.99.0.2

DIR=""
DB_PID=""
SW_PID=""

# Removes a namespace left by an earlier demo, and what still runs in it.
remove_ns() {
    if [ -e "/run/netns/$1" ]; then
        ip netns pids "$1" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
        ip netns del "$1" 2>/dev/null || true
    fi
}

cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    if [ "$rc" -ne 0 ] && [ -n "$DIR" ]; then
        echo "== demo FAILED (exit $rc); last lines of the logs:" >&2
        tail -n 30 "$DIR/$NAME.log" "$DIR/$NAME.out" "$DIR/ovsdb-server.log" >&2 2>/dev/null
    fi
    for pid in $SW_PID $DB_PID; do
        kill "$pid" 2>/dev/null
    done
    for pid in $SW_PID $DB_PID; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    for ns in $NS_A $NS_B $NS_SW; do remove_ns "$ns"; done
    [ -n "$DIR" ] && rm -rf "$DIR"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for ns in $NS_A $NS_B $NS_SW; do remove_ns "$ns"; done

DIR=$(mktemp -d /tmp/rvs-demo.XXXXXX)
export OVS_RUNDIR=$DIR OVS_DBDIR=$DIR OVS_LOGDIR=$DIR OVS_SYSCONFDIR=$DIR
if [ "$DB_MODE" = embedded ]; then
    VSCTL_NAME=rvs-vsctl
    vsctl() { "$VSCTL" --timeout=10 "$@"; }
    DB_ARG=()
else
    VSCTL_NAME=ovs-vsctl
    vsctl() { ovs-vsctl --db="unix:$DIR/db.sock" --timeout=10 "$@"; }
    DB_ARG=("unix:$DIR/db.sock")

    echo "== ovsdb-server on a fresh database in $DIR"
    ovsdb-tool create "$DIR/conf.db" /usr/share/openvswitch/vswitch.ovsschema
    ovsdb-server "$DIR/conf.db" --remote="punix:$DIR/db.sock" \
        --pidfile="$DIR/ovsdb-server.pid" --unixctl="$DIR/ovsdb-server.ctl" \
        --log-file="$DIR/ovsdb-server.log" >"$DIR/ovsdb-server.out" 2>&1 &
    DB_PID=$!
    for _ in $(seq 100); do [ -S "$DIR/db.sock" ] && break; sleep 0.1; done
    vsctl --no-wait init
fi

echo "== $NAME in namespace $NS_SW"
ip netns add $NS_SW
ip -n $NS_SW link set lo up
# `ip netns exec` execs the daemon in place, so $! is the daemon itself. With no
# database argument it serves $DIR/conf.db itself on $DIR/db.sock.
ip netns exec $NS_SW "$BIN" "${DB_ARG[@]}" --pidfile="$DIR/$NAME.pid" \
    --log-file="$DIR/$NAME.log" >"$DIR/$NAME.out" 2>&1 &
SW_PID=$!
if [ "$DB_MODE" = embedded ]; then
    echo "== embedded OVSDB server: $DIR/conf.db on punix:$DIR/db.sock"
    for _ in $(seq 100); do [ -S "$DIR/db.sock" ] && break; sleep 0.1; done
    vsctl --no-wait init
fi

echo "== hosts $NS_A ($IP_A) and $NS_B ($IP_B)"
host() { # namespace, host-side interface, switch-side interface (the port), address
    ip netns add "$1"
    ip -n "$1" link set lo up
    ip link add "$2" netns "$1" type veth peer name "$3" netns $NS_SW
    for x in "$1:$2" "$NS_SW:$3"; do
        ip netns exec "${x%%:*}" sh -c "echo 1 > /proc/sys/net/ipv6/conf/${x#*:}/disable_ipv6" 2>/dev/null || true
    done
    ip -n "$1" addr add "$4/24" dev "$2"
    # veth hands out packets with partial checksums; af_packet forwards them as they are.
    ip netns exec "$1" ethtool -K "$2" tx off >/dev/null
    ip -n "$1" link set "$2" up
    ip -n $NS_SW link set "$3" up
}
host $NS_A veth-a demo-a $IP_A
host $NS_B veth-b demo-b $IP_B

echo "== $VSCTL_NAME add-br br0 -- set bridge br0 datapath_type=netdev"
vsctl add-br br0 -- set bridge br0 datapath_type=netdev
echo "== $VSCTL_NAME add-port br0 demo-a; $VSCTL_NAME add-port br0 demo-b"
vsctl add-port br0 demo-a
vsctl add-port br0 demo-b

echo "== $VSCTL_NAME show"
vsctl show

echo "== ping $NS_A -> $NS_B"
ip netns exec $NS_A ping -c 3 -w 10 $IP_B
echo "== ping $NS_B -> $NS_A"
ip netns exec $NS_B ping -c 3 -w 10 $IP_A

echo "== ofports"
for i in br0 demo-a demo-b; do
    echo "$i: $(vsctl get Interface "$i" ofport)"
done
echo "== demo OK ($NAME, database: $DB_MODE)"
