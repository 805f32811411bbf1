package org.culvert.link.winsock;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;

import org.culvert.api.event.Waitable;
import org.culvert.api.event.Win32EventWaitable;
import org.culvert.api.link.AddressFamily;
import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkException.Reason;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSocket;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.packet.PacketBatch;
import org.culvert.platform.win32.CloseGuard;
import org.culvert.platform.win32.Kernel32Api;
import org.culvert.platform.win32.winsock.SockAddr;
import org.culvert.platform.win32.winsock.SockAddrs;
import org.culvert.platform.win32.winsock.Ws2Api;

/**
 * A UDP link socket on a non-blocking Winsock socket under {@code WSAEventSelect}: one OpenVPN packet
 * per datagram, one {@code recvfrom}/{@code sendto} per packet, straight between Winsock and the
 * caller's {@link PacketBatch} slots. {@link #waitable()} is the socket's event for both directions;
 * {@link #prepareWait} keeps it level-triggered (see {@link NativeSocket}).
 *
 * <p>Windows reports an ICMP port unreachable caused by an earlier datagram as {@code WSAECONNRESET}
 * on the next {@code recvfrom}. That is no reason to end a UDP link: {@link #open} turns the report
 * off with {@code SIO_UDP_CONNRESET}, and a report that arrives anyway is counted and skipped, as a
 * dropped datagram.
 *
 * <p>Threading follows {@link LinkSocket}: everything but {@link #close()} (and the read-only
 * {@link #remote()}, {@link #local()} and counters) belongs to the tunnel's loop thread. Every call
 * runs inside a {@link CloseGuard}, so a {@link #close()} from another thread never releases the
 * {@code SOCKET} (whose value Windows may hand out again at once) under a running call. Closing does
 * not wake a loop waiting on the event: it is woken through {@link org.culvert.api.event.EventSet#wakeup()},
 * and its event set is closed before the socket.
 *
 * <p>Memory: the address cells are allocated once per socket. A datagram's source is decoded into a
 * {@link SocketAddress} only when it differs from the remote (and from the last stranger), so the
 * steady state allocates nothing.
 */
final class WinsockUdpSocket implements LinkSocket {
    private final Ws2Api ws2;
    private final CloseGuard guard = new CloseGuard();
    private final NativeSocket socket;
    /** {@link Ws2Api#AF_INET} or {@link Ws2Api#AF_INET6}: how addresses are encoded for this socket. */
    private final int family;
    private final int batchSize;
    private final int maxPacketSize;
    private final Win32EventWaitable waitable;

    private final SockAddr from;
    /** The remote as this socket's sockaddr; {@link #remoteLength} 0 while there is none. */
    private final SockAddr remoteName;
    private int remoteLength;
    private volatile InetSocketAddress remote;

    /** The last source that was not the remote, so that a stranger's packets decode once. */
    private final ByteBuffer strangerName = ByteBuffer.allocate(SockAddr.STORAGE_SIZE);
    private int strangerLength;
    private InetSocketAddress stranger;

    /** False under {@code --nobind} until the first send binds the socket: {@code recvfrom} would fail before. */
    private volatile boolean bound;
    private volatile InetSocketAddress local;
    private volatile long truncated;
    private volatile long rejected;
    private volatile long icmpReports;

    private WinsockUdpSocket(Ws2Api ws2, NativeSocket socket, int family, int batchSize, int maxPacketSize) {
        this.ws2 = ws2;
        this.socket = socket;
        this.family = family;
        this.batchSize = batchSize;
        this.maxPacketSize = maxPacketSize;
        this.waitable = new Win32EventWaitable(socket.event, socket.event);
        this.from = ws2.newSockAddr();
        this.remoteName = ws2.newSockAddr();
        // A bound datagram socket can send at once; Winsock records FD_WRITE only after a refused send.
        socket.writable = true;
    }

    /**
     * Starts Winsock for this socket, resolves the spec's addresses, creates, configures and (unless
     * {@code --nobind}) binds the socket. Nothing stays open when this throws.
     */
    static WinsockUdpSocket open(LinkSpec spec, Ws2Api ws2, Kernel32Api k32, int batchSize) throws LinkException {
        if (spec.protocol() != LinkProtocol.UDP) {
            throw new LinkException(Reason.UNSUPPORTED, "cannot open " + spec.protocol().optionName() + " as udp");
        }
        Addresses.checkSpec(spec);
        InetAddress localIp = spec.localHost() == null ? null : Addresses.resolve("local", spec.localHost(), spec.family());
        boolean wildcard = localIp == null || localIp.isAnyLocalAddress();
        int family = Addresses.socketFamily(spec.family(), localIp);
        AddressFamily remoteFamily = null;
        InetAddress remoteIp = null;
        if (spec.remoteHost() != null) {
            remoteFamily = remoteFamily(spec.family(), family, wildcard);
            remoteIp = Addresses.resolve("remote", spec.remoteHost(), remoteFamily);
        }
        Winsock.start(ws2);
        NativeSocket s = null;
        try {
            try {
                s = NativeSocket.open(ws2, k32, family, Ws2Api.SOCK_DGRAM, Ws2Api.IPPROTO_UDP);
            } catch (LinkException e) {
                if (!(family == Ws2Api.AF_INET6 && spec.family() == AddressFamily.ANY && localIp == null
                        && e.reason() == Reason.UNSUPPORTED)) {
                    throw e;
                }
                // No IPv6 on this host: a plain IPv4 socket still serves the ANY family.
                family = Ws2Api.AF_INET;
                if (remoteIp != null && !(remoteIp instanceof Inet4Address)) {
                    remoteIp = Addresses.resolve("remote", spec.remoteHost(), AddressFamily.IPV4);
                }
                s = NativeSocket.open(ws2, k32, family, Ws2Api.SOCK_DGRAM, Ws2Api.IPPROTO_UDP);
            }
            configure(s, spec, family, wildcard);
            // Failing to turn the reports off is harmless: receive() skips them anyway.
            ws2.wsaIoctlInt(s.handle, Ws2Api.SIO_UDP_CONNRESET, 0);
            if (spec.bind()) {
                if (spec.localPort() != 0) {
                    // Without it another program could bind the port with SO_REUSEADDR and take our datagrams.
                    s.option(Ws2Api.SOL_SOCKET, Ws2Api.SO_EXCLUSIVEADDRUSE, 1, "SO_EXCLUSIVEADDRUSE");
                }
                s.bind(new InetSocketAddress(localIp != null ? localIp : Addresses.wildcard(family), spec.localPort()), family);
            }
            WinsockUdpSocket socket = new WinsockUdpSocket(ws2, s, family, batchSize, spec.maxPacketSize());
            socket.bound = spec.bind();
            if (remoteIp != null) {
                socket.remote(new InetSocketAddress(remoteIp, spec.remotePort()));
            }
            return socket;
        } catch (LinkException | RuntimeException e) {
            if (s != null) {
                s.close();
            }
            Winsock.stop(ws2);
            throw e;
        }
    }

    private static void configure(NativeSocket s, LinkSpec spec, int family, boolean wildcard) throws LinkException {
        if (family == Ws2Api.AF_INET6 && wildcard && spec.family() == AddressFamily.ANY) {
            // Windows creates IPv6 sockets IPv6-only: clear it so that IPv4 peers reach this one too.
            s.option(Ws2Api.IPPROTO_IPV6, Ws2Api.IPV6_V6ONLY, 0, "IPV6_V6ONLY");
        }
        if (spec.sendBuffer() > 0) {
            s.option(Ws2Api.SOL_SOCKET, Ws2Api.SO_SNDBUF, spec.sendBuffer(), "SO_SNDBUF");
        }
        if (spec.receiveBuffer() > 0) {
            s.option(Ws2Api.SOL_SOCKET, Ws2Api.SO_RCVBUF, spec.receiveBuffer(), "SO_RCVBUF");
        }
    }

    /** Which remote addresses this socket can reach: a dual-stack socket reaches both families. */
    private static AddressFamily remoteFamily(AddressFamily wanted, int socketFamily, boolean wildcardLocal) {
        if (wanted != AddressFamily.ANY) {
            return wanted;
        }
        if (socketFamily == Ws2Api.AF_INET) {
            return AddressFamily.IPV4;
        }
        return wildcardLocal ? AddressFamily.ANY : AddressFamily.IPV6;
    }

    @Override
    public LinkProtocol protocol() {
        return LinkProtocol.UDP;
    }

    /** Nothing to do for UDP: returns true at once (or throws {@code CLOSED} after {@link #close()}). */
    @Override
    public boolean establish(long timeoutMillis) throws LinkException {
        if (guard.isClosed()) {
            throw LinkErrors.closed("udp");
        }
        return true;
    }

    @Override
    public int batchSize() {
        return batchSize;
    }

    /** The socket's event, for both directions; valid from {@code open} on. */
    @Override
    public Waitable waitable() {
        return waitable;
    }

    /**
     * Takes the network events Winsock recorded and, if readiness in {@code interest} is already known,
     * signals the event so that the wait returns at once. Must run before every wait (the loop does).
     */
    @Override
    public void prepareWait(int interest) {
        if (!guard.enter()) {
            return;
        }
        try {
            socket.prepareWait(interest, false);
        } finally {
            guard.exit();
        }
    }

    /**
     * Receives up to {@code min(batch.capacity(), batchSize())} datagrams. Each lands at the slot's
     * headroom; one longer than the slot's room or {@code maxPacketSize} is dropped (Winsock:
     * {@code WSAEMSGSIZE}), not delivered cut short. ICMP reports ({@code WSAECONNRESET},
     * {@code WSAENETRESET}) are skipped.
     *
     * @return the number of packets, also set as {@code batch.count()}; 0 when none is waiting
     * @throws LinkException {@code CLOSED} after {@link #close()}; {@code IO_ERROR} for anything unexpected
     */
    @Override
    public int receive(PacketBatch batch) throws LinkException {
        if (!guard.enter()) {
            throw LinkErrors.closed("udp");
        }
        try {
            int n = 0;
            if (bound) {
                n = receiveBound(batch);
            }
            batch.count(n);
            return n;
        } finally {
            guard.exit();
        }
    }

    private int receiveBound(PacketBatch batch) throws LinkException {
        int max = Math.min(batch.capacity(), batchSize);
        int headroom = batch.headroom();
        int room = Math.min(batch.slotSize() - headroom, maxPacketSize);
        ByteBuffer backing = batch.backing();
        int n = 0;
        boolean rechecked = false;
        while (n < max) {
            int offset = batch.slotOffset(n) + headroom;
            int length = ws2.recvFrom(socket.handle, backing, offset, room, 0, from);
            if (length >= 0) {
                batch.slot(n).limit(headroom + length).position(headroom);
                batch.source(n, sourceOf());
                n++;
                continue;
            }
            int error = ws2.wsaGetLastError();
            if (error == Ws2Api.WSAEWOULDBLOCK) {
                // An FD_READ recorded before this recvfrom may be stale; one recorded after it is not.
                if (!rechecked && (socket.refresh() & Ws2Api.FD_READ) != 0) {
                    rechecked = true;
                    continue;
                }
                socket.readable = false;
                return n;
            }
            if (error == Ws2Api.WSAEMSGSIZE) {
                truncated++;
            } else if (error == Ws2Api.WSAECONNRESET || error == Ws2Api.WSAENETRESET) {
                icmpReports++;
            } else if (n > 0) {
                // Deliver what arrived; the next call meets the error again.
                return n;
            } else {
                throw LinkErrors.of("recvfrom", error);
            }
        }
        // The batch is full: more may wait, so the next prepareWait reports the socket readable.
        socket.readable = true;
        return n;
    }

    /** Null when the datagram in {@link #from} came from the remote; otherwise its address, decoded at most once per stranger. */
    private SocketAddress sourceOf() {
        ByteBuffer name = from.storage();
        int length = from.length();
        if (remoteLength != 0 && SockAddrs.sameEndpoint(name, length, remoteName.storage(), remoteLength)) {
            return null;
        }
        if (stranger != null && SockAddrs.sameEndpoint(name, length, strangerName, strangerLength)) {
            return stranger;
        }
        InetSocketAddress decoded = SockAddrs.decode(from);
        strangerName.put(0, name, 0, Math.min(length, SockAddr.STORAGE_SIZE));
        strangerLength = length;
        stranger = decoded;
        return decoded;
    }

    /**
     * Sends slots {@code from..count-1} to {@link #remote()}, one {@code sendto} each, until all are
     * sent or Winsock would block. A datagram Winsock rejects ({@code WSAEMSGSIZE},
     * {@code WSAEHOSTUNREACH}, {@code WSAENETUNREACH}, {@code WSAEACCES}, ...) is dropped and counted as
     * consumed (see {@link #rejectedDatagrams()}); so are all packets while there is no remote.
     *
     * @return packets consumed; fewer than offered means "would block": {@code FD_WRITE} follows
     * @throws LinkException {@code CLOSED} after {@link #close()}; {@code IO_ERROR} for anything unexpected
     */
    @Override
    public int send(PacketBatch batch, int fromSlot) throws LinkException {
        if (!guard.enter()) {
            throw LinkErrors.closed("udp");
        }
        try {
            int count = batch.count();
            if (fromSlot < 0 || fromSlot > count) {
                throw new IndexOutOfBoundsException("from " + fromSlot + " of " + count);
            }
            if (remoteLength == 0) {
                rejected += count - fromSlot;
                return count - fromSlot;
            }
            ByteBuffer backing = batch.backing();
            int next = fromSlot;
            boolean retried = false;
            while (next < count) {
                ByteBuffer slot = batch.slot(next);
                int sent = ws2.sendTo(socket.handle, backing, batch.slotOffset(next) + slot.position(), slot.remaining(), 0, remoteName);
                if (sent >= 0) {
                    // sendto binds an unbound (--nobind) socket implicitly.
                    bound = true;
                    next++;
                    continue;
                }
                int error = ws2.wsaGetLastError();
                if (error == Ws2Api.WSAEWOULDBLOCK) {
                    if (socket.retryAfterWouldBlock(retried)) {
                        retried = true;
                        continue;
                    }
                    break;
                }
                if (!isRejection(error)) {
                    throw LinkErrors.of("sendto", error);
                }
                rejected++;
                next++;
            }
            return next - fromSlot;
        } finally {
            guard.exit();
        }
    }

    /** Errors that reject one datagram and say nothing about the next: drop it and go on. */
    private static boolean isRejection(int error) {
        switch (error) {
            case Ws2Api.WSAEMSGSIZE:
            case Ws2Api.WSAEHOSTUNREACH:
            case Ws2Api.WSAENETUNREACH:
            case Ws2Api.WSAEHOSTDOWN:
            case Ws2Api.WSAENETDOWN:
            case Ws2Api.WSAECONNRESET:
            case Ws2Api.WSAENETRESET:
            case Ws2Api.WSAECONNREFUSED:
            case Ws2Api.WSAEACCES:
            case Ws2Api.WSAENOBUFS:
            case Ws2Api.WSAEADDRNOTAVAIL:
            case Ws2Api.WSAEAFNOSUPPORT:
            case Ws2Api.WSAEINVAL:
                return true;
            default:
                return false;
        }
    }

    @Override
    public SocketAddress remote() {
        return remote;
    }

    /**
     * Sets the peer datagrams go to and are compared with. Loop thread only.
     *
     * @param address a resolved {@link InetSocketAddress}; an IPv4 one is fine on a dual-stack socket;
     *                null forgets the remote (sends are then dropped)
     * @throws IllegalArgumentException for an unresolved address or an IPv6 one on an IPv4 socket
     */
    @Override
    public void remote(SocketAddress address) {
        if (address == null) {
            remoteLength = 0;
            remote = null;
            return;
        }
        if (!(address instanceof InetSocketAddress)) {
            throw new IllegalArgumentException("not an IP socket address: " + address.getClass().getName());
        }
        InetSocketAddress ip = (InetSocketAddress) address;
        remoteLength = SockAddrs.encode(ip, family, remoteName);
        remote = ip;
    }

    /**
     * The bound address ({@code getsockname}); null while unbound ({@code --nobind} before the first
     * send) and after {@link #close()} if it was never learnt.
     */
    @Override
    public SocketAddress local() {
        InetSocketAddress known = local;
        if (known != null || !bound || !guard.enter()) {
            return known;
        }
        try {
            InetSocketAddress a = socket.localAddress();
            if (a != null && a.getPort() != 0) {
                local = a;
                return a;
            }
            return null;
        } finally {
            guard.exit();
        }
    }

    /** Datagrams dropped on receive because they did not fit the slot or {@code maxPacketSize}. */
    long truncatedDatagrams() {
        return truncated;
    }

    /** Packets counted as sent although Winsock rejected them or there was no remote. */
    long rejectedDatagrams() {
        return rejected;
    }

    /** ICMP error reports ({@code WSAECONNRESET}/{@code WSAENETRESET}) skipped on receive. */
    long icmpReports() {
        return icmpReports;
    }

    /** {@link Ws2Api#AF_INET} or {@link Ws2Api#AF_INET6}. */
    int family() {
        return family;
    }

    /** The native socket, for tests. */
    NativeSocket nativeSocket() {
        return socket;
    }

    /** Waits for calls in progress, then closes the socket and its event and releases Winsock. Idempotent; never throws; any thread. */
    @Override
    public void close() {
        if (!guard.close()) {
            return;
        }
        socket.close();
        Winsock.stop(ws2);
    }

    @Override
    public String toString() {
        return "winsock udp link socket " + socket + " local " + local + " remote " + remote;
    }
}
