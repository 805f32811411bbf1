package org.culvert.openvpn.session;

import java.nio.ByteBuffer;

import org.culvert.openvpn.crypto.Verdict;

/**
 * One OpenVPN protocol engine for one tunnel run, as the tunnel's loop drives it, whatever the mode:
 * {@link StaticKeySession} ({@code --secret}) and {@code org.culvert.openvpn.tls.TlsSession} (TLS
 * point-to-point) implement it, and client and server modes will add engines. I/O-free, driven by an
 * injected clock, loop thread only (not thread-safe).
 *
 * <p><b>The loop's part.</b> Tun packets go through {@link #encapsulate} and are sent; link packets
 * go through {@link #decapsulate} and, for {@link Incoming#TUN_PACKET}, are written to the tun. The
 * loop sleeps until {@link #nextTimerMillis()}, then calls {@link #checkTimers()} and drains
 * {@link #pollOutgoing} (the engine's own packets: handshake, pings, OCC, exit notification), also
 * after every {@code decapsulate}. The data path allocates nothing and never throws for packet content.
 *
 * <p>Engines implement this; the tunnel core only calls it. This library carries no OSGi annotations
 * outside {@code package-info}, so bnd sees a consumer type: a method added here is a major version
 * of the package (or a default method, a minor one).
 *
 * @since session 1.2
 */
public interface PeerEngine extends AutoCloseable {
    /** Most bytes {@link #encapsulate} and {@link #pollOutgoing} put before the payload. */
    int headroom();

    /** Most bytes {@link #encapsulate} and {@link #pollOutgoing} put after the payload. */
    int tailroom();

    /**
     * A packet read from the tun, {@code packet[position, limit)}, with {@link #headroom()} bytes free
     * before it and {@link #tailroom()} after, sealed in place. On {@link Verdict#OK},
     * {@code packet[position, limit)} is the link packet; otherwise nothing is to be sent.
     */
    Verdict encapsulate(ByteBuffer packet);

    /**
     * A packet from the link, {@code packet[position, limit)}, authenticated and opened in place (for
     * {@link Incoming#TUN_PACKET} the buffer then frames the tun packet); for {@link Incoming#DROP},
     * {@link #lastVerdict()} says why.
     */
    Incoming decapsulate(ByteBuffer packet);

    /** Why the last {@link #decapsulate} gave {@link Incoming#DROP} ({@link Verdict#OK} after an accepted packet). */
    Verdict lastVerdict();

    /**
     * True when the last packet given to {@link #decapsulate} was a data-channel packet (after an
     * accepted one the buffer frames its decrypted payload, OpenVPN's "Auth read bytes"); false for a
     * control packet. Engines with only a data channel always say true.
     */
    boolean lastWasData();

    /**
     * If the engine has a packet of its own to send, writes it into {@code slot} and returns true;
     * {@code slot[position, limit)} is then the link packet, a data payload placed at {@code headroom}
     * as a tun read would be. Call repeatedly until it returns false.
     *
     * @param headroom where a data payload starts; at least {@link #headroom()}
     * @throws IllegalArgumentException if the slot or the headroom is too small for the engine
     */
    boolean pollOutgoing(ByteBuffer slot, int headroom);

    /** The monotonic time by which {@link #checkTimers()} and {@link #pollOutgoing} must next run. */
    long nextTimerMillis();

    /** Runs the timers; a fatal event (ping-restart, inactivity, handshake failure) is reported once. */
    TimerEvent checkTimers();

    /**
     * Whether data-channel keys exist: OpenVPN's "Initialization Sequence Completed" has happened.
     * Static-key engines are keyed from the start.
     */
    boolean isKeyed();

    /**
     * Counts the data-channel keys made so far in this run (0 before the first); it changes on each
     * renegotiation, so the loop notices new keys without a callback.
     */
    int keyGeneration();

    /** One line on why the engine failed (for {@link TimerEvent#HANDSHAKE_FAILED}), or null; never key material. */
    String failure();

    /**
     * One line on what was negotiated, logged when the engine becomes keyed ("Peer connection
     * established: ..."); empty when nothing is negotiated (static key) or not yet. Allocates.
     */
    String negotiatedSummary();

    /**
     * Clamps the MSS of TCP SYNs crossing the tunnel in both directions ({@code --mssfix}); null turns
     * clamping off. The caller computes the limit for the link's family and, in TLS mode, the
     * negotiated cipher.
     */
    void setMssClamp(MssClamp clamp);

    /**
     * Starts {@code --explicit-exit-notify} (UDP only): {@link #pollOutgoing} then yields the exit
     * announcement.
     *
     * @return how many milliseconds the caller should keep the link open to send it; 0 if nothing is sent
     */
    long beginExitNotify();

    /** Ends the run: wipes the engine's keys. Idempotent, never throws; nothing is processed afterwards. */
    @Override
    void close();
}
