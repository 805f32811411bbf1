package org.culvert.platform.linux;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * JNA direct mappings of the libc calls the Linux plugins need, with the constants that go with them.
 *
 * <p>Every call returns what libc returns: {@code -1} on failure, after which
 * {@link #errno()} (JNA's per-thread copy of {@code errno}, taken right after the call) tells why.
 * Pointers are raw addresses ({@code long}), e.g. {@link DirectBuffers#address} of a direct buffer
 * plus an offset, so no call allocates. {@code size_t}/{@code ssize_t} are {@code long}: this
 * class supports 64-bit Linux only ({@link NativeSupport#loadFailure()} says so elsewhere).
 *
 * <p>Any thread may call any method; the kernel provides whatever synchronisation there is. Using
 * an fd number after another thread closed it is the caller's bug: guard shared fds with
 * {@link NativeFd}.
 *
 * <p>The first use loads JNA's native library through the JNA bundle and binds libc; if that
 * fails the class cannot initialise. Plugins check {@link NativeSupport#loadFailure()} first.
 */
public final class LibC {
    /** {@code open(2)} flags. */
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_CLOEXEC = 0x80000;

    /** {@code fcntl(2)} commands and flags. */
    public static final int F_GETFD = 1;
    public static final int F_SETFD = 2;
    public static final int F_GETFL = 3;
    public static final int F_SETFL = 4;
    public static final int FD_CLOEXEC = 1;

    /** {@code eventfd(2)} flags. */
    public static final int EFD_CLOEXEC = O_CLOEXEC;
    public static final int EFD_NONBLOCK = O_NONBLOCK;

    /** {@code epoll(7)}. */
    public static final int EPOLL_CLOEXEC = O_CLOEXEC;
    public static final int EPOLL_CTL_ADD = 1;
    public static final int EPOLL_CTL_DEL = 2;
    public static final int EPOLL_CTL_MOD = 3;
    public static final int EPOLLIN = 0x001;
    public static final int EPOLLPRI = 0x002;
    public static final int EPOLLOUT = 0x004;
    public static final int EPOLLERR = 0x008;
    public static final int EPOLLHUP = 0x010;
    public static final int EPOLLRDHUP = 0x2000;
    /**
     * Size of {@code struct epoll_event}: {@code { uint32_t events; uint64_t data; }} is packed on
     * x86-64 (12 bytes, data at offset 4) and naturally aligned elsewhere (16 bytes, data at 8).
     */
    public static final int EPOLL_EVENT_SIZE;
    /** Offset of {@code data} inside {@code struct epoll_event}. */
    public static final int EPOLL_EVENT_DATA_OFFSET;

    /** {@code poll(2)}: {@code struct pollfd { int fd; short events; short revents; }} is 8 bytes. */
    public static final int POLLFD_SIZE = 8;
    public static final int POLLIN = 0x001;
    public static final int POLLPRI = 0x002;
    public static final int POLLOUT = 0x004;
    public static final int POLLERR = 0x008;
    public static final int POLLHUP = 0x010;
    public static final int POLLNVAL = 0x020;

    /** {@code socketpair(2)}: a connected pair of local stream sockets. */
    public static final int AF_UNIX = 1;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_NONBLOCK = O_NONBLOCK;
    public static final int SOCK_CLOEXEC = O_CLOEXEC;

    /** {@code struct iovec { void *iov_base; size_t iov_len; }} on 64-bit Linux. */
    public static final int IOVEC_SIZE = 16;

    /** {@code setns(2)}/{@code unshare(2)}: the network namespace. */
    public static final int CLONE_NEWNET = 0x40000000;

    static {
        boolean packedEpollEvent = "x86-64".equals(Platform.ARCH);
        EPOLL_EVENT_SIZE = packedEpollEvent ? 12 : 16;
        EPOLL_EVENT_DATA_OFFSET = packedEpollEvent ? 4 : 8;
        Native.register(LibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    private LibC() {
    }

    /** The calling thread's {@code errno} as saved right after its last native call. */
    public static int errno() {
        return Native.getLastError();
    }

    /** Forces the class to initialise (binding libc); throws {@link LinkageError} if it cannot. */
    static void bind() {
        // The static initialiser did the work.
    }

    public static native int open(String path, int flags, int mode);

    public static native int close(int fd);

    /** @return bytes read, 0 at end of file, -1 on error */
    public static native long read(int fd, long buf, long count);

    /** @return bytes written, -1 on error */
    public static native long write(int fd, long buf, long count);

    /**
     * {@code readv(2)}: scatters one read over {@code iovcnt} {@code struct iovec}s ({@link #IOVEC_SIZE}
     * bytes each: base address, then length) at {@code iov}.
     *
     * @return bytes read, 0 at end of file, -1 on error
     */
    public static native long readv(int fd, long iov, int iovcnt);

    /** {@code writev(2)}: gathers one write from {@code iovcnt} {@code struct iovec}s at {@code iov}; -1 on error. */
    public static native long writev(int fd, long iov, int iovcnt);

    /** {@code ioctl(fd, request, arg)} with a pointer (or integer) argument. */
    public static native int ioctl(int fd, long request, long arg);

    public static native int fcntl(int fd, int cmd, long arg);

    /** @param fds two ints: read end, write end */
    public static native int pipe2(int[] fds, int flags);

    /** @param sv two ints receiving the connected sockets */
    public static native int socketpair(int domain, int type, int protocol, int[] sv);

    public static native int eventfd(int initval, int flags);

    public static native int epoll_create1(int flags);

    /** @param event address of one {@code struct epoll_event} (may be 0 for {@link #EPOLL_CTL_DEL}) */
    public static native int epoll_ctl(int epfd, int op, int fd, long event);

    /** @param events address of {@code maxevents} {@code struct epoll_event}s */
    public static native int epoll_wait(int epfd, long events, int maxevents, int timeout);

    /** @param fds address of {@code nfds} {@code struct pollfd}s */
    public static native int poll(long fds, long nfds, int timeout);

    /** Moves the <em>calling thread</em> into the namespace {@code fd} refers to. */
    public static native int setns(int fd, int nstype);

    public static native int getpid();
}
