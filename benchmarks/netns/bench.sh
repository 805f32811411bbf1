#!/usr/bin/env bash
# Throughput, latency and CPU cost of OpenVPN and Culvert tunnels between two network namespaces.
#
#   [JAVA=/path/to/java] benchmarks/netns/bench.sh [--duration S] [--warmup S] [--reps N] [--md FILE] [--openvpn-only]
#       [--only REGEX] [--ping-only] [--no-chart]
#
# Rows (each in fresh namespaces joined by a veth pair, 10.201.N.1/24 <-> 10.201.N.2/24, tunnel
# 10.202.N.1 <-> 10.202.N.2, side B sends to side A, as in /work/shared/perf-anchor.md):
#   raw veth (no VPN, the ceiling); then for static key AES-256-CBC+SHA256, static key none/none,
#   TLS AES-256-GCM and TLS CHACHA20-POLY1305: openvpn<->openvpn, culvert<->openvpn (culvert in A),
#   culvert<->culvert. TLS rows: A is tls-server, B tls-client, self-signed EC certificates pinned
#   with --peer-fingerprint, --dh none, --data-ciphers CIPHER (the anchor's flags), UDP.
# Each row: wait for the first ping through the tunnel (polled, "ready s"), a warm-up iperf3 run
# (--warmup, same for every row: lets the JVM compile its hot path), then
# `iperf3 -c A -t DURATION -P 1 -J` with a ping under load beside it (`ping -q -i 0.05`, for half of
# DURATION), then `ping -q -c 50 -i 0.01` (RTT min/avg/max/mdev, idle); CPU seconds of each peer from
# /proc/PID/stat (utime+stime) around the measured run give "Mbit/s per peer core" = Mbit/s / (CPU
# seconds of both peers / wall s). --ping-only skips the measured run (the warm-up still runs, then
# the idle ping); --only REGEX keeps the rows whose label matches (e.g. 'none$' or '^ovpn-ovpn-none$').
# With --reps N the row shown is the repetition with the median throughput. Ratios compare each row
# with openvpn<->openvpn of the same mode and cipher in the same run.
# Prints a table and writes it as markdown (--md, default benchmarks/netns/results-<date>.md), the rows
# as tab-separated values beside it (.tsv: median rows; -reps.tsv: every repetition), and a chart of
# them (.svg, drawn by Chart.java with the JVM the bench already needs; --no-chart skips it).
# Needs root, ip, openvpn, iperf3, ping, jq, openssl. Not run by the test suite. Stops only what it started.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
duration=10
warmup=2
reps=1
md="$here/results-$(date +%Y%m%d-%H%M%S).md"
openvpn_only=0
only=""
ping_only=0
chart=1

while [ $# -gt 0 ]; do
    case "$1" in
        --duration) duration=$2; shift 2 ;;
        --warmup) warmup=$2; shift 2 ;;
        --reps) reps=$2; shift 2 ;;
        --md) md=$2; shift 2 ;;
        --openvpn-only) openvpn_only=1; shift ;;
        --only) only=$2; shift 2 ;;
        --ping-only) ping_only=1; shift ;;
        --no-chart) chart=0; shift ;;
        -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
        *) echo "bench.sh: unknown option $1" >&2; exit 2 ;;
    esac
done

me=bench.sh
# shellcheck source=lib.sh
. "$here/lib.sh"
bench_init "$openvpn_only" ip ss openvpn iperf3 ping jq awk openssl
counter=0

openvpn --genkey secret "$work/static.key"
chmod 600 "$work/static.key"
# TLS rows: self-signed P-256 certificates, each side pinning the other's SHA-256 fingerprint.
for who in server client; do
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=bench-$who" \
        -keyout "$work/$who.key" -out "$work/$who.crt" 2>/dev/null || die "openssl could not make the $who certificate"
    chmod 600 "$work/$who.key"
done
fingerprint() { openssl x509 -in "$1" -noout -fingerprint -sha256 | cut -d= -f2; }
server_fp=$(fingerprint "$work/server.crt")
client_fp=$(fingerprint "$work/client.crt")

# Creates namespaces $A/$B with the veth pair; sets N, A, B, LA, LB, TA, TB.
make_ns() {
    counter=$((counter + 1))
    N=$counter
    A="cvb-$$-$N-a"; B="cvb-$$-$N-b"
    LA="10.201.$N.1"; LB="10.201.$N.2"; TA="10.202.$N.1"; TB="10.202.$N.2"
    add_ns "$A"; add_ns "$B"
    link_ns "$A" "$B" veth-a veth-b "$LA" "$LB"
}

# start_peer IMPL NS LOCAL REMOTE TUNSELF TUNPEER DIR CIPHER AUTH LOG MODE -> sets PEER_PID
# MODE static: --secret with key direction DIR. MODE tls: DIR 0 is the tls-server, 1 the tls-client; AUTH unused.
start_peer() {
    local impl=$1 ns=$2 local_addr=$3 remote=$4 tself=$5 tpeer=$6 dir=$7 cipher=$8 auth=$9 log=${10} mode=${11}
    local common=(--dev tun --proto udp --local "$local_addr" --remote "$remote" --port 1194
        --ifconfig "$tself" "$tpeer" --verb 3)
    if [ "$mode" = tls ] && [ "$dir" = 0 ]; then
        common+=(--tls-server --dh none --cert "$work/server.crt" --key "$work/server.key" --peer-fingerprint "$client_fp"
            --data-ciphers "$cipher")
    elif [ "$mode" = tls ]; then
        common+=(--tls-client --cert "$work/client.crt" --key "$work/client.key" --peer-fingerprint "$server_fp"
            --data-ciphers "$cipher")
    else
        common+=(--secret "$work/static.key" "$dir" --cipher "$cipher" --auth "$auth")
    fi
    if [ "$impl" = openvpn ]; then
        ip netns exec "$ns" openvpn --disable-dco "${common[@]}" >"$log" 2>&1 &
    else
        ip netns exec "$ns" "$culvert" "${common[@]}" >"$log" 2>&1 &
    fi
    PEER_PID=$!   # ip netns exec execs, and bin/culvert execs java: this is the peer's own PID
    pids+=("$PEER_PID")
}

# wait_ready NS TARGET PIDS... : polls a ping through the tunnel (30 s deadline); prints seconds
wait_ready() {
    local ns=$1 target=$2; shift 2
    local t0 p
    t0=$(date +%s.%N)
    for _ in $(seq 1 300); do
        for p in "$@"; do kill -0 "$p" 2>/dev/null || return 1; done
        if ip netns exec "$ns" ping -n -q -c 1 -W 1 "$target" >/dev/null 2>&1; then
            echo "$(date +%s.%N) $t0" | awk '{printf "%.2f", $1 - $2}'
            return 0
        fi
        sleep 0.1   # poll interval of a deadline-bounded wait
    done
    return 1
}

# ping_stats NS TARGET PING_ARGS... : "min avg max mdev" in ms from ping's rtt line ("- - - -" if none came back)
ping_stats() {
    local ns=$1 target=$2; shift 2
    ip netns exec "$ns" ping -n -q "$@" "$target" 2>/dev/null | awk -F'[/ ]+' '
        /^rtt/ { printf "%s %s %s %s\n", $7, $8, $9, $10; found = 1 }
        END { if (!found) print "- - - -" }' || true
}

# measure LABEL SERVER_NS SERVER_ADDR CLIENT_NS PEER_PID_A PEER_PID_B READY
# appends "label mbit ping_avg cpuA% cpuB% per_core ready ping_min ping_max ping_mdev load_ping_avg"
# (tab-separated; "-" where not measured) to $work/rows.tsv
measure() {
    local label=$1 sns=$2 saddr=$3 cns=$4 pa=$5 pb=$6 ready=$7
    ip netns exec "$sns" iperf3 -s -B "$saddr" >"$work/iperf-server.log" 2>&1 &
    local spid=$!
    pids+=("$spid")
    wait_listen "$sns" 5201 || die "$label: iperf3 server did not start"
    if [ "$warmup" -gt 0 ]; then
        # A ping beside the warm-up's TCP stream: a JVM peer's compiler then sees ICMP too. Warmed on
        # TCP alone, its compiled code had pruned the branches only other packets take (MssClamp's
        # non-TCP exit, small packets), and the first measured pings paid for deoptimisation,
        # interpreted runs and recompilation (seen as unstable_if traps in -XX:+LogCompilation).
        ip netns exec "$cns" ping -n -q -c $((warmup * 50)) -i 0.01 "$saddr" >/dev/null 2>&1 &
        local wpid=$!
        pids+=("$wpid")
        ip netns exec "$cns" iperf3 -c "$saddr" -t "$warmup" -P 1 >/dev/null 2>&1 || true
        wait "$wpid" || true
        forget "$wpid"
    fi
    local a0=0 b0=0 a1=0 b1=0 t0=0 t1=0 bps=- load="- - - -"
    if [ "$ping_only" = 0 ]; then
        [ -n "$pa" ] && a0=$(cpu_ticks "$pa")
        [ -n "$pb" ] && b0=$(cpu_ticks "$pb")
        # The ping under load: one echo every 50 ms during the first half of the run (a few KB; the
        # CPU it costs the peers is negligible beside iperf3's).
        ping_stats "$cns" "$saddr" -c $((duration * 10)) -i 0.05 >"$work/load-ping" &
        local ppid=$!
        pids+=("$ppid")
        t0=$(date +%s.%N)
        ip netns exec "$cns" iperf3 -c "$saddr" -t "$duration" -P 1 -J >"$work/iperf.json" 2>&1 || {
            cat "$work/iperf.json" >&2; die "$label: iperf3 failed"; }
        t1=$(date +%s.%N)
        [ -n "$pa" ] && a1=$(cpu_ticks "$pa")
        [ -n "$pb" ] && b1=$(cpu_ticks "$pb")
        wait "$ppid" || true
        forget "$ppid"
        load=$(cat "$work/load-ping")
        bps=$(jq -r '.end.sum_received.bits_per_second' "$work/iperf.json")
    fi
    kill -TERM "$spid" 2>/dev/null || true
    wait "$spid" 2>/dev/null || true
    forget "$spid"
    # Latency after the runs, so that a JVM peer is measured with its hot path compiled, as a
    # long-running tunnel is (before the warm-up it is interpreted and 3-8 times slower).
    local idle
    idle=$(ping_stats "$cns" "$saddr" -c 50 -i 0.01)
    echo "$label $bps $a0 $a1 $b0 $b1 $t0 $t1 $hz $ready ${pa:--} $idle $load" | awk -v OFS='\t' '{
        # $12..$15: idle ping min avg max mdev; $16..$19: the same under load
        mbit = ($2 == "-") ? "-" : sprintf("%.0f", $2 / 1e6); wall = $8 - $7
        ca = "-"; cb = "-"; core = "-"
        if ($11 != "-" && mbit != "-") {
            ca = ($4 - $3) / $9; cb = ($6 - $5) / $9
            core = sprintf("%.0f", mbit / ((ca + cb) / wall)); ca = sprintf("%.1f", 100 * ca / wall); cb = sprintf("%.1f", 100 * cb / wall)
        }
        print $1, mbit, $13, ca, cb, core, $10, $12, $14, $15, $17
    }' >>"$work/rows.tsv"
}

# row LABEL IMPL_A IMPL_B CIPHER AUTH [MODE]  (A = 10.202.N.1 receives, B sends; MODE static or tls)
row() {
    local label=$1 ia=$2 ib=$3 cipher=$4 auth=$5 mode=${6:-static}
    make_ns
    start_peer "$ia" "$A" "$LA" "$LB" "$TA" "$TB" 0 "$cipher" "$auth" "$work/$label-a.log" "$mode"; local pa=$PEER_PID
    start_peer "$ib" "$B" "$LB" "$LA" "$TB" "$TA" 1 "$cipher" "$auth" "$work/$label-b.log" "$mode"; local pb=$PEER_PID
    local ready
    ready=$(wait_ready "$B" "$TA" "$pa" "$pb") || {
        echo "--- $label: tunnel did not come up; peer logs:" >&2
        tail -n 30 "$work/$label-a.log" "$work/$label-b.log" >&2
        cleanup; return 1; }
    measure "$label" "$A" "$TA" "$B" "$pa" "$pb" "$ready"
    cleanup
}

raw_row() {
    make_ns
    measure "raw-veth" "$A" "$LA" "$B" "" "" "-"
    cleanup
}

# Labels are PAIR-GROUP: PAIR is ovpn-ovpn, culvert-ovpn or culvert-culvert, and GROUP (mode and
# cipher) picks the ovpn-ovpn row the ratios are taken against.
rows=(raw-veth
    "ovpn-ovpn-aes256cbc-sha256 openvpn openvpn AES-256-CBC SHA256"
    "ovpn-ovpn-none openvpn openvpn none none"
    "ovpn-ovpn-tls-aes256gcm openvpn openvpn AES-256-GCM - tls"
    "ovpn-ovpn-tls-chacha20poly1305 openvpn openvpn CHACHA20-POLY1305 - tls")
if [ "$have_culvert" = 1 ]; then
    rows+=("culvert-ovpn-aes256cbc-sha256 culvert openvpn AES-256-CBC SHA256"
        "culvert-culvert-aes256cbc-sha256 culvert culvert AES-256-CBC SHA256"
        "culvert-ovpn-none culvert openvpn none none"
        "culvert-culvert-none culvert culvert none none"
        "culvert-ovpn-tls-aes256gcm culvert openvpn AES-256-GCM - tls"
        "culvert-culvert-tls-aes256gcm culvert culvert AES-256-GCM - tls"
        "culvert-ovpn-tls-chacha20poly1305 culvert openvpn CHACHA20-POLY1305 - tls"
        "culvert-culvert-tls-chacha20poly1305 culvert culvert CHACHA20-POLY1305 - tls")
fi
if [ -n "$only" ]; then
    kept=()
    for r in "${rows[@]}"; do
        if [[ "${r%% *}" =~ $only ]]; then kept+=("$r"); fi
    done
    [ "${#kept[@]}" -gt 0 ] || die "--only '$only' matches no row"
    rows=("${kept[@]}")
fi

: >"$work/rows.tsv"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
for rep in $(seq 1 "$reps"); do
    for r in "${rows[@]}"; do
        echo "bench.sh: rep $rep/$reps: ${r%% *}" >&2
        if [ "$r" = raw-veth ]; then raw_row; else
            # shellcheck disable=SC2086
            row $r || echo -e "${r%% *}\tFAILED\t-\t-\t-\t-\t-\t-\t-\t-\t-" >>"$work/rows.tsv"
        fi
    done
done

# Median repetition per label (by Mbit/s), then ratios against openvpn<->openvpn of the same cipher.
summary=$(median_rows "$work/rows.tsv")

table=$(echo "$summary" | awk -F'\t' '
    # The group of a label: what follows its ovpn-ovpn-, culvert-ovpn- or culvert-culvert- prefix.
    function group(l) { sub(/^(ovpn-ovpn|culvert-ovpn|culvert-culvert)-/, "", l); return l }
    { row[NR] = $0; label[NR] = $1; mbit[NR] = $2; core[NR] = $6
      if ($1 ~ /^ovpn-ovpn-/ && $2 != "FAILED") { refm[group($1)] = $2; refc[group($1)] = $6 } }
    END {
        print "| row | Mbit/s (1 stream; median (min-max) with --reps) | ping ms, idle: min / avg / max / mdev | ping avg ms under load | peer CPU % A / B | Mbit/s per peer core | ready s | Mbit/s vs OpenVPN | per-core vs OpenVPN |"
        print "|---|---|---|---|---|---|---|---|---|"
        for (i = 1; i <= NR; i++) {
            split(row[i], f, "\t")
            c = group(label[i])
            rm = "-"; rc = "-"
            if (label[i] != "raw-veth" && f[2] != "FAILED" && f[2] != "-" && refm[c] > 0) rm = sprintf("%.2f", (f[2] + 0) / (refm[c] + 0))
            if (label[i] != "raw-veth" && f[6] != "-" && f[2] != "FAILED" && refc[c] > 0) rc = sprintf("%.2f", f[6] / refc[c])
            cpu = (f[4] == "-") ? "-" : f[4] " / " f[5]
            ping = (f[3] == "-") ? "-" : f[8] " / " f[3] " / " f[9] " / " f[10]
            printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", f[1], f[2], ping, f[11], cpu, f[6], f[7], rm, rc
        }
    }')

{
    machine_lines
    echo "Load average (1/5/15 min) before: $load0, after: $(cut -d' ' -f1-3 /proc/loadavg)."
    if [ "$ping_only" = 1 ]; then
        echo "Ping only (--ping-only), after a ${warmup} s iperf3 warm-up; ${reps} repetition(s)."
    else
        echo "iperf3 1 stream ${duration} s after a ${warmup} s warm-up, side B -> side A; ${reps} repetition(s), median shown."
    fi
    [ "$have_culvert" = 1 ] || echo "Culvert rows not measured (distribution not built or --openvpn-only)."
    echo
    echo "$table"
} | tee "$md"
# Beside the table: its rows (median), every repetition, and the chart.
base=${md%.md}
echo "$summary" >"$base.tsv"
cp "$work/rows.tsv" "$base-reps.tsv"
echo "bench.sh: markdown written to $md, rows to $base.tsv and $base-reps.tsv" >&2
# One [reliability] line per RTT figure, for collection from a log.
echo "$summary" | awk -F'\t' '$3 != "-" && $2 != "FAILED" {
    print "[reliability] ping RTT " $1 ": " $8 " / " $3 " / " $9 " / " $10 " ms min/avg/max/mdev (50 pings, 10 ms apart, idle)" }'
if [ "$chart" = 1 ]; then
    if [ -n "$java_bin" ] && "$java_bin" "$here/Chart.java" p2p "$base.tsv" "$base.svg" \
        "bench.sh, $(date -u '+%Y-%m-%d %H:%M UTC'), Culvert on $("$java_bin" -version 2>&1 | head -1 | tr -d '"'), ${reps} repetition(s), median shown"; then
        echo "bench.sh: chart written to $base.svg" >&2
    else
        echo "bench.sh: no chart (java ${java_bin:-not found} could not run Chart.java)" >&2
    fi
fi
