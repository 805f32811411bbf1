package org.culvert.tunnel.internal;

import java.nio.ByteBuffer;

import org.culvert.api.tunnel.DropReason;
import org.culvert.openvpn.session.Incoming;
import org.culvert.openvpn.session.TimerEvent;

/**
 * What the loop needs of an OpenVPN protocol engine (static-key now, TLS later): the I/O-free
 * {@code culvert.openvpn} session seen through the core's own vocabulary. Loop-thread only.
 */
interface PeerSession {
    /** Bytes the engine may put before a payload. */
    int headroom();

    /** Bytes the engine may add after a payload. */
    int tailroom();

    /** Encapsulates a tun packet in place; null on success, else why it was dropped. */
    DropReason encapsulate(ByteBuffer packet);

    /** Authenticates and decapsulates a link packet in place. */
    Incoming decapsulate(ByteBuffer packet);

    DropReason lastDropReason();

    /**
     * True when the last packet {@link #decapsulate} accepted was a data-channel packet (then the buffer
     * frames its decrypted payload, which OpenVPN counts as "Auth read bytes"); false for control packets.
     */
    default boolean lastAcceptedWasData() {
        return true;
    }

    /**
     * True when the last drop was a data-channel authentication, decryption or replay failure, which
     * OpenVPN treats as fatal for a TCP connection; control-channel rejects are not.
     */
    boolean lastDropFailedDataChannel();

    /** Writes one packet of the engine's own (ping, OCC, exit notify) into {@code slot}, if one is due. */
    boolean pollOutgoing(ByteBuffer slot, int headroom);

    /** Monotonic milliseconds at which {@link #checkTimers()} must run next. */
    long nextTimerMillis();

    TimerEvent checkTimers();

    /** True once data keys exist ("Initialization Sequence Completed"); static-key sessions are up at once. */
    boolean isUp();

    /**
     * Counts the data-channel keys made so far in this session (0 before the first); it changes on each
     * TLS renegotiation, so the loop notices new keys without a callback from the engine.
     */
    default int keyGeneration() {
        return isUp() ? 1 : 0;
    }

    /** One line on why the session failed, for {@link TimerEvent#HANDSHAKE_FAILED}; never key material. */
    String failure();

    /** One line on what was negotiated, logged when the session comes up; may be empty. */
    String negotiated();

    /** Tells the engine the link's IP family once the socket is open (it changes the MSS clamp). */
    void linkIpv6(boolean ipv6);

    /** Releases the engine's state (keys are wiped where the engine supports it). Idempotent. */
    void close();

    /** Starts explicit-exit-notify; returns for how many milliseconds to keep sending, 0 for none. */
    long beginExitNotify();
}
