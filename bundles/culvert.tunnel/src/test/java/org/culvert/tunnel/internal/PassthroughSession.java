package org.culvert.tunnel.internal;

import java.nio.ByteBuffer;

import org.culvert.api.tunnel.DropReason;
import org.culvert.openvpn.session.Incoming;
import org.culvert.openvpn.session.TimerEvent;

/** A protocol engine that encrypts nothing: lets loop and runner tests run without crypto. */
class PassthroughSession implements PeerSession {
    @Override
    public int headroom() {
        return 0;
    }

    @Override
    public int tailroom() {
        return 0;
    }

    @Override
    public DropReason encapsulate(ByteBuffer packet) {
        return null;
    }

    @Override
    public Incoming decapsulate(ByteBuffer packet) {
        return packet.remaining() == 0 ? Incoming.DROP : Incoming.TUN_PACKET;
    }

    @Override
    public DropReason lastDropReason() {
        return DropReason.SHORT_PACKET;
    }

    @Override
    public boolean lastDropFailedDataChannel() {
        return false;
    }

    @Override
    public boolean pollOutgoing(ByteBuffer slot, int headroom) {
        return false;
    }

    @Override
    public long nextTimerMillis() {
        return Long.MAX_VALUE / 4;
    }

    @Override
    public TimerEvent checkTimers() {
        return TimerEvent.NONE;
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
    }

    @Override
    public void close() {
    }

    @Override
    public long beginExitNotify() {
        return 0;
    }
}
