package org.culvert.platform.win32.fake;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.culvert.platform.win32.winsock.NetworkEvents;
import org.culvert.platform.win32.winsock.SockAddr;
import org.culvert.platform.win32.winsock.SockAddrs;
import org.culvert.platform.win32.winsock.Ws2Api;

/**
 * Winsock 2 in Java: an in-process loopback network (127.0.0.0/8 and ::1) whose sockets follow the
 * documented semantics closely enough that code passing its tests behaves the same on Windows:
 * <ul>
 * <li>non-blocking calls fail with {@code WSAEWOULDBLOCK} when nothing is ready; a non-blocking
 * {@code connect} always does, and {@code FD_CONNECT} reports the outcome (error code 0,
 * {@code WSAECONNREFUSED} when nothing listens; no answer at all for addresses outside loopback);</li>
 * <li>{@code WSAEventSelect} clears the record and records at once the events whose condition holds;
 * a recorded event is not recorded again until its re-enabling function runs, even if it fails:
 * {@code FD_READ} by {@code recv}/{@code recvfrom} (recorded again at once while data remains),
 * {@code FD_WRITE} by {@code send}/{@code sendto} (recorded only after one failed with
 * {@code WSAEWOULDBLOCK} and room came back), {@code FD_ACCEPT} by {@code accept};
 * {@code FD_CONNECT} and {@code FD_CLOSE} once; every recording sets the associated event;
 * {@code WSAEnumNetworkEvents} returns and clears the record and resets the event;</li>
 * <li>a datagram to a loopback port nobody has bound makes the sender's next {@code recvfrom} fail
 * with {@code WSAECONNRESET} (an ICMP port unreachable), unless {@code SIO_UDP_CONNRESET} turned
 * that off; a datagram longer than the receive buffer fails with {@code WSAEMSGSIZE} and is lost;
 * a datagram that does not fit the receiver's {@code SO_RCVBUF} is dropped;</li>
 * <li>streams have a receive buffer of {@code SO_RCVBUF} bytes, so {@code send} takes only what fits
 * (partial sends) and then fails with {@code WSAEWOULDBLOCK}; a graceful close records
 * {@code FD_CLOSE} at the peer once its buffered data has been read, then {@code recv} returns 0; a
 * close with unread data, or {@link #abort}, resets the peer ({@code FD_CLOSE} with
 * {@code WSAECONNRESET}, and {@code recv} fails with it); sending to a peer that has closed fails with
 * {@code WSAECONNRESET} at once (Windows lets the first send through and fails a later one);</li>
 * <li>{@code bind} to a port already bound by an overlapping address fails with
 * {@code WSAEADDRINUSE}; to an address not on this host with {@code WSAEADDRNOTAVAIL};
 * {@code IPV6_V6ONLY} defaults to TRUE, as on Windows; an accepted socket shares the listener's
 * {@code WSAEventSelect} association until it gets its own.</li>
 * </ul>
 * Misuse that would hit a recycled {@code SOCKET} or corrupt memory on Windows (a call on a closed
 * socket, a call before {@code WSAStartup}, a range outside the buffer, unbalanced
 * {@code WSACleanup}) fails the call and is recorded in {@link #violations()}, which tests assert empty.
 * Events are those of the given {@link FakeKernel32}, so the real win32 event backend can wait on them.
 *
 * <p>Thread-safe: one monitor guards every socket. It calls into the kernel fake (to set and reset
 * events) while holding it; the kernel fake never calls back.
 */
public class FakeWs2 implements Ws2Api {
    private static final int ALL_EVENTS = (1 << FD_MAX_EVENTS) - 1;
    private static final int MAX_DATAGRAM = 65507;
    private static final int DEFAULT_BUFFER = 64 * 1024;
    private static final int FIRST_EPHEMERAL_PORT = 49152;

    private final FakeKernel32 k32;
    private final Object monitor = new Object();
    private final Map<Long, FakeSocket> sockets = new LinkedHashMap<>();
    /** Handles of closed sockets, so that a late call on one is told apart from a made-up handle. */
    private final Set<Long> closedSockets = new HashSet<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final ThreadLocal<int[]> lastError = ThreadLocal.withInitial(() -> new int[1]);
    private long nextSocket = 0x100;
    private int nextEphemeral = FIRST_EPHEMERAL_PORT;
    private int startups;
    private int startupFailure;
    private boolean ipv6 = true;
    private boolean ignoreConnResetIoctl;
    private boolean datagramSendsBlocked;
    private long droppedDatagrams;

    private enum State { OPEN, CONNECTING, CONNECTED, LISTENING, CLOSED }

    private static final class Datagram {
        final byte[] data;
        final InetAddress sourceIp;
        final int sourcePort;

        Datagram(byte[] data, InetAddress sourceIp, int sourcePort) {
            this.data = data;
            this.sourceIp = sourceIp;
            this.sourcePort = sourcePort;
        }
    }

    private final class FakeSocket {
        final long handle;
        final int family;
        final int type;
        State state = State.OPEN;
        /** Null while unbound; the wildcard of the family when bound to it. */
        InetAddress boundIp;
        int port;
        /** True for a socket that owns its port (bind, or the implicit bind of sendto/connect). */
        boolean portOwner;
        boolean v6only = true;
        boolean reuseAddress;
        boolean exclusive;
        boolean noDelay;
        int sendBuffer = DEFAULT_BUFFER;
        int receiveBuffer = DEFAULT_BUFFER;
        boolean reportConnReset = true;

        long event;
        int mask;
        int record;
        int enabled = ALL_EVENTS;
        final int[] errors = new int[FD_MAX_EVENTS];
        /** A send failed with WSAEWOULDBLOCK: FD_WRITE is owed once room comes back. */
        boolean writeBlocked;

        final ArrayDeque<Datagram> datagrams = new ArrayDeque<>();
        int queuedBytes;
        boolean connResetPending;

        FakeSocket peer;
        InetSocketAddress remote;
        byte[] incoming = new byte[0];
        int incomingStart;
        int incomingSize;
        boolean finReceived;
        boolean resetReceived;
        boolean closeRecorded;
        boolean connectedByConnect;

        int backlog;
        final ArrayDeque<FakeSocket> acceptQueue = new ArrayDeque<>();
        final ArrayDeque<FakeSocket> synWaiting = new ArrayDeque<>();

        FakeSocket(long handle, int family, int type) {
            this.handle = handle;
            this.family = family;
            this.type = type;
        }

        boolean stream() {
            return type == SOCK_STREAM;
        }

        int room() {
            return Math.min(receiveBuffer, incoming.length) - incomingSize;
        }

        @Override
        public String toString() {
            return "socket 0x" + Long.toHexString(handle) + (stream() ? " tcp " : " udp ") + state
                    + (boundIp == null ? "" : " " + boundIp.getHostAddress() + ":" + port);
        }
    }

    private static final class FakeSockAddr implements SockAddr {
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

    private static final class FakeNetworkEvents implements NetworkEvents {
        int events;
        final int[] errors = new int[FD_MAX_EVENTS];

        @Override
        public int events() {
            return events;
        }

        @Override
        public int errorCode(int bit) {
            return errors[bit];
        }
    }

    public FakeWs2(FakeKernel32 k32) {
        this.k32 = k32;
    }

    // ---- test controls and inspection ---------------------------------------------------------

    /** Misuse recorded so far. */
    public List<String> violations() {
        return new ArrayList<>(violations);
    }

    /** Sockets created and not yet closed. */
    public int openSockets() {
        synchronized (monitor) {
            int n = 0;
            for (FakeSocket s : sockets.values()) {
                if (s.state != State.CLOSED) {
                    n++;
                }
            }
            return n;
        }
    }

    /** Successful {@code WSAStartup} calls not yet matched by {@code WSACleanup}. */
    public int startups() {
        synchronized (monitor) {
            return startups;
        }
    }

    /** Makes the next {@code WSAStartup} calls fail with {@code error} (0 to succeed again). */
    public void failStartup(int error) {
        synchronized (monitor) {
            startupFailure = error;
        }
    }

    /** Whether {@code socket(AF_INET6, ...)} works (default true); false is a host without IPv6. */
    public void ipv6(boolean available) {
        synchronized (monitor) {
            ipv6 = available;
        }
    }

    /** Makes {@code SIO_UDP_CONNRESET} a no-op, so ICMP reports still reach {@code recvfrom}. */
    public void ignoreUdpConnResetIoctl(boolean ignore) {
        synchronized (monitor) {
            ignoreConnResetIoctl = ignore;
        }
    }

    /**
     * While true every UDP {@code sendto} fails with {@code WSAEWOULDBLOCK} (a full send buffer);
     * setting it false records {@code FD_WRITE} on each socket whose send was refused.
     */
    public void blockDatagramSends(boolean blocked) {
        synchronized (monitor) {
            datagramSendsBlocked = blocked;
            if (!blocked) {
                for (FakeSocket s : sockets.values()) {
                    if (!s.stream() && s.state != State.CLOSED && s.writeBlocked) {
                        s.writeBlocked = false;
                        signal(s, FD_WRITE, 0);
                    }
                }
            }
        }
    }

    /** Datagrams lost because the receiver's buffer was full. */
    public long droppedDatagrams() {
        synchronized (monitor) {
            return droppedDatagrams;
        }
    }

    /** Closes a connected stream socket abortively (as with {@code SO_LINGER} 0): the peer is reset. */
    public void abort(long s) {
        synchronized (monitor) {
            FakeSocket sock = live(s, "abort");
            if (sock == null) {
                return;
            }
            if (sock.peer != null && sock.peer.state != State.CLOSED) {
                reset(sock.peer);
            }
            sock.peer = null;
            release(sock);
        }
    }

    /** The network events recorded on {@code s} and not yet enumerated. */
    public int recorded(long s) {
        synchronized (monitor) {
            FakeSocket sock = sockets.get(s);
            return sock == null ? 0 : sock.record;
        }
    }

    /** Bytes sent to {@code s} (a stream) that it has not read yet. */
    public int unread(long s) {
        synchronized (monitor) {
            FakeSocket sock = sockets.get(s);
            return sock == null ? 0 : sock.incomingSize;
        }
    }

    /** The socket bound to exactly this local address and port (any state but closed), or 0. */
    public long socketAt(int type, InetSocketAddress local) {
        synchronized (monitor) {
            for (FakeSocket s : sockets.values()) {
                if (s.type == type && s.state != State.CLOSED && s.boundIp != null && s.port == local.getPort()
                        && s.boundIp.equals(local.getAddress())) {
                    return s.handle;
                }
            }
            return 0;
        }
    }

    private void violation(String what) {
        violations.add(what + " (thread " + Thread.currentThread().getName() + ")");
    }

    // ---- Ws2Api --------------------------------------------------------------------------------

    @Override
    public int wsaStartup() {
        synchronized (monitor) {
            if (startupFailure != 0) {
                return startupFailure;
            }
            startups++;
            return 0;
        }
    }

    @Override
    public int wsaCleanup() {
        synchronized (monitor) {
            if (startups == 0) {
                violation("WSACleanup without a matching WSAStartup");
                return fail(WSANOTINITIALISED);
            }
            startups--;
            if (startups == 0 && openSocketsLocked() > 0) {
                violation("the last WSACleanup ran with " + openSocketsLocked() + " sockets still open");
            }
            return 0;
        }
    }

    private int openSocketsLocked() {
        int n = 0;
        for (FakeSocket s : sockets.values()) {
            if (s.state != State.CLOSED) {
                n++;
            }
        }
        return n;
    }

    @Override
    public int wsaGetLastError() {
        return lastError.get()[0];
    }

    private int fail(int error) {
        lastError.get()[0] = error;
        return SOCKET_ERROR;
    }

    private long failSocket(int error) {
        lastError.get()[0] = error;
        return INVALID_SOCKET;
    }

    @Override
    public long socket(int af, int type, int protocol) {
        synchronized (monitor) {
            if (!started("socket")) {
                return failSocket(WSANOTINITIALISED);
            }
            if (af != AF_INET && af != AF_INET6 || af == AF_INET6 && !ipv6) {
                return failSocket(WSAEAFNOSUPPORT);
            }
            if (type == SOCK_DGRAM && (protocol == 0 || protocol == IPPROTO_UDP)
                    || type == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP)) {
                long h = nextSocket;
                nextSocket += 4;
                sockets.put(h, new FakeSocket(h, af, type));
                return h;
            }
            return failSocket(WSAEPROTONOSUPPORT);
        }
    }

    @Override
    public int closeSocket(long s) {
        synchronized (monitor) {
            FakeSocket sock = live(s, "closesocket");
            if (sock == null) {
                return fail(WSAENOTSOCK);
            }
            if (sock.stream()) {
                closeStream(sock);
            }
            release(sock);
            return 0;
        }
    }

    private void closeStream(FakeSocket sock) {
        FakeSocket peer = sock.peer;
        if (peer != null && peer.state != State.CLOSED) {
            if (sock.incomingSize > 0) {
                // Closing with unread data makes Windows send RST instead of FIN.
                reset(peer);
            } else {
                peer.finReceived = true;
                maybeRecordClose(peer);
            }
        }
        if (sock.state == State.LISTENING) {
            for (FakeSocket queued : sock.acceptQueue) {
                if (queued.peer != null) {
                    reset(queued.peer);
                }
                queued.state = State.CLOSED;
            }
            for (FakeSocket waiting : sock.synWaiting) {
                waiting.state = State.OPEN;
                signal(waiting, FD_CONNECT, WSAECONNREFUSED);
            }
            sock.acceptQueue.clear();
            sock.synWaiting.clear();
        }
        if (sock.state == State.CONNECTING) {
            for (FakeSocket other : sockets.values()) {
                other.synWaiting.remove(sock);
            }
        }
    }

    private void release(FakeSocket sock) {
        sockets.remove(sock.handle);
        closedSockets.add(sock.handle);
        sock.state = State.CLOSED;
        sock.event = 0;
        sock.mask = 0;
        sock.datagrams.clear();
        sock.incomingSize = 0;
        sock.portOwner = false;
    }

    @Override
    public int bind(long s, SockAddr name) {
        synchronized (monitor) {
            FakeSocket sock = live(s, "bind");
            if (sock == null) {
                return fail(WSAENOTSOCK);
            }
            if (sock.boundIp != null) {
                return fail(WSAEINVAL);
            }
            InetSocketAddress a = address(sock, name);
            if (a == null) {
                return fail(lastError.get()[0]);
            }
            InetAddress ip = a.getAddress();
            if (!ip.isAnyLocalAddress() && !ip.isLoopbackAddress()) {
                return fail(WSAEADDRNOTAVAIL);
            }
            int port = a.getPort();
            if (port == 0) {
                port = ephemeralPort(sock.type);
            } else if (conflicts(sock, ip, port)) {
                return fail(WSAEADDRINUSE);
            }
            sock.boundIp = ip;
            sock.port = port;
            sock.portOwner = true;
            if (!sock.stream()) {
                signal(sock, FD_WRITE, 0);
            }
            return 0;
        }
    }

    @Override
    public int connect(long s, SockAddr name) {
        synchronized (monitor) {
            FakeSocket sock = live(s, "connect");
            if (sock == null) {
                return fail(WSAENOTSOCK);
            }
            if (!sock.stream()) {
                return fail(WSAEOPNOTSUPP);
            }
            switch (sock.state) {
                case CONNECTING:
                    return fail(WSAEALREADY);
                case CONNECTED:
                    return fail(WSAEISCONN);
                case LISTENING:
                    return fail(WSAEINVAL);
                default:
                    break;
            }
            InetSocketAddress target = address(sock, name);
            if (target == null) {
                return fail(lastError.get()[0]);
            }
            if (target.getPort() == 0 || target.getAddress().isAnyLocalAddress()) {
                return fail(WSAEADDRNOTAVAIL);
            }
            if (sock.boundIp == null) {
                implicitBind(sock);
            }
            if (sock.boundIp.isAnyLocalAddress()) {
                sock.boundIp = sourceFor(sock, target.getAddress());
            }
            sock.state = State.CONNECTING;
            sock.remote = target;
            if (target.getAddress().isLoopbackAddress()) {
                FakeSocket listener = find(SOCK_STREAM, target.getAddress(), target.getPort(), true);
                if (listener == null) {
                    sock.state = State.OPEN;
                    signal(sock, FD_CONNECT, WSAECONNREFUSED);
                } else if (listener.acceptQueue.size() < listener.backlog) {
                    establish(sock, listener);
                } else {
                    // The accept queue is full: the SYN waits (is retransmitted) until there is room.
                    listener.synWaiting.add(sock);
                }
            }
            // A target outside loopback never answers: the connection stays under way.
            return fail(WSAEWOULDBLOCK);
        }
    }

    private void establish(FakeSocket client, FakeSocket listener) {
        long h = nextSocket;
        nextSocket += 4;
        FakeSocket server = new FakeSocket(h, listener.family, SOCK_STREAM);
        server.state = State.CONNECTED;
        server.boundIp = client.remote.getAddress();
        server.port = listener.port;
        server.receiveBuffer = listener.receiveBuffer;
        server.sendBuffer = listener.sendBuffer;
        server.noDelay = listener.noDelay;
        server.event = listener.event;
        server.mask = listener.mask;
        server.remote = new InetSocketAddress(client.boundIp, client.port);
        server.peer = client;
        server.incoming = new byte[Math.max(1, server.receiveBuffer)];
        sockets.put(h, server);
        client.peer = server;
        client.state = State.CONNECTED;
        client.connectedByConnect = true;
        client.incoming = new byte[Math.max(1, client.receiveBuffer)];
        listener.acceptQueue.add(server);
        signal(client, FD_CONNECT, 0);
        signal(client, FD_WRITE, 0);
        signal(listener, FD_ACCEPT, 0);
    }

    @Override
    public int listen(long s, int backlog) {
        synchronized (monitor) {
            FakeSocket sock = live(s, "listen");
            if (sock == null) {
                return fail(WSAENOTSOCK);
            }
            if (!sock.stream()) {
                return fail(WSAEOPNOTSUPP);
            }
            if (sock.boundIp == null || sock.state == State.CONNECTED || sock.state == State.CONNECTING) {
                return fail(WSAEINVAL);
            }
            sock.state = State.LISTENING;
            sock.backlog = Math.max(1, backlog);
            return 0;
        }
    }

    @Override
    public long accept(long s, SockAddr peer) {
        synchronized (monitor) {
            FakeSocket sock = live(s, "accept");
            if (sock == null) {
                return failSocket(WSAENOTSOCK);
            }
            if (sock.state != State.LISTENING) {
                return failSocket(WSAEINVAL);
            }
            sock.enabled |= FD_ACCEPT;
            FakeSocket server = sock.acceptQueue.poll();
            if (server == null) {
                return failSocket(WSAEWOULDBLOCK);
            }
            fill(peer, sock.family, server.remote.getAddress(), server.remote.getPort());
            FakeSocket waiting = sock.synWaiting.poll();
            if (waiting != null) {
                establish(waiting, sock);
            }
            if (!sock.acceptQueue.isEmpty()) {
                signal(sock, FD_ACCEPT, 0);
            }
            // Recorded on the accepted socket, which still shares the listener's event.
            signal(server, FD_WRITE, 0);
            if (server.resetReceived || server.finReceived) {
                maybeRecordClose(server);
            }
            return server.handle;
        }
    }

    @Override
    public int getSockName(long s, SockAddr name) {
        synchronized (monitor) {
            FakeSocket sock = live(s, "getsockname");
            if (sock == null) {
                return fail(WSAENOTSOCK);
            }
            if (sock.boundIp == null) {
                return fail(WSAEINVAL);
            }
            fill(name, sock.family, sock.boundIp, sock.port);
            return 0;
        }
    }

    @Override
    public int setSockOptInt(long s, int level, int option, int value) {
        synchronized (monitor) {
            FakeSocket sock = live(s, "setsockopt");
            if (sock == null) {
                return fail(WSAENOTSOCK);
            }
            if (level == SOL_SOCKET) {
                switch (option) {
                    case SO_REUSEADDR:
                        if (sock.exclusive && value != 0) {
                            return fail(WSAEINVAL);
                        }
                        sock.reuseAddress = value != 0;
                        return 0;
                    case SO_EXCLUSIVEADDRUSE:
                        if (sock.reuseAddress && value != 0 || sock.boundIp != null) {
                            return fail(WSAEINVAL);
                        }
                        sock.exclusive = value != 0;
                        return 0;
                    case SO_SNDBUF:
                    case SO_RCVBUF:
                        if (value < 0) {
                            return fail(WSAEINVAL);
                        }
                        if (option == SO_SNDBUF) {
                            sock.sendBuffer = value;
                        } else {
                            sock.receiveBuffer = value;
                        }
                        return 0;
                    default:
                        return fail(WSAENOPROTOOPT);
                }
            }
            if (level == IPPROTO_TCP && option == TCP_NODELAY && sock.stream()) {
                sock.noDelay = value != 0;
                return 0;
            }
            if (level == IPPROTO_IPV6 && option == IPV6_V6ONLY && sock.family == AF_INET6) {
                if (sock.boundIp != null) {
                    return fail(WSAEINVAL);
                }
                sock.v6only = value != 0;
                return 0;
            }
            return fail(WSAENOPROTOOPT);
        }
    }

    @Override
    public int getSockOptInt(long s, int level, int option, int[] value) {
        synchronized (monitor) {
            FakeSocket sock = live(s, "getsockopt");
            if (sock == null) {
                return fail(WSAENOTSOCK);
            }
            int v;
            if (level == SOL_SOCKET && option == SO_SNDBUF) {
                v = sock.sendBuffer;
            } else if (level == SOL_SOCKET && option == SO_RCVBUF) {
                v = sock.receiveBuffer;
            } else if (level == SOL_SOCKET && option == SO_TYPE) {
                v = sock.type;
            } else if (level == SOL_SOCKET && option == SO_ERROR) {
                v = 0;
            } else if (level == SOL_SOCKET && option == SO_EXCLUSIVEADDRUSE) {
                v = sock.exclusive ? 1 : 0;
            } else if (level == SOL_SOCKET && option == SO_REUSEADDR) {
                v = sock.reuseAddress ? 1 : 0;
            } else if (level == IPPROTO_TCP && option == TCP_NODELAY && sock.stream()) {
                v = sock.noDelay ? 1 : 0;
            } else if (level == IPPROTO_IPV6 && option == IPV6_V6ONLY && sock.family == AF_INET6) {
                v = sock.v6only ? 1 : 0;
            } else {
                return fail(WSAENOPROTOOPT);
            }
            value[0] = v;
            return 0;
        }
    }

    @Override
    public int wsaIoctlInt(long s, int code, int value) {
        synchronized (monitor) {
            FakeSocket sock = live(s, "WSAIoctl");
            if (sock == null) {
                return fail(WSAENOTSOCK);
            }
            if (code == SIO_UDP_CONNRESET && !sock.stream()) {
                if (!ignoreConnResetIoctl) {
                    sock.reportConnReset = value != 0;
                }
                return 0;
            }
            return fail(WSAEOPNOTSUPP);
        }
    }

    @Override
    public int wsaEventSelect(long s, long event, int networkEvents) {
        synchronized (monitor) {
            FakeSocket sock = live(s, "WSAEventSelect");
            if (sock == null) {
                return fail(WSAENOTSOCK);
            }
            if (networkEvents != 0 && !k32.isOpen(event)) {
                violation("WSAEventSelect with an event that is not open: 0x" + Long.toHexString(event));
                return fail(WSAEINVAL);
            }
            sock.event = networkEvents == 0 ? 0 : event;
            sock.mask = networkEvents;
            sock.record = 0;
            java.util.Arrays.fill(sock.errors, 0);
            sock.enabled = ALL_EVENTS;
            // Conditions that already hold are recorded at once, as WSAAsyncSelect documents.
            if (readable(sock)) {
                signal(sock, FD_READ, 0);
            }
            if (writable(sock)) {
                signal(sock, FD_WRITE, 0);
            }
            if (sock.state == State.LISTENING && !sock.acceptQueue.isEmpty()) {
                signal(sock, FD_ACCEPT, 0);
            }
            if (sock.state == State.CONNECTED && sock.connectedByConnect) {
                signal(sock, FD_CONNECT, 0);
            }
            if (sock.stream()) {
                sock.closeRecorded = false;
                maybeRecordClose(sock);
            }
            return 0;
        }
    }

    @Override
    public int wsaEnumNetworkEvents(long s, long event, NetworkEvents out) {
        synchronized (monitor) {
            FakeSocket sock = live(s, "WSAEnumNetworkEvents");
            if (sock == null) {
                return fail(WSAENOTSOCK);
            }
            FakeNetworkEvents ne = (FakeNetworkEvents) out;
            ne.events = sock.record;
            System.arraycopy(sock.errors, 0, ne.errors, 0, FD_MAX_EVENTS);
            sock.record = 0;
            java.util.Arrays.fill(sock.errors, 0);
            if (event != 0 && !k32.resetEvent(event)) {
                return fail(WSAEINVAL);
            }
            return 0;
        }
    }

    @Override
    public int recv(long s, ByteBuffer buffer, int offset, int length, int flags) {
        synchronized (monitor) {
            FakeSocket sock = live(s, "recv");
            if (sock == null) {
                return fail(WSAENOTSOCK);
            }
            if (!inRange(buffer, offset, length, "recv")) {
                return fail(WSAEFAULT);
            }
            if (!sock.stream() || sock.state != State.CONNECTED) {
                return fail(WSAENOTCONN);
            }
            // Any call re-enables FD_READ, even one that fails.
            sock.enabled |= FD_READ | FD_OOB;
            if (sock.resetReceived) {
                return fail(WSAECONNRESET);
            }
            if (sock.incomingSize == 0) {
                return sock.finReceived ? 0 : fail(WSAEWOULDBLOCK);
            }
            int n = Math.min(length, sock.incomingSize);
            byte[] ring = sock.incoming;
            for (int i = 0; i < n; i++) {
                buffer.put(offset + i, ring[(sock.incomingStart + i) % ring.length]);
            }
            if ((flags & MSG_PEEK) == 0) {
                sock.incomingStart = (sock.incomingStart + n) % ring.length;
                sock.incomingSize -= n;
                FakeSocket peer = sock.peer;
                if (peer != null && peer.writeBlocked && sock.room() > 0) {
                    peer.writeBlocked = false;
                    signal(peer, FD_WRITE, 0);
                }
            }
            if (sock.incomingSize > 0) {
                signal(sock, FD_READ, 0);
            } else {
                maybeRecordClose(sock);
            }
            return n;
        }
    }

    @Override
    public int recvFrom(long s, ByteBuffer buffer, int offset, int length, int flags, SockAddr from) {
        synchronized (monitor) {
            FakeSocket sock = live(s, "recvfrom");
            if (sock == null) {
                return fail(WSAENOTSOCK);
            }
            if (sock.stream()) {
                return recv(s, buffer, offset, length, flags);
            }
            if (!inRange(buffer, offset, length, "recvfrom")) {
                return fail(WSAEFAULT);
            }
            if (sock.boundIp == null) {
                return fail(WSAEINVAL);
            }
            sock.enabled |= FD_READ | FD_OOB;
            if (sock.connResetPending) {
                sock.connResetPending = false;
                if (!sock.datagrams.isEmpty()) {
                    signal(sock, FD_READ, 0);
                }
                return fail(WSAECONNRESET);
            }
            Datagram d = (flags & MSG_PEEK) == 0 ? sock.datagrams.poll() : sock.datagrams.peek();
            if (d == null) {
                return fail(WSAEWOULDBLOCK);
            }
            if ((flags & MSG_PEEK) == 0) {
                sock.queuedBytes -= d.data.length;
            }
            int n = Math.min(length, d.data.length);
            buffer.put(offset, d.data, 0, n);
            if (from != null) {
                fill(from, sock.family, d.sourceIp, d.sourcePort);
            }
            if (!sock.datagrams.isEmpty()) {
                signal(sock, FD_READ, 0);
            }
            return d.data.length > length ? fail(WSAEMSGSIZE) : n;
        }
    }

    @Override
    public int send(long s, ByteBuffer buffer, int offset, int length, int flags) {
        synchronized (monitor) {
            FakeSocket sock = live(s, "send");
            if (sock == null) {
                return fail(WSAENOTSOCK);
            }
            if (!inRange(buffer, offset, length, "send")) {
                return fail(WSAEFAULT);
            }
            if (!sock.stream() || sock.state != State.CONNECTED) {
                return fail(WSAENOTCONN);
            }
            sock.enabled |= FD_WRITE;
            if (sock.resetReceived) {
                return fail(WSAECONNRESET);
            }
            FakeSocket peer = sock.peer;
            if (peer == null || peer.state == State.CLOSED) {
                // The peer's stack answers data for a closed socket with RST.
                reset(sock);
                return fail(WSAECONNRESET);
            }
            int room = peer.room();
            if (room <= 0) {
                sock.writeBlocked = true;
                return fail(WSAEWOULDBLOCK);
            }
            int n = Math.min(length, room);
            byte[] ring = peer.incoming;
            for (int i = 0; i < n; i++) {
                ring[(peer.incomingStart + peer.incomingSize + i) % ring.length] = buffer.get(offset + i);
            }
            peer.incomingSize += n;
            signal(peer, FD_READ, 0);
            return n;
        }
    }

    @Override
    public int sendTo(long s, ByteBuffer buffer, int offset, int length, int flags, SockAddr to) {
        synchronized (monitor) {
            FakeSocket sock = live(s, "sendto");
            if (sock == null) {
                return fail(WSAENOTSOCK);
            }
            if (sock.stream()) {
                return send(s, buffer, offset, length, flags);
            }
            if (!inRange(buffer, offset, length, "sendto")) {
                return fail(WSAEFAULT);
            }
            sock.enabled |= FD_WRITE;
            if (datagramSendsBlocked) {
                sock.writeBlocked = true;
                return fail(WSAEWOULDBLOCK);
            }
            if (length > MAX_DATAGRAM) {
                return fail(WSAEMSGSIZE);
            }
            InetSocketAddress target = address(sock, to);
            if (target == null) {
                return fail(lastError.get()[0]);
            }
            InetAddress ip = target.getAddress();
            if (target.getPort() == 0 || ip.isAnyLocalAddress()) {
                return fail(WSAEADDRNOTAVAIL);
            }
            if (sock.family == AF_INET6 && ip instanceof Inet4Address && sock.v6only) {
                return fail(WSAENETUNREACH);
            }
            if (sock.boundIp == null) {
                implicitBind(sock);
            }
            if (!ip.isLoopbackAddress()) {
                // Off this host: gone into the network, nobody answers.
                return length;
            }
            FakeSocket receiver = find(SOCK_DGRAM, ip, target.getPort(), false);
            if (receiver == null) {
                // ICMP port unreachable: Windows reports it on this socket's next recvfrom.
                if (sock.reportConnReset) {
                    sock.connResetPending = true;
                    signal(sock, FD_READ, 0);
                }
                return length;
            }
            if (receiver.queuedBytes + length > receiver.receiveBuffer) {
                droppedDatagrams++;
                return length;
            }
            byte[] data = new byte[length];
            buffer.get(offset, data, 0, length);
            InetAddress source = sock.boundIp.isAnyLocalAddress() ? sourceFor(sock, ip) : sock.boundIp;
            receiver.datagrams.add(new Datagram(data, source, sock.port));
            receiver.queuedBytes += length;
            signal(receiver, FD_READ, 0);
            return length;
        }
    }

    @Override
    public SockAddr newSockAddr() {
        return new FakeSockAddr();
    }

    @Override
    public NetworkEvents newNetworkEvents() {
        return new FakeNetworkEvents();
    }

    // ---- internals (monitor held) --------------------------------------------------------------

    private boolean started(String call) {
        if (startups == 0) {
            violation(call + " before WSAStartup");
            return false;
        }
        return true;
    }

    private FakeSocket live(long s, String call) {
        if (!started(call)) {
            return null;
        }
        FakeSocket sock = sockets.get(s);
        if (sock == null || sock.state == State.CLOSED) {
            boolean closed = sock != null || closedSockets.contains(s);
            violation(call + "(0x" + Long.toHexString(s) + ") on " + (closed ? "a closed" : "an unknown") + " socket");
            return null;
        }
        return sock;
    }

    private boolean inRange(ByteBuffer buffer, int offset, int length, String call) {
        if (!buffer.isDirect() || offset < 0 || length < 0 || offset > buffer.capacity() - length) {
            violation(call + " with range " + offset + "+" + length + " of a " + buffer.capacity() + "-byte "
                    + (buffer.isDirect() ? "" : "heap ") + "buffer");
            return false;
        }
        return true;
    }

    /** Decodes an address argument for {@code sock}; null (with the last error set) if it does not fit the socket. */
    private InetSocketAddress address(FakeSocket sock, SockAddr name) {
        int family = SockAddrs.family(name.storage(), name.length());
        int needed = family == AF_INET ? SockAddrs.SOCKADDR_IN_SIZE : SockAddrs.SOCKADDR_IN6_SIZE;
        if (family != AF_INET && family != AF_INET6 || name.length() < needed) {
            fail(WSAEFAULT);
            return null;
        }
        if (family != sock.family) {
            fail(WSAEAFNOSUPPORT);
            return null;
        }
        InetSocketAddress a = SockAddrs.decode(name);
        if (a == null) {
            fail(WSAEFAULT);
        }
        return a;
    }

    /**
     * Writes an address as {@code family} presents it (IPv4 on an IPv6 socket: v4-mapped). The cell's
     * length is the storage size on entry, as the JNA binding sets it, so it always fits.
     */
    private static void fill(SockAddr out, int family, InetAddress ip, int port) {
        SockAddrs.encode(new InetSocketAddress(ip, port), family, out);
    }

    private void implicitBind(FakeSocket sock) {
        sock.boundIp = wildcard(sock.family);
        sock.port = ephemeralPort(sock.type);
        sock.portOwner = true;
    }

    private int ephemeralPort(int type) {
        for (int tries = 0; tries < 16384; tries++) {
            int p = nextEphemeral;
            nextEphemeral = nextEphemeral == 65535 ? FIRST_EPHEMERAL_PORT : nextEphemeral + 1;
            if (!portTaken(type, p)) {
                return p;
            }
        }
        throw new IllegalStateException("no ephemeral port left");
    }

    private boolean portTaken(int type, int port) {
        for (FakeSocket s : sockets.values()) {
            if (s.type == type && s.state != State.CLOSED && s.portOwner && s.port == port) {
                return true;
            }
        }
        return false;
    }

    private boolean conflicts(FakeSocket sock, InetAddress ip, int port) {
        for (FakeSocket other : sockets.values()) {
            if (other == sock || other.type != sock.type || other.state == State.CLOSED || !other.portOwner || other.port != port) {
                continue;
            }
            if (!overlap(sock, ip, other)) {
                continue;
            }
            boolean shared = sock.reuseAddress && !other.exclusive && !sock.exclusive;
            if (!shared) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code sock} bound to {@code ip} and {@code other} could receive for the same destination. */
    private static boolean overlap(FakeSocket sock, InetAddress ip, FakeSocket other) {
        for (InetAddress probe : new InetAddress[] { ip, other.boundIp }) {
            if (probe.isAnyLocalAddress()) {
                continue;
            }
            if (accepts(sock.family, sock.v6only, ip, probe) && accepts(other.family, other.v6only, other.boundIp, probe)) {
                return true;
            }
        }
        if (ip.isAnyLocalAddress() && other.boundIp.isAnyLocalAddress()) {
            boolean v4a = sock.family == AF_INET || !sock.v6only;
            boolean v4b = other.family == AF_INET || !other.v6only;
            boolean v6a = sock.family == AF_INET6;
            boolean v6b = other.family == AF_INET6;
            return v4a && v4b || v6a && v6b;
        }
        return false;
    }

    /** Whether a socket of {@code family} bound to {@code bound} receives what is sent to {@code destination}. */
    private static boolean accepts(int family, boolean v6only, InetAddress bound, InetAddress destination) {
        boolean v4 = destination instanceof Inet4Address;
        if (family == AF_INET && !v4 || family == AF_INET6 && v4 && v6only) {
            return false;
        }
        return bound.isAnyLocalAddress() || bound.equals(destination);
    }

    /** The bound socket for a destination, a specific address winning over a wildcard. */
    private FakeSocket find(int type, InetAddress destination, int port, boolean listening) {
        FakeSocket wildcard = null;
        for (FakeSocket s : sockets.values()) {
            if (s.type != type || s.state == State.CLOSED || s.boundIp == null || s.port != port || !s.portOwner) {
                continue;
            }
            if (listening != (s.state == State.LISTENING)) {
                continue;
            }
            if (!accepts(s.family, s.v6only, s.boundIp, destination)) {
                continue;
            }
            if (!s.boundIp.isAnyLocalAddress()) {
                return s;
            }
            if (wildcard == null) {
                wildcard = s;
            }
        }
        return wildcard;
    }

    /** The source address a wildcard-bound socket uses towards {@code destination}: the loopback of its family. */
    private static InetAddress sourceFor(FakeSocket sock, InetAddress destination) {
        if (destination instanceof Inet4Address) {
            return destination.isLoopbackAddress() ? loopback4() : wildcard(AF_INET);
        }
        return destination.isLoopbackAddress() ? loopback6() : wildcard(AF_INET6);
    }

    private static InetAddress wildcard(int family) {
        try {
            return InetAddress.getByAddress(new byte[family == AF_INET ? 4 : 16]);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static InetAddress loopback4() {
        try {
            return InetAddress.getByAddress(new byte[] { 127, 0, 0, 1 });
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static InetAddress loopback6() {
        try {
            byte[] a = new byte[16];
            a[15] = 1;
            return Inet6Address.getByAddress(null, a, 0);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean readable(FakeSocket sock) {
        if (sock.stream()) {
            return sock.state == State.CONNECTED && sock.incomingSize > 0;
        }
        return !sock.datagrams.isEmpty() || sock.connResetPending;
    }

    private boolean writable(FakeSocket sock) {
        if (sock.stream()) {
            return sock.state == State.CONNECTED && !sock.resetReceived && sock.peer != null && sock.peer.room() > 0;
        }
        return !datagramSendsBlocked;
    }

    private void reset(FakeSocket sock) {
        sock.resetReceived = true;
        sock.incomingSize = 0;
        sock.peer = null;
        if (!sock.closeRecorded) {
            sock.closeRecorded = true;
            signal(sock, FD_CLOSE, WSAECONNRESET);
        }
    }

    /** FD_CLOSE after a graceful close is recorded only once the data before it has been read. */
    private void maybeRecordClose(FakeSocket sock) {
        if (sock.closeRecorded) {
            return;
        }
        if (sock.resetReceived) {
            sock.closeRecorded = true;
            signal(sock, FD_CLOSE, WSAECONNRESET);
        } else if (sock.finReceived && sock.incomingSize == 0) {
            sock.closeRecorded = true;
            signal(sock, FD_CLOSE, 0);
        }
    }

    /** Records {@code bit} if selected and enabled, disables it until re-enabled, and sets the event. */
    private void signal(FakeSocket sock, int bit, int error) {
        if (sock.event == 0 || (sock.mask & bit) == 0 || (sock.enabled & bit) == 0) {
            return;
        }
        sock.record |= bit;
        sock.errors[Integer.numberOfTrailingZeros(bit)] = error;
        if (bit != FD_CONNECT && bit != FD_CLOSE) {
            sock.enabled &= ~bit;
        }
        k32.setEvent(sock.event);
    }
}
