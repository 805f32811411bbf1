package org.culvert.link.udp;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

import org.culvert.api.event.FdWaitable;
import org.culvert.api.event.Waitable;
import org.culvert.api.link.AddressFamily;
import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkException.Reason;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSocket;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.packet.PacketBatch;
import org.culvert.platform.linux.DirectBuffers;
import org.culvert.platform.linux.Errno;
import org.culvert.platform.linux.LibC;
import org.culvert.platform.linux.NativeFd;
import org.culvert.platform.linux.Net;
import org.culvert.platform.linux.SockAddr;

/**
 * A UDP link socket on a native, non-blocking Linux socket: one OpenVPN packet per datagram,
 * received with {@code recvmmsg} and sent with {@code sendmmsg}, a whole batch per system call.
 * Where the kernel allows, runs of equal-size datagrams go out as one {@code UDP_SEGMENT} message each
 * ({@link GsoRuns}) and coalesced receives ({@code UDP_GRO}) are split into the batch's slots
 * ({@link GroReceiver}); {@link #offloads()} says which.
 *
 * <p>Threading follows {@link LinkSocket}: everything but {@link #close()} (and the read-only
 * {@link #remote()}, {@link #local()} and counters) belongs to the tunnel's loop thread. The
 * descriptor is guarded by a {@link NativeFd}, so a {@link #close()} racing a receive or send never
 * lets them touch a descriptor number the kernel has handed out again. Closing removes the socket
 * from any epoll set without waking it: a loop stopped from another thread is woken through its
 * {@link org.culvert.api.event.EventSet#wakeup()}.
 *
 * <p>Memory: the native {@code mmsghdr}, {@code iovec} and {@code sockaddr} arrays are allocated
 * once per socket. Sent packets go straight from the caller's {@link PacketBatch} slots to the
 * kernel; received ones land in the slots directly without GRO, and are copied there from the GRO
 * scratch area (one 64 KB chunk per message, reserved once) with it. A datagram's source address is decoded into a {@link SocketAddress} only when its bytes
 * differ from the current remote's (and from the last stranger's), so the steady state allocates
 * nothing.
 */
final class UdpLinkSocket implements LinkSocket {
    private final NativeFd fd;
    /** {@link Net#AF_INET} or {@link Net#AF_INET6}: how addresses are encoded for this socket. */
    private final int family;
    private final int batchSize;
    private final int maxPacketSize;
    private final FdWaitable waitable;

    /** Receive side: one mmsghdr, iovec and sockaddr_storage per batch slot. */
    private final ByteBuffer recvHeaders;
    private final long recvHeadersAddress;
    private final ByteBuffer recvIovecs;
    private final long recvIovecsAddress;
    private final ByteBuffer recvNames;
    private final long recvNamesAddress;
    private final DirectBuffers.AddressCache recvBatch = new DirectBuffers.AddressCache();

    /** Send side: every mmsghdr names {@link #remoteName}; the iovecs point into the caller's batch. */
    private final GsoRuns sendRuns;
    private final Syscalls syscalls;
    /** {@code UDP_SEGMENT} sends: probed at open, off for good after the kernel's {@code EIO}. */
    private volatile boolean gso;
    private volatile boolean gsoOffAfterEio;
    /** The largest segment a GSO send may carry: lowered when the kernel refuses a run (a path MTU below it). */
    private int gsoMaxSegment = GsoRuns.MAX_BYTES;

    /** Receive side with {@code UDP_GRO} on; null when the kernel refused it (then the plain path below). */
    private final GroReceiver gro;
    private final GroReceiver.Sources sources = this::sourceOf;

    /** The remote as this socket's sockaddr; {@link #remoteNameLength} 0 while there is none. */
    private final ByteBuffer remoteName;
    private final long remoteNameAddress;
    private int remoteNameLength;
    private volatile InetSocketAddress remote;

    /** The last source that was not the remote, so that a stranger's packets decode once. */
    private final ByteBuffer strangerName;
    private int strangerNameLength;
    private InetSocketAddress stranger;

    private volatile InetSocketAddress local;
    private volatile long truncated;
    private volatile long rejected;
    private volatile long gsoMessages;

    private UdpLinkSocket(int rawFd, int family, int batchSize, int maxPacketSize, Syscalls syscalls, boolean offloads) {
        this.fd = new NativeFd(rawFd);
        this.syscalls = syscalls;
        this.family = family;
        this.batchSize = batchSize;
        this.maxPacketSize = maxPacketSize;
        this.waitable = new FdWaitable(rawFd);

        recvHeaders = DirectBuffers.allocateNative(batchSize * Net.MMSGHDR_SIZE);
        recvIovecs = DirectBuffers.allocateNative(batchSize * Net.IOVEC_SIZE);
        recvNames = DirectBuffers.allocateNative(batchSize * SockAddr.STORAGE_SIZE);
        recvHeadersAddress = DirectBuffers.address(recvHeaders);
        recvIovecsAddress = DirectBuffers.address(recvIovecs);
        recvNamesAddress = DirectBuffers.address(recvNames);
        for (int i = 0; i < batchSize; i++) {
            int h = i * Net.MMSGHDR_SIZE;
            recvHeaders.putLong(h + Net.MSG_NAME, recvNamesAddress + (long) i * SockAddr.STORAGE_SIZE);
            recvHeaders.putLong(h + Net.MSG_IOV, recvIovecsAddress + (long) i * Net.IOVEC_SIZE);
            recvHeaders.putLong(h + Net.MSG_IOVLEN, 1);
        }

        remoteName = DirectBuffers.allocateNative(SockAddr.STORAGE_SIZE);
        remoteNameAddress = DirectBuffers.address(remoteName);
        sendRuns = new GsoRuns(batchSize, remoteNameAddress);
        strangerName = DirectBuffers.allocateNative(SockAddr.STORAGE_SIZE);

        // Probed on the socket itself, quietly: kernels before 4.18 (GSO) or 5.0 (GRO) refuse the options.
        gso = offloads && Net.getIntOption(rawFd, Net.SOL_UDP, Net.UDP_SEGMENT) >= 0;
        gro = offloads && Net.setIntOption(rawFd, Net.SOL_UDP, Net.UDP_GRO, 1) == 0
                ? new GroReceiver(batchSize, recvNamesAddress) : null;
    }

    /**
     * The native calls the send path makes, so that a test can make the kernel's answers happen
     * ({@code EIO} from a device without checksum offload); production uses {@link #NATIVE}.
     */
    interface Syscalls {
        int sendmmsg(int fd, long msgvec, int vlen, int flags);

        /** The errno of this thread's last {@link #sendmmsg}. */
        int errno();
    }

    static final Syscalls NATIVE = new Syscalls() {
        @Override
        public int sendmmsg(int fd, long msgvec, int vlen, int flags) {
            return Net.sendmmsg(fd, msgvec, vlen, flags);
        }

        @Override
        public int errno() {
            return LibC.errno();
        }
    };

    /**
     * Resolves the spec's addresses, creates the socket, applies the options and binds it (unless
     * {@code --nobind}). Nothing stays open when this throws.
     */
    static UdpLinkSocket open(LinkSpec spec, int batchSize) throws LinkException {
        return open(spec, batchSize, true, NATIVE);
    }

    /**
     * @param offloads false to leave UDP GSO and GRO off (the transport's {@code gso_gro} setting)
     * @param syscalls the send path's native calls
     */
    static UdpLinkSocket open(LinkSpec spec, int batchSize, boolean offloads, Syscalls syscalls) throws LinkException {
        if (spec.protocol() != LinkProtocol.UDP) {
            throw new LinkException(Reason.UNSUPPORTED, "the udp transport cannot open " + spec.protocol().optionName());
        }
        checkPort("local", spec.localPort(), true);
        if (spec.remoteHost() != null) {
            checkPort("remote", spec.remotePort(), false);
        }
        if (spec.maxPacketSize() < 1 || spec.maxPacketSize() > 65535) {
            throw new LinkException(Reason.UNSUPPORTED, "max packet size " + spec.maxPacketSize() + " is not a UDP payload size");
        }
        InetAddress localIp = spec.localHost() == null ? null : resolve("local", spec.localHost(), spec.family());
        boolean wildcard = localIp == null || localIp.isAnyLocalAddress();
        int family = socketFamily(spec.family(), localIp);

        int raw = Net.socket(family, Net.SOCK_DGRAM | Net.SOCK_NONBLOCK | Net.SOCK_CLOEXEC, 0);
        if (raw < 0 && family == Net.AF_INET6 && spec.family() == AddressFamily.ANY && localIp == null
                && LibC.errno() == Errno.EAFNOSUPPORT) {
            // IPv6 is disabled in this kernel: a plain IPv4 socket still serves the ANY family.
            family = Net.AF_INET;
            raw = Net.socket(family, Net.SOCK_DGRAM | Net.SOCK_NONBLOCK | Net.SOCK_CLOEXEC, 0);
        }
        if (raw < 0) {
            throw LinkErrors.of("socket", LibC.errno());
        }
        UdpLinkSocket socket = new UdpLinkSocket(raw, family, batchSize, spec.maxPacketSize(), syscalls, offloads);
        try {
            // No SO_REUSEADDR: on UDP it lets a second socket bind the same port and silently take
            // its packets (stock OpenVPN sets it only on TCP sockets, too).
            if (family == Net.AF_INET6 && wildcard && spec.family() == AddressFamily.ANY) {
                socket.setOption(Net.IPPROTO_IPV6, Net.IPV6_V6ONLY, 0, "IPV6_V6ONLY");
            }
            if (spec.sendBuffer() > 0) {
                socket.setOption(Net.SOL_SOCKET, Net.SO_SNDBUF, spec.sendBuffer(), "SO_SNDBUF");
            } else {
                socket.preferBuffer(SO_SNDBUFFORCE, Net.SO_SNDBUF, DEFAULT_BUFFER);
            }
            if (spec.receiveBuffer() > 0) {
                socket.setOption(Net.SOL_SOCKET, Net.SO_RCVBUF, spec.receiveBuffer(), "SO_RCVBUF");
            } else {
                socket.preferBuffer(SO_RCVBUFFORCE, Net.SO_RCVBUF, DEFAULT_BUFFER);
            }
            if (spec.bind()) {
                InetAddress bindIp = localIp != null ? localIp : wildcardOf(family);
                socket.bind(new InetSocketAddress(bindIp, spec.localPort()));
            }
            if (spec.remoteHost() != null) {
                AddressFamily wanted = remoteFamily(spec.family(), family, wildcard);
                socket.remote(new InetSocketAddress(resolve("remote", spec.remoteHost(), wanted), spec.remotePort()));
            }
            return socket;
        } catch (LinkException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    @Override
    public LinkProtocol protocol() {
        return LinkProtocol.UDP;
    }

    /** Nothing to do for UDP: returns true at once (or throws {@code CLOSED} after {@link #close()}). */
    @Override
    public boolean establish(long timeoutMillis) throws LinkException {
        if (fd.isClosed()) {
            throw LinkErrors.closed();
        }
        return true;
    }

    @Override
    public int batchSize() {
        return batchSize;
    }

    /** The socket's descriptor; valid from {@code open} on. */
    @Override
    public Waitable waitable() {
        return waitable;
    }

    /**
     * Receives up to {@code min(batch.capacity(), batchSize())} datagrams with one
     * {@code recvmmsg}. Each lands at the slot's headroom; a datagram longer than the slot's room or
     * {@code maxPacketSize} is dropped (see {@link #truncatedDatagrams()}), not delivered cut short.
     * ICMP errors the kernel reports on the socket are ignored: they are no reason to end a UDP link.
     *
     * @return the number of packets, also set as {@code batch.count()}; 0 when none is waiting
     * @throws LinkException {@code CLOSED} after {@link #close()}; {@code IO_ERROR} for anything unexpected
     */
    @Override
    public int receive(PacketBatch batch) throws LinkException {
        if (!fd.acquire()) {
            throw LinkErrors.closed();
        }
        try {
            int max = Math.min(batch.capacity(), batchSize);
            int headroom = batch.headroom();
            int room = Math.min(batch.slotSize() - headroom, maxPacketSize);
            if (gro != null) {
                return receiveCoalesced(batch, max, room);
            }
            long base = recvBatch.address(batch.backing());
            for (int i = 0; i < max; i++) {
                int h = i * Net.MMSGHDR_SIZE;
                // The kernel overwrites name length and flags: reset them on every call.
                recvHeaders.putInt(h + Net.MSG_NAMELEN, SockAddr.STORAGE_SIZE);
                recvHeaders.putInt(h + Net.MSG_FLAGS, 0);
                int v = i * Net.IOVEC_SIZE;
                recvIovecs.putLong(v + Net.IOV_BASE, base + batch.slotOffset(i) + headroom);
                recvIovecs.putLong(v + Net.IOV_LEN, room);
            }
            int n = recvmmsg(recvHeadersAddress, max);
            if (n == 0) {
                batch.count(0);
                return 0;
            }
            return collect(batch, n, headroom);
        } finally {
            fd.release();
        }
    }

    /**
     * With {@code UDP_GRO}: first what the last call left behind, then (if there is room and nothing is
     * left behind) one {@code recvmmsg} of as many messages as there are free slots, split into the slots.
     */
    private int receiveCoalesced(PacketBatch batch, int max, int room) throws LinkException {
        int kept = gro.deliver(batch, 0, max, room, sources);
        if (kept < max && !gro.pending()) {
            int want = Math.min(max - kept, gro.messagesMax());
            int n = recvmmsg(gro.prepare(want), want);
            if (n > 0) {
                gro.received(n);
                kept = gro.deliver(batch, kept, max, room, sources);
            }
        }
        batch.count(kept);
        return kept;
    }

    /** One {@code recvmmsg}: the number of messages, 0 when none is waiting or an ICMP report came instead. */
    private int recvmmsg(long headers, int n) throws LinkException {
        while (true) {
            int received = Net.recvmmsg(fd.fd(), headers, n, Net.MSG_DONTWAIT, 0);
            if (received >= 0) {
                return received;
            }
            int errno = LibC.errno();
            if (errno == Errno.EAGAIN || isIcmpReport(errno)) {
                return 0;
            }
            if (errno != Errno.EINTR) {
                throw LinkErrors.of("recvmmsg", errno);
            }
        }
    }

    /** Frames the {@code n} received datagrams in the batch, dropping truncated ones and closing the gaps. */
    private int collect(PacketBatch batch, int n, int headroom) {
        int kept = 0;
        for (int i = 0; i < n; i++) {
            int h = i * Net.MMSGHDR_SIZE;
            if ((recvHeaders.getInt(h + Net.MSG_FLAGS) & Net.MSG_TRUNC) != 0) {
                truncated++;
                continue;
            }
            int length = recvHeaders.getInt(h + Net.MMSG_LEN);
            ByteBuffer slot = batch.slot(kept);
            slot.limit(headroom + length).position(headroom);
            if (kept != i) {
                // Rare (only after a truncated datagram): move the packet down to keep slots dense.
                slot.put(headroom, batch.slot(i), headroom, length);
            }
            batch.source(kept, sourceOf(i, recvHeaders.getInt(h + Net.MSG_NAMELEN)));
            kept++;
        }
        batch.count(kept);
        return kept;
    }

    /** Null when slot {@code i}'s source is the remote; otherwise its address, decoded at most once per stranger. */
    private SocketAddress sourceOf(int i, int nameLength) {
        int offset = i * SockAddr.STORAGE_SIZE;
        if (remoteNameLength != 0 && sameBytes(recvNames, offset, remoteName, remoteNameLength, nameLength)) {
            return null;
        }
        if (stranger != null && sameBytes(recvNames, offset, strangerName, strangerNameLength, nameLength)) {
            return stranger;
        }
        InetSocketAddress decoded = SockAddr.decode(recvNames, offset, nameLength);
        strangerName.put(0, recvNames, offset, Math.min(nameLength, SockAddr.STORAGE_SIZE));
        strangerNameLength = nameLength;
        stranger = decoded;
        return decoded;
    }

    /** Compares a received sockaddr with a cached one, eight bytes at a time. */
    private static boolean sameBytes(ByteBuffer names, int offset, ByteBuffer cached, int cachedLength, int length) {
        if (length != cachedLength) {
            return false;
        }
        int k = 0;
        for (; k + 8 <= length; k += 8) {
            if (names.getLong(offset + k) != cached.getLong(k)) {
                return false;
            }
        }
        for (; k < length; k++) {
            if (names.get(offset + k) != cached.get(k)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Sends slots {@code from..count-1} to {@link #remote()}, up to {@link #batchSize()} per
     * {@code sendmmsg}, until all are sent or the socket would block. A datagram the OS rejects
     * ({@code EMSGSIZE}, an ICMP-reported {@code ECONNREFUSED}, {@code EHOSTUNREACH},
     * {@code ENETUNREACH}, a firewall's {@code EPERM}, ...) is dropped and counted as consumed (see
     * {@link #rejectedDatagrams()}); so are all packets while there is no remote.
     *
     * @return packets consumed; fewer than offered means "would block"
     * @throws LinkException {@code CLOSED} after {@link #close()}; {@code IO_ERROR} for anything unexpected
     */
    @Override
    public int send(PacketBatch batch, int from) throws LinkException {
        if (!fd.acquire()) {
            throw LinkErrors.closed();
        }
        try {
            int count = batch.count();
            if (from < 0 || from > count) {
                throw new IndexOutOfBoundsException("from " + from + " of " + count);
            }
            if (remoteNameLength == 0) {
                rejected += count - from;
                return count - from;
            }
            int next = from;
            int plainUntil = -1; // slots before it go one datagram per message (a refused run's)
            while (next < count) {
                boolean offload = gso;
                int gsoFrom = offload ? Math.max(next, plainUntil) : Integer.MAX_VALUE;
                int messages = sendRuns.build(batch, next, count, gsoFrom, gsoMaxSegment);
                int sent = syscalls.sendmmsg(fd.fd(), sendRuns.headersAddress(), messages, Net.MSG_DONTWAIT | Net.MSG_NOSIGNAL);
                if (sent > 0) {
                    // A short count may hide an error on the next message: the next round reports it.
                    next += sendRuns.datagrams(sent);
                    gsoMessages += sendRuns.segmented(sent);
                    continue;
                }
                int errno = syscalls.errno();
                if (errno == Errno.EINTR) {
                    continue;
                }
                if (errno == Errno.EAGAIN) {
                    break;
                }
                int run = sendRuns.runLength(0);
                if (errno == Errno.EIO && offload) {
                    gsoOffAfterEio();
                    continue; // the same datagrams again, one per message
                }
                if (run > 1 && isRejection(errno)) {
                    // The run as a whole was refused (a segment past the path MTU, ...): each of its
                    // datagrams alone gets its own verdict, and runs of that size are no longer tried.
                    plainUntil = next + run;
                    gsoMaxSegment = Math.min(gsoMaxSegment, batch.slot(next).remaining() - 1);
                    continue;
                }
                if (isRejection(errno) || errno == Errno.EIO) {
                    rejected++;
                    next++;
                    continue;
                }
                throw LinkErrors.of("sendmmsg", errno);
            }
            return next - from;
        } finally {
            fd.release();
        }
    }

    /** Errors the kernel queues on a UDP socket from ICMP reports of earlier datagrams. */
    private static boolean isIcmpReport(int errno) {
        return errno == Errno.ECONNREFUSED || errno == Errno.EHOSTUNREACH || errno == Errno.ENETUNREACH
                || errno == Errno.EHOSTDOWN || errno == Errno.ENETDOWN || errno == Errno.EMSGSIZE;
    }

    /** Errors that reject one datagram and say nothing about the next: drop it and go on. */
    private static boolean isRejection(int errno) {
        return isIcmpReport(errno) || errno == Errno.EPERM || errno == Errno.EACCES || errno == Errno.ENOBUFS
                || errno == Errno.EINVAL || errno == Errno.EADDRNOTAVAIL || errno == Errno.EAFNOSUPPORT;
    }

    @Override
    public SocketAddress remote() {
        return remote;
    }

    /**
     * Sets the peer datagrams go to and are compared with. Loop thread only.
     *
     * @param address a resolved {@link InetSocketAddress}; an IPv4 one is fine on a dual-stack
     *                socket; null forgets the remote (sends are then dropped)
     * @throws IllegalArgumentException for an unresolved address or an IPv6 one on an IPv4 socket
     */
    @Override
    public void remote(SocketAddress address) {
        if (address == null) {
            remoteNameLength = 0;
            remote = null;
            return;
        }
        if (!(address instanceof InetSocketAddress)) {
            throw new IllegalArgumentException("not an IP socket address: " + address.getClass().getName());
        }
        InetSocketAddress ip = (InetSocketAddress) address;
        int length = SockAddr.encode(ip, family, remoteName, 0);
        sendRuns.nameLength(length);
        remoteNameLength = length;
        remote = ip;
    }

    /**
     * The bound address ({@code getsockname}); null while unbound ({@code --nobind} before the first
     * send) and after {@link #close()} if it was never learnt.
     */
    @Override
    public SocketAddress local() {
        InetSocketAddress known = local;
        if (known != null || !fd.acquire()) {
            return known;
        }
        try {
            InetSocketAddress bound = Net.localAddress(fd.fd());
            if (bound != null && bound.getPort() != 0) {
                local = bound;
                return bound;
            }
            return null;
        } finally {
            fd.release();
        }
    }

    /** Datagrams dropped on receive because they did not fit the slot or {@code maxPacketSize}. */
    long truncatedDatagrams() {
        return truncated + (gro == null ? 0 : gro.truncated());
    }

    /** {@code UDP_SEGMENT} messages the kernel took (each carrying two datagrams or more). */
    long gsoMessages() {
        return gsoMessages;
    }

    /** Receives the kernel had coalesced (GRO), and the datagrams they held. */
    long coalescedReceives() {
        return gro == null ? 0 : gro.coalescedBuffers();
    }

    long coalescedDatagrams() {
        return gro == null ? 0 : gro.coalescedDatagrams();
    }

    /**
     * {@code "udp gso, udp gro"}, one of them, or {@code "none"}; with {@code " (gso off after EIO)"}
     * once the kernel said a device cannot checksum the segments.
     */
    @Override
    public String offloads() {
        String on = gso ? (gro != null ? "udp gso, udp gro" : "udp gso") : (gro != null ? "udp gro" : "none");
        return gsoOffAfterEio ? on + " (gso off after EIO)" : on;
    }

    /** The kernel's EIO to a GSO send: the device cannot checksum-offload; send datagrams singly for good. */
    private void gsoOffAfterEio() {
        gso = false;
        if (!gsoOffAfterEio) {
            gsoOffAfterEio = true;
            LOG.log(System.Logger.Level.WARNING, "UDP GSO turned off on {0}: the kernel answered EIO (the outgoing device "
                    + "cannot checksum-offload UDP segments); datagrams go out one per message", this);
        }
    }

    private static final System.Logger LOG = System.getLogger(UdpLinkSocket.class.getName());

    /** Packets counted as sent although the OS rejected them or there was no remote. */
    long rejectedDatagrams() {
        return rejected;
    }

    /** The kernel's {@code SO_SNDBUF} (twice what was asked, as Linux books overhead), or -1 once closed. */
    int sendBufferSize() {
        return intOption(Net.SO_SNDBUF);
    }

    /** The kernel's {@code SO_RCVBUF}, or -1 once closed. */
    int receiveBufferSize() {
        return intOption(Net.SO_RCVBUF);
    }

    /** The socket's address family ({@link Net#AF_INET} or {@link Net#AF_INET6}). */
    int family() {
        return family;
    }

    /** Releases the socket once no call uses it. Idempotent; never throws; any thread. */
    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return "udp link socket " + fd + " local " + local + " remote " + remote;
    }

    private int intOption(int option) {
        if (!fd.acquire()) {
            return -1;
        }
        try {
            return (int) Net.getIntOption(fd.fd(), Net.SOL_SOCKET, option);
        } finally {
            fd.release();
        }
    }

    /**
     * Without --sndbuf/--rcvbuf Culvert asks for 1 MiB: the loop drains a whole batch per wake-up, and
     * with the kernel's 208 KiB default a burst arriving while it encrypts overflows the socket (measured:
     * a fifth of a TCP stream's segments dropped as UdpRcvbufErrors). Past net.core.rmem_max this needs
     * CAP_NET_ADMIN (the *BUFFORCE options); without it the plain option gives what the sysctl allows.
     */
    private static final int DEFAULT_BUFFER = 1 << 20;
    private static final int SO_SNDBUFFORCE = 32;
    private static final int SO_RCVBUFFORCE = 33;

    private void preferBuffer(int forceOption, int option, int bytes) {
        if (Net.setIntOption(fd.fd(), Net.SOL_SOCKET, forceOption, bytes) < 0) {
            Net.setIntOption(fd.fd(), Net.SOL_SOCKET, option, bytes);
        }
    }

    private void setOption(int level, int option, int value, String name) throws LinkException {
        if (Net.setIntOption(fd.fd(), level, option, value) < 0) {
            throw LinkErrors.of("setsockopt " + name, LibC.errno());
        }
    }

    private void bind(InetSocketAddress address) throws LinkException {
        ByteBuffer name = DirectBuffers.allocateNative(SockAddr.STORAGE_SIZE);
        int length = SockAddr.encode(address, family, name, 0);
        if (Net.bind(fd.fd(), DirectBuffers.address(name), length) < 0) {
            throw LinkErrors.of("bind " + address.getAddress().getHostAddress() + ":" + address.getPort(), LibC.errno());
        }
    }

    private static int socketFamily(AddressFamily wanted, InetAddress localIp) {
        switch (wanted) {
            case IPV4:
                return Net.AF_INET;
            case IPV6:
                return Net.AF_INET6;
            default:
                // Without a local address a dual-stack IPv6 socket serves IPv4 peers too.
                return localIp == null ? Net.AF_INET6 : SockAddr.family(localIp);
        }
    }

    /** Which remote addresses this socket can reach: a dual-stack socket reaches both families. */
    private static AddressFamily remoteFamily(AddressFamily wanted, int socketFamily, boolean wildcardLocal) {
        if (wanted != AddressFamily.ANY) {
            return wanted;
        }
        if (socketFamily == Net.AF_INET) {
            return AddressFamily.IPV4;
        }
        return wildcardLocal ? AddressFamily.ANY : AddressFamily.IPV6;
    }

    private static InetAddress wildcardOf(int family) {
        try {
            return InetAddress.getByAddress(new byte[family == Net.AF_INET ? 4 : 16]);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first address of {@code host} in the wanted family ({@code --proto udp4/udp6}); may block on DNS. */
    static InetAddress resolve(String role, String host, AddressFamily wanted) throws LinkException {
        InetAddress[] all;
        try {
            all = InetAddress.getAllByName(host);
        } catch (UnknownHostException | SecurityException e) {
            throw new LinkException(Reason.RESOLVE_FAILED, role + " host '" + host + "' does not resolve", e);
        }
        for (InetAddress a : all) {
            if (wanted == AddressFamily.ANY || (wanted == AddressFamily.IPV4) == (a instanceof Inet4Address)) {
                return a;
            }
        }
        throw new LinkException(Reason.RESOLVE_FAILED, role + " host '" + host + "' has no "
                + (wanted == AddressFamily.IPV4 ? "IPv4" : "IPv6") + " address");
    }

    private static void checkPort(String role, int port, boolean zeroAllowed) throws LinkException {
        if (port < (zeroAllowed ? 0 : 1) || port > 65535) {
            throw new LinkException(Reason.UNSUPPORTED, role + " port " + port + " is out of range");
        }
    }
}
