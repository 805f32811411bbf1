package org.culvert.openvpn.session;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.culvert.openvpn.Clock;
import org.culvert.openvpn.config.Compression;
import org.culvert.openvpn.config.MtuMath;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.culvert.openvpn.config.Proto;
import org.culvert.openvpn.crypto.DataChannel;
import org.culvert.openvpn.crypto.Verdict;

/**
 * The I/O-free point-to-point static-key engine: compression framing, MSS clamping, ping, OCC, exit
 * notify and timers around a {@link DataChannel}, behaving as OpenVPN 2.6 does in
 * {@code --secret} mode. One instance per tunnel run; loop thread only (not thread-safe).
 *
 * <p><b>How the loop uses it.</b> Tun packets go through {@link #encapsulate} and are sent; link
 * packets go through {@link #decapsulate} and, for {@link Incoming#TUN_PACKET}, are written to the
 * tun. The loop sleeps until {@link #nextTimerMillis()}, then calls {@link #checkTimers()} (which may
 * ask for a restart or exit) and drains {@link #pollOutgoing} (pings, OCC messages, exit
 * notifications), also after every {@code decapsulate}, since an OCC request is answered at once.
 *
 * <p><b>Timing</b> (monotonic clock, as OpenVPN's one-second timers): a ping is due when nothing was
 * sent for {@code --ping} seconds (the first one at once); {@code --ping-restart}/{@code --ping-exit}
 * fire after that many seconds without an authenticated packet; {@code --inactive} fires after that
 * many seconds without tunnel traffic (pings do not count). OCC_REQUESTs go out 10 s after the
 * start and every 10 s until an OCC_REPLY arrives, 11 at most.
 *
 * <p><b>Buffers</b> are the caller's; nothing is retained. The data path
 * ({@code encapsulate}/{@code decapsulate} of tunnel traffic) allocates nothing.
 *
 * <p>As a {@link PeerEngine} it is keyed from the start (one key generation, nothing negotiated, no
 * control channel, no handshake to fail).
 */
public final class StaticKeySession implements PeerEngine {
    private static final byte[] PING = DataPayload.ping();
    private static final long OCC_INTERVAL_MILLIS = 10_000;
    private static final int OCC_TRIES = 12;
    private static final int MAX_OCC_STRING = 1024;

    private final OpenVpnOptions options;
    private final DataChannel dataChannel;
    private final Clock clock;
    /** The framing sent: Culvert never compresses, so a real algorithm sends its "not compressed" framing. */
    private final Compression compression;
    private final Decompressor decompressor;
    private final String localOcc;
    private final String expectedRemoteOcc;
    private final byte[] occReply;
    private final byte[] occRequest;
    private final byte[] occExit;
    private final Keepalive keepalive;
    private final int headroom;
    private final int tailroom;
    private MssClamp clamp;

    private boolean occRequesting = true;
    private long nextOccRequest;
    private int occTries;
    private boolean occRequestDue;
    private boolean occReplyDue;
    private String lastOccMismatch;

    private final ExitNotify exit = new ExitNotify();

    private Verdict lastVerdict = Verdict.OK;

    /**
     * @param options the tunnel's configuration (compression, timers, mssfix, OCC contents)
     * @param dataChannel seals and opens packets; used only by this session from now on
     * @param clock drives every timer; the session starts "now"
     */
    public StaticKeySession(OpenVpnOptions options, DataChannel dataChannel, Clock clock) {
        this.options = Objects.requireNonNull(options, "options");
        this.dataChannel = Objects.requireNonNull(dataChannel, "dataChannel");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.compression = options.compression().sendFraming();
        this.decompressor = new Decompressor(options.compression(), options.tunMtu() + options.tunMtuExtra());
        this.localOcc = OccStrings.local(options);
        this.expectedRemoteOcc = OccStrings.expectedRemote(options);
        this.occRequest = DataPayload.occMessage(DataPayload.OCC_REQUEST, null);
        this.occReply = DataPayload.occMessage(DataPayload.OCC_REPLY, localOcc);
        this.occExit = DataPayload.occMessage(DataPayload.OCC_EXIT, null);
        this.headroom = dataChannel.headroom() + DataPayload.frameHeadroom(compression);
        this.tailroom = dataChannel.tailroom() + DataPayload.frameTailroom(compression);
        setLinkIpv6(MtuMath.assumeIpv6Link(options));
        long now = clock.monotonicMillis();
        this.keepalive = new Keepalive(options.ping(), options.pingRestart(), options.pingExit(), options.inactive(),
                options.inactiveBytes(), now);
        nextOccRequest = now + OCC_INTERVAL_MILLIS;
    }

    /** Most bytes {@link #encapsulate} and {@link #pollOutgoing} put before the payload. */
    @Override
    public int headroom() {
        return headroom;
    }

    /** Most bytes {@link #encapsulate} and {@link #pollOutgoing} put after the payload. */
    @Override
    public int tailroom() {
        return tailroom;
    }

    /**
     * Tells the session the link's address family once the peer's address is known, which sets the
     * MSS limit when {@code --mssfix} counts the link's headers (the default). Until then the
     * session assumes what {@link MtuMath#assumeIpv6Link} says.
     */
    public void setLinkIpv6(boolean ipv6) {
        int mss = MtuMath.mssFix(options, ipv6);
        clamp = mss > 0 ? new MssClamp(mss, options.devType()) : null;
    }

    /**
     * Replaces the MSS clamp {@link #setLinkIpv6} computed; null turns clamping off.
     *
     * @since session 1.2
     */
    @Override
    public void setMssClamp(MssClamp value) {
        clamp = value;
    }

    /** The current IPv4 MSS limit, or 0 when MSS clamping is off. */
    public int mssFix() {
        return clamp == null ? 0 : clamp.maxMss();
    }

    /**
     * A packet read from the tun, {@code packet[position, limit)}, with {@link #headroom()} bytes free
     * before it and {@link #tailroom()} after: clamps a TCP SYN's MSS, applies compression framing
     * and seals it in place. On {@link Verdict#OK}, {@code packet[position, limit)} is the link packet
     * and the ping timer restarts. An empty packet gives {@link Verdict#SHORT_PACKET}.
     */
    @Override
    public Verdict encapsulate(ByteBuffer packet) {
        if (!packet.hasRemaining()) {
            return Verdict.SHORT_PACKET;
        }
        if (clamp != null) {
            clamp.clamp(packet);
        }
        Verdict v = frameAndSeal(packet);
        if (v == Verdict.OK) {
            long now = clock.monotonicMillis();
            keepalive.sent(now);
            keepalive.activity(now, packet.remaining());
        }
        return v;
    }

    /**
     * A packet from the link, {@code packet[position, limit)}: opens it, strips the framing and says
     * what it is. Only authenticated, accepted packets restart the ping-restart timer; for
     * {@link Incoming#TUN_PACKET} {@code packet[position, limit)} is then the tun packet (MSS
     * already clamped). Never throws for any packet content.
     */
    @Override
    public Incoming decapsulate(ByteBuffer packet) {
        Verdict v = dataChannel.open(packet);
        if (v != Verdict.OK) {
            lastVerdict = v;
            return Incoming.DROP;
        }
        if (!decompressor.unframe(packet)) {
            lastVerdict = Verdict.BAD_COMPRESSION;
            return Incoming.DROP;
        }
        lastVerdict = Verdict.OK;
        if (!packet.hasRemaining()) {
            // Authentic but empty: OpenVPN ignores it and, deliberately, does not count it as life.
            return Incoming.CONSUMED;
        }
        long now = clock.monotonicMillis();
        keepalive.received(now);
        if (DataPayload.isPing(packet)) {
            return Incoming.CONSUMED;
        }
        if (DataPayload.isOcc(packet)) {
            return handleOcc(packet);
        }
        if (clamp != null) {
            clamp.clamp(packet);
        }
        keepalive.activity(now, packet.remaining());
        return Incoming.TUN_PACKET;
    }

    /** Why the last {@link #decapsulate} gave {@link Incoming#DROP} ({@link Verdict#OK} after an accepted packet). */
    @Override
    public Verdict lastVerdict() {
        return lastVerdict;
    }

    /** Always true: static-key mode has only a data channel. @since session 1.2 */
    @Override
    public boolean lastWasData() {
        return true;
    }

    /** Always true: the keys come from the {@code --secret} file. @since session 1.2 */
    @Override
    public boolean isKeyed() {
        return true;
    }

    /** Always 1: static keys are never renegotiated. @since session 1.2 */
    @Override
    public int keyGeneration() {
        return 1;
    }

    /** Always null: there is no handshake to fail. @since session 1.2 */
    @Override
    public String failure() {
        return null;
    }

    /** Always empty: nothing is negotiated in static-key mode. @since session 1.2 */
    @Override
    public String negotiatedSummary() {
        return "";
    }

    /**
     * If the session has a packet of its own to send (exit notification, OCC reply or request, ping,
     * in that order), writes it sealed into {@code slot} and returns true: the payload is placed at
     * {@code headroom}, as a tun read would be, and on return {@code slot[position, limit)} is the
     * link packet. Call repeatedly until it returns false.
     *
     * @param headroom where the payload starts; at least {@link #headroom()}
     * @throws IllegalArgumentException if {@code headroom} or the slot's capacity is too small
     */
    @Override
    public boolean pollOutgoing(ByteBuffer slot, int headroom) {
        if (headroom < this.headroom || slot.capacity() < headroom + occReply.length + tailroom) {
            throw new IllegalArgumentException("slot needs " + this.headroom + " bytes of headroom and "
                    + (occReply.length + tailroom) + " more after it");
        }
        long now = clock.monotonicMillis();
        advanceSchedules(now);
        byte[] message;
        boolean activity = true;
        if (exit.takePacket()) {
            message = occExit;
        } else if (occReplyDue) {
            occReplyDue = false;
            message = occReply;
        } else if (occRequestDue) {
            occRequestDue = false;
            message = occRequest;
        } else if (keepalive.pingDue(now)) {
            message = PING;
            activity = false;
        } else {
            return false;
        }
        slot.limit(slot.capacity()).position(headroom);
        slot.put(message);
        slot.limit(headroom + message.length).position(headroom);
        Verdict v = frameAndSeal(slot);
        if (v != Verdict.OK) {
            // e.g. packet-ids exhausted: nothing can be sent; do not spin on this message.
            keepalive.sent(now);
            return false;
        }
        keepalive.sent(now);
        if (activity) {
            keepalive.activity(now, slot.remaining());
        }
        return true;
    }

    /** The monotonic time at which {@link #checkTimers()} (and {@link #pollOutgoing}) must next run. */
    @Override
    public long nextTimerMillis() {
        long now = clock.monotonicMillis();
        if (exit.packetDue() || occReplyDue || occRequestDue) {
            return now;
        }
        long next = Math.min(keepalive.nextPingMillis(now), keepalive.nextExpiryMillis());
        if (occRequesting) {
            next = Math.min(next, nextOccRequest);
        }
        return Math.min(next, exit.nextMillis());
    }

    /**
     * Runs the timers: returns a fatal event when {@code --inactive} or {@code --ping-restart}/
     * {@code --ping-exit} expired (each re-arms, so it is reported once per period), and schedules
     * OCC and exit-notification packets for {@link #pollOutgoing}.
     */
    @Override
    public TimerEvent checkTimers() {
        long now = clock.monotonicMillis();
        advanceSchedules(now);
        return keepalive.expire(now);
    }

    /**
     * Starts {@code --explicit-exit-notify} (UDP only): from now on {@link #pollOutgoing} yields an
     * OCC_EXIT packet at once and then once a second, for the configured number of seconds.
     *
     * @return how many milliseconds the caller should keep the link open to send them; 0 if none
     */
    @Override
    public long beginExitNotify() {
        int seconds = options.explicitExitNotify();
        if (seconds <= 0 || options.proto() != Proto.UDP) {
            return 0;
        }
        exit.start(clock.monotonicMillis(), seconds, true);
        return exit.remainingMillis(clock.monotonicMillis());
    }

    /** The OCC string this side sends (OpenVPN 2.6's format, including the legacy link-mtu). */
    public String localOptionsString() {
        return localOcc;
    }

    /** The OCC string a matching peer sends. */
    public String expectedRemoteOptionsString() {
        return expectedRemoteOcc;
    }

    /** A one-line warning when the peer's last OCC_REPLY differed from what we expect, else null. */
    public String lastOccMismatch() {
        return lastOccMismatch;
    }

    /** Test hook: whether OCC_REQUESTs are still being sent (no OCC_REPLY yet, tries left). */
    boolean occRequestingForTest() {
        return occRequesting;
    }

    // ---------------------------------------------------------------- internals

    private void advanceSchedules(long now) {
        if (occRequesting && now >= nextOccRequest) {
            if (++occTries >= OCC_TRIES) {
                occRequesting = false;
            } else {
                occRequestDue = true;
                nextOccRequest = now + OCC_INTERVAL_MILLIS;
            }
        }
        exit.advance(now);
    }

    private Incoming handleOcc(ByteBuffer packet) {
        switch (DataPayload.occType(packet)) {
            case -1:
                break;
            case DataPayload.OCC_REQUEST:
                occReplyDue = true;
                break;
            case DataPayload.OCC_REPLY:
                occRequesting = false;
                occRequestDue = false;
                lastOccMismatch = OccStrings.mismatch(expectedRemoteOcc,
                        occText(packet, packet.position() + DataPayload.OCC_TYPE_OFFSET + 1));
                break;
            case DataPayload.OCC_EXIT:
                return Incoming.PEER_EXIT;
            default:
                // MTU tests (--mtu-test) are not implemented; like unknown types they are ignored.
                break;
        }
        return Incoming.CONSUMED;
    }

    /** The NUL-terminated options string of an OCC_REPLY; OpenVPN forces the last byte to NUL. */
    private static String occText(ByteBuffer packet, int from) {
        int end = Math.min(packet.limit(), from + MAX_OCC_STRING);
        int n = Math.max(end - from - 1, 0);
        byte[] text = new byte[n];
        int length = 0;
        while (length < n && packet.get(from + length) != 0) {
            text[length] = packet.get(from + length);
            length++;
        }
        return new String(text, 0, length, StandardCharsets.ISO_8859_1);
    }

    private Verdict frameAndSeal(ByteBuffer buf) {
        if (!DataPayload.frame(buf, compression, dataChannel.headroom(), dataChannel.tailroom())) {
            return Verdict.OVERSIZED;
        }
        return dataChannel.seal(buf);
    }


    /**
     * Ends this session: wipes its data channel's keys. Idempotent; nothing may be sealed or opened
     * afterwards.
     *
     * @since session 1.1
     */
    @Override
    public void close() {
        dataChannel.wipe();
    }
}
