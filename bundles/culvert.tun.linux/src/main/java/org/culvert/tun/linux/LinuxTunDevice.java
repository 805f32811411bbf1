package org.culvert.tun.linux;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicBoolean;

import org.culvert.api.event.FdWaitable;
import org.culvert.api.event.Waitable;
import org.culvert.api.packet.PacketBatch;
import org.culvert.api.tun.TunDevice;
import org.culvert.api.tun.TunException;
import org.culvert.api.tun.TunException.Reason;
import org.culvert.api.tun.TunLayer;
import org.culvert.platform.linux.DirectBuffers;
import org.culvert.platform.linux.LibC;
import org.culvert.platform.linux.NativeFd;

/**
 * An open {@code /dev/net/tun} descriptor attached to one interface, in non-blocking mode with
 * {@code IFF_NO_PI}: every {@code read(2)} yields one IP packet (tun) or Ethernet frame (tap), every
 * {@code write(2)} injects one. Opened with {@code IFF_VNET_HDR} (the offload path, see
 * {@link LinuxTunDriver}), reads go through a {@link VnetTunReader} (which splits the kernel's GSO
 * packets: one read may fill many slots) and writes through a {@link VnetTunWriter}.
 *
 * <p>Threading: {@link #read} and {@link #write} run on the tunnel's loop thread and allocate
 * nothing (slot addresses come from the batch's backing buffer, whose address is cached per
 * direction). {@link #close()} may run on any thread; it marks the device closed first, so new
 * reads and writes fail with {@link Reason#CLOSED}, and the descriptor number is released only when
 * a read or write in progress has left ({@link NativeFd}).
 */
final class LinuxTunDevice implements TunDevice {
    private static final System.Logger LOG = System.getLogger(LinuxTunDevice.class.getName());

    private final NativeFd fd;
    private final String name;
    private final TunLayer layer;
    private final int mtu;
    private final int batchSize;
    /** The offload path's reader and writer when the device was opened with {@code IFF_VNET_HDR}; null otherwise. */
    private final VnetTunReader vnetReader;
    private final VnetTunWriter vnetWriter;
    private final String offloads;
    private final FdWaitable waitable;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final DirectBuffers.AddressCache readAddresses = new DirectBuffers.AddressCache();
    private final DirectBuffers.AddressCache writeAddresses = new DirectBuffers.AddressCache();
    /** Runs the {@code --down} script; set once the {@code --up} script (if any) has succeeded. */
    private volatile Runnable downAction;
    private final boolean downBeforeClose;
    /** Undoes what the device's setup changed outside the device (routes through other devices, DNS); newest first. */
    private final Deque<Runnable> teardown = new ArrayDeque<>();

    LinuxTunDevice(int fd, String name, TunLayer layer, int mtu, int batchSize, boolean downBeforeClose) {
        this(fd, name, layer, mtu, batchSize, downBeforeClose, false, "none");
    }

    /**
     * @param vnet     the descriptor was opened with {@code IFF_VNET_HDR} (and its header size set):
     *                 every read and write carries a {@link VirtioNetHdr}
     * @param offloads what {@link #offloads()} reports
     */
    LinuxTunDevice(int fd, String name, TunLayer layer, int mtu, int batchSize, boolean downBeforeClose, boolean vnet,
            String offloads) {
        this.fd = new NativeFd(fd);
        this.vnetReader = vnet ? new VnetTunReader(name) : null;
        // UDP datagrams are merged only where the kernel took USO (TUNSETOFFLOAD with TUN_F_USO4/6).
        this.vnetWriter = vnet ? new VnetTunWriter(name, batchSize, true, offloads.contains("uso4")) : null;
        this.offloads = offloads;
        this.name = name;
        this.layer = layer;
        this.mtu = mtu;
        this.batchSize = batchSize;
        this.downBeforeClose = downBeforeClose;
        this.waitable = new FdWaitable(fd);
    }

    void downAction(Runnable action) {
        this.downAction = action;
    }

    /** Registers what undoes one change the setup has just made; run in reverse order on close. */
    void addTeardown(Runnable undo) {
        synchronized (teardown) {
            teardown.push(undo);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int mtu() {
        return mtu;
    }

    @Override
    public TunLayer layer() {
        return layer;
    }

    @Override
    public int batchSize() {
        return batchSize;
    }

    @Override
    public String offloads() {
        // GRO goes off for good if the kernel keeps refusing merged packets: then this says so.
        return vnetWriter == null ? offloads : offloads + ", " + vnetWriter.gro().offloads();
    }

    /** The offload path's writer (for its counters), or null on the plain path. */
    VnetTunWriter vnetWriter() {
        return vnetWriter;
    }

    /** The offload path's reader (for its counters), or null on the plain path. */
    VnetTunReader vnetReader() {
        return vnetReader;
    }

    @Override
    public Waitable waitable() {
        return waitable;
    }

    /**
     * Reads packets until the kernel has none ({@code EAGAIN}) or the batch is full; each lands at
     * the slot's headroom. A packet larger than a slot's room ({@code slotSize - headroom}) is
     * dropped: the kernel cuts it (a tun packet whose IP length exceeds what was read is recognised
     * and skipped) or fails the read. Tap frames cannot be checked, so tap slots must hold
     * {@code mtu + 18} bytes after the headroom.
     */
    @Override
    public int read(PacketBatch batch) throws TunException {
        if (closed.get() || !fd.acquire()) {
            throw closedException("read");
        }
        try {
            int max = Math.min(batch.capacity(), batchSize);
            if (vnetReader != null) {
                return vnetReader.read(fd, batch, max);
            }
            long base = readAddresses.address(batch.backing());
            int headroom = batch.headroom();
            long room = batch.slotSize() - headroom;
            int count = 0;
            // Oversized packets are dropped one per read; bounding them keeps this call short.
            int dropped = 0;
            while (count < max) {
                ByteBuffer slot = batch.prepareSlot(count);
                long n = LibC.read(fd.fd(), base + batch.slotOffset(count) + headroom, room);
                if (n > 0) {
                    if (n == room && layer == TunLayer.TUN
                            && truncated(batch.backing(), batch.slotOffset(count) + headroom, (int) n)) {
                        // The kernel cut a packet larger than the slot: drop it, as it could not be forwarded whole.
                        if (++dropped >= max) {
                            break;
                        }
                        continue;
                    }
                    slot.limit(headroom + (int) n);
                    count++;
                    continue;
                }
                if (n == 0) {
                    break;
                }
                int err = LibC.errno();
                int next = TunErrno.onRead(err);
                if (next == TunErrno.STOP || next == TunErrno.SKIP && ++dropped >= max) {
                    break;
                }
                if (next == TunErrno.FAIL) {
                    batch.count(count);
                    throw TunErrno.failure("read", name, err);
                }
            }
            batch.count(count);
            return count;
        } finally {
            fd.release();
        }
    }

    /** True when the IP header at {@code at} announces more than the {@code n} bytes read. */
    private static boolean truncated(ByteBuffer backing, int at, int n) {
        int version = (backing.get(at) & 0xF0) >>> 4;
        int length;
        if (version == 4 && n >= 4) {
            length = backing.getShort(at + 2) & 0xFFFF;
        } else if (version == 6 && n >= 6) {
            length = 40 + (backing.getShort(at + 4) & 0xFFFF);
        } else {
            return false;
        }
        return length > n;
    }

    /**
     * One {@code write(2)} per packet. {@code EAGAIN} (or {@code ENOBUFS}) stops early; a packet the
     * kernel rejects as malformed ({@code EINVAL}, {@code EFAULT}, {@code EMSGSIZE}) is dropped and
     * counted as consumed.
     */
    @Override
    public int write(PacketBatch batch, int from) throws TunException {
        if (from < 0 || from > batch.count()) {
            throw new IndexOutOfBoundsException("from " + from + " of " + batch.count());
        }
        if (closed.get() || !fd.acquire()) {
            throw closedException("write");
        }
        try {
            if (vnetWriter != null) {
                return vnetWriter.write(fd, batch, from);
            }
            long base = writeAddresses.address(batch.backing());
            int count = batch.count();
            int i = from;
            while (i < count) {
                ByteBuffer slot = batch.slot(i);
                long n = LibC.write(fd.fd(), base + batch.slotOffset(i) + slot.position(), slot.remaining());
                if (n >= 0) {
                    i++;
                    continue;
                }
                int err = LibC.errno();
                int next = TunErrno.onWrite(err);
                if (next == TunErrno.STOP) {
                    break;
                }
                if (next == TunErrno.FAIL) {
                    throw TunErrno.failure("write", name, err);
                }
                i += next == TunErrno.SKIP ? 1 : 0;
            }
            return i - from;
        } finally {
            fd.release();
        }
    }

    /**
     * Undoes the routes and DNS settings the setup made (as OpenVPN's {@code delete_routes} before
     * the device goes), runs the {@code --down} script (after releasing the device, as OpenVPN does,
     * or before it with the driver option {@code down-pre=true}) and releases the descriptor; the
     * kernel then deletes the non-persistent interface with its addresses and remaining routes.
     * Idempotent; never throws.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        runTeardown();
        Runnable down = downAction;
        if (down != null && downBeforeClose) {
            runDown(down);
        }
        fd.close();
        if (down != null && !downBeforeClose) {
            runDown(down);
        }
        LOG.log(System.Logger.Level.DEBUG, "closed {0}", name);
    }

    /** Undoes the setup's changes and releases the descriptor without running {@code --down}: for a failed open. */
    void release() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        runTeardown();
        fd.close();
    }

    private void runTeardown() {
        while (true) {
            Runnable undo;
            synchronized (teardown) {
                undo = teardown.poll();
            }
            if (undo == null) {
                return;
            }
            try {
                undo.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "undoing the setup of " + name + " failed", e);
            }
        }
    }

    boolean isClosed() {
        return closed.get();
    }

    private void runDown(Runnable down) {
        try {
            down.run();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "--down script for " + name + " failed", e);
        }
    }

    private TunException closedException(String operation) {
        return new TunException(Reason.CLOSED, operation + " on closed device " + name);
    }


    @Override
    public String toString() {
        return "linux " + layer.optionName() + " device " + name + (closed.get() ? " (closed)" : "");
    }
}
