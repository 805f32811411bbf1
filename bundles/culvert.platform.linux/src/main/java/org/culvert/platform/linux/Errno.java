package org.culvert.platform.linux;

/**
 * Linux {@code errno} values (the generic numbering shared by x86-64 and aarch64) and their names,
 * for decisions in code and for exception messages such as {@code "read: EBADF (bad file descriptor)"}.
 * Stateless; any thread.
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    /** Same value as {@link #EAGAIN} on Linux. */
    public static final int EWOULDBLOCK = EAGAIN;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int ENOTDIR = 20;
    public static final int EINVAL = 22;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int ENOTTY = 25;
    public static final int ENOSPC = 28;
    public static final int EPIPE = 32;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOSYS = 38;
    public static final int EBADFD = 77;
    public static final int ENOTSOCK = 88;
    public static final int EDESTADDRREQ = 89;
    public static final int EMSGSIZE = 90;
    public static final int ENOPROTOOPT = 92;
    public static final int EPROTONOSUPPORT = 93;
    public static final int EOPNOTSUPP = 95;
    public static final int EAFNOSUPPORT = 97;
    public static final int EADDRINUSE = 98;
    public static final int EADDRNOTAVAIL = 99;
    public static final int ENETDOWN = 100;
    public static final int ENETUNREACH = 101;
    public static final int ECONNABORTED = 103;
    public static final int ECONNRESET = 104;
    public static final int ENOBUFS = 105;
    public static final int EISCONN = 106;
    public static final int ENOTCONN = 107;
    public static final int ETIMEDOUT = 110;
    public static final int ECONNREFUSED = 111;
    public static final int EHOSTDOWN = 112;
    public static final int EHOSTUNREACH = 113;
    public static final int EALREADY = 114;
    public static final int EINPROGRESS = 115;

    private Errno() {
    }

    /** The symbolic name, e.g. {@code "EAGAIN"}, or {@code "errno 123"} for values not listed here. */
    public static String name(int errno) {
        String[] entry = lookup(errno);
        return entry != null ? entry[0] : "errno " + errno;
    }

    /** Name and meaning, e.g. {@code "EBADF (bad file descriptor)"}; for exception messages. */
    public static String describe(int errno) {
        String[] entry = lookup(errno);
        return entry != null ? entry[0] + " (" + entry[1] + ")" : "errno " + errno;
    }

    /** {@code what + ": " + describe(errno)}, the usual message shape. */
    public static String message(String what, int errno) {
        return what + ": " + describe(errno);
    }

    private static String[] lookup(int errno) {
        switch (errno) {
            case EPERM: return new String[] {"EPERM", "operation not permitted"};
            case ENOENT: return new String[] {"ENOENT", "no such file or directory"};
            case EINTR: return new String[] {"EINTR", "interrupted system call"};
            case EIO: return new String[] {"EIO", "input/output error"};
            case ENXIO: return new String[] {"ENXIO", "no such device or address"};
            case EBADF: return new String[] {"EBADF", "bad file descriptor"};
            case EAGAIN: return new String[] {"EAGAIN", "resource temporarily unavailable"};
            case ENOMEM: return new String[] {"ENOMEM", "cannot allocate memory"};
            case EACCES: return new String[] {"EACCES", "permission denied"};
            case EFAULT: return new String[] {"EFAULT", "bad address"};
            case EBUSY: return new String[] {"EBUSY", "device or resource busy"};
            case EEXIST: return new String[] {"EEXIST", "file exists"};
            case ENODEV: return new String[] {"ENODEV", "no such device"};
            case ENOTDIR: return new String[] {"ENOTDIR", "not a directory"};
            case EINVAL: return new String[] {"EINVAL", "invalid argument"};
            case ENFILE: return new String[] {"ENFILE", "too many open files in system"};
            case EMFILE: return new String[] {"EMFILE", "too many open files"};
            case ENOTTY: return new String[] {"ENOTTY", "inappropriate ioctl for device"};
            case ENOSPC: return new String[] {"ENOSPC", "no space left on device"};
            case EPIPE: return new String[] {"EPIPE", "broken pipe"};
            case ENAMETOOLONG: return new String[] {"ENAMETOOLONG", "file name too long"};
            case ENOSYS: return new String[] {"ENOSYS", "function not implemented"};
            case EBADFD: return new String[] {"EBADFD", "file descriptor in bad state"};
            case ENOTSOCK: return new String[] {"ENOTSOCK", "socket operation on non-socket"};
            case EDESTADDRREQ: return new String[] {"EDESTADDRREQ", "destination address required"};
            case EMSGSIZE: return new String[] {"EMSGSIZE", "message too long"};
            case ENOPROTOOPT: return new String[] {"ENOPROTOOPT", "protocol not available"};
            case EPROTONOSUPPORT: return new String[] {"EPROTONOSUPPORT", "protocol not supported"};
            case EOPNOTSUPP: return new String[] {"EOPNOTSUPP", "operation not supported"};
            case EAFNOSUPPORT: return new String[] {"EAFNOSUPPORT", "address family not supported by protocol"};
            case EADDRINUSE: return new String[] {"EADDRINUSE", "address already in use"};
            case EADDRNOTAVAIL: return new String[] {"EADDRNOTAVAIL", "cannot assign requested address"};
            case ENETDOWN: return new String[] {"ENETDOWN", "network is down"};
            case ENETUNREACH: return new String[] {"ENETUNREACH", "network is unreachable"};
            case ECONNABORTED: return new String[] {"ECONNABORTED", "software caused connection abort"};
            case ECONNRESET: return new String[] {"ECONNRESET", "connection reset by peer"};
            case ENOBUFS: return new String[] {"ENOBUFS", "no buffer space available"};
            case EISCONN: return new String[] {"EISCONN", "transport endpoint is already connected"};
            case ENOTCONN: return new String[] {"ENOTCONN", "transport endpoint is not connected"};
            case ETIMEDOUT: return new String[] {"ETIMEDOUT", "connection timed out"};
            case ECONNREFUSED: return new String[] {"ECONNREFUSED", "connection refused"};
            case EHOSTDOWN: return new String[] {"EHOSTDOWN", "host is down"};
            case EHOSTUNREACH: return new String[] {"EHOSTUNREACH", "no route to host"};
            case EALREADY: return new String[] {"EALREADY", "operation already in progress"};
            case EINPROGRESS: return new String[] {"EINPROGRESS", "operation now in progress"};
            default: return null;
        }
    }
}
