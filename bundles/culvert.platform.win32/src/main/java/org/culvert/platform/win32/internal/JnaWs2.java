package org.culvert.platform.win32.internal;

import java.nio.ByteBuffer;

import org.culvert.platform.win32.winsock.NetworkEvents;
import org.culvert.platform.win32.winsock.SockAddr;
import org.culvert.platform.win32.winsock.Ws2Api;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * {@link Ws2Api} on the real ws2_32.dll through {@link Ws2Direct}'s direct mappings. Stateless apart
 * from the buffer-address table; thread-safe. Every buffer range is checked against the buffer's
 * capacity before Winsock may write into it.
 *
 * <p>Written against the documented Winsock API; it cannot run on the Linux machines the project is
 * built on, where the tests use the fake instead (see the project's {@code docs/windows.md}).
 */
public final class JnaWs2 implements Ws2Api {
    /** {@code sizeof(WSADATA)} is 408 on 64-bit Windows; leave room. */
    private static final int WSADATA_SIZE = 512;
    private final DirectAddressTable buffers = new DirectAddressTable();

    /** Binds ws2_32; throws {@link LinkageError} where it cannot be loaded (any OS but Windows). */
    public JnaWs2() {
        Ws2Direct.bind();
    }

    @Override
    public int wsaStartup() {
        try (Memory data = new Memory(WSADATA_SIZE)) {
            data.clear();
            int error = Ws2Direct.WSAStartup((short) WINSOCK_VERSION_2_2, Pointer.nativeValue(data));
            if (error != 0) {
                return error;
            }
            // wVersion is the version the DLL will use; anything but 2.2 is not what this code was written for.
            int version = data.getShort(0) & 0xFFFF;
            if (version != WINSOCK_VERSION_2_2) {
                Ws2Direct.WSACleanup();
                return WSAVERNOTSUPPORTED;
            }
            return 0;
        }
    }

    @Override
    public int wsaCleanup() {
        return Ws2Direct.WSACleanup();
    }

    @Override
    public int wsaGetLastError() {
        return Native.getLastError();
    }

    @Override
    public long socket(int af, int type, int protocol) {
        return Ws2Direct.socket(af, type, protocol);
    }

    @Override
    public int closeSocket(long s) {
        return Ws2Direct.closesocket(s);
    }

    @Override
    public int bind(long s, SockAddr name) {
        JnaSockAddr a = (JnaSockAddr) name;
        return Ws2Direct.bind(s, a.address, checkedLength(a));
    }

    @Override
    public int connect(long s, SockAddr name) {
        JnaSockAddr a = (JnaSockAddr) name;
        return Ws2Direct.connect(s, a.address, checkedLength(a));
    }

    @Override
    public int listen(long s, int backlog) {
        return Ws2Direct.listen(s, backlog);
    }

    @Override
    public long accept(long s, SockAddr peer) {
        JnaSockAddr a = (JnaSockAddr) peer;
        a.length(SockAddr.STORAGE_SIZE);
        return Ws2Direct.accept(s, a.address, a.lengthAddress);
    }

    @Override
    public int getSockName(long s, SockAddr name) {
        JnaSockAddr a = (JnaSockAddr) name;
        a.length(SockAddr.STORAGE_SIZE);
        return Ws2Direct.getsockname(s, a.address, a.lengthAddress);
    }

    @Override
    public int setSockOptInt(long s, int level, int option, int value) {
        try (Memory cell = new Memory(4)) {
            cell.setInt(0, value);
            return Ws2Direct.setsockopt(s, level, option, Pointer.nativeValue(cell), 4);
        }
    }

    @Override
    public int getSockOptInt(long s, int level, int option, int[] value) {
        try (Memory cell = new Memory(8)) {
            cell.setInt(0, 0);
            cell.setInt(4, 4);
            int r = Ws2Direct.getsockopt(s, level, option, Pointer.nativeValue(cell), Pointer.nativeValue(cell) + 4);
            if (r == 0) {
                value[0] = cell.getInt(0);
            }
            return r;
        }
    }

    @Override
    public int wsaIoctlInt(long s, int code, int value) {
        try (Memory cell = new Memory(8)) {
            cell.setInt(0, value);
            cell.setInt(4, 0);
            long p = Pointer.nativeValue(cell);
            return Ws2Direct.WSAIoctl(s, code, p, 4, 0, 0, p + 4, 0, 0);
        }
    }

    @Override
    public int wsaEventSelect(long s, long event, int networkEvents) {
        return Ws2Direct.WSAEventSelect(s, event, networkEvents);
    }

    @Override
    public int wsaEnumNetworkEvents(long s, long event, NetworkEvents out) {
        return Ws2Direct.WSAEnumNetworkEvents(s, event, ((JnaNetworkEvents) out).address);
    }

    @Override
    public int recv(long s, ByteBuffer buffer, int offset, int length, int flags) {
        return Ws2Direct.recv(s, address(buffer, offset, length), length, flags);
    }

    @Override
    public int recvFrom(long s, ByteBuffer buffer, int offset, int length, int flags, SockAddr from) {
        JnaSockAddr a = (JnaSockAddr) from;
        a.length(SockAddr.STORAGE_SIZE);
        return Ws2Direct.recvfrom(s, address(buffer, offset, length), length, flags, a.address, a.lengthAddress);
    }

    @Override
    public int send(long s, ByteBuffer buffer, int offset, int length, int flags) {
        return Ws2Direct.send(s, address(buffer, offset, length), length, flags);
    }

    @Override
    public int sendTo(long s, ByteBuffer buffer, int offset, int length, int flags, SockAddr to) {
        JnaSockAddr a = (JnaSockAddr) to;
        return Ws2Direct.sendto(s, address(buffer, offset, length), length, flags, a.address, checkedLength(a));
    }

    @Override
    public SockAddr newSockAddr() {
        return new JnaSockAddr();
    }

    @Override
    public NetworkEvents newNetworkEvents() {
        return new JnaNetworkEvents();
    }

    /** The native address of {@code buffer[offset]}, once the range is known to lie inside the buffer. */
    private long address(ByteBuffer buffer, int offset, int length) {
        if (offset < 0 || length < 0 || offset > buffer.capacity() - length) {
            throw new IndexOutOfBoundsException("range " + offset + "+" + length + " of a " + buffer.capacity() + "-byte buffer");
        }
        return buffers.address(buffer) + offset;
    }

    private static int checkedLength(JnaSockAddr a) {
        int length = a.length();
        if (length < 0 || length > SockAddr.STORAGE_SIZE) {
            throw new IllegalArgumentException("sockaddr length " + length);
        }
        return length;
    }
}
