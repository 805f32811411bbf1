package org.culvert.openvpn.tls.internal;

/**
 * One key_id of a control session: its reliability state, its TLS session, the key-method-2
 * messages, and once both are known the data channel. OpenVPN's {@code struct key_state}.
 * Loop thread only.
 */
public final class KeyState {
    /** OpenVPN's states, condensed. */
    public enum Phase {
        /** Created; the reset is not queued yet. */
        INITIAL,
        /** Our reset is queued and not yet acknowledged. */
        PRE_START,
        /** Our reset was acknowledged: TLS and key method 2 run. */
        START,
        /** Keys derived and everything we sent acknowledged: usable for sending. */
        ACTIVE
    }

    final int keyId;
    final int initialOpcode;
    final ReliableSend send;
    final ReliableReceive receive = new ReliableReceive();
    final AckState acks = new AckState();
    Phase phase = Phase.INITIAL;
    TlsEndpoint tls;
    KeyMethod2 localKm2;
    KeyMethod2 peerKm2;
    boolean km2Sent;
    /** tls-crypt-v2: the server's reset asked for the WKc again (EARLY_NEG_FLAG_RESEND_WKC). */
    boolean resendWkc;
    byte[] plain = new byte[4096];
    int plainLength;
    TlsDataChannel data;
    long handshakeStart;
    long mustNegotiate;
    long authDeferredExpire;
    long established;
    long mustDie = Long.MAX_VALUE;
    long bytes;
    long packets;
    boolean peerUsed;

    KeyState(int keyId, int initialOpcode, long tlsTimeoutMillis) {
        this.keyId = keyId;
        this.initialOpcode = initialOpcode;
        this.send = new ReliableSend(tlsTimeoutMillis);
    }

    public int keyId() {
        return keyId;
    }

    public Phase phase() {
        return phase;
    }

    /** The data channel, once both key-method-2 messages are known; null before. */
    public TlsDataChannel data() {
        return data;
    }

    /** Counts a data packet in either direction towards --reneg-bytes / --reneg-pkts. */
    public void count(int wireBytes) {
        bytes += wireBytes;
        packets++;
    }

    /** The peer has sent authentic data on this key, so it certainly holds it. */
    public void markPeerUsed() {
        peerUsed = true;
    }

    void close() {
        if (tls != null) {
            tls.close();
        }
        if (data != null) {
            data.wipe();
        }
        if (localKm2 != null) {
            localKm2.wipe();
        }
        if (peerKm2 != null) {
            peerKm2.wipe();
        }
        java.util.Arrays.fill(plain, (byte) 0);
    }
}
