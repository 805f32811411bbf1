package org.culvert.platform.linux;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * JNA direct mappings of the BSD socket calls of the Linux C library, with the constants and
 * native structure layouts that go with them. The conventions are those of {@link LibC}: every
 * call returns what libc returns ({@code -1} on failure, then {@link LibC#errno()} tells why),
 * pointers are raw {@code long} addresses (see {@link DirectBuffers}), {@code size_t} and
 * {@code ssize_t} are {@code long}, and only 64-bit Linux is supported (x86-64, aarch64: the
 * generic constant numbering). No call allocates.
 *
 * <p>Any thread may call any method. Guard a shared descriptor with {@link NativeFd}. Closing a
 * descriptor does not wake a thread polling it; {@link #shutdown} with {@link #SHUT_RDWR} does
 * (Linux wakes every waiter on the socket, also on an unconnected one), so shut a socket down
 * before closing it while another thread may be in {@code poll} on it. An epoll set forgets a
 * closed socket, possibly before its waiter saw the wake-up: wake such a waiter another way.
 *
 * <p>Structure layouts (LP64): {@code struct iovec} is {@value #IOVEC_SIZE} bytes
 * ({@code base} at 0, {@code len} at 8); {@code struct msghdr} is {@value #MSGHDR_SIZE} bytes
 * (offsets {@code MSG_*}); {@code struct mmsghdr} is {@value #MMSGHDR_SIZE} bytes (a msghdr, then
 * {@code msg_len} at {@value #MMSG_LEN}).
 */
public final class Net {
    /** Address families. */
    public static final int AF_UNSPEC = 0;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;

    /** Socket types and the flags that may be or-ed into them. */
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_NONBLOCK = LibC.O_NONBLOCK;
    public static final int SOCK_CLOEXEC = LibC.O_CLOEXEC;

    /** Option levels. */
    public static final int SOL_SOCKET = 1;
    public static final int IPPROTO_TCP = 6;
    public static final int IPPROTO_UDP = 17;
    public static final int IPPROTO_IPV6 = 41;

    /** {@link #SOL_SOCKET} options. */
    public static final int SO_REUSEADDR = 2;
    public static final int SO_TYPE = 3;
    public static final int SO_ERROR = 4;
    public static final int SO_SNDBUF = 7;
    public static final int SO_RCVBUF = 8;

    /** {@link #IPPROTO_TCP} options. */
    public static final int TCP_NODELAY = 1;

    /**
     * {@link #IPPROTO_UDP} ({@code SOL_UDP}) options, see {@code udp(7)}: {@code UDP_SEGMENT} is also the
     * type of the send cmsg carrying a {@code uint16_t} segment size (GSO), {@code UDP_GRO} that of the
     * receive cmsg carrying an {@code int} segment size (GRO).
     */
    public static final int SOL_UDP = IPPROTO_UDP;
    public static final int UDP_SEGMENT = 103;
    public static final int UDP_GRO = 104;
    /** The most segments one {@code UDP_SEGMENT} send may carry ({@code UDP_MAX_SEGMENTS}). */
    public static final int UDP_MAX_SEGMENTS = 64;

    /** {@link #IPPROTO_IPV6} options. */
    public static final int IPV6_V6ONLY = 26;

    /** {@code send}/{@code recv} flags, and {@code msg_flags} bits. */
    public static final int MSG_PEEK = 0x2;
    public static final int MSG_TRUNC = 0x20;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int MSG_NOSIGNAL = 0x4000;

    /** {@link #shutdown} directions. */
    public static final int SHUT_RD = 0;
    public static final int SHUT_WR = 1;
    public static final int SHUT_RDWR = 2;

    /** {@code struct iovec}. */
    public static final int IOVEC_SIZE = 16;
    public static final int IOV_BASE = 0;
    public static final int IOV_LEN = 8;

    /** {@code struct msghdr}. */
    public static final int MSGHDR_SIZE = 56;
    public static final int MSG_NAME = 0;
    public static final int MSG_NAMELEN = 8;
    public static final int MSG_IOV = 16;
    public static final int MSG_IOVLEN = 24;
    public static final int MSG_CONTROL = 32;
    public static final int MSG_CONTROLLEN = 40;
    public static final int MSG_FLAGS = 48;

    /**
     * {@code struct cmsghdr} (LP64): {@code cmsg_len} ({@code size_t}) at 0, {@code cmsg_level} at 8,
     * {@code cmsg_type} at 12, data at {@value #CMSG_DATA}; each header is aligned to 8 bytes
     * ({@code CMSG_ALIGN}).
     */
    public static final int CMSG_LEN = 0;
    public static final int CMSG_LEVEL = 8;
    public static final int CMSG_TYPE = 12;
    public static final int CMSG_DATA = 16;

    /** {@code CMSG_SPACE(dataLength)}: the room a control message with that much data takes. */
    public static int cmsgSpace(int dataLength) {
        return CMSG_DATA + ((dataLength + 7) & ~7);
    }

    /** {@code struct mmsghdr}: a msghdr followed by the byte count the kernel fills in. */
    public static final int MMSGHDR_SIZE = 64;
    public static final int MMSG_LEN = 56;

    /** The most iovecs one {@code sendmsg} takes ({@code IOV_MAX}). */
    public static final int IOV_MAX = 1024;

    static {
        Native.register(Net.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    private Net() {
    }

    public static native int socket(int domain, int type, int protocol);

    /** @param addr address of a sockaddr of {@code addrlen} bytes */
    public static native int bind(int fd, long addr, int addrlen);

    /** On a non-blocking socket, {@code -1} with {@link Errno#EINPROGRESS} means "wait for writability, then read {@link #SO_ERROR}". */
    public static native int connect(int fd, long addr, int addrlen);

    public static native int listen(int fd, int backlog);

    /**
     * @param addr where the peer's sockaddr goes (may be 0)
     * @param addrlen address of a {@code socklen_t} holding the room at {@code addr}; updated (may be 0)
     */
    public static native int accept4(int fd, long addr, long addrlen, int flags);

    /** @param addrlen address of a {@code socklen_t}: the room at {@code addr} in, the length out */
    public static native int getsockname(int fd, long addr, long addrlen);

    /** @param addrlen address of a {@code socklen_t}: the room at {@code addr} in, the length out */
    public static native int getpeername(int fd, long addr, long addrlen);

    /** @param optlen address of a {@code socklen_t}: the room at {@code optval} in, the length out */
    public static native int getsockopt(int fd, int level, int optname, long optval, long optlen);

    public static native int setsockopt(int fd, int level, int optname, long optval, int optlen);

    /**
     * @param msgvec address of {@code vlen} {@code struct mmsghdr}s
     * @param timeout address of a {@code struct timespec}, or 0
     * @return the number of messages received, -1 on error
     */
    public static native int recvmmsg(int fd, long msgvec, int vlen, int flags, long timeout);

    /**
     * @param msgvec address of {@code vlen} {@code struct mmsghdr}s
     * @return the number of messages sent; -1 if the first one failed
     */
    public static native int sendmmsg(int fd, long msgvec, int vlen, int flags);

    /** @return bytes received, 0 at end of stream, -1 on error */
    public static native long recv(int fd, long buf, long len, int flags);

    /** @return bytes sent, -1 on error */
    public static native long send(int fd, long buf, long len, int flags);

    /** @param msg address of a {@code struct msghdr}; @return bytes sent, -1 on error */
    public static native long sendmsg(int fd, long msg, int flags);

    public static native int shutdown(int fd, int how);

    /**
     * {@code setsockopt} with an {@code int} value. Not for the data path (allocates a small buffer).
     *
     * @return 0, or -1 with {@link LibC#errno()} set
     */
    public static int setIntOption(int fd, int level, int optname, int value) {
        ByteBuffer buf = DirectBuffers.allocateNative(4);
        buf.putInt(0, value);
        int r = setsockopt(fd, level, optname, DirectBuffers.address(buf), 4);
        java.lang.ref.Reference.reachabilityFence(buf); // the kernel read it during the call: not freed before
        return r;
    }

    /**
     * {@code getsockopt} of an {@code int} value. Not for the data path (allocates a small buffer).
     *
     * @return the value (as an unsigned 32-bit number), or -1 with {@link LibC#errno()} set
     */
    public static long getIntOption(int fd, int level, int optname) {
        ByteBuffer buf = DirectBuffers.allocateNative(8);
        buf.putInt(4, 4);
        long address = DirectBuffers.address(buf);
        if (getsockopt(fd, level, optname, address, address + 4) < 0) {
            return -1;
        }
        return buf.getInt(0) & 0xFFFF_FFFFL;
    }

    /**
     * The address {@code fd} is bound to ({@code getsockname}). Not for the data path.
     *
     * @return the address (port 0 if the socket is not bound yet), or null with
     *         {@link LibC#errno()} set if the call failed
     */
    public static InetSocketAddress localAddress(int fd) {
        return name(fd, false);
    }

    /**
     * The address of {@code fd}'s connected peer ({@code getpeername}). Not for the data path.
     *
     * @return the address, or null with {@link LibC#errno()} set (e.g. {@link Errno#ENOTCONN})
     */
    public static InetSocketAddress peerAddress(int fd) {
        return name(fd, true);
    }

    private static InetSocketAddress name(int fd, boolean peer) {
        ByteBuffer buf = DirectBuffers.allocateNative(SockAddr.STORAGE_SIZE + 8);
        buf.putInt(SockAddr.STORAGE_SIZE, SockAddr.STORAGE_SIZE);
        long address = DirectBuffers.address(buf);
        int rc = peer ? getpeername(fd, address, address + SockAddr.STORAGE_SIZE)
                : getsockname(fd, address, address + SockAddr.STORAGE_SIZE);
        if (rc < 0) {
            return null;
        }
        return SockAddr.decode(buf, 0, buf.getInt(SockAddr.STORAGE_SIZE));
    }
}
