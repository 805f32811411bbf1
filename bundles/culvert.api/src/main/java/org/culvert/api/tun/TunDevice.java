package org.culvert.api.tun;

import org.culvert.api.event.Waitable;
import org.culvert.api.packet.PacketBatch;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * An open tun/tap device: the wireguard-go {@code tun.Device} shape. Reads and writes are
 * non-blocking and work on batches of caller-owned buffers with header room.
 *
 * <p>Threading: {@link #read}, {@link #write} and {@link #prepareWait} are called only by the owning
 * tunnel's loop thread, never concurrently. {@link #close()} may come from another thread; reads and
 * writes after (or racing with) close fail with {@link TunException.Reason#CLOSED} and never touch a
 * released OS handle.
 */
@ConsumerType
public interface TunDevice extends AutoCloseable {
    /** The OS name of the device (e.g. {@code tun0}). */
    String name();

    int mtu();

    TunLayer layer();

    /** The most packets one {@link #read} or {@link #write} call handles; constant for the device's life. */
    int batchSize();

    /**
     * What the event set waits on for this device ({@link org.culvert.api.event.EventSet#READ} = a packet
     * can be read); null for a device that is never readable and never refuses a write (the
     * {@link TunLayer#NULL null} device), which the loop then does not wait on. A driver whose devices
     * have no waitable registers no {@code culvert.plugin.handle.kinds}.
     */
    Waitable waitable();

    /**
     * Called by the loop before every wait with the interest it will register (OpenVPN's
     * {@code tun_set}). Devices with overlapped I/O queue their next read here so its completion
     * signals the waitable; others do nothing.
     */
    default void prepareWait(int interest) {
    }

    /**
     * Reads up to {@code min(batch.capacity(), batchSize())} packets into slots 0.. of {@code batch}
     * (see {@link PacketBatch} for the framing) and sets {@code batch.count()}.
     *
     * @return the number of packets read; 0 when none is ready
     * @throws TunException on device errors; the device is then unusable
     */
    int read(PacketBatch batch) throws TunException;

    /**
     * Writes the packets in slots {@code from..batch.count()-1}, each exactly {@code position..limit}.
     * A packet the OS refuses as malformed is dropped and counted as written (the kernel would drop
     * it too); a full queue stops the call early.
     *
     * @return how many packets (from {@code from}) were consumed; fewer than offered means "would
     *         block": wait for {@link org.culvert.api.event.EventSet#WRITE} and retry the rest
     * @throws TunException on device errors
     */
    int write(PacketBatch batch, int from) throws TunException;

    /**
     * The kernel offloads this device's reads and writes use, for {@code tunnel:status}: e.g.
     * {@code "vnet-hdr: tso4 tso6 uso csum, gso split, gro tcp"}, or {@code "none"} with the reason
     * when the device runs without them (tap, an old kernel, a setting that refuses them).
     * May change once, when the kernel refuses merged writes and the device turns GRO off.
     *
     * @since tun 1.3
     */
    default String offloads() {
        return "none";
    }

    /**
     * Runs the {@code --down} script, deconfigures and releases the device. Idempotent; never throws;
     * may be called from any thread.
     */
    @Override
    void close();
}
