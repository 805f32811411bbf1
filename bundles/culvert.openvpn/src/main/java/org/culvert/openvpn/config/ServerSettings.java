package org.culvert.openvpn.config;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The server side of a configuration ({@code --mode server}, usually through {@code --server}):
 * OpenVPN 2.6's "Server Options" after {@code helper_client_server} and {@code helper_keepalive}
 * expanded them. The server's own tun addresses and routes are in {@link OpenVpnOptions#ifconfig()},
 * {@link OpenVpnOptions#ifconfigIpv6()} and {@link OpenVpnOptions#routes()}, its own ping and
 * ping-restart (twice the keepalive timeout) in {@link OpenVpnOptions#ping()} and
 * {@link OpenVpnOptions#pingRestart()}. Immutable, except that {@link #authGenTokenSecret()} is a
 * secret: never printed by {@link #toString()}, and wiped ({@link FileContent#wipe()}) by the owner of
 * the options when it drops them, as the TLS keys are.
 *
 * @param pool {@code --ifconfig-pool} (from {@code --server} unless {@code nopool})
 * @param poolIpv6 {@code --ifconfig-ipv6-pool} (from {@code --server-ipv6})
 * @param poolPersist {@code --ifconfig-pool-persist}
 * @param push the server's push list in OpenVPN's order: the {@code push} texts of the configuration,
 *     then the helper lines ({@code tun-ipv6}, {@code route}, {@code route-gateway}, {@code topology},
 *     {@code ping}, {@code ping-restart})
 * @param clientConfigDir {@code --client-config-dir}
 * @param ccdExclusive {@code --ccd-exclusive}: a client without a ccd file is refused
 * @param clientToClient {@code --client-to-client}
 * @param duplicateCn {@code --duplicate-cn}
 * @param maxClients {@code --max-clients} (default 1024), counting handshaking clients
 * @param connectFreq {@code --connect-freq} (UDP only); {@code 0 0} = off, the default
 * @param connectFreqInitial {@code --connect-freq-initial}, default 100 per 10 s
 * @param maxRoutesPerClient {@code --max-routes-per-client}, default 256
 * @param tcpQueueLimit {@code --tcp-queue-limit}, default 64
 * @param staleRoutesAgeing {@code --stale-routes-check} ageing time in seconds; 0 = off
 * @param staleRoutesInterval its check interval in seconds
 * @param usernameAsCommonName {@code --username-as-common-name}
 * @param verifyClientCert {@code --verify-client-cert}, default REQUIRE
 * @param authUserPassVerify {@code --auth-user-pass-verify cmd via-file|via-env}
 * @param clientConnect {@code --client-connect}
 * @param clientDisconnect {@code --client-disconnect}
 * @param authGenToken {@code --auth-gen-token}
 * @param authGenTokenSecret {@code --auth-gen-token-secret} (file or inline)
 * @param tlsCryptV2Verify {@code --tls-crypt-v2-verify}
 * @param keepalive the {@code --keepalive} ping and timeout as given (the server pushes them)
 * @param network {@code --server NET MASK}: the tunnel network; with tap or topology subnet also the
 *     constraint an {@code ifconfig-push} address should meet ({@code push_ifconfig_constraint})
 */
public record ServerSettings(Optional<Ipv4Pool> pool, Optional<Ipv6Pool> poolIpv6, Optional<PoolPersistence> poolPersist,
        List<String> push, Optional<Path> clientConfigDir, boolean ccdExclusive, boolean clientToClient,
        boolean duplicateCn, int maxClients, ConnectFreq connectFreq, ConnectFreq connectFreqInitial,
        int maxRoutesPerClient, int tcpQueueLimit, int staleRoutesAgeing, int staleRoutesInterval,
        boolean usernameAsCommonName, VerifyClientCert verifyClientCert,
        Optional<AuthUserPassVerify> authUserPassVerify, Optional<Script> clientConnect,
        Optional<Script> clientDisconnect, Optional<AuthGenToken> authGenToken,
        Optional<FileContent> authGenTokenSecret, Optional<Script> tlsCryptV2Verify, Optional<Keepalive> keepalive,
        Optional<Network> network) {

    /** OpenVPN's {@code --max-clients} default. */
    public static final int DEFAULT_MAX_CLIENTS = 1024;
    /** OpenVPN's {@code MAX_PEER_ID}: max-clients must stay below it. */
    public static final int MAX_PEER_ID = 0xFFFFFF;
    /** OpenVPN's {@code --max-routes-per-client} default. */
    public static final int DEFAULT_MAX_ROUTES_PER_CLIENT = 256;
    /** OpenVPN's {@code --tcp-queue-limit} default. */
    public static final int DEFAULT_TCP_QUEUE_LIMIT = 64;
    /** OpenVPN's {@code IFCONFIG_POOL_MAX}: a pool holds at most this many entries. */
    public static final int IFCONFIG_POOL_MAX = 65536;

    public ServerSettings {
        push = List.copyOf(push);
        Objects.requireNonNull(verifyClientCert, "verifyClientCert");
    }

    /** How the IPv4 pool hands out addresses ({@code pool.h enum pool_type}). */
    public enum PoolType {
        /** {@code IFCONFIG_POOL_30NET}: one /30 per client (tun, topology net30). */
        NET30,
        /** {@code IFCONFIG_POOL_INDIV}: one address per client (topology subnet, p2p, tap). */
        INDIVIDUAL
    }

    /**
     * {@code --ifconfig-pool start end [netmask]}.
     *
     * @param netmask the netmask pushed with each address (topology subnet and tap)
     */
    public record Ipv4Pool(Inet4Address start, Inet4Address end, Optional<Inet4Address> netmask, PoolType type) {
        public Ipv4Pool {
            Objects.requireNonNull(start, "start");
            Objects.requireNonNull(end, "end");
            Objects.requireNonNull(type, "type");
        }
    }

    /** {@code --ifconfig-ipv6-pool base/bits}. */
    public record Ipv6Pool(Inet6Address base, int prefixLength) {
        public Ipv6Pool {
            Objects.requireNonNull(base, "base");
        }
    }

    /** {@code --ifconfig-pool-persist file [seconds]}; 0 seconds = read only, its entries reserved. */
    public record PoolPersistence(Path file, int seconds) {
        /** OpenVPN's default refresh interval. */
        public static final int DEFAULT_SECONDS = 600;

        public PoolPersistence {
            Objects.requireNonNull(file, "file");
        }

        /** OpenVPN's {@code fixed}: with 0 seconds the file is only read, and its entries are reserved. */
        public boolean readOnly() {
            return seconds == 0;
        }
    }

    /** {@code --connect-freq n sec}: at most n new clients per sec seconds; 0 0 is off. */
    public record ConnectFreq(int max, int seconds) {
        public static final ConnectFreq OFF = new ConnectFreq(0, 0);
        /** OpenVPN's {@code --connect-freq-initial} default. */
        public static final ConnectFreq INITIAL_DEFAULT = new ConnectFreq(100, 10);

        public boolean enabled() {
            return max > 0 || seconds > 0;
        }
    }

    /** {@code --verify-client-cert}. */
    public enum VerifyClientCert {
        NONE, OPTIONAL, REQUIRE
    }

    /** {@code --auth-user-pass-verify cmd via-file|via-env}. */
    public record AuthUserPassVerify(Script script, boolean viaFile) {
        public AuthUserPassVerify {
            Objects.requireNonNull(script, "script");
        }
    }

    /**
     * {@code --auth-gen-token [lifetime] [renewal] [external-auth]}.
     *
     * @param lifetime seconds a token is valid; 0 = until the session ends
     * @param renewal seconds between renewals; 0 = the renegotiation interval
     */
    public record AuthGenToken(int lifetime, int renewal, boolean externalAuth) {
    }

    /** An IPv4 network and its netmask. */
    public record Network(Inet4Address network, Inet4Address netmask) {
        public Network {
            Objects.requireNonNull(network, "network");
            Objects.requireNonNull(netmask, "netmask");
        }

        /** True when {@code a} is inside this network. */
        public boolean contains(Inet4Address a) {
            long mask = AddressMath.u32(netmask);
            return (AddressMath.u32(a) & mask) == (AddressMath.u32(network) & mask);
        }
    }

    /** {@code --keepalive ping timeout} as given: the server pushes both, and restarts after twice the timeout. */
    public record Keepalive(int ping, int timeout) {
    }

    @Override
    public String toString() {
        return "ServerSettings[pool=" + pool + ", poolIpv6=" + poolIpv6 + ", push=" + push + ", clientConfigDir="
                + clientConfigDir + ", clientToClient=" + clientToClient + ", duplicateCn=" + duplicateCn
                + ", maxClients=" + maxClients + ", verifyClientCert=" + verifyClientCert + ", authGenTokenSecret="
                + (authGenTokenSecret.isPresent() ? "[set]" : "[none]") + "]";
    }
}
