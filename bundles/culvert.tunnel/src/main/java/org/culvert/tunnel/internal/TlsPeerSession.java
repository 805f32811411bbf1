package org.culvert.tunnel.internal;

import java.nio.ByteBuffer;
import java.security.SecureRandom;

import org.culvert.api.tunnel.DropReason;
import org.culvert.openvpn.session.Incoming;
import org.culvert.openvpn.session.TimerEvent;
import org.culvert.openvpn.Clock;
import org.culvert.openvpn.config.DevType;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.culvert.openvpn.session.MssClamp;
import org.culvert.openvpn.tls.Negotiated;
import org.culvert.openvpn.tls.TlsConfigException;
import org.culvert.openvpn.tls.TlsFailure;
import org.culvert.openvpn.tls.TlsMtu;
import org.culvert.openvpn.tls.TlsSession;
import org.culvert.openvpn.tls.TlsSettings;
import org.culvert.openvpn.tls.TlsVerdict;

/** The TLS-mode engine of {@code culvert.openvpn.tls} in the loop's vocabulary. */
final class TlsPeerSession implements PeerSession {
    private final TlsSession session;
    private final OpenVpnOptions options;
    private final DevType layer;
    private boolean ipv6Link;
    private boolean clampSet;
    private DropReason lastDrop = DropReason.MALFORMED;
    private TlsVerdict lastVerdict = TlsVerdict.OK;

    private TlsPeerSession(TlsSession session, OpenVpnOptions options) {
        this.session = session;
        this.options = options;
        this.layer = options.devType();
    }

    static PeerSession create(OpenVpnOptions o, TlsSettings settings, LoopClock loopClock, SecureRandom random)
            throws TlsConfigException {
        Clock clock = OpenVpnClocks.of(loopClock);
        return new TlsPeerSession(new TlsSession(settings, clock, random), o);
    }

    static DropReason map(TlsVerdict v) {
        switch (v) {
            case SHORT_PACKET:
                return DropReason.SHORT_PACKET;
            case OVERSIZED:
                return DropReason.OVERSIZED;
            case AUTH_FAILED:
            case TLS_AUTH_FAILED:
            case TLS_CRYPT_FAILED:
                return DropReason.AUTH_FAILED;
            case DECRYPT_FAILED:
                return DropReason.DECRYPT_FAILED;
            case REPLAY:
            case CONTROL_REPLAY:
                return DropReason.REPLAY;
            case BAD_COMPRESSION:
                return DropReason.BAD_COMPRESSION;
            case PACKET_ID_EXHAUSTED:
                return DropReason.PACKET_ID_EXHAUSTED;
            case NOT_KEYED:
            case UNKNOWN_KEY_ID:
                return DropReason.NO_KEY;
            case INTERNAL_ERROR:
                return DropReason.INTERNAL_ERROR;
            default:
                return DropReason.MALFORMED;
        }
    }

    @Override
    public int headroom() {
        return session.headroom();
    }

    @Override
    public int tailroom() {
        return session.tailroom();
    }

    @Override
    public DropReason encapsulate(ByteBuffer packet) {
        TlsVerdict v = session.encapsulate(packet);
        return v == TlsVerdict.OK ? null : map(v);
    }

    @Override
    public Incoming decapsulate(ByteBuffer packet) {
        Incoming in = session.decapsulate(packet);
        if (in == Incoming.DROP) {
            lastVerdict = session.lastVerdict();
            lastDrop = map(lastVerdict);
        }
        return in;
    }

    @Override
    public DropReason lastDropReason() {
        return lastDrop;
    }

    @Override
    public boolean lastDropFailedDataChannel() {
        // TLS_AUTH_FAILED, TLS_CRYPT_FAILED and CONTROL_REPLAY are control-channel rejects: counted, not fatal.
        return lastVerdict == TlsVerdict.AUTH_FAILED || lastVerdict == TlsVerdict.DECRYPT_FAILED || lastVerdict == TlsVerdict.REPLAY;
    }

    @Override
    public boolean pollOutgoing(ByteBuffer slot, int headroom) {
        return session.pollOutgoing(slot, headroom);
    }

    @Override
    public long nextTimerMillis() {
        return session.nextTimerMillis();
    }

    @Override
    public TimerEvent checkTimers() {
        return session.checkTimers();
    }

    @Override
    public boolean isUp() {
        boolean up = session.isKeyed();
        if (up && !clampSet) {
            clampSet = true;
            int mss = mss(session.negotiated());
            if (mss > 0) {
                session.setMssClamp(new MssClamp(mss, layer));
            }
        }
        return up;
    }

    /** OpenVPN 2.6's mssfix for the negotiated cipher (checked against stock openvpn's logged mss_fix). */
    private int mss(Negotiated n) {
        return n == null ? 0 : TlsMtu.mssFix(options, n, ipv6Link);
    }

    @Override
    public boolean lastAcceptedWasData() {
        return session.lastWasData();
    }

    @Override
    public int keyGeneration() {
        return session.isKeyed() ? 1 + session.renegotiations() : 0;
    }

    @Override
    public String failure() {
        TlsFailure f = session.lastError();
        return f == null ? "handshake failed" : f.toString();
    }

    @Override
    public String negotiated() {
        Negotiated n = session.negotiated();
        if (n == null) {
            return "";
        }
        return "Peer connection established: " + n.tlsVersion() + ", " + n.tlsCipherSuite() + ", peer " + n.peerSubject()
                + "; data channel " + (n.dataCipher() == null ? "?" : n.dataCipher().openVpnName()) + ", key derivation "
                + n.keyDerivation() + (n.dataV2() ? ", DATA_V2 peer-id " + n.peerId() : ", DATA_V1");
    }

    @Override
    public void linkIpv6(boolean ipv6) {
        ipv6Link = ipv6;
    }

    @Override
    public void close() {
        session.close();
    }

    @Override
    public long beginExitNotify() {
        return session.beginExitNotify();
    }
}
