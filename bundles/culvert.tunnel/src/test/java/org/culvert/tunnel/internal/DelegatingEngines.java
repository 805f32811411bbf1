package org.culvert.tunnel.internal;

import java.net.SocketAddress;
import java.nio.ByteBuffer;

/** The stand-in engines with any method overridable by a test. */
class DelegatingEngines implements ServerEngines {
    final TlsServerEngines tls;

    DelegatingEngines(TlsServerEngines tls) {
        this.tls = tls;
    }

    @Override
    public Admission admit(ByteBuffer packet, SocketAddress from, ByteBuffer reply) {
        return tls.admit(packet, from, reply);
    }

    @Override
    public PeerSession newSession(long clientId, SocketAddress real) throws Exception {
        return tls.newSession(clientId, real);
    }

    @Override
    public int headroom() {
        return tls.headroom();
    }

    @Override
    public int tailroom() {
        return tls.tailroom();
    }

    @Override
    public String commonName(PeerSession session) {
        return tls.commonName(session);
    }

    @Override
    public int peerId(PeerSession session) {
        return tls.peerId(session);
    }

    @Override
    public String dataCipher(PeerSession session) {
        return tls.dataCipher(session);
    }
}
