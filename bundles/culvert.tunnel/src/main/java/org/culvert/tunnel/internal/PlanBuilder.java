package org.culvert.tunnel.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

import org.culvert.api.tunnel.TunnelOperations;

import org.culvert.api.link.AddressFamily;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunSpec;
import org.culvert.api.tunnel.TunnelManager;
import org.culvert.openvpn.config.ConfigException;
import org.culvert.openvpn.config.ConfigParser;
import org.culvert.openvpn.config.ConnectionEntry;
import org.culvert.openvpn.config.DevType;
import org.culvert.openvpn.config.FileContent;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.culvert.openvpn.config.Proto;
import org.culvert.openvpn.config.PushedOptions;
import org.culvert.openvpn.config.Route;
import org.culvert.openvpn.config.RouteIpv6;
import org.culvert.openvpn.config.TlsOptions;
import org.culvert.openvpn.crypto.StaticKeyDataChannel;
import org.culvert.openvpn.tls.TlsConfigException;
import org.culvert.openvpn.tls.TlsSettings;
import org.culvert.openvpn.tls.TlsSettingsFactory;

/**
 * Turns a tunnel configuration (OpenVPN text plus Culvert's properties) into a {@link TunnelPlan}.
 * The same parser serves {@code tunnel:start}, the headless launcher and ConfigAdmin files, so one
 * file brings up the same tunnel everywhere.
 */
final class PlanBuilder {
    /** Room for a tap frame's Ethernet header and VLAN tag beyond the tun MTU. */
    private static final int FRAME_SLACK = 32;
    /** Extra slot room so an oversized datagram is seen as oversized rather than cut to fit. */
    private static final int RECEIVE_SLACK = 64;

    private PlanBuilder() {
    }

    /** One line naming the option and where it is. */
    static final class PlanException extends Exception {
        private static final long serialVersionUID = 1L;

        PlanException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    static TunnelPlan fromConfiguration(String name, Map<String, ?> properties) throws PlanException {
        Object text = properties.get(TunnelManager.PROP_CONFIG);
        Object file = properties.get(TunnelManager.PROP_CONFIG_FILE);
        Object source = properties.get("configSource");
        String configText;
        Path sourcePath;
        if (text != null && !text.toString().isEmpty()) {
            configText = text.toString();
            sourcePath = source == null ? null : Path.of(source.toString());
        } else if (file != null && !file.toString().isEmpty()) {
            sourcePath = Path.of(file.toString()).toAbsolutePath();
            try {
                configText = Files.readString(sourcePath, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new PlanException("cannot read configuration file " + sourcePath + ": " + e.getMessage(), e);
            }
        } else {
            throw new PlanException("tunnel '" + name + "' has neither 'config' nor 'configFile'", null);
        }
        Path baseDir = null;
        String displayName = name;
        if (sourcePath != null) {
            if (Files.isDirectory(sourcePath)) {
                baseDir = sourcePath;
                displayName = "command line";
            } else {
                baseDir = sourcePath.toAbsolutePath().getParent();
                displayName = sourcePath.getFileName().toString();
            }
        }
        OpenVpnOptions options;
        try {
            options = ConfigParser.parse(configText, displayName, baseDir);
        } catch (ConfigException e) {
            throw new PlanException(e.getMessage(), e);
        }
        return build(options, sourcePath);
    }

    static TunnelPlan build(OpenVpnOptions o, Path source) throws PlanException {
        if (o.server().isPresent()) {
            return serverPlan(o, source); // never run as a point-to-point tunnel
        }
        TunSpec.Builder tun = tunSpec(o, source, null);
        if (o.scriptSecurity() < 2 && (o.up().isPresent() || o.down().isPresent())) {
            throw new PlanException(o.sourceName() + ": --up/--down need '--script-security 2' (as in OpenVPN); refusing to ignore them", null);
        }

        // Once: the parsed proxy password is wiped when copied into the spec, which every attempt's link shares.
        org.culvert.api.link.ProxySpec proxy = o.proxy().map(ProxySpecs::of).orElse(null);
        LinkSpec linkSpec = linkSpec(o, null, false, proxy);
        LinkProtocol protocol = linkSpec.protocol();
        int maxPayload = o.tunMtu() + FRAME_SLACK;
        String summary;
        String role;
        TunnelPlan.SessionFactory sessions;
        Function<ConnectionEntry, TunnelPlan.SessionFactory> sessionsFor;
        if (o.tls().isPresent()) {
            // Validated now, so a certificate or option the engine cannot honour is a config error up front.
            // One engine setting per kind of connection profile (the OCC string, the overhead and the exit
            // notification depend on it), made now while the key text is still there.
            Map<SessionVariant, TlsSettings> byVariant = new HashMap<>();
            for (ConnectionEntry e : o.connections()) {
                if (!byVariant.containsKey(SessionVariant.of(e))) {
                    try {
                        byVariant.put(SessionVariant.of(e), TlsSettingsFactory.fromOptions(o.forConnection(e)));
                    } catch (TlsConfigException ex) {
                        byVariant.values().forEach(TlsSettings::wipe);
                        throw new PlanException(o.sourceName() + ": " + ex.getMessage(), ex);
                    }
                }
            }
            role = "tls-" + o.tls().get().role().name().toLowerCase(java.util.Locale.ROOT);
            summary = "TLS " + o.tls().get().role().name().toLowerCase(java.util.Locale.ROOT) + ", " + protocol.optionName();
            // The settings hold their own copies of the keys: the parsed text is not needed any more.
            wipeParsedKeys(o.tls().get());
            sessionsFor = e -> new TunnelPlan.SessionFactory() {
                @Override
                public PeerSession newSession(LoopClock clock) throws Exception {
                    return PeerSession.tls(o.forConnection(e), byVariant.get(SessionVariant.of(e)), clock, new SecureRandom());
                }

                @Override
                public void wipe() {
                    byVariant.values().forEach(TlsSettings::wipe);
                }
            };
            sessions = sessionsFor.apply(o.connections().get(0));
        } else {
            role = "static-key";
            summary = "static key, " + o.cipher().openVpnName() + "/" + o.auth() + ", " + protocol.optionName();
            sessionsFor = e -> new TunnelPlan.SessionFactory() {
                @Override
                public PeerSession newSession(LoopClock clock) {
                    return PeerSession.staticKey(o.forConnection(e), clock, new SecureRandom());
                }

                @Override
                public void wipe() {
                    o.secret().wipe();
                }
            };
            sessions = sessionsFor.apply(o.connections().get(0));
        }
        TunSpec tunSpec = tun.build();
        String tunRemote = tunSpec.layer() == org.culvert.api.tun.TunLayer.TUN ? tunSpec.ifconfigRemoteOrNetmask() : null;
        TunnelPlan plan = new TunnelPlan(tunSpec, linkSpec, o.floatRemote(), maxPayload + RECEIVE_SLACK, sessions, summary, role,
                tunRemote, operations(o), o.warnings()).withProfiles(o, sessionsFor);
        plan.blockIpv6Source = RouteSpecs.blockIpv6Source(o);
        plan.authUserPass = o.authUserPass().orElse(null);
        plan.authToken = o.authToken().orElse(null);
        plan.authTokenUser = o.authTokenUser().orElse(null);
        if (o.pull().isPresent()) {
            plan.pulledTunSpec((pushed, server) -> {
                TunSpec.Builder b = tunSpec(o, source, pushed);
                if (server != null) {
                    b.remoteHost(server);
                }
                return b.build();
            });
        }
        return plan;
    }

    /**
     * {@code mode server}: the server's own tun (its ifconfig, topology and routes from the {@code server}
     * expansion), its listening link, and the {@link ServerRunner.Setup} the tunnel component starts
     * instead of a point-to-point runner ({@link TunnelPlan#server}).
     */
    private static TunnelPlan serverPlan(OpenVpnOptions o, Path source) throws PlanException {
        org.culvert.openvpn.config.ServerSettings s = o.server().get();
        if (o.tls().isEmpty()) {
            throw new PlanException(o.sourceName() + ": server mode needs --tls-server (a CA, a certificate and its key)", null);
        }
        TlsSettings settings;
        try {
            settings = TlsSettingsFactory.fromOptions(o);
        } catch (TlsConfigException ex) {
            throw new PlanException(o.sourceName() + ": " + ex.getMessage(), ex);
        }
        wipeParsedKeys(o.tls().get());
        TunSpec tunSpec = tunSpec(o, source, null).build();
        LinkSpec linkSpec = linkSpec(o, null, false, null);
        int maxPayload = o.tunMtu() + FRAME_SLACK + RECEIVE_SLACK;
        ServerPlan serverPlan = ServerPlan.defaults().withClientToClient(s.clientToClient()).withDuplicateCn(s.duplicateCn())
                .withMaxClients(s.maxClients());
        serverPlan = new ServerPlan(serverPlan.dataThreads(), serverPlan.clientToClient(), o.devType() == DevType.TAP,
                serverPlan.maxClients(), serverPlan.duplicateCn(), maxPayload, Math.max(serverPlan.maxLinkPacket(), linkSpec.maxPacketSize()),
                serverPlan.batchSize(), serverPlan.handoffSlots(), linkSpec.protocol().isStream() ? 0 : o.explicitExitNotify(),
                s.staleRoutesAgeing(), s.staleRoutesInterval());
        ServerPlan finalPlan = serverPlan;
        TunnelPlan plan = new TunnelPlan(tunSpec, linkSpec, true, maxPayload, new TunnelPlan.SessionFactory() {
            @Override
            public PeerSession newSession(LoopClock clock) {
                throw new IllegalStateException("a server's plan runs the server loop, not a point-to-point session");
            }

            @Override
            public void wipe() {
                settings.wipe();
            }
        }, "TLS server, " + linkSpec.protocol().optionName() + ", up to " + s.maxClients() + " clients", "tls-server",
                null, operations(o), o.warnings());
        plan.server = log -> {
            PoolAddressing addressing = new PoolAddressing(o, LoopClock.SYSTEM, log);
            try {
                OpenVpnServerEngines engines = new OpenVpnServerEngines(o, settings, addressing, finalPlan.maxLinkPacket(),
                        LoopClock.SYSTEM, log);
                return new ServerRunner.Setup(finalPlan, tunSpec, linkSpec, engines, addressing);
            } catch (TlsConfigException e) {
                throw new IllegalStateException(o.sourceName() + ": " + e.getMessage(), e);
            }
        };
        return plan;
    }

    private static void wipeParsedKeys(TlsOptions t) {
        t.key().wipe();
        t.tlsAuth().ifPresent(FileContent::wipe);
        t.tlsCrypt().ifPresent(FileContent::wipe);
        t.pki().pkcs12().ifPresent(FileContent::wipe);
        t.pki().tlsCryptV2().ifPresent(FileContent::wipe);
    }

    /** What of a connection profile the TLS engine's settings depend on. */
    private record SessionVariant(Proto proto, int explicitExitNotify) {
        static SessionVariant of(ConnectionEntry e) {
            return new SessionVariant(e.proto(), e.explicitExitNotify());
        }
    }

    /**
     * The link of one attempt: OpenVPN's link options as {@code o} has them (for a connection profile,
     * {@link OpenVpnOptions#forConnection}), to {@code resolved} when the attempt's address is known, else
     * to the configured host.
     *
     * @param connectOnce a tcp-client gives up after one failed connect, to move to the next profile
     * @param proxy the proxy to connect through (made once per plan by {@link ProxySpecs#of}), or null
     */
    static LinkSpec linkSpec(OpenVpnOptions o, java.net.InetSocketAddress resolved, boolean connectOnce,
            org.culvert.api.link.ProxySpec proxy) throws PlanException {
        LinkProtocol protocol;
        switch (o.proto()) {
            case TCP_CLIENT:
                protocol = LinkProtocol.TCP_CLIENT;
                break;
            case TCP_SERVER:
                protocol = LinkProtocol.TCP_SERVER;
                break;
            default:
                protocol = LinkProtocol.UDP;
        }
        // Pull mode: the slots must hold the largest tun MTU a server may push.
        int maxPayload = (o.pull().isPresent() ? Math.max(o.tunMtu(), org.culvert.openvpn.config.PushReply.TUN_MTU_MAX)
                : o.tunMtu()) + FRAME_SLACK;
        LinkSpec.Builder link = LinkSpec.builder(protocol)
                .family(family(o))
                .local(o.local().orElse(null), o.localPort())
                .bind(o.bind())
                .sendBuffer(o.sndbuf())
                .receiveBuffer(o.rcvbuf())
                .connectRetry(o.connectRetry(), o.connectRetryMax())
                .connectTimeout(o.connectTimeout())
                .connectOnce(connectOnce)
                .maxPacketSize(Math.min(StaticKeyDataChannel.MAX_WIRE_PACKET, maxPayload + 256));
        if (resolved != null) {
            link.remote(resolved.isUnresolved() ? resolved.getHostString() : resolved.getAddress().getHostAddress(),
                    resolved.getPort());
        } else {
            o.remote().ifPresent(r -> link.remote(r.host(), r.port()));
        }
        if (proxy != null) {
            link.proxy(proxy);
        }
        if (protocol == LinkProtocol.TCP_CLIENT && o.remote().isEmpty()) {
            throw new PlanException(o.sourceName() + ": --proto tcp-client needs --remote", null);
        }
        return link.build();
    }

    /**
     * The device to ask the driver for: from the configuration, or in pull mode from the configuration
     * with the server's pushed options over it ({@code pushed} non-null): ifconfig, topology, routes
     * with their gateways resolved, tun-mtu, and setenv-safe variables for the scripts.
     */
    static TunSpec.Builder tunSpec(OpenVpnOptions o, Path source, PushedOptions pushed) {
        TunLayer layer = o.devType() == DevType.TAP ? TunLayer.TAP : o.devType() == DevType.NULL ? TunLayer.NULL : TunLayer.TUN;
        int mtu = pushed != null && pushed.tunMtu().isPresent() ? pushed.tunMtu().getAsInt() : o.tunMtu();
        TunSpec.Builder tun = TunSpec.builder(layer).name(o.dev()).mtu(mtu).persist(o.persistTun());
        o.devNode().ifPresent(tun::deviceNode);
        java.util.Optional<org.culvert.openvpn.config.IfConfig> ifconfig = pushed != null ? pushed.ifconfig() : o.ifconfig();
        java.util.Optional<org.culvert.openvpn.config.IfConfigIpv6> ifconfig6 = pushed != null ? pushed.ifconfigIpv6()
                : o.ifconfigIpv6();
        ifconfig.ifPresent(i -> tun.ifconfig(i.local().getHostAddress(), i.remoteOrNetmask().getHostAddress()));
        ifconfig6.ifPresent(i -> tun.ifconfigIpv6(i.local().getHostAddress(), i.prefixLength(),
                i.remote() == null ? null : i.remote().getHostAddress()));
        RouteSpecs.apply(o, pushed, tun);
        // OpenVPN runs --up/--down only with --script-security 2 or higher (build() refuses them otherwise).
        if (o.scriptSecurity() >= 2) {
            o.up().ifPresent(s -> tun.up(s.command()));
            o.down().ifPresent(s -> tun.down(s.command()));
        }
        // The driver needs the topology to read --ifconfig's second argument (peer or netmask).
        org.culvert.openvpn.config.Topology topology = pushed != null ? pushed.topology() : o.topology();
        tun.driverOption("topology", topology.name().toLowerCase(java.util.Locale.ROOT));
        tun.scriptEnv("config", source == null ? "" : source.toString());
        tun.scriptEnv("verb", Integer.toString(o.verb()));
        tun.scriptEnv("daemon", "0");
        tun.scriptEnv("link_mtu", Integer.toString(o.occMtu()));
        tun.scriptEnv("proto_1", o.proto() == org.culvert.openvpn.config.Proto.UDP ? "udp" : o.proto() == org.culvert.openvpn.config.Proto.TCP_CLIENT ? "tcp-client" : "tcp-server");
        o.setenvSafe().forEach(tun::scriptEnv);
        if (pushed != null) {
            pushed.setenvSafe().forEach(tun::scriptEnv);
        }
        o.windowsDriver().ifPresent(d -> tun.driverOption("windows-driver", d));
        return tun;
    }

    /** The settings the operations bundles act on, in the API's terms. */
    static TunnelOperations operations(OpenVpnOptions o) {
        TunnelOperations.Management management = o.management()
                .map(m -> new TunnelOperations.Management(m.host().orElse(null), m.port(), m.unixSocket().orElse(null),
                        m.passwordFile().orElse(null), m.hold(), m.logCache(), m.clientGroup().orElse(null),
                        m.queryPasswords(), m.clientAuth()))
                .orElse(null);
        TunnelOperations.Status status = o.status()
                .map(s -> new TunnelOperations.Status(s.file(), java.time.Duration.ofSeconds(s.seconds()), s.version()))
                .orElse(null);
        return new TunnelOperations(management, status, o.verb(), o.mute());
    }

    private static AddressFamily family(OpenVpnOptions o) {
        switch (o.linkFamily()) {
            case IPV4:
                return AddressFamily.IPV4;
            case IPV6:
                return AddressFamily.IPV6;
            default:
                return AddressFamily.ANY;
        }
    }

    static int prefixLength(InetAddress netmask) {
        int bits = 0;
        for (byte b : netmask.getAddress()) {
            bits += Integer.bitCount(b & 0xff);
        }
        return bits;
    }
}
