#!/usr/bin/env bash
# Culvert's server against stock OpenVPN's server, in the same run, with the same stock OpenVPN clients.
#
#   [JAVA=/path/to/java] benchmarks/netns/server-bench.sh [--duration S] [--warmup S] [--reps N]
#       [--clients N] [--md FILE] [--openvpn-only] [--keep DIR] [--server-option 'LINE']...
#
# Per server (openvpn, then culvert) and repetition: one server namespace and N client namespaces
# (--clients, default 30), client K joined to the server by its own veth pair (10.201.K.1/24 <->
# 10.201.K.2/24). The server runs OpenVPN's shipped sample server.conf (topology subnet, server
# 10.8.0.0/24, the shipped sample keys) with its two /var/log paths removed, plus `duplicate-cn` (all
# clients share the shipped client certificate) and `data-ciphers AES-256-GCM`: `openvpn --disable-dco
# --config server.conf` or Culvert's `bin/culvert --config server.conf`. Each client is stock
# `openvpn --disable-dco --config client.conf --remote 10.201.K.1 1194` on the shipped client.conf
# (its remote line removed, `data-ciphers AES-256-GCM` added).
#   1. Handshakes: the N clients start at once; "handshakes/s" = N / the time until every client's log
#      says "Initialization Sequence Completed" (its pool address is set by then), polled every 50 ms;
#      the server's CPU seconds over that time / N give "server CPU ms per handshake". Phase "cold" is
#      the server's first clients; "warm" the same N clients started again after the throughput rows
#      (the server still holds their old sessions, which time out after keepalive's 120 s).
#   2. Memory per idle client, with the N clients connected and idle against none: for Culvert the JVM's
#      heap used after a full GC (`jcmd PID GC.run`, then `GC.heap_info`), for OpenVPN the process's
#      VmRSS (it has no heap of its own to ask about).
#   3. Throughput: an iperf3 server per client in the server namespace (port 5200+K); after a --warmup
#      run of every sender, 1, 2 and 4 clients run `iperf3 -c 10.8.0.1 -t DURATION` at once, first
#      client -> server ("up"), then server -> client (`-R`, "down"). Aggregate Mbit/s is the sum of what
#      the receivers got; the server's CPU (utime+stime of its process, all threads, from /proc) over the
#      run gives "Mbit/s per server core" = Mbit/s / (server CPU s / wall s).
# With --reps N each figure is the median repetition (min-max in brackets); ratios are Culvert /
# OpenVPN in the same run. Prints a table and writes it as markdown (--md, default
# benchmarks/netns/server-results-<date>.md). Needs root, ip, openvpn, iperf3, jq, and jcmd
# beside Culvert's java. Not run by the test suite. Stops only what it started. --keep DIR copies every
# server and client log there (one file per process and repetition) before the work folder is removed.
# --server-option appends a line to both servers' server.conf (e.g. 'dh none'; repeatable).
# Beside the markdown: the throughput rows as tab-separated values (.tsv) and their chart (.svg, drawn
# by Chart.java: Mbit/s per server core and aggregate Mbit/s, OpenVPN's and Culvert's server side by side).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
duration=10
warmup=3
reps=2
nclients=30
md="$here/server-results-$(date +%Y%m%d-%H%M%S).md"
openvpn_only=0
keep=""
server_options=()
samples=/usr/share/doc/openvpn/examples

while [ $# -gt 0 ]; do
    case "$1" in
        --duration) duration=$2; shift 2 ;;
        --warmup) warmup=$2; shift 2 ;;
        --reps) reps=$2; shift 2 ;;
        --clients) nclients=$2; shift 2 ;;
        --md) md=$2; shift 2 ;;
        --openvpn-only) openvpn_only=1; shift ;;
        --keep) keep=$2; shift 2 ;;
        --server-option) server_options+=("$2"); shift 2 ;;
        -h|--help) sed -n '2,35p' "$0"; exit 0 ;;
        *) echo "server-bench.sh: unknown option $1" >&2; exit 2 ;;
    esac
done

me=server-bench.sh
# shellcheck source=lib.sh
. "$here/lib.sh"
bench_init "$openvpn_only" ip ss openvpn iperf3 jq awk
[ "$nclients" -ge 4 ] && [ "$nclients" -le 120 ] || die "--clients must be 4..120 (4 send; the warm storm needs 2N addresses of the /24 pool)"
[ -f "$samples/sample-config-files/server.conf" ] || die "OpenVPN's shipped samples are missing ($samples)"
jcmd_bin=""
if [ "$have_culvert" = 1 ]; then
    jcmd_bin="$(dirname "$(readlink -f "$java_bin")")/jcmd"
    [ -x "$jcmd_bin" ] || die "no jcmd beside $java_bin (a JDK is needed for Culvert's heap figure)"
fi

# The shipped files, adapted once: server and clients the same for both servers.
mkdir -p "$work/server" "$work/client"
for k in ca.crt server.crt server.key dh2048.pem; do cp "$samples/sample-keys/$k" "$work/server/"; done
for k in ca.crt client.crt client.key; do cp "$samples/sample-keys/$k" "$work/client/"; done
chmod 600 "$work/server/server.key" "$work/client/client.key"
grep -Ev '^(ifconfig-pool-persist|status) ' "$samples/sample-config-files/server.conf" >"$work/server/server.conf"
printf '\nduplicate-cn\ndata-ciphers AES-256-GCM\n' >>"$work/server/server.conf"
for line in "${server_options[@]:-}"; do if [ -n "$line" ]; then echo "$line" >>"$work/server/server.conf"; fi; done
grep -Ev '^remote my-server-1 ' "$samples/sample-config-files/client.conf" >"$work/client/client.conf"
printf '\ndata-ciphers AES-256-GCM\n' >>"$work/client/client.conf"
grep -q '^topology subnet' "$work/server/server.conf" || die "the shipped server.conf no longer says topology subnet"

S="cvs-$$-s"
client_ns() { echo "cvs-$$-c$1"; }

make_namespaces() {
    add_ns "$S"
    local k
    for k in $(seq 1 "$nclients"); do
        add_ns "$(client_ns "$k")"
        link_ns "$S" "$(client_ns "$k")" "c$k" eth0 "10.201.$k.1" "10.201.$k.2"
    done
}

# start_server IMPL LOG -> SERVER_PID (the server's own PID: ip netns exec and bin/culvert exec)
start_server() {
    if [ "$1" = openvpn ]; then
        (cd "$work/server" && exec ip netns exec "$S" openvpn --disable-dco --config server.conf) >"$2" 2>&1 &
    else
        (cd "$work/server" && exec ip netns exec "$S" "$culvert" --config server.conf) >"$2" 2>&1 &
    fi
    SERVER_PID=$!
    pids+=("$SERVER_PID")
    local _
    for _ in $(seq 1 300); do
        kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 30 "$2" >&2; die "$1 server exited"; }
        if grep -q 'Initialization Sequence Completed' "$2" && [ -n "$(ip netns exec "$S" ss -Hlun 'sport = :1194')" ]; then
            return 0
        fi
        sleep 0.1   # poll interval of a deadline-bounded wait
    done
    tail -n 30 "$2" >&2
    die "$1 server not serving after 30 s"
}

# memory_kb IMPL PID : Culvert: heap used after a full GC; OpenVPN: resident set
memory_kb() {
    if [ "$1" = openvpn ]; then
        awk '/^VmRSS:/ {print $2}' "/proc/$2/status"
    else
        "$jcmd_bin" "$2" GC.run >/dev/null
        "$jcmd_bin" "$2" GC.heap_info | awk '/ used / { for (i = 1; i < NF; i++) if ($i == "used") { v = $(i + 1); sub(/K,?$/, "", v); print v; exit } }'
    fi
}

# storm IMPL REP PHASE : starts every client at once and waits for all; appends a handshake row.
# PHASE cold: the server's first clients (memory measured before and after); warm: the same clients
# again after the throughput rows (the server still holds the old sessions until their keepalive ends).
storm() {
    local impl=$1 rep=$2 phase=$3 k logs=() c0 c1 t0 t1 m0=0 m1=0 up=0
    [ "$phase" = cold ] && m0=$(memory_kb "$impl" "$SERVER_PID")
    client_pids=()
    c0=$(cpu_ticks "$SERVER_PID")
    t0=$(now)
    for k in $(seq 1 "$nclients"); do
        (cd "$work/client" && exec ip netns exec "$(client_ns "$k")" openvpn --disable-dco --config client.conf \
            --remote "10.201.$k.1" 1194) >"$work/$impl-$rep-$phase-client$k.log" 2>&1 &
        pids+=("$!")
        client_pids+=("$!")
        logs+=("$work/$impl-$rep-$phase-client$k.log")
    done
    # deadline: 2 s per client and at least 60 s
    local deadline
    deadline=$(echo "$t0 $nclients" | awk '{d = 2 * $2; if (d < 60) d = 60; printf "%.3f", $1 + d}')
    while :; do
        up=$( (grep -l 'Initialization Sequence Completed' "${logs[@]}" 2>/dev/null || true) | wc -l)
        [ "$up" -ge "$nclients" ] && break
        if awk -v a="$(now)" -v b="$deadline" 'BEGIN { exit !(a > b) }'; then
            echo "$me: $impl: only $up of $nclients clients up before the deadline ($phase)" >&2
            echo -e "handshakes-$impl-$phase\tFAILED\t-\t-\t-" >>"$work/storm.tsv"
            return 1
        fi
        sleep 0.05   # poll interval of a deadline-bounded wait
    done
    t1=$(now)
    c1=$(cpu_ticks "$SERVER_PID")
    local addrs
    addrs=$(for k in $(seq 1 "$nclients"); do ip -n "$(client_ns "$k")" -4 -o addr show dev tun0 | awk '{print $4}'; done | sort -u | wc -l)
    [ "$addrs" = "$nclients" ] || die "$impl: $addrs different tun0 addresses for $nclients clients"
    if [ "$phase" = cold ]; then
        # Let the last clients' post-handshake traffic settle before the idle figure.
        sleep 2   # not a synchronisation: an idle period, by definition of "idle"
        m1=$(memory_kb "$impl" "$SERVER_PID")
    fi
    echo "$t0 $t1 $c0 $c1 $hz $nclients $m0 $m1" | awk -v l="handshakes-$impl-$phase" '{
        wall = $2 - $1; cpu = ($4 - $3) / $5
        mem = (l ~ /-cold$/) ? sprintf("%.0f", ($8 - $7) / $6) : "-"
        printf "%s\t%.1f\t%.2f\t%.1f\t%s\n", l, $6 / wall, wall, 1000 * cpu / $6, mem
    }' >>"$work/storm.tsv"
}

# stop_clients : the storm's client processes, TERM then KILL after 5 s
stop_clients() {
    local p
    for p in "${client_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${client_pids[@]}"; do
        for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    forget "${client_pids[@]}"
}

# throughput IMPL SENDERS DIR : DIR up (clients send) or down (-R, the server sends)
throughput() {
    local impl=$1 n=$2 dir=$3 k c0 c1 t0 t1 flag=() cpids=()
    [ "$dir" = down ] && flag=(-R)
    c0=$(cpu_ticks "$SERVER_PID")
    t0=$(now)
    for k in $(seq 1 "$n"); do
        ip netns exec "$(client_ns "$k")" iperf3 -c 10.8.0.1 -p $((5200 + k)) -t "$duration" "${flag[@]}" -J \
            >"$work/iperf-$k.json" 2>&1 &
        cpids+=("$!")
        pids+=("$!")
    done
    local failed=0
    for k in "${cpids[@]}"; do wait "$k" || failed=1; done
    forget "${cpids[@]}"
    t1=$(now)
    c1=$(cpu_ticks "$SERVER_PID")
    if [ "$failed" = 1 ]; then
        echo "$me: $impl $n $dir: an iperf3 client failed" >&2
        echo -e "$impl-$n-$dir\tFAILED\t-\t-" >>"$work/rows.tsv"
        return 0
    fi
    local bps
    bps=$(for k in $(seq 1 "$n"); do jq -r '.end.sum_received.bits_per_second' "$work/iperf-$k.json"; done | awk '{s += $1} END {print s}')
    echo "$bps $t0 $t1 $c0 $c1 $hz" | awk -v l="$impl-$n-$dir" '{
        mbit = $1 / 1e6; wall = $3 - $2; cpu = ($5 - $4) / $6
        printf "%s\t%.0f\t%.1f\t%.0f\n", l, mbit, 100 * cpu / wall, mbit / (cpu / wall)
    }' >>"$work/rows.tsv"
}

# run IMPL REP : one server, the storm, then the throughput rows
run() {
    local impl=$1 rep=$2 k
    make_namespaces
    start_server "$impl" "$work/$impl-$rep-server.log"
    if ! storm "$impl" "$rep" cold; then
        for n in 1 2 4; do for d in up down; do echo -e "$impl-$n-$d\tFAILED\t-\t-" >>"$work/rows.tsv"; done; done
        cleanup; return 0
    fi
    for k in 1 2 3 4; do
        ip netns exec "$S" iperf3 -s -p $((5200 + k)) >"$work/iperf-server-$k.log" 2>&1 &
        pids+=("$!")
    done
    for k in 1 2 3 4; do wait_listen "$S" $((5200 + k)) || die "iperf3 server $k did not start"; done
    if [ "$warmup" -gt 0 ]; then   # same for both servers: lets the JVM compile its hot path
        local wp=()
        for k in 1 2 3 4; do
            ip netns exec "$(client_ns "$k")" iperf3 -c 10.8.0.1 -p $((5200 + k)) -t "$warmup" >/dev/null 2>&1 &
            wp+=("$!")
            pids+=("$!")
        done
        for k in "${wp[@]}"; do wait "$k" || true; done
        forget "${wp[@]}"
    fi
    for d in up down; do
        for n in 1 2 4; do
            echo "$me: rep $rep/$reps: $impl, $n client(s) $d" >&2
            throughput "$impl" "$n" "$d"
        done
    done
    kill -0 "$SERVER_PID" 2>/dev/null || die "$impl server died during the run (log: $work/$impl-$rep-server.log)"
    echo "$me: rep $rep/$reps: $impl server, the $nclients clients again (warm)" >&2
    stop_clients
    storm "$impl" "$rep" warm || true
    cleanup
}

: >"$work/rows.tsv"
: >"$work/storm.tsv"
impls=(openvpn)
[ "$have_culvert" = 1 ] && impls+=(culvert)
load0=$(cut -d' ' -f1-3 /proc/loadavg)
for rep in $(seq 1 "$reps"); do
    for impl in "${impls[@]}"; do
        echo "$me: rep $rep/$reps: $impl server, $nclients clients connecting" >&2
        run "$impl" "$rep"
    done
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

rows=$(median_rows "$work/rows.tsv")
storms=$(median_rows "$work/storm.tsv")

table=$(echo "$rows" | awk -F'\t' '
    { split($1, p, "-"); key = p[2] "-" p[3]; impl[NR] = p[1]; k[NR] = key; r[NR] = $0
      if (p[1] == "openvpn" && $2 != "FAILED") { refm[key] = $2 + 0; refc[key] = $4 + 0 } }
    END {
        print "| server | clients sending | direction | Mbit/s, sum (median (min-max) with --reps) | server CPU % | Mbit/s per server core | Mbit/s vs OpenVPN | per-core vs OpenVPN |"
        print "|---|---|---|---|---|---|---|---|"
        for (i = 1; i <= NR; i++) {
            split(r[i], f, "\t"); split(k[i], q, "-")
            rm = "-"; rc = "-"
            if (f[2] != "FAILED" && refm[k[i]] > 0) rm = sprintf("%.2f", (f[2] + 0) / refm[k[i]])
            if (f[2] != "FAILED" && refc[k[i]] > 0) rc = sprintf("%.2f", f[4] / refc[k[i]])
            name = (impl[i] == "openvpn") ? "OpenVPN" : "Culvert"
            printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", name, q[1], (q[2] == "up") ? "client -> server" : "server -> client", f[2], f[3], f[4], rm, rc
        }
    }')

storm_table=$(echo "$storms" | awk -F'\t' -v n="$nclients" '
    { split($1, p, "-"); impl[NR] = p[2]; ph[NR] = p[3]; r[NR] = $0; if (p[2] == "openvpn" && $2 != "FAILED") ref[p[3]] = $2 + 0 }
    END {
        print "| server | phase | handshakes/s, " n " clients at once (median (min-max)) | s until all up | server CPU ms per handshake | memory per idle client, KB | handshakes/s vs OpenVPN |"
        print "|---|---|---|---|---|---|---|"
        for (i = 1; i <= NR; i++) {
            split(r[i], f, "\t")
            name = (impl[i] == "openvpn") ? "OpenVPN" : "Culvert"
            mem = f[5]; if (mem != "-") mem = mem ((impl[i] == "openvpn") ? " (RSS)" : " (heap after GC)")
            rm = (f[2] != "FAILED" && ref[ph[i]] > 0) ? sprintf("%.2f", (f[2] + 0) / ref[ph[i]]) : "-"
            printf "| %s | %s | %s | %s | %s | %s | %s |\n", name, ph[i], f[2], f[3], f[4], mem, rm
        }
    }')

{
    machine_lines
    echo "Load average (1/5/15 min) before: $load0, after: $load1."
    echo "UDP, AES-256-GCM; $nclients stock clients; iperf3 1 stream per client, ${duration} s after a ${warmup} s warm-up;"
    echo "${reps} repetition(s), median shown."
    [ "${#server_options[@]}" = 0 ] || echo "Added to the shipped server.conf: $(printf "'%s' " "${server_options[@]}")"
    [ "$have_culvert" = 1 ] || echo "Culvert rows not measured (distribution not built or --openvpn-only)."
    echo
    echo "$table"
    echo
    echo "$storm_table"
} | tee "$md"

# One [reliability] line per figure, for collection from a log.
echo "$rows" | awk -F'\t' '$1 ~ /^culvert-/ && $2 != "FAILED" {
    split($1, p, "-"); print "[reliability] culvert server " p[3] ", " p[2] " client(s): " $2 " Mbit/s, " $4 " Mbit/s per server core" }'
echo "$storms" | awk -F'\t' -v n="$nclients" '$2 != "FAILED" {
    split($1, p, "-"); print "[reliability] " p[2] " server handshakes/s (" p[3] "), " n " stock clients at once: " $2 }'
if [ -n "$keep" ]; then
    mkdir -p "$keep" && cp "$work"/*.log "$keep"/ && echo "$me: logs kept in $keep" >&2
fi
# Beside the table: its throughput rows (median) and their chart (Chart.java, on the JVM the bench already uses).
base=${md%.md}
echo "$rows" >"$base.tsv"
echo "$me: markdown written to $md, rows to $base.tsv" >&2
if [ -n "$java_bin" ] && "$java_bin" "$here/Chart.java" server "$base.tsv" "$base.svg" \
        "server-bench.sh, $(date -u '+%Y-%m-%d %H:%M UTC'), $nclients clients, ${reps} repetition(s), median shown"; then
    echo "$me: chart written to $base.svg" >&2
else
    echo "$me: no chart (java ${java_bin:-not found} could not run Chart.java)" >&2
fi
