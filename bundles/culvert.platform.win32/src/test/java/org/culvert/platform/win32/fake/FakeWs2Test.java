package org.culvert.platform.win32.fake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

import org.culvert.platform.win32.winsock.NetworkEvents;
import org.culvert.platform.win32.winsock.SockAddr;
import org.culvert.platform.win32.winsock.SockAddrs;
import org.culvert.platform.win32.winsock.Ws2Api;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fake Winsock's own semantics, checked against what Microsoft documents for
 * {@code WSAEventSelect} and the socket calls, so that transport tests built on it mean something.
 */
class FakeWs2Test {
    private final FakeKernel32 k = new FakeKernel32();
    private final FakeWs2 ws = new FakeWs2(k);
    private final ByteBuffer buf = ByteBuffer.allocateDirect(4096);
    private final NetworkEvents ne = ws.newNetworkEvents();
    private int expectedViolations;

    @BeforeEach
    void start() {
        assertEquals(0, ws.wsaStartup());
    }

    @AfterEach
    void noUnexpectedMisuse() {
        assertEquals(expectedViolations, ws.violations().size(), () -> ws.violations().toString());
    }

    private SockAddr addr(String host, int port, int family) throws Exception {
        SockAddr a = ws.newSockAddr();
        SockAddrs.encode(new InetSocketAddress(InetAddress.getByName(host), port), family, a);
        return a;
    }

    private long udp(String host, int port) throws Exception {
        long s = ws.socket(Ws2Api.AF_INET, Ws2Api.SOCK_DGRAM, Ws2Api.IPPROTO_UDP);
        assertEquals(0, ws.bind(s, addr(host, port, Ws2Api.AF_INET)));
        return s;
    }

    private int port(long s) {
        SockAddr a = ws.newSockAddr();
        assertEquals(0, ws.getSockName(s, a));
        return SockAddrs.decode(a).getPort();
    }

    private long select(long s) {
        long e = k.createEvent(true, false);
        assertEquals(0, ws.wsaEventSelect(s, e, Ws2Api.FD_READ | Ws2Api.FD_WRITE | Ws2Api.FD_ACCEPT | Ws2Api.FD_CONNECT | Ws2Api.FD_CLOSE));
        return e;
    }

    private int enumerate(long s, long e) {
        assertEquals(0, ws.wsaEnumNetworkEvents(s, e, ne));
        assertFalse(k.isSignalled(e), "WSAEnumNetworkEvents resets the event");
        return ne.events();
    }

    @Test
    void nothingReadyIsWouldBlockAndFdReadIsRecordedAgainWhileDataRemains() throws Exception {
        long a = udp("127.0.0.1", 0);
        long b = udp("127.0.0.1", 0);
        long e = select(b);
        enumerate(b, e);
        SockAddr from = ws.newSockAddr();
        assertEquals(Ws2Api.SOCKET_ERROR, ws.recvFrom(b, buf, 0, 100, 0, from));
        assertEquals(Ws2Api.WSAEWOULDBLOCK, ws.wsaGetLastError());

        SockAddr toB = addr("127.0.0.1", port(b), Ws2Api.AF_INET);
        for (int i = 0; i < 3; i++) {
            assertEquals(10, ws.sendTo(a, buf, 0, 10, 0, toB));
        }
        assertTrue(k.isSignalled(e));
        assertEquals(Ws2Api.FD_READ, enumerate(b, e));
        assertEquals(10, ws.recvFrom(b, buf, 0, 100, 0, from));
        assertEquals(port(a), SockAddrs.decode(from).getPort());
        assertTrue(k.isSignalled(e), "data remains: FD_READ recorded again by the recv");
        assertEquals(Ws2Api.FD_READ, enumerate(b, e));
        assertEquals(10, ws.recvFrom(b, buf, 0, 100, 0, from));
        assertEquals(10, ws.recvFrom(b, buf, 0, 100, 0, from));
        assertTrue(k.isSignalled(e), "a stale record: the second recv recorded FD_READ, the third took the last datagram");
        enumerate(b, e);
        assertEquals(Ws2Api.SOCKET_ERROR, ws.recvFrom(b, buf, 0, 100, 0, from));
        assertFalse(k.isSignalled(e));
    }

    @Test
    void fdReadIsNotRecordedAgainUntilARecvReEnablesIt() throws Exception {
        long a = udp("127.0.0.1", 0);
        long b = udp("127.0.0.1", 0);
        long e = select(b);
        enumerate(b, e);
        SockAddr toB = addr("127.0.0.1", port(b), Ws2Api.AF_INET);
        ws.sendTo(a, buf, 0, 10, 0, toB);
        assertEquals(Ws2Api.FD_READ, enumerate(b, e));
        ws.sendTo(a, buf, 0, 10, 0, toB);
        assertFalse(k.isSignalled(e), "recording stays disabled until recv");
        assertEquals(0, enumerate(b, e));
        assertEquals(10, ws.recvFrom(b, buf, 0, 100, 0, ws.newSockAddr()));
        assertTrue(k.isSignalled(e), "the recv re-enabled FD_READ and data remains");
    }

    @Test
    void udpSendToAnUnboundPortIsReportedAsConnResetOnTheNextRecvFromUnlessTurnedOff() throws Exception {
        long a = udp("127.0.0.1", 0);
        long e = select(a);
        enumerate(a, e);
        SockAddr nowhere = addr("127.0.0.1", 9, Ws2Api.AF_INET);
        assertEquals(5, ws.sendTo(a, buf, 0, 5, 0, nowhere));
        assertEquals(Ws2Api.FD_READ, enumerate(a, e));
        assertEquals(Ws2Api.SOCKET_ERROR, ws.recvFrom(a, buf, 0, 100, 0, ws.newSockAddr()));
        assertEquals(Ws2Api.WSAECONNRESET, ws.wsaGetLastError());
        assertEquals(Ws2Api.SOCKET_ERROR, ws.recvFrom(a, buf, 0, 100, 0, ws.newSockAddr()));
        assertEquals(Ws2Api.WSAEWOULDBLOCK, ws.wsaGetLastError(), "reported once");

        assertEquals(0, ws.wsaIoctlInt(a, Ws2Api.SIO_UDP_CONNRESET, 0));
        ws.sendTo(a, buf, 0, 5, 0, nowhere);
        assertEquals(Ws2Api.SOCKET_ERROR, ws.recvFrom(a, buf, 0, 100, 0, ws.newSockAddr()));
        assertEquals(Ws2Api.WSAEWOULDBLOCK, ws.wsaGetLastError(), "SIO_UDP_CONNRESET FALSE silences it");
    }

    @Test
    void aDatagramLongerThanTheBufferIsMsgSizeAndLost() throws Exception {
        long a = udp("127.0.0.1", 0);
        long b = udp("127.0.0.1", 0);
        ws.sendTo(a, buf, 0, 100, 0, addr("127.0.0.1", port(b), Ws2Api.AF_INET));
        assertEquals(Ws2Api.SOCKET_ERROR, ws.recvFrom(b, buf, 0, 50, 0, ws.newSockAddr()));
        assertEquals(Ws2Api.WSAEMSGSIZE, ws.wsaGetLastError());
        assertEquals(Ws2Api.SOCKET_ERROR, ws.recvFrom(b, buf, 0, 500, 0, ws.newSockAddr()));
        assertEquals(Ws2Api.WSAEWOULDBLOCK, ws.wsaGetLastError());
    }

    @Test
    void fdWriteIsRecordedOnlyAfterASendWouldBlockAndRoomCameBack() throws Exception {
        long a = udp("127.0.0.1", 0);
        long b = udp("127.0.0.1", 0);
        long e = select(a);
        assertEquals(Ws2Api.FD_WRITE, enumerate(a, e), "a bound datagram socket is writable at once");
        SockAddr toB = addr("127.0.0.1", port(b), Ws2Api.AF_INET);
        ws.sendTo(a, buf, 0, 10, 0, toB);
        ws.blockDatagramSends(true);
        ws.blockDatagramSends(false);
        assertFalse(k.isSignalled(e), "no send was refused, so no FD_WRITE is owed");
        ws.blockDatagramSends(true);
        assertEquals(Ws2Api.SOCKET_ERROR, ws.sendTo(a, buf, 0, 10, 0, toB));
        assertEquals(Ws2Api.WSAEWOULDBLOCK, ws.wsaGetLastError());
        ws.blockDatagramSends(false);
        assertEquals(Ws2Api.FD_WRITE, enumerate(a, e));
    }

    @Test
    void streamConnectAcceptPartialSendsAndGracefulClose() throws Exception {
        long listener = ws.socket(Ws2Api.AF_INET, Ws2Api.SOCK_STREAM, Ws2Api.IPPROTO_TCP);
        assertEquals(0, ws.bind(listener, addr("127.0.0.1", 0, Ws2Api.AF_INET)));
        assertEquals(0, ws.listen(listener, 1));
        long le = select(listener);
        long client = ws.socket(Ws2Api.AF_INET, Ws2Api.SOCK_STREAM, Ws2Api.IPPROTO_TCP);
        assertEquals(0, ws.setSockOptInt(client, Ws2Api.SOL_SOCKET, Ws2Api.SO_RCVBUF, 100));
        long ce = select(client);
        assertEquals(Ws2Api.SOCKET_ERROR, ws.connect(client, addr("127.0.0.1", port(listener), Ws2Api.AF_INET)));
        assertEquals(Ws2Api.WSAEWOULDBLOCK, ws.wsaGetLastError(), "a non-blocking connect always would-block");
        assertEquals(Ws2Api.FD_CONNECT | Ws2Api.FD_WRITE, enumerate(client, ce));
        assertEquals(0, ne.errorCode(Ws2Api.FD_CONNECT_BIT));
        assertEquals(Ws2Api.FD_ACCEPT, enumerate(listener, le));
        SockAddr peer = ws.newSockAddr();
        long server = ws.accept(listener, peer);
        assertNotEquals(Ws2Api.INVALID_SOCKET, server);
        assertEquals(port(client), SockAddrs.decode(peer).getPort());
        assertEquals(Ws2Api.INVALID_SOCKET, ws.accept(listener, peer));
        assertEquals(Ws2Api.WSAEWOULDBLOCK, ws.wsaGetLastError());
        long se = select(server);
        enumerate(server, se);

        // The client's receive buffer holds 100 bytes: a 150-byte send is taken in part.
        assertEquals(100, ws.send(server, buf, 0, 150, 0));
        assertEquals(Ws2Api.SOCKET_ERROR, ws.send(server, buf, 0, 50, 0));
        assertEquals(Ws2Api.WSAEWOULDBLOCK, ws.wsaGetLastError());
        assertEquals(Ws2Api.FD_READ, enumerate(client, ce));
        assertEquals(60, ws.recv(client, buf, 0, 60, 0));
        assertEquals(Ws2Api.FD_WRITE, enumerate(server, se), "room came back after the would-block send");

        ws.closeSocket(server);
        assertEquals(Ws2Api.FD_READ, enumerate(client, ce), "40 bytes still unread");
        assertEquals(40, ws.recv(client, buf, 0, 100, 0));
        assertEquals(Ws2Api.FD_CLOSE, enumerate(client, ce), "FD_CLOSE only once the data was read");
        assertEquals(0, ne.errorCode(Ws2Api.FD_CLOSE_BIT));
        assertEquals(0, ws.recv(client, buf, 0, 100, 0), "end of stream");
        ws.closeSocket(client);
        ws.closeSocket(listener);
        assertEquals(0, ws.openSockets());
    }

    @Test
    void anAbortedPeerIsConnResetAndARefusedConnectIsReportedByFdConnect() throws Exception {
        long listener = ws.socket(Ws2Api.AF_INET, Ws2Api.SOCK_STREAM, 0);
        ws.bind(listener, addr("127.0.0.1", 0, Ws2Api.AF_INET));
        ws.listen(listener, 4);
        long client = ws.socket(Ws2Api.AF_INET, Ws2Api.SOCK_STREAM, 0);
        long ce = select(client);
        ws.connect(client, addr("127.0.0.1", port(listener), Ws2Api.AF_INET));
        long server = ws.accept(listener, ws.newSockAddr());
        enumerate(client, ce);
        ws.abort(server);
        assertEquals(Ws2Api.FD_CLOSE, enumerate(client, ce));
        assertEquals(Ws2Api.WSAECONNRESET, ne.errorCode(Ws2Api.FD_CLOSE_BIT));
        assertEquals(Ws2Api.SOCKET_ERROR, ws.recv(client, buf, 0, 10, 0));
        assertEquals(Ws2Api.WSAECONNRESET, ws.wsaGetLastError());

        int free = port(listener);
        ws.closeSocket(listener);
        long refused = ws.socket(Ws2Api.AF_INET, Ws2Api.SOCK_STREAM, 0);
        long re = select(refused);
        assertEquals(Ws2Api.SOCKET_ERROR, ws.connect(refused, addr("127.0.0.1", free, Ws2Api.AF_INET)));
        assertEquals(Ws2Api.WSAEWOULDBLOCK, ws.wsaGetLastError());
        assertEquals(Ws2Api.FD_CONNECT, enumerate(refused, re));
        assertEquals(Ws2Api.WSAECONNREFUSED, ne.errorCode(Ws2Api.FD_CONNECT_BIT));
    }

    @Test
    void bindingATakenPortIsAddressInUseAndAForeignAddressIsNotAvailable() throws Exception {
        long a = udp("127.0.0.1", 0);
        long b = ws.socket(Ws2Api.AF_INET, Ws2Api.SOCK_DGRAM, 0);
        assertEquals(Ws2Api.SOCKET_ERROR, ws.bind(b, addr("0.0.0.0", port(a), Ws2Api.AF_INET)));
        assertEquals(Ws2Api.WSAEADDRINUSE, ws.wsaGetLastError());
        long dual = ws.socket(Ws2Api.AF_INET6, Ws2Api.SOCK_DGRAM, 0);
        assertEquals(0, ws.setSockOptInt(dual, Ws2Api.IPPROTO_IPV6, Ws2Api.IPV6_V6ONLY, 0));
        assertEquals(Ws2Api.SOCKET_ERROR, ws.bind(dual, addr("::", port(a), Ws2Api.AF_INET6)));
        assertEquals(Ws2Api.WSAEADDRINUSE, ws.wsaGetLastError(), "a dual-stack wildcard overlaps 127.0.0.1");
        long v6only = ws.socket(Ws2Api.AF_INET6, Ws2Api.SOCK_DGRAM, 0);
        assertEquals(0, ws.bind(v6only, addr("::", port(a), Ws2Api.AF_INET6)), "IPV6_V6ONLY is on by default");
        assertEquals(Ws2Api.SOCKET_ERROR, ws.bind(b, addr("192.0.2.1", 0, Ws2Api.AF_INET)));
        assertEquals(Ws2Api.WSAEADDRNOTAVAIL, ws.wsaGetLastError());
    }

    @Test
    void aDualStackSocketSeesIpv4PeersAsMappedAddresses() throws Exception {
        long dual = ws.socket(Ws2Api.AF_INET6, Ws2Api.SOCK_DGRAM, 0);
        ws.setSockOptInt(dual, Ws2Api.IPPROTO_IPV6, Ws2Api.IPV6_V6ONLY, 0);
        assertEquals(0, ws.bind(dual, addr("::", 0, Ws2Api.AF_INET6)));
        long v4 = udp("127.0.0.1", 0);
        ws.sendTo(v4, buf, 0, 3, 0, addr("127.0.0.1", port(dual), Ws2Api.AF_INET));
        SockAddr from = ws.newSockAddr();
        assertEquals(3, ws.recvFrom(dual, buf, 0, 10, 0, from));
        assertEquals(Ws2Api.AF_INET6, SockAddrs.family(from.storage(), from.length()));
        assertEquals(new InetSocketAddress("127.0.0.1", port(v4)), SockAddrs.decode(from));
    }

    @Test
    void callsOnAClosedSocketAndBeforeStartupAreViolations() throws Exception {
        long a = udp("127.0.0.1", 0);
        ws.closeSocket(a);
        assertEquals(Ws2Api.SOCKET_ERROR, ws.recvFrom(a, buf, 0, 10, 0, ws.newSockAddr()));
        assertEquals(Ws2Api.WSAENOTSOCK, ws.wsaGetLastError());
        assertEquals(0, ws.wsaCleanup());
        assertEquals(Ws2Api.INVALID_SOCKET, ws.socket(Ws2Api.AF_INET, Ws2Api.SOCK_DGRAM, 0));
        assertEquals(Ws2Api.WSANOTINITIALISED, ws.wsaGetLastError());
        expectedViolations = 2;
    }
}
