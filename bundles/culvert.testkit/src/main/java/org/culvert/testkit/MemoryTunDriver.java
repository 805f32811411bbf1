package org.culvert.testkit;

import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.culvert.api.tun.TunDevice;
import org.culvert.api.tun.TunDriver;
import org.culvert.api.tun.TunException;
import org.culvert.api.tun.TunSpec;

/**
 * A tun/tap driver whose devices live in memory: what a device writes, a test takes from its
 * {@link MemoryTunOsSide} (found by name in {@link MemoryTunHub}); what a test injects there, the
 * device reads. Both layers are served; no address, route or script of the spec is applied.
 *
 * <p>Thread-safe. Counts the devices it opened and closed, so tests can see that a tunnel releases its
 * device. The {@code culvert.tun.memory} bundle registers a subclass as its {@code TunDriver} service.
 */
public class MemoryTunDriver implements TunDriver {
    /** Packets each direction of a device queues before the injector is refused or the device stops being writable. */
    public static final int DEFAULT_QUEUE_CAPACITY = 1024;
    /** Packets one read or write handles. */
    public static final int DEFAULT_BATCH_SIZE = 32;

    private final int queueCapacity;
    private final int batchSize;
    private final AtomicInteger opens = new AtomicInteger();
    private final AtomicInteger closes = new AtomicInteger();
    private final Set<MemoryTunDevice> openDevices = ConcurrentHashMap.newKeySet();

    public MemoryTunDriver() {
        this(DEFAULT_QUEUE_CAPACITY, DEFAULT_BATCH_SIZE);
    }

    /**
     * @param queueCapacity packets each direction of a device holds (at least 1)
     * @param batchSize packets one read or write handles (at least 1)
     */
    public MemoryTunDriver(int queueCapacity, int batchSize) {
        if (queueCapacity < 1 || batchSize < 1) {
            throw new IllegalArgumentException("queueCapacity " + queueCapacity + ", batchSize " + batchSize);
        }
        this.queueCapacity = queueCapacity;
        this.batchSize = batchSize;
    }

    /**
     * Opens a device named as the spec says, or {@code mem0}, {@code mem1}... (the lowest free) when the
     * name is {@code tun}, {@code tap} or null.
     *
     * @throws TunException DEVICE_BUSY when a device of that name is open
     */
    @Override
    public MemoryTunDevice open(TunSpec spec) throws TunException {
        Objects.requireNonNull(spec, "spec");
        MemoryTunDevice device = MemoryTunHub.register(spec.name(),
                name -> new MemoryTunDevice(this, name, spec.layer(), spec.mtu(), queueCapacity, batchSize));
        openDevices.add(device);
        opens.incrementAndGet();
        return device;
    }

    /** Called once by each device on its first close. */
    void closed(MemoryTunDevice device) {
        if (openDevices.remove(device)) {
            closes.incrementAndGet();
        }
    }

    /** Devices opened so far. */
    public int openCount() {
        return opens.get();
    }

    /** Devices closed so far (each counted once, however often it was closed). */
    public int closeCount() {
        return closes.get();
    }

    /** Devices opened and not yet closed. */
    public int openDeviceCount() {
        return openDevices.size();
    }

    /** Closes every device this driver opened that is still open (e.g. when its bundle stops). */
    public void closeAll() {
        for (TunDevice d : openDevices.toArray(new TunDevice[0])) {
            d.close();
        }
    }
}
