#!/usr/bin/env bash
# WAN topology for the RoundBench WAN profile (issue 17): the aggregator in one network namespace, every participant
# site in its own, each site joined to the aggregator's bridge by its own veth pair, shaped in BOTH directions with
# htb at the site's rate. Latency is not added here (the kernel has no netem): the RoundBench's delaying proxy
# (role-delay-proxy) runs in the aggregator namespace and delays every byte by RTT/2 each way.
#
#   perf/wan/wan-net.sh up --sites 10 --rate 1gbit      (re)creates the topology (tears an old one down first)
#   perf/wan/wan-net.sh down                             removes every namespace this script made (idempotent)
#   perf/wan/wan-net.sh status                           shows the namespaces, addresses and qdiscs with counters
#   perf/wan/wan-net.sh run --sites 10 --rate 1gbit -- CMD...   up, run CMD in the default namespace, down on exit
#
# Names and addresses (fixed, so the certificates can name the aggregator):
#   namespace sawan-agg: bridge sawbr0 10.77.0.1/24; one bridge port sw-pI per site (egress shaped: download)
#   namespace sawan-pI (I = 1..sites): wan0 10.77.0.(10+I)/24 (egress shaped: upload), lo
# Shaping per direction: htb root, one class rate = ceil = RATE (burst max(RATE x 1 ms, 16 KiB)), bfifo leaf of
# max(RATE x 10 ms, 64 KiB) (a router buffer of about 10 ms); GSO segments capped at 16 KiB so the shaper's
# packets stay small. The default namespace, eth0 and its routes are never touched: every command runs with
# `ip -n` / `ip netns exec` inside the sawan-* namespaces.
set -euo pipefail

PREFIX=sawan
AGG_NS=$PREFIX-agg
BRIDGE=sawbr0
AGG_IP=10.77.0.1
SUBNET_BITS=24

usage() { sed -n '2,20p' "$0" >&2; exit 2; }

# Rate text (tc syntax: 1gbit, 100mbit, 500kbit) -> bits per second.
rate_bps() {
  local r=${1,,}
  case "$r" in
    *gbit) echo $(( ${r%gbit} * 1000000000 ));;
    *mbit) echo $(( ${r%mbit} * 1000000 ));;
    *kbit) echo $(( ${r%kbit} * 1000 ));;
    *bit)  echo $(( ${r%bit} ));;
    *) echo "rate '$1': use e.g. 1gbit, 100mbit or 500kbit" >&2; exit 2;;
  esac
}

namespaces() { ip netns list | awk '{print $1}' | grep -E "^$PREFIX-(agg|p[0-9]+)$" || true; }

down() {
  local ns
  for ns in $(namespaces); do
    ip netns del "$ns" 2>/dev/null || true   # deleting a namespace deletes its veth ends and bridge
  done
}

shape() { # shape NS DEV BPS
  local ns=$1 dev=$2 bps=$3
  local burst=$(( bps / 8 / 1000 )); (( burst < 16384 )) && burst=16384
  local limit=$(( bps / 8 / 100 )); (( limit < 65536 )) && limit=65536
  ip -n "$ns" link set dev "$dev" gso_max_size 16384 2>/dev/null || true
  ip netns exec "$ns" tc qdisc replace dev "$dev" root handle 1: htb default 1 r2q 1000
  ip netns exec "$ns" tc class replace dev "$dev" parent 1: classid 1:1 htb rate "${bps}bit" ceil "${bps}bit" burst "$burst" cburst "$burst"
  ip netns exec "$ns" tc qdisc replace dev "$dev" parent 1:1 handle 10: bfifo limit "$limit"
}

up() {
  local sites=$1 rate=$2 bps i ns
  bps=$(rate_bps "$rate")
  (( sites >= 1 && sites <= 200 )) || { echo "--sites $sites: use 1 to 200" >&2; exit 2; }
  down
  ip netns add "$AGG_NS"
  ip -n "$AGG_NS" link set lo up
  ip -n "$AGG_NS" link add "$BRIDGE" type bridge
  ip -n "$AGG_NS" addr add "$AGG_IP/$SUBNET_BITS" dev "$BRIDGE"
  ip -n "$AGG_NS" link set "$BRIDGE" up
  for (( i = 1; i <= sites; i++ )); do
    ns=$PREFIX-p$i
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    # Created inside the aggregator namespace, the peer end goes straight into the site's namespace.
    ip -n "$AGG_NS" link add "sw-p$i" type veth peer name wan0 netns "$ns"
    ip -n "$AGG_NS" link set "sw-p$i" master "$BRIDGE"
    ip -n "$AGG_NS" link set "sw-p$i" up
    ip -n "$ns" addr add "10.77.0.$(( 10 + i ))/$SUBNET_BITS" dev wan0
    ip -n "$ns" link set wan0 up
    shape "$ns" wan0 "$bps"            # site -> aggregator (upload)
    shape "$AGG_NS" "sw-p$i" "$bps"     # aggregator -> site (download)
  done
  echo "WAN topology up: $sites sites at $rate ($bps bit/s) each way; aggregator $AGG_NS $AGG_IP"
}

status() {
  local ns
  for ns in $(namespaces); do
    echo "== $ns"
    ip -n "$ns" -brief addr
    ip netns exec "$ns" tc -s qdisc show | grep -E 'qdisc|Sent' | sed 's/^/   /'
  done
}

cmd=${1:-}; shift || true
sites=""; rate=""
while (( $# > 0 )); do
  case "$1" in
    --sites) sites=$2; shift 2;;
    --rate) rate=$2; shift 2;;
    --) shift; break;;
    *) usage;;
  esac
done
case "$cmd" in
  up) [[ -n $sites && -n $rate ]] || usage; up "$sites" "$rate";;
  down) down;;
  status) status;;
  run)
    [[ -n $sites && -n $rate && $# -gt 0 ]] || usage
    trap down EXIT
    trap "exit 130" INT TERM
    up "$sites" "$rate"
    "$@";;
  *) usage;;
esac
