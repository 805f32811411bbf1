package org.culvert.tunnel.internal;

import java.nio.ByteBuffer;

import org.culvert.openvpn.config.DevType;
import org.culvert.openvpn.crypto.Verdict;
import org.culvert.openvpn.session.Incoming;
import org.culvert.openvpn.session.MssClamp;
import org.culvert.openvpn.session.PeerEngine;
import org.culvert.openvpn.session.TimerEvent;

/** A protocol engine that encrypts nothing: lets loop and runner tests run without crypto. */
class PassthroughSession implements PeerEngine {
    /** This engine as the loop sees it. */
    PeerSession peer() {
        return new PeerSession(this, PeerSession.MssRule.NONE, DevType.TUN, false);
    }

    @Override
    public int headroom() {
        return 0;
    }

    @Override
    public int tailroom() {
        return 0;
    }

    @Override
    public Verdict encapsulate(ByteBuffer packet) {
        return Verdict.OK;
    }

    @Override
    public Incoming decapsulate(ByteBuffer packet) {
        return packet.remaining() == 0 ? Incoming.DROP : Incoming.TUN_PACKET;
    }

    @Override
    public Verdict lastVerdict() {
        return Verdict.SHORT_PACKET;
    }

    @Override
    public boolean lastWasData() {
        return true;
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
    public boolean isKeyed() {
        return true;
    }

    @Override
    public int keyGeneration() {
        return 1;
    }

    @Override
    public String failure() {
        return null;
    }

    @Override
    public String negotiatedSummary() {
        return "";
    }

    @Override
    public void setMssClamp(MssClamp clamp) {
    }

    @Override
    public void close() {
    }

    @Override
    public long beginExitNotify() {
        return 0;
    }
}
