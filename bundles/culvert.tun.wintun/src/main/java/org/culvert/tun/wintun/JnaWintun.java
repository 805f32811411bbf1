package org.culvert.tun.wintun;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.UUID;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.WString;

/**
 * {@link WintunApi} on a real {@code wintun.dll}, loaded from an absolute path (never through the DLL
 * search path, which a user-writable directory could hijack) and released by {@link #close()}.
 * Written against wintun.h; it can only run on Windows.
 *
 * <p>Packet copies go through a per-session scratch array and a per-session JNA {@link Pointer} whose
 * address is moved to each packet, so they allocate nothing (two copies of up to 64 KiB: cheap next
 * to encryption).
 */
final class JnaWintun implements WintunApi {
    private static final Object BINDING = new Object();
    private static boolean bound;

    private final NativeLibrary library;
    private boolean closed;

    /**
     * Loads the DLL and binds {@link WintunDirect} to it.
     *
     * @throws IllegalStateException if another instance in this class loader still holds a binding
     * @throws UnsatisfiedLinkError  if the file is not a loadable wintun.dll for this process
     */
    JnaWintun(Path dll) {
        if (!dll.isAbsolute()) {
            throw new IllegalArgumentException("wintun.dll must be loaded by absolute path, not " + dll);
        }
        synchronized (BINDING) {
            if (bound) {
                throw new IllegalStateException("wintun.dll is already bound in this bundle");
            }
            library = NativeLibrary.getInstance(dll.toString());
            try {
                Native.register(WintunDirect.class, library);
            } catch (RuntimeException | LinkageError e) {
                library.close();
                throw e;
            }
            bound = true;
        }
    }

    @Override
    public long createAdapter(String name, String tunnelType, UUID requestedGuid) {
        Memory guid = null;
        if (requestedGuid != null) {
            guid = new Memory(16);
            // GUID layout: Data1 (DWORD), Data2, Data3 (WORD) little-endian, then Data4 as bytes.
            ByteBuffer b = guid.getByteBuffer(0, 16).order(ByteOrder.LITTLE_ENDIAN);
            long msb = requestedGuid.getMostSignificantBits();
            long lsb = requestedGuid.getLeastSignificantBits();
            b.putInt(0, (int) (msb >>> 32)).putShort(4, (short) (msb >>> 16)).putShort(6, (short) msb);
            for (int i = 0; i < 8; i++) {
                b.put(8 + i, (byte) (lsb >>> (56 - 8 * i)));
            }
        }
        try {
            return WintunDirect.WintunCreateAdapter(new WString(name), new WString(tunnelType), guid);
        } finally {
            if (guid != null) {
                guid.close();
            }
        }
    }

    @Override
    public long openAdapter(String name) {
        return WintunDirect.WintunOpenAdapter(new WString(name));
    }

    @Override
    public void closeAdapter(long adapter) {
        WintunDirect.WintunCloseAdapter(adapter);
    }

    @Override
    public long adapterLuid(long adapter) {
        try (Memory luid = new Memory(8)) {
            WintunDirect.WintunGetAdapterLUID(adapter, luid);
            return luid.getLong(0);
        }
    }

    @Override
    public int runningDriverVersion() {
        return WintunDirect.WintunGetRunningDriverVersion();
    }

    @Override
    public Session startSession(long adapter, int capacity) {
        long session = WintunDirect.WintunStartSession(adapter, capacity);
        return session == 0 ? null : new JnaSession(session);
    }

    @Override
    public int lastError() {
        return Native.getLastError();
    }

    @Override
    public void close() {
        synchronized (BINDING) {
            if (closed) {
                return;
            }
            closed = true;
            Native.unregister(WintunDirect.class);
            library.close();
            bound = false;
        }
    }

    private static final class JnaSession implements Session {
        private final long session;
        private final Memory packetSize = new Memory(4);
        private final long packetSizeAddress = Pointer.nativeValue(packetSize);
        private final Pointer cursor = new Pointer(0);
        private final byte[] receiveScratch = new byte[MAX_IP_PACKET_SIZE];
        private final byte[] sendScratch = new byte[MAX_IP_PACKET_SIZE];

        JnaSession(long session) {
            this.session = session;
        }

        @Override
        public long readWaitEvent() {
            return WintunDirect.WintunGetReadWaitEvent(session);
        }

        @Override
        public long receivePacket() {
            return WintunDirect.WintunReceivePacket(session, packetSizeAddress);
        }

        @Override
        public int receivedPacketSize() {
            return packetSize.getInt(0);
        }

        @Override
        public void copyFromPacket(long packet, int length, ByteBuffer dst, int dstIndex) {
            Pointer.nativeValue(cursor, packet);
            cursor.read(0, receiveScratch, 0, length);
            dst.put(dstIndex, receiveScratch, 0, length);
        }

        @Override
        public void releaseReceivePacket(long packet) {
            WintunDirect.WintunReleaseReceivePacket(session, packet);
        }

        @Override
        public long allocateSendPacket(int size) {
            return WintunDirect.WintunAllocateSendPacket(session, size);
        }

        @Override
        public void copyToPacket(ByteBuffer src, int srcIndex, int length, long packet) {
            src.get(srcIndex, sendScratch, 0, length);
            Pointer.nativeValue(cursor, packet);
            cursor.write(0, sendScratch, 0, length);
        }

        @Override
        public void sendPacket(long packet) {
            WintunDirect.WintunSendPacket(session, packet);
        }

        @Override
        public void end() {
            WintunDirect.WintunEndSession(session);
            packetSize.close();
        }
    }
}
