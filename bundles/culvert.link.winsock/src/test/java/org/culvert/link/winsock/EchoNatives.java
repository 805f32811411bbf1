package org.culvert.link.winsock;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.culvert.platform.win32.HandleArray;
import org.culvert.platform.win32.Kernel32Api;
import org.culvert.platform.win32.OverlappedIo;
import org.culvert.platform.win32.winsock.NetworkEvents;
import org.culvert.platform.win32.winsock.SockAddr;
import org.culvert.platform.win32.winsock.Ws2Api;

/**
 * Natives that allocate nothing once set up, so that an allocation measurement sees only the
 * transport's own allocations (the fakes allocate freely). One socket talking to itself: what it
 * sends comes back from the address it was sent to (its remote), datagrams in a ring of slots and a
 * stream in a byte ring. Events are plain numbers; waits time out. One thread.
 */
final class EchoNatives {
    private EchoNatives() {
    }

    static final class Kernel32 implements Kernel32Api {
        private long nextHandle = 0x1000;

        @Override
        public int getLastError() {
            return 0;
        }

        @Override
        public long createEvent(boolean manualReset, boolean initialState) {
            nextHandle += 4;
            return nextHandle;
        }

        @Override
        public boolean setEvent(long event) {
            return true;
        }

        @Override
        public boolean resetEvent(long event) {
            return true;
        }

        @Override
        public long createWaitableTimer(boolean manualReset) {
            return createEvent(manualReset, false);
        }

        @Override
        public boolean setWaitableTimer(long timer, long dueTime100ns) {
            return true;
        }

        @Override
        public boolean closeHandle(long handle) {
            return true;
        }

        @Override
        public int waitForSingleObject(long handle, int millis) {
            return WAIT_TIMEOUT;
        }

        @Override
        public HandleArray newHandleArray(int capacity) {
            long[] handles = new long[capacity];
            return new HandleArray() {
                @Override
                public int capacity() {
                    return handles.length;
                }

                @Override
                public void set(int index, long handle) {
                    handles[index] = handle;
                }

                @Override
                public long get(int index) {
                    return handles[index];
                }
            };
        }

        @Override
        public int waitForMultipleObjects(HandleArray handles, int count, int millis) {
            return WAIT_TIMEOUT;
        }

        @Override
        public long createFile(String path, int access, int shareMode, int creationDisposition, int flagsAndAttributes) {
            return INVALID_HANDLE_VALUE;
        }

        @Override
        public boolean deviceIoControl(long device, int controlCode, byte[] in, byte[] out, int[] bytesReturned) {
            return false;
        }

        @Override
        public OverlappedIo newOverlappedIo(long event, int bufferSize) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean readFile(long file, OverlappedIo io, int length) {
            return false;
        }

        @Override
        public boolean writeFile(long file, OverlappedIo io, int length) {
            return false;
        }

        @Override
        public boolean getOverlappedResult(long file, OverlappedIo io, boolean wait) {
            return false;
        }

        @Override
        public boolean cancelIoEx(long file, OverlappedIo io) {
            return false;
        }
    }

    private static final class Cell implements SockAddr {
        private final ByteBuffer storage = ByteBuffer.allocateDirect(STORAGE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        private int length;

        @Override
        public ByteBuffer storage() {
            return storage;
        }

        @Override
        public int length() {
            return length;
        }

        @Override
        public void length(int length) {
            this.length = length;
        }
    }

    private static final class Events implements NetworkEvents {
        int events;

        @Override
        public int events() {
            return events;
        }

        @Override
        public int errorCode(int bit) {
            return 0;
        }
    }

    static final class Ws2 implements Ws2Api {
        private static final int SLOTS = 256;
        private static final int SLOT_SIZE = 2048;
        private final ByteBuffer datagrams = ByteBuffer.allocateDirect(SLOTS * SLOT_SIZE);
        private final int[] datagramLengths = new int[SLOTS];
        private final ByteBuffer lastTo = ByteBuffer.allocateDirect(SockAddr.STORAGE_SIZE);
        private int lastToLength;
        private int head;
        private int queued;
        private final ByteBuffer stream = ByteBuffer.allocateDirect(1 << 18);
        private int streamStart;
        private int streamSize;
        private int pendingEvents;
        private int lastError;
        private long nextSocket = 0x100;

        @Override
        public int wsaStartup() {
            return 0;
        }

        @Override
        public int wsaCleanup() {
            return 0;
        }

        @Override
        public int wsaGetLastError() {
            return lastError;
        }

        private int wouldBlock() {
            lastError = WSAEWOULDBLOCK;
            return SOCKET_ERROR;
        }

        @Override
        public long socket(int af, int type, int protocol) {
            nextSocket += 4;
            return nextSocket;
        }

        @Override
        public int closeSocket(long s) {
            return 0;
        }

        @Override
        public int bind(long s, SockAddr name) {
            return 0;
        }

        @Override
        public int connect(long s, SockAddr name) {
            pendingEvents = FD_CONNECT | FD_WRITE;
            return wouldBlock();
        }

        @Override
        public int listen(long s, int backlog) {
            return 0;
        }

        @Override
        public long accept(long s, SockAddr peer) {
            lastError = WSAEWOULDBLOCK;
            return INVALID_SOCKET;
        }

        @Override
        public int getSockName(long s, SockAddr name) {
            ByteBuffer b = name.storage();
            b.put(0, (byte) AF_INET).put(1, (byte) 0).put(2, (byte) 0x13).put(3, (byte) 0x88);
            b.put(4, (byte) 127).put(5, (byte) 0).put(6, (byte) 0).put(7, (byte) 1);
            name.length(16);
            return 0;
        }

        @Override
        public int setSockOptInt(long s, int level, int option, int value) {
            return 0;
        }

        @Override
        public int getSockOptInt(long s, int level, int option, int[] value) {
            value[0] = 0;
            return 0;
        }

        @Override
        public int wsaIoctlInt(long s, int code, int value) {
            return 0;
        }

        @Override
        public int wsaEventSelect(long s, long event, int networkEvents) {
            return 0;
        }

        @Override
        public int wsaEnumNetworkEvents(long s, long event, NetworkEvents out) {
            ((Events) out).events = pendingEvents;
            pendingEvents = 0;
            return 0;
        }

        @Override
        public int recv(long s, ByteBuffer buffer, int offset, int length, int flags) {
            if (streamSize == 0) {
                return wouldBlock();
            }
            int n = Math.min(length, streamSize);
            for (int i = 0; i < n; i++) {
                buffer.put(offset + i, stream.get((streamStart + i) % stream.capacity()));
            }
            streamStart = (streamStart + n) % stream.capacity();
            streamSize -= n;
            return n;
        }

        @Override
        public int recvFrom(long s, ByteBuffer buffer, int offset, int length, int flags, SockAddr from) {
            if (queued == 0) {
                return wouldBlock();
            }
            int slot = head;
            int n = datagramLengths[slot];
            buffer.put(offset, datagrams, slot * SLOT_SIZE, n);
            from.storage().put(0, lastTo, 0, lastToLength);
            from.length(lastToLength);
            head = (head + 1) % SLOTS;
            queued--;
            return n;
        }

        @Override
        public int send(long s, ByteBuffer buffer, int offset, int length, int flags) {
            int room = stream.capacity() - streamSize;
            if (room == 0) {
                return wouldBlock();
            }
            int n = Math.min(room, length);
            for (int i = 0; i < n; i++) {
                stream.put((streamStart + streamSize + i) % stream.capacity(), buffer.get(offset + i));
            }
            streamSize += n;
            return n;
        }

        @Override
        public int sendTo(long s, ByteBuffer buffer, int offset, int length, int flags, SockAddr to) {
            if (queued == SLOTS) {
                return wouldBlock();
            }
            int slot = (head + queued) % SLOTS;
            datagrams.put(slot * SLOT_SIZE, buffer, offset, length);
            datagramLengths[slot] = length;
            lastTo.put(0, to.storage(), 0, to.length());
            lastToLength = to.length();
            queued++;
            return length;
        }

        @Override
        public SockAddr newSockAddr() {
            return new Cell();
        }

        @Override
        public NetworkEvents newNetworkEvents() {
            return new Events();
        }
    }
}
