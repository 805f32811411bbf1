# Shared by bench.sh (point-to-point) and server-bench.sh (one server, many clients); sourced, not run.
# The sourcing script sets `me` (its name for messages) first, then calls bench_init.
# Keeps the PIDs it started and the namespaces it made, and cleans up only those, on exit too.

die() { echo "$me: $*" >&2; exit 1; }

# bench_init OPENVPN_ONLY TOOLS... : checks root and tools, finds the built distribution (sets culvert,
# have_culvert, java_bin), makes $work, and sets the exit trap.
bench_init() {
    local openvpn_only=$1; shift
    [ "$(id -u)" = 0 ] || die "needs root (network namespaces, tun devices)"
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || die "'$tool' not found (apt-get install iproute2 openvpn iperf3 iputils-ping jq openssl)"
    done
    [ -c /dev/net/tun ] || die "/dev/net/tun is missing"
    culvert="$root/distribution/bin/culvert"
    # The Java bin/culvert runs on: JAVA if set, else its own choice (the newest 17+, bin/culvert-java).
    java_bin=$( . "$root/distribution/bin/culvert-java" && culvert_pick_java 2>/dev/null && echo "$CULVERT_JAVA" || command -v "${JAVA:-java}" || true)
    have_culvert=0
    if [ "$openvpn_only" = 0 ] && [ -f "$root/distribution/target/culvert.launcher.jar" ] && [ -d "$root/distribution/target/bundles" ]; then
        if "$culvert" --help >/dev/null 2>&1; then
            have_culvert=1
        else
            echo "$me: $culvert --help failed; Culvert rows skipped" >&2
        fi
    elif [ "$openvpn_only" = 0 ]; then
        echo "$me: Culvert is not built (distribution/target/culvert.launcher.jar); Culvert rows skipped" >&2
    fi
    work=$(mktemp -d /tmp/culvert-bench.XXXXXX)
    hz=$(getconf CLK_TCK)
    pids=()
    namespaces=()
    trap 'cleanup; rm -rf "$work"' EXIT
    trap 'exit 130' INT TERM
}

# Stops every process this script started (TERM, then KILL after 5 s) and deletes its namespaces.
cleanup() {
    local p
    for p in "${pids[@]:-}"; do
        [ -n "$p" ] && kill -TERM "$p" 2>/dev/null || true
    done
    for p in "${pids[@]:-}"; do
        [ -n "$p" ] || continue
        for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null || true
    done
    pids=()
    local ns
    for ns in "${namespaces[@]:-}"; do
        [ -n "$ns" ] && ip netns del "$ns" 2>/dev/null || true
    done
    namespaces=()
}

# forget PID... : processes that have ended, so that cleanup never signals a PID the system gave again
forget() {
    local p keep=()
    for p in "${pids[@]:-}"; do
        [[ -z "$p" || " $* " == *" $p "* ]] || keep+=("$p")
    done
    pids=(${keep[@]+"${keep[@]}"})
}

# add_ns NAME : a namespace with lo up, deleted by cleanup
add_ns() {
    ip netns add "$1"
    namespaces+=("$1")
    ip -n "$1" link set lo up
}

# link_ns NS_A NS_B IFACE_A IFACE_B ADDR_A ADDR_B : a veth pair between two namespaces, /24 addresses
link_ns() {
    ip -n "$1" link add "$3" type veth peer name "$4" netns "$2"
    ip -n "$1" addr add "$5/24" dev "$3"
    ip -n "$2" addr add "$6/24" dev "$4"
    ip -n "$1" link set "$3" up
    ip -n "$2" link set "$4" up
}

cpu_ticks() { # utime+stime of a whole process (all threads); fields 14,15 counted after "(comm)"
    sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}

now() { date +%s.%N; }

wait_listen() { # NS PORT : an iperf3 server's TCP port (10 s deadline)
    for _ in $(seq 1 100); do
        [ -n "$(ip netns exec "$1" ss -Hltn "sport = :$2")" ] && return 0
        sleep 0.1   # poll interval of a deadline-bounded wait
    done
    return 1
}

# median_rows FILE : FILE has tab-separated rows whose first field is a label and whose second is the
# figure to rank by ("FAILED" for a failed repetition). Prints, per label in first-seen order, the
# repetition with the median figure, its second field followed by " (min-max)" when there were several.
median_rows() {
    awk -F'\t' '
    $2 == "FAILED" { failed[$1] = 1; if (!($1 in seen)) { seen[$1] = 1; names[++k] = $1 }; nf[$1] = NF; next }
    { n[$1]++; line[$1, n[$1]] = $0; v[$1, n[$1]] = $2 + 0; if (!($1 in seen)) { seen[$1] = 1; names[++k] = $1 } }
    END {
        for (i = 1; i <= k; i++) {
            l = names[i]
            if (!(l in n)) { s = l "\tFAILED"; for (j = 3; j <= nf[l]; j++) s = s "\t-"; print s; continue }
            # sort indices by the figure and take the middle one
            m = n[l]; for (a = 1; a <= m; a++) idx[a] = a
            for (a = 1; a <= m; a++) for (b = a + 1; b <= m; b++) if (v[l, idx[b]] < v[l, idx[a]]) { t = idx[a]; idx[a] = idx[b]; idx[b] = t }
            med = line[l, idx[int((m + 1) / 2)]]
            # a figure not measured ("-", as with bench.sh --ping-only) gets no range
            if (m > 1 && line[l, idx[1]] !~ /^[^\t]*\t-(\t|$)/) { c = split(med, part, "\t"); part[2] = part[2] " (" v[l, idx[1]] "-" v[l, idx[m]] ")"
                med = part[1]; for (j = 2; j <= c; j++) med = med "\t" part[j] }
            print med
        }
    }' "$1"
}

# The machine and software lines every result file starts with.
machine_lines() {
    local model flags
    model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
    flags=$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -xE 'aes|vaes|vpclmulqdq|avx2|avx512f|sha_ni' | tr '\n' ' ')
    echo "Run $(date -u '+%Y-%m-%d %H:%M UTC'): $(nproc) vCPU $model (flags: ${flags% }), kernel $(uname -r),"
    echo "$(openvpn --version | head -1 | cut -d' ' -f1-2), $(openvpn --version | sed -n 's/^library versions: \(OpenSSL [^ ]*\).*/\1/p'),"
    echo "$(iperf3 --version | head -1 | cut -d' ' -f1-2), $("${java_bin:-java}" -version 2>&1 | head -1 | tr -d '"')."
}
