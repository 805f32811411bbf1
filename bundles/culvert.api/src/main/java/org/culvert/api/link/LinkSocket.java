package org.culvert.api.link;

import java.net.SocketAddress;

import org.culvert.api.event.Waitable;
import org.culvert.api.packet.PacketBatch;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * An open link socket of a point-to-point tunnel: the wireguard-go {@code conn.Bind} shape, reduced
 * to one peer. Packets are whole OpenVPN packets; a stream transport adds and strips the 16-bit
 * length prefix itself.
 *
 * <p>Threading: all methods but {@link #close()} are called only by the owning tunnel's thread.
 * {@link #close()} may come from any thread; it makes a blocked {@link #establish} return and later
 * calls fail with {@link LinkException.Reason#CLOSED}.
 */
@ConsumerType
public interface LinkSocket extends AutoCloseable {
    LinkProtocol protocol();

    /**
     * Makes the socket ready to carry packets: nothing for UDP; connect (retrying with backoff, as
     * {@code --connect-retry} says) for tcp-client; accept the one peer for tcp-server. Waits at most
     * {@code timeoutMillis} and may be called again until it returns true.
     *
     * @return true once packets can flow
     * @throws LinkException when the link cannot be established and retrying will not help
     */
    boolean establish(long timeoutMillis) throws LinkException;

    /**
     * Hands the lines the socket wants logged while establishing (a proxy exchange, as OpenVPN logs
     * it: "Send to HTTP proxy: '...'", "HTTP proxy returned: '...'", why an attempt failed) to
     * {@code sink}, each once, oldest first. Never credentials. Called by the owning thread after
     * {@link #establish}.
     *
     * @since link 1.2
     */
    default void drainNotes(java.util.function.Consumer<String> sink) {
    }

    /** The most packets one {@link #receive} or {@link #send} call handles; constant. */
    int batchSize();

    /** What the event set waits on; valid once {@link #establish} returned true. */
    Waitable waitable();

    /** Called by the loop before each wait, like {@link org.culvert.api.tun.TunDevice#prepareWait}. */
    default void prepareWait(int interest) {
    }

    /**
     * Receives up to {@code min(batch.capacity(), batchSize())} packets into the batch (framing as in
     * {@link PacketBatch}); for each packet not from {@link #remote()} the source is set in the batch.
     * A socket may take more packets from the OS than the batch holds (a UDP GRO buffer) and keep the
     * rest for the next call, which its {@link #waitable()} then no longer shows; it does so only when it
     * returns the most it may ({@code min(batch.capacity(), batchSize())}), so a caller that got that many
     * reads again before waiting.
     *
     * @return the number of packets; 0 when none is ready
     * @throws LinkException on errors that end the link (a reset stream, a bad length prefix)
     */
    int receive(PacketBatch batch) throws LinkException;

    /**
     * Sends the packets in slots {@code from..count-1} to {@link #remote()}.
     *
     * @return how many were consumed (a datagram the OS rejects is dropped and counted as consumed);
     *         fewer than offered means "would block": wait for WRITE and retry the rest
     * @throws LinkException on errors that end the link
     */
    int send(PacketBatch batch, int from) throws LinkException;

    /** The current peer, or null while a listening UDP peer has not learnt it. */
    SocketAddress remote();

    /**
     * Sets the peer (a UDP peer learning or floating to an authenticated source address). Stream
     * sockets ignore it.
     */
    void remote(SocketAddress address);

    /** The bound local address, or null before binding. */
    SocketAddress local();

    /**
     * The kernel offloads this socket's sends and receives use, for {@code tunnel:status}: e.g.
     * {@code "udp gso, udp gro"}, or {@code "none"} (with the reason when the kernel refused them).
     * May change once, when the kernel refuses an offload at run time (GSO off after {@code EIO}).
     *
     * @since link 1.4
     */
    default String offloads() {
        return "none";
    }

    /** Releases the socket. Idempotent; never throws; any thread. */
    @Override
    void close();
}
