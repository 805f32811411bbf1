package org.culvert.link.tcp;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

import org.culvert.api.link.AddressFamily;
import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkException.Reason;
import org.culvert.api.link.LinkSpec;
import org.culvert.platform.linux.DirectBuffers;
import org.culvert.platform.linux.Errno;
import org.culvert.platform.linux.LibC;
import org.culvert.platform.linux.Net;
import org.culvert.platform.linux.SockAddr;

/** The socket set-up both TCP roles share: name resolution, creating, configuring and binding. Not on the data path. */
final class TcpSockets {
    private TcpSockets() {
    }

    /** The first address of {@code host} in the wanted family ({@code tcp4-*}/{@code tcp6-*}); may block on DNS. */
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

    static void checkSpec(LinkSpec spec) throws LinkException {
        checkPort("local", spec.localPort(), true);
        if (spec.remoteHost() != null) {
            checkPort("remote", spec.remotePort(), false);
        }
        // The length prefix is 16 bits: no bigger packet can be framed.
        if (spec.maxPacketSize() < 1 || spec.maxPacketSize() > 0xFFFF) {
            throw new LinkException(Reason.UNSUPPORTED, "max packet size " + spec.maxPacketSize() + " does not fit a 16-bit length prefix");
        }
        if (spec.protocol() == org.culvert.api.link.LinkProtocol.TCP_CLIENT && spec.connectTimeoutSeconds() < 1) {
            throw new LinkException(Reason.UNSUPPORTED, "connect timeout " + spec.connectTimeoutSeconds() + " s");
        }
    }

    private static void checkPort(String role, int port, boolean zeroAllowed) throws LinkException {
        if (port < (zeroAllowed ? 0 : 1) || port > 65535) {
            throw new LinkException(Reason.UNSUPPORTED, role + " port " + port + " is out of range");
        }
    }

    /**
     * Creates a non-blocking stream socket of {@code family} with {@code SO_REUSEADDR} (so that a
     * restarted tunnel rebinds its port while old connections sit in TIME_WAIT, as OpenVPN does),
     * {@code TCP_NODELAY}, {@code --sndbuf}/{@code --rcvbuf} (set before connect/listen, so the window
     * scale fits them) and, if asked, {@code IPV6_V6ONLY=0}.
     *
     * @return the raw descriptor, owned by the caller
     */
    static int create(int family, LinkSpec spec, boolean dualStack) throws LinkException {
        int fd = Net.socket(family, Net.SOCK_STREAM | Net.SOCK_NONBLOCK | Net.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw LinkErrors.of("socket", LibC.errno());
        }
        try {
            setOption(fd, Net.SOL_SOCKET, Net.SO_REUSEADDR, 1, "SO_REUSEADDR");
            setOption(fd, Net.IPPROTO_TCP, Net.TCP_NODELAY, 1, "TCP_NODELAY");
            if (dualStack) {
                setOption(fd, Net.IPPROTO_IPV6, Net.IPV6_V6ONLY, 0, "IPV6_V6ONLY");
            }
            if (spec.sendBuffer() > 0) {
                setOption(fd, Net.SOL_SOCKET, Net.SO_SNDBUF, spec.sendBuffer(), "SO_SNDBUF");
            }
            if (spec.receiveBuffer() > 0) {
                setOption(fd, Net.SOL_SOCKET, Net.SO_RCVBUF, spec.receiveBuffer(), "SO_RCVBUF");
            }
            return fd;
        } catch (LinkException e) {
            LibC.close(fd);
            throw e;
        }
    }

    static void setOption(int fd, int level, int option, int value, String name) throws LinkException {
        if (Net.setIntOption(fd, level, option, value) < 0) {
            throw LinkErrors.of("setsockopt " + name, LibC.errno());
        }
    }

    static void bind(int fd, int family, InetSocketAddress address) throws LinkException {
        ByteBuffer name = DirectBuffers.allocateNative(SockAddr.STORAGE_SIZE);
        int length = SockAddr.encode(address, family, name, 0);
        if (Net.bind(fd, DirectBuffers.address(name), length) < 0) {
            throw LinkErrors.of("bind " + text(address), LibC.errno());
        }
    }

    /** The wildcard address of {@code family}. */
    static InetAddress wildcard(int family) {
        try {
            return InetAddress.getByAddress(new byte[family == Net.AF_INET ? 4 : 16]);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    static String text(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        String host = ip == null ? address.getHostString() : ip.getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /**
     * Waits until {@code fd} is ready for {@code events} ({@code poll(2)}), at most until
     * {@code deadlineNanos} ({@link System#nanoTime()} scale).
     *
     * @param pollfd an 8-byte native buffer for the {@code struct pollfd}
     * @return the returned events, or 0 when the deadline passed first (or a signal interrupted the wait)
     */
    static int pollOne(ByteBuffer pollfd, long pollfdAddress, int fd, int events, long deadlineNanos) throws LinkException {
        long remaining = deadlineNanos - System.nanoTime();
        // Round up so a sub-millisecond remainder waits instead of spinning.
        int timeout = remaining <= 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, (remaining + 999_999) / 1_000_000);
        pollfd.putInt(0, fd);
        pollfd.putShort(4, (short) events);
        pollfd.putShort(6, (short) 0);
        int n = LibC.poll(pollfdAddress, 1, timeout);
        if (n < 0) {
            int errno = LibC.errno();
            if (errno == Errno.EINTR) {
                return 0;
            }
            throw LinkErrors.of("poll", errno);
        }
        return n == 0 ? 0 : pollfd.getShort(6) & 0xFFFF;
    }
}
