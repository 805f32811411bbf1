package org.culvert.tun.wintun;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.culvert.platform.win32.Kernel32Api;
import org.culvert.platform.win32.fake.FakeKernel32;

/**
 * wintun.dll in Java, following wintun.h: adapters opened by name or created (an adapter created by
 * this process disappears on {@code WintunCloseAdapter}); sessions with a ring capacity that must be
 * a power of two in 128 KiB..64 MiB; ring space of {@code align4(4 + size)} per packet; an auto-reset
 * read-wait event (made in the fake kernel32, so the win32 backend can wait on it) that the "driver"
 * signals when a packet arrives; {@code ERROR_NO_MORE_ITEMS} when the receive ring is empty,
 * {@code ERROR_BUFFER_OVERFLOW} when the send ring is full, {@code ERROR_HANDLE_EOF} once the adapter
 * terminates. Last errors go through the fake kernel32, as on Windows where both are
 * {@code GetLastError}. Use after {@code WintunEndSession}/{@code WintunCloseAdapter} is recorded in
 * {@link #violations()}. Thread-safe (one monitor).
 */
final class FakeWintun implements WintunApi {
    private final FakeKernel32 k32;
    private final Map<Long, Adapter> adapters = new HashMap<>();
    private final Map<String, Adapter> byName = new HashMap<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private long nextHandle = 0x7000_0000L;
    private boolean closed;

    // Knobs.
    int driverVersion = 14; // 0.14
    int createError;
    int startSessionError;
    final List<FakeSession> sessions = new ArrayList<>();

    FakeWintun(FakeKernel32 k32) {
        this.k32 = k32;
    }

    final class Adapter {
        final long handle;
        final String name;
        final boolean created;
        boolean open = true;
        boolean inSession;

        Adapter(long handle, String name, boolean created) {
            this.handle = handle;
            this.name = name;
            this.created = created;
        }
    }

    /** An adapter that exists before the test (installed by someone else). */
    synchronized void addExistingAdapter(String name) {
        byName.put(name.toLowerCase(java.util.Locale.ROOT), new Adapter(0, name, false));
    }

    synchronized boolean adapterExists(String name) {
        return byName.containsKey(name.toLowerCase(java.util.Locale.ROOT));
    }

    List<String> violations() {
        return new ArrayList<>(violations);
    }

    private long fail(int error) {
        k32.setLastError(error);
        return 0;
    }

    @Override
    public synchronized long createAdapter(String name, String tunnelType, UUID requestedGuid) {
        if (createError != 0) {
            return fail(createError);
        }
        if (adapterExists(name)) {
            return fail(Kernel32Api.ERROR_ALREADY_EXISTS);
        }
        long h = nextHandle += 8;
        Adapter a = new Adapter(h, name, true);
        adapters.put(h, a);
        byName.put(name.toLowerCase(java.util.Locale.ROOT), a);
        return h;
    }

    @Override
    public synchronized long openAdapter(String name) {
        Adapter existing = byName.get(name.toLowerCase(java.util.Locale.ROOT));
        if (existing == null) {
            return fail(Kernel32Api.ERROR_FILE_NOT_FOUND);
        }
        long h = nextHandle += 8;
        Adapter a = new Adapter(h, existing.name, false);
        adapters.put(h, a);
        return h;
    }

    @Override
    public synchronized void closeAdapter(long adapter) {
        Adapter a = adapters.get(adapter);
        if (a == null || !a.open) {
            violations.add("WintunCloseAdapter on a closed or unknown handle");
            return;
        }
        a.open = false;
        if (a.created) {
            byName.remove(a.name.toLowerCase(java.util.Locale.ROOT));
        }
    }

    @Override
    public synchronized long adapterLuid(long adapter) {
        return adapter * 31;
    }

    @Override
    public int runningDriverVersion() {
        if (driverVersion == 0) {
            return (int) fail(Kernel32Api.ERROR_FILE_NOT_FOUND);
        }
        return driverVersion;
    }

    @Override
    public synchronized Session startSession(long adapter, int capacity) {
        Adapter a = adapters.get(adapter);
        if (a == null || !a.open) {
            violations.add("WintunStartSession on a closed adapter");
            fail(Kernel32Api.ERROR_INVALID_HANDLE);
            return null;
        }
        if (capacity < MIN_RING_CAPACITY || capacity > MAX_RING_CAPACITY || Integer.bitCount(capacity) != 1) {
            fail(Kernel32Api.ERROR_INVALID_PARAMETER);
            return null;
        }
        if (startSessionError != 0) {
            fail(startSessionError);
            return null;
        }
        FakeSession s = new FakeSession(capacity);
        sessions.add(s);
        return s;
    }

    @Override
    public int lastError() {
        return k32.getLastError();
    }

    @Override
    public synchronized void close() {
        closed = true;
    }

    synchronized boolean isClosed() {
        return closed;
    }

    static int slotBytes(int size) {
        return (4 + size + 3) & ~3;
    }

    /** One session: the ring towards the application (OS → device) and the ring towards the driver. */
    final class FakeSession implements Session {
        private final int capacity;
        private final long readEvent = k32.createEvent(false, false);
        private final ArrayDeque<byte[]> toApp = new ArrayDeque<>();
        private final Map<Long, byte[]> received = new HashMap<>();
        private final Map<Long, byte[]> allocated = new HashMap<>();
        private final ArrayDeque<byte[]> sent = new ArrayDeque<>();
        private int toAppBytes;
        private int toDriverBytes;
        private int lastSize;
        private long nextPacket = 0x10_0000L;
        private boolean ended;
        private boolean terminated;
        int droppedAtOs;

        FakeSession(int capacity) {
            this.capacity = capacity;
        }

        private boolean usable(String call) {
            if (ended) {
                violations.add(call + " after WintunEndSession (thread " + Thread.currentThread().getName() + ")");
                return false;
            }
            return true;
        }

        @Override
        public long readWaitEvent() {
            synchronized (FakeWintun.this) {
                usable("WintunGetReadWaitEvent");
                return readEvent;
            }
        }

        @Override
        public long receivePacket() {
            synchronized (FakeWintun.this) {
                if (!usable("WintunReceivePacket")) {
                    return fail(Kernel32Api.ERROR_INVALID_HANDLE);
                }
                if (terminated) {
                    return fail(Kernel32Api.ERROR_HANDLE_EOF);
                }
                byte[] p = toApp.poll();
                if (p == null) {
                    return fail(Kernel32Api.ERROR_NO_MORE_ITEMS);
                }
                long h = nextPacket += 0x100;
                received.put(h, p);
                lastSize = p.length;
                return h;
            }
        }

        @Override
        public int receivedPacketSize() {
            synchronized (FakeWintun.this) {
                return lastSize;
            }
        }

        @Override
        public void copyFromPacket(long packet, int length, ByteBuffer dst, int dstIndex) {
            synchronized (FakeWintun.this) {
                byte[] p = received.get(packet);
                if (!usable("copy from packet") || p == null) {
                    violations.add("copy from a packet that is not held");
                    return;
                }
                dst.put(dstIndex, p, 0, length);
            }
        }

        @Override
        public void releaseReceivePacket(long packet) {
            synchronized (FakeWintun.this) {
                byte[] p = received.remove(packet);
                if (!usable("WintunReleaseReceivePacket") || p == null) {
                    violations.add("release of a packet that is not held");
                    return;
                }
                toAppBytes -= slotBytes(p.length);
            }
        }

        @Override
        public long allocateSendPacket(int size) {
            synchronized (FakeWintun.this) {
                if (!usable("WintunAllocateSendPacket")) {
                    return fail(Kernel32Api.ERROR_INVALID_HANDLE);
                }
                if (terminated) {
                    return fail(Kernel32Api.ERROR_HANDLE_EOF);
                }
                if (size > MAX_IP_PACKET_SIZE) {
                    return fail(Kernel32Api.ERROR_INVALID_PARAMETER);
                }
                // As wintun: the space must exceed the packet by one alignment unit.
                if (toDriverBytes + slotBytes(size) > capacity - 4) {
                    return fail(Kernel32Api.ERROR_BUFFER_OVERFLOW);
                }
                toDriverBytes += slotBytes(size);
                long h = nextPacket += 0x100;
                allocated.put(h, new byte[size]);
                return h;
            }
        }

        @Override
        public void copyToPacket(ByteBuffer src, int srcIndex, int length, long packet) {
            synchronized (FakeWintun.this) {
                byte[] p = allocated.get(packet);
                if (!usable("copy to packet") || p == null || length != p.length) {
                    violations.add("copy into a packet that is not allocated, or of another size");
                    return;
                }
                src.get(srcIndex, p, 0, length);
            }
        }

        @Override
        public void sendPacket(long packet) {
            synchronized (FakeWintun.this) {
                byte[] p = allocated.remove(packet);
                if (!usable("WintunSendPacket") || p == null) {
                    violations.add("send of a packet that is not allocated");
                    return;
                }
                sent.add(p);
                FakeWintun.this.notifyAll();
            }
        }

        @Override
        public void end() {
            synchronized (FakeWintun.this) {
                if (ended) {
                    violations.add("WintunEndSession twice");
                    return;
                }
                ended = true;
                k32.closeHandle(readEvent);
            }
        }

        // ---- the OS / driver side ----

        /** The OS routes a packet into the adapter: queued for the application, read-wait event signalled; dropped when the ring is full. */
        boolean inject(byte[] packet) {
            synchronized (FakeWintun.this) {
                if (ended || terminated || toAppBytes + slotBytes(packet.length) > capacity - 4) {
                    droppedAtOs++;
                    return false;
                }
                toApp.add(packet);
                toAppBytes += slotBytes(packet.length);
                k32.setEvent(readEvent);
                return true;
            }
        }

        /** The driver consumes the next packet the application sent, freeing its ring space; null after the timeout. */
        byte[] takeSent(long timeoutMillis) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            synchronized (FakeWintun.this) {
                while (sent.isEmpty()) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return null;
                    }
                    TimeUnit.NANOSECONDS.timedWait(FakeWintun.this, left);
                }
                byte[] p = sent.poll();
                toDriverBytes -= slotBytes(p.length);
                return p;
            }
        }

        int sentWaiting() {
            synchronized (FakeWintun.this) {
                return sent.size();
            }
        }

        /** The adapter terminates (disabled, removed): every call now fails with ERROR_HANDLE_EOF; a waiting reader wakes. */
        void terminate() {
            synchronized (FakeWintun.this) {
                terminated = true;
                if (!ended) {
                    k32.setEvent(readEvent);
                }
            }
        }

        boolean isEnded() {
            synchronized (FakeWintun.this) {
                return ended;
            }
        }

        long readEventHandle() {
            return readEvent;
        }
    }
}
