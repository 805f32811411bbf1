package org.culvert.link.winsock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

import org.culvert.platform.win32.fake.FakeWs2;
import org.culvert.platform.win32.winsock.SockAddr;
import org.culvert.platform.win32.winsock.SockAddrs;
import org.culvert.platform.win32.winsock.Ws2Api;

/**
 * A hand-driven TCP peer on the fake Winsock, for writing arbitrary bytes at a link socket (bad
 * lengths, a frame byte by byte) and closing or resetting the connection.
 */
final class RawPeer implements AutoCloseable {
    private final FakeWs2 ws2;
    private final long socket;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
    private boolean closed;

    /** Connects from {@code local} (port 0: any) to {@code server}; the fake completes it at once when something listens. */
    RawPeer(FakeWs2 ws2, InetSocketAddress local, InetSocketAddress server) {
        this.ws2 = ws2;
        assertEquals(0, ws2.wsaStartup());
        socket = ws2.socket(Ws2Api.AF_INET, Ws2Api.SOCK_STREAM, Ws2Api.IPPROTO_TCP);
        assertNotEquals(Ws2Api.INVALID_SOCKET, socket);
        if (local != null) {
            assertEquals(0, ws2.bind(socket, addr(local)));
        }
        assertEquals(Ws2Api.SOCKET_ERROR, ws2.connect(socket, addr(server)));
        assertEquals(Ws2Api.WSAEWOULDBLOCK, ws2.wsaGetLastError());
    }

    private SockAddr addr(InetSocketAddress a) {
        SockAddr name = ws2.newSockAddr();
        SockAddrs.encode(a, Ws2Api.AF_INET, name);
        return name;
    }

    /** Writes all of {@code bytes} (they must fit the peer's receive buffer). */
    void write(byte... bytes) {
        buffer.put(0, bytes);
        int done = 0;
        while (done < bytes.length) {
            int n = ws2.send(socket, buffer, done, bytes.length - done, 0);
            assertTrue(n > 0, "the link socket's receive buffer is full (error " + ws2.wsaGetLastError() + ")");
            done += n;
        }
    }

    /** One {@code recv}: the bytes, an empty array at the end of the stream, or null when nothing waits. */
    byte[] read() {
        int n = ws2.recv(socket, buffer, 0, buffer.capacity(), 0);
        if (n < 0) {
            assertEquals(Ws2Api.WSAEWOULDBLOCK, ws2.wsaGetLastError());
            return null;
        }
        byte[] b = new byte[n];
        buffer.get(0, b);
        return b;
    }

    /** An abortive close: the link socket's peer is reset. */
    void abort() {
        if (!closed) {
            closed = true;
            ws2.abort(socket);
            ws2.wsaCleanup();
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            ws2.closeSocket(socket);
            ws2.wsaCleanup();
        }
    }
}
