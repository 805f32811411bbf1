package org.culvert.tunnel.internal;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;

import org.culvert.openvpn.config.OpenVpnOptions;
import org.culvert.openvpn.tls.Negotiated;
import org.culvert.openvpn.tls.TlsConfigException;
import org.culvert.openvpn.tls.TlsSession;
import org.culvert.openvpn.tls.TlsSettings;

/**
 * A test {@link ServerEngines}: one point-to-point {@code tls-server} engine per client, as
 * {@link PeerSession#tls} makes it for a tunnel, so that the loop's tests can use Culvert's
 * point-to-point {@code tls-client} tunnels as clients. It has no stateless cookie (a hard reset from a
 * new address is a connection attempt), no PUSH_REPLY and no control messages; a server runs
 * {@link OpenVpnServerEngines}.
 */
final class TlsServerEngines implements ServerEngines {
    private final OpenVpnOptions options;
    private final TlsSettings settings;
    private final LoopClock clock;
    private final SecureRandom random = new SecureRandom();
    private final int headroom;
    private final int tailroom;

    TlsServerEngines(OpenVpnOptions options, TlsSettings settings, LoopClock clock) throws TlsConfigException {
        this.options = options;
        this.settings = settings;
        this.clock = clock;
        PeerSession probe = PeerSession.tls(options, settings, clock, random);
        this.headroom = probe.headroom();
        this.tailroom = probe.tailroom();
        probe.close();
    }

    /** No cookie in the point-to-point engine: a client's hard reset makes an instance at once. */
    @Override
    public Admission admit(ByteBuffer packet, SocketAddress from, ByteBuffer reply) {
        int op = packet.remaining() < 1 ? -1 : (packet.get(packet.position()) & 0xFF) >>> 3;
        return op == ServerLoop.P_CONTROL_HARD_RESET_CLIENT_V2 || op == ServerLoop.P_CONTROL_HARD_RESET_CLIENT_V3 ? Admission.CREATE
                : Admission.DROP;
    }

    @Override
    public PeerSession newSession(long clientId, SocketAddress real) throws TlsConfigException {
        return PeerSession.tls(options, settings, clock, random);
    }

    @Override
    public int headroom() {
        return headroom;
    }

    @Override
    public int tailroom() {
        return tailroom;
    }

    @Override
    public String commonName(PeerSession session) {
        Negotiated n = negotiated(session);
        return n == null ? null : commonNameOf(n.peerSubject());
    }

    /** The CN of an OpenVPN-style subject ({@code C=.., O=.., CN=..}), or null. */
    static String commonNameOf(String subject) {
        return OpenVpnServerEngines.commonNameOf(subject);
    }

    @Override
    public int peerId(PeerSession session) {
        Negotiated n = negotiated(session);
        return n != null && n.dataV2() ? n.peerId() : -1;
    }

    @Override
    public String dataCipher(PeerSession session) {
        Negotiated n = negotiated(session);
        return n == null ? null : n.dataCipher().openVpnName();
    }

    private static Negotiated negotiated(PeerSession session) {
        return session.engine() instanceof TlsSession ? ((TlsSession) session.engine()).negotiated() : null;
    }
}
