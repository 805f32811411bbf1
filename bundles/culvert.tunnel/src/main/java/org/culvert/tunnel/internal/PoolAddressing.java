package org.culvert.tunnel.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.culvert.api.tunnel.ServerClient;
import org.culvert.openvpn.config.ClientConfigOptions;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.culvert.openvpn.config.ServerSettings;
import org.culvert.openvpn.server.ClientConfigDir;
import org.culvert.openvpn.server.IfconfigPool;
import org.culvert.openvpn.server.PoolPersist;
import org.culvert.openvpn.server.VirtualAddress;

/**
 * {@link ClientAddressing} over the configuration's pool ({@code IfconfigPool}), the ccd folder and
 * {@code ifconfig-pool-persist}: OpenVPN's {@code multi_select_virtual_addr} with the file read at start,
 * written every {@code sec} seconds (0: read only) and at stop. Thread-safe (the pool is).
 */
final class PoolAddressing implements ClientAddressing {
    /** What one client gets: its addresses (for the PUSH_REPLY), its ccd options and the lease for the loop. */
    record Selected(VirtualAddress address, ClientConfigOptions ccd, Lease lease) {
    }

    private final OpenVpnOptions options;
    private final ServerSettings settings;
    private final IfconfigPool pool;
    private final ClientConfigDir ccd;
    private final TunnelLog log;
    private ScheduledExecutorService persistTimer;
    private boolean closed;

    PoolAddressing(OpenVpnOptions options, LoopClock clock, TunnelLog log) {
        this.options = options;
        this.settings = options.server().orElseThrow(() -> new IllegalArgumentException("not a server configuration"));
        this.pool = IfconfigPool.of(settings, OpenVpnClocks.of(clock)).orElse(null);
        this.ccd = ClientConfigDir.of(options).orElse(null);
        this.log = log;
    }

    /** At the server's start: the pool's notes, the persist file read, its periodic writing started. */
    @Override
    public synchronized void start() {
        if (pool == null) {
            return;
        }
        pool.notes().forEach(log::info);
        Optional<ServerSettings.PoolPersistence> persist = settings.poolPersist();
        if (persist.isEmpty()) {
            return;
        }
        ServerSettings.PoolPersistence p = persist.get();
        try {
            PoolPersist.read(p.file(), pool, p.readOnly()).forEach(log::warn);
        } catch (IOException e) {
            log.warn("--ifconfig-pool-persist: cannot read " + p.file() + ": " + e.getMessage());
        }
        if (!p.readOnly() && persistTimer == null) {
            persistTimer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "culvert-pool-persist");
                t.setDaemon(true);
                return t;
            });
            persistTimer.scheduleWithFixedDelay(this::persist, p.seconds(), p.seconds(), TimeUnit.SECONDS);
        }
    }

    private void persist() {
        ServerSettings.PoolPersistence p = settings.poolPersist().orElse(null);
        if (pool == null || p == null || p.readOnly()) {
            return;
        }
        try {
            PoolPersist.write(p.file(), pool);
        } catch (IOException | RuntimeException e) {
            log.warn("--ifconfig-pool-persist: cannot write " + p.file() + ": " + e.getMessage());
        }
    }

    /**
     * The client's ccd options and addresses ({@code multi_select_virtual_addr}).
     *
     * @return null when the client is refused ({@code ccd-exclusive} without its file, {@code disable},
     *     or an unreadable file), after logging why
     */
    Selected select(String commonName) {
        ClientConfigOptions cc = clientConfig(commonName);
        return cc == null ? null : selectWith(commonName, cc);
    }

    /** The client's ccd options (empty without a folder or file), or null when it is refused. */
    ClientConfigOptions clientConfig(String commonName) {
        if (ccd == null || commonName == null) {
            return ClientConfigOptions.empty();
        }
        try {
            ClientConfigDir.Result r = ccd.read(commonName);
            if (r.status() == ClientConfigDir.Status.REFUSED) {
                log.warn(r.message().orElse("MULTI: client " + commonName + " refused by --ccd-exclusive"));
                return null;
            }
            return r.options();
        } catch (IOException | RuntimeException e) {
            log.warn("MULTI: cannot read the client-config-dir file of " + commonName + ": " + e.getMessage());
            return null;
        }
    }

    /** As {@link #select} with the ccd options already read (and a client-connect script's file applied over them). */
    Selected selectWith(String commonName, ClientConfigOptions cc) {
        if (cc.disable()) {
            log.warn("MULTI: client has been rejected due to 'disable' directive");
            return null;
        }
        VirtualAddress va = VirtualAddress.select(options, pool, cc, commonName == null ? ServerClient.UNDEF : commonName);
        va.log().forEach(log::warn);
        List<String> iroutes = new ArrayList<>();
        cc.iroutes().forEach(r -> iroutes.add(r.network().getHostAddress() + "/" + r.prefixLength()));
        cc.iroutesIpv6().forEach(r -> iroutes.add(r.network().getHostAddress() + "/" + r.prefixLength()));
        Lease lease = new Lease(va.ipv4().map(InetAddress::getHostAddress).orElse(null),
                va.ipv6().map(InetAddress::getHostAddress).orElse(null), iroutes, va.handle());
        return new Selected(va, cc, lease);
    }

    /** For a loop whose engines chose no address before the keys (tests): the pool's choice alone. */
    @Override
    public Lease acquire(String commonName) {
        Selected s = select(commonName);
        return s == null ? null : s.lease();
    }

    @Override
    public void release(Lease lease) {
        if (pool != null && lease.handle() instanceof Integer && (Integer) lease.handle() >= 0) {
            pool.release((Integer) lease.handle(), false);
        }
    }

    /** At stop: the persist file written a last time. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (persistTimer != null) {
            persistTimer.shutdownNow();
        }
        persist();
    }
}
