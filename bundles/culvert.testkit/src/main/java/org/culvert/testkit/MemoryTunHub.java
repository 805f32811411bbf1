package org.culvert.testkit;

import java.util.HashMap;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.culvert.api.tun.TunException;

/**
 * Where tests find the OS side of open memory tun devices by name. Static and thread-safe, so one
 * hub is shared by every user of this package (in OSGi: every bundle importing it). A device is listed
 * from its open until its close.
 */
public final class MemoryTunHub {
    private static final Object LOCK = new Object();
    /** Guarded by LOCK; small, so a plain map. */
    private static final Map<String, MemoryTunDevice> DEVICES = new HashMap<>();

    private MemoryTunHub() {
    }

    /** The OS side of the open device called {@code name}, or null. */
    public static MemoryTunOsSide osSide(String name) {
        synchronized (LOCK) {
            MemoryTunDevice d = DEVICES.get(name);
            return d == null ? null : d.osSide();
        }
    }

    /**
     * The OS side of the device called {@code name}, waiting up to {@code timeoutMillis} for it to be
     * opened (for tests where a tunnel opens the device on its own thread).
     *
     * @return null if no such device was opened in time
     */
    public static MemoryTunOsSide awaitOsSide(String name, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (LOCK) {
            while (true) {
                MemoryTunDevice d = DEVICES.get(name);
                if (d != null) {
                    return d.osSide();
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return null;
                }
                LOCK.wait(left);
            }
        }
    }

    /** Names of the open devices, sorted. */
    public static SortedSet<String> names() {
        synchronized (LOCK) {
            return new TreeSet<>(DEVICES.keySet());
        }
    }

    /** Names a new device (see {@link MemoryTunDriver#open}) and lists it. */
    static MemoryTunDevice register(String requested, Function<String, MemoryTunDevice> factory) throws TunException {
        synchronized (LOCK) {
            String name;
            if (requested == null || requested.isEmpty() || requested.equals("tun") || requested.equals("tap")) {
                int i = 0;
                while (DEVICES.containsKey("mem" + i)) {
                    i++;
                }
                name = "mem" + i;
            } else if (DEVICES.containsKey(requested)) {
                throw new TunException(TunException.Reason.DEVICE_BUSY, "memory tun device " + requested + " is already open");
            } else {
                name = requested;
            }
            MemoryTunDevice device = factory.apply(name);
            DEVICES.put(name, device);
            LOCK.notifyAll();
            return device;
        }
    }

    /** Forgets a closed device. */
    static void unregister(MemoryTunDevice device) {
        synchronized (LOCK) {
            DEVICES.remove(device.name(), device);
            LOCK.notifyAll();
        }
    }
}
