package org.culvert.tunnel.internal;

import java.nio.ByteBuffer;
import java.security.SecureRandom;

import org.culvert.api.tunnel.DropReason;
import org.culvert.openvpn.session.Incoming;
import org.culvert.openvpn.session.TimerEvent;
import org.culvert.openvpn.Clock;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.culvert.openvpn.crypto.StaticKeyDataChannel;
import org.culvert.openvpn.crypto.Verdict;
import org.culvert.openvpn.session.StaticKeySession;

/** The static-key engine of {@code culvert.openvpn} in the loop's vocabulary. */
final class StaticKeyPeerSession implements PeerSession {
    private final StaticKeySession session;
    private DropReason lastDrop = DropReason.MALFORMED;

    private StaticKeyPeerSession(StaticKeySession session) {
        this.session = session;
    }

    static PeerSession create(OpenVpnOptions o, LoopClock loopClock, SecureRandom random) {
        Clock clock = OpenVpnClocks.of(loopClock);
        StaticKeyDataChannel dc = new StaticKeyDataChannel(o.secret(), o.keyDirection(), o.cipher(), o.auth(), o.replayWindow(), clock, random);
        return new StaticKeyPeerSession(new StaticKeySession(o, dc, clock));
    }

    static DropReason map(Verdict v) {
        switch (v) {
            case SHORT_PACKET:
                return DropReason.SHORT_PACKET;
            case OVERSIZED:
                return DropReason.OVERSIZED;
            case AUTH_FAILED:
                return DropReason.AUTH_FAILED;
            case DECRYPT_FAILED:
                return DropReason.DECRYPT_FAILED;
            case REPLAY:
                return DropReason.REPLAY;
            case BAD_COMPRESSION:
                return DropReason.BAD_COMPRESSION;
            case PACKET_ID_EXHAUSTED:
                return DropReason.PACKET_ID_EXHAUSTED;
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
        Verdict v = session.encapsulate(packet);
        return v == Verdict.OK ? null : map(v);
    }

    @Override
    public Incoming decapsulate(ByteBuffer packet) {
        Incoming in = session.decapsulate(packet);
        if (in == Incoming.DROP) {
            lastDrop = map(session.lastVerdict());
        }
        return in;
    }

    @Override
    public DropReason lastDropReason() {
        return lastDrop;
    }

    @Override
    public boolean lastDropFailedDataChannel() {
        // Static-key mode has only a data channel.
        return lastDrop == DropReason.AUTH_FAILED || lastDrop == DropReason.DECRYPT_FAILED || lastDrop == DropReason.REPLAY;
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
        return true;
    }

    @Override
    public String failure() {
        return "";
    }

    @Override
    public String negotiated() {
        return "";
    }

    @Override
    public void linkIpv6(boolean ipv6) {
        session.setLinkIpv6(ipv6);
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
