#!/usr/bin/env bash
# Time from starting a static-key peer to the first packet through its tunnel.
#
#   [JAVA=/path/to/java] benchmarks/netns/start-time.sh [--reps N] [--impl culvert|openvpn] [--extra "CULVERT_JAVA_OPTS"]
#
# Two namespaces joined by a veth pair (10.201.1.1/24 <-> 10.201.1.2/24, tunnel 10.202.1.1 <-> 10.202.1.2).
# Each repetition starts stock OpenVPN in B (static key, AES-256-CBC + SHA256), waits until its UDP port
# is bound, then starts the peer under test in A (`distribution/bin/culvert --dev tun --secret ...`, the
# options of bench.sh, or openvpn for the reference) while B pings A's tunnel address every 10 ms
# (`ping -D -i 0.01`). "first packet s" = the timestamp of the first echo reply - the time just before
# the peer's command was started; "peer CPU" = the CPU seconds the peer had used by then (user + system). Both peers are stopped after each repetition. Prints every
# repetition and the median. Needs root, ip, openvpn, ping, ss. Not run by the test suite.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
reps=5
impl=culvert
while [ $# -gt 0 ]; do
    case "$1" in
        --reps) reps=$2; shift 2 ;;
        --impl) impl=$2; shift 2 ;;
        --extra) export CULVERT_JAVA_OPTS="$2"; shift 2 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "start-time.sh: unknown option $1" >&2; exit 2 ;;
    esac
done

me=start-time.sh
# shellcheck source=lib.sh
. "$here/lib.sh"
bench_init "$([ "$impl" = openvpn ] && echo 1 || echo 0)" ip ss openvpn ping awk
[ "$impl" = openvpn ] || [ "$have_culvert" = 1 ] || die "Culvert is not built"
openvpn --genkey secret "$work/static.key"
chmod 600 "$work/static.key"
counter=0

peer_opts() { # LOCAL REMOTE TUNSELF TUNPEER DIR
    echo "--dev tun --proto udp --local $1 --remote $2 --port 1194 --ifconfig $3 $4 --verb 3 --secret $work/static.key $5 --cipher AES-256-CBC --auth SHA256"
}

results=()
for rep in $(seq 1 "$reps"); do
    A="cvs-$$-$rep-a"; B="cvs-$$-$rep-b"
    add_ns "$A"; add_ns "$B"
    link_ns "$A" "$B" veth-a veth-b 10.201.1.1 10.201.1.2
    # shellcheck disable=SC2046
    ip netns exec "$B" openvpn --disable-dco $(peer_opts 10.201.1.2 10.201.1.1 10.202.1.2 10.202.1.1 1) >"$work/b-$rep.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 100); do
        [ -n "$(ip netns exec "$B" ss -Hlun "sport = :1194")" ] && ip -n "$B" addr show tun0 2>/dev/null | grep -q 10.202.1.2 && break
        sleep 0.05   # poll interval of a deadline-bounded wait
    done
    ip netns exec "$B" ping -n -D -i 0.01 -W 0.01 -w 30 10.202.1.1 >"$work/ping-$rep.log" 2>&1 &
    ping_pid=$!
    pids+=("$ping_pid")
    sleep 0.2   # the pinger runs before the peer starts (its first probes go unanswered, as they should)
    t0=$(now)
    if [ "$impl" = openvpn ]; then
        # shellcheck disable=SC2046
        ip netns exec "$A" openvpn --disable-dco $(peer_opts 10.201.1.1 10.201.1.2 10.202.1.1 10.202.1.2 0) >"$work/a-$rep.log" 2>&1 &
    else
        # shellcheck disable=SC2046
        ip netns exec "$A" "$root/distribution/bin/culvert" $(peer_opts 10.201.1.1 10.201.1.2 10.202.1.1 10.202.1.2 0) >"$work/a-$rep.log" 2>&1 &
    fi
    peer=$!
    pids+=("$peer")
    first=""
    for _ in $(seq 1 600); do
        first=$(awk -F'[][]' '/bytes from/ {print $2; exit}' "$work/ping-$rep.log")
        [ -n "$first" ] && break
        sleep 0.05   # poll interval of a deadline-bounded wait; the figure is ping's own timestamp
    done
    if [ -z "$first" ]; then
        echo "--- rep $rep: no reply within 30 s; peer log:" >&2
        tail -n 20 "$work/a-$rep.log" >&2
        results+=("FAILED")
    else
        s=$(echo "$first $t0" | awk '{printf "%.3f", $1 - $2}')
        # CPU the peer had used by then (read up to 50 ms after the reply): less bent by a busy machine than the wall time.
        cpu=$(echo "$(cpu_ticks "$peer" 2>/dev/null || echo 0) $hz" | awk '{printf "%.2f", $1 / $2}')
        results+=("$s")
        echo "rep $rep: first packet after $s s, peer CPU $cpu s ($(head -n 1 "$work/a-$rep.log"))"
    fi
    cleanup
done
echo "load: $(uptime | sed 's/.*load average: //')"
printf '%s\n' "${results[@]}" | grep -v FAILED | sort -n | awk '{v[NR] = $1} END {
    if (NR == 0) { print "median: none"; exit 1 }
    printf "median of %d: %s s (min %s, max %s)\n", NR, v[int((NR + 1) / 2)], v[1], v[NR] }'
