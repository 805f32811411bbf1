package org.culvert.platform.win32.winsock;

import java.nio.ByteBuffer;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The ws2_32 functions a non-blocking socket driven by {@code WSAEventSelect} needs, with Winsock's
 * own conventions kept: a function that fails returns {@link #SOCKET_ERROR} (or
 * {@link #INVALID_SOCKET}) and {@link #wsaGetLastError()} then says why, exactly as
 * {@code WSAGetLastError()} would. {@code SOCKET} values are raw {@code UINT_PTR}s in a {@code long}
 * (only 64-bit Windows is supported). Events for {@link #wsaEventSelect} are ordinary manual-reset
 * kernel events ({@code WSACreateEvent} is {@code CreateEvent(NULL, TRUE, FALSE, NULL)}), made and
 * closed with {@link org.culvert.platform.win32.Kernel32Api}.
 *
 * <p>Two implementations exist: {@link Ws2Native#ws2()} calls the real DLL through JNA (it works only
 * on Windows), and the tests' fake follows the documented semantics in Java: {@link #WSAEWOULDBLOCK}
 * when nothing is ready, network events recorded once and re-enabled only by the documented
 * functions ({@code FD_READ} by a receive, recorded again at once while data remains; {@code FD_WRITE}
 * by a send, recorded only after a send failed with {@link #WSAEWOULDBLOCK} and room came back),
 * {@link #WSAECONNRESET} on the next {@code recvfrom} of a UDP socket after an ICMP port unreachable,
 * {@code FD_CLOSE} on a peer's close. Code written against this interface must behave the same on both.
 *
 * <p>Data buffers are <em>direct</em> {@link ByteBuffer}s addressed absolutely ({@code offset},
 * {@code length}); their position and limit are neither used nor changed. Threading: every method may
 * be called from any thread; {@link #wsaGetLastError()} reports the last failure of a call made by the
 * calling thread. The data-path methods ({@link #recv}, {@link #recvFrom}, {@link #send},
 * {@link #sendTo}, {@link #wsaEnumNetworkEvents}) allocate nothing once a buffer has been seen.
 */
@ProviderType
public interface Ws2Api {
    /** {@code MAKEWORD(2, 2)}: the Winsock version {@link #wsaStartup()} asks for. */
    int WINSOCK_VERSION_2_2 = 0x0202;
    long INVALID_SOCKET = -1L;
    int SOCKET_ERROR = -1;

    int AF_INET = 2;
    /** Windows' value, not Linux's 10. */
    int AF_INET6 = 23;
    int SOCK_STREAM = 1;
    int SOCK_DGRAM = 2;
    int IPPROTO_TCP = 6;
    int IPPROTO_UDP = 17;
    int IPPROTO_IPV6 = 41;

    int SOL_SOCKET = 0xFFFF;
    int SO_REUSEADDR = 0x0004;
    /** {@code ~SO_REUSEADDR}: no other socket may bind the address, even with {@code SO_REUSEADDR}. */
    int SO_EXCLUSIVEADDRUSE = ~SO_REUSEADDR;
    int SO_SNDBUF = 0x1001;
    int SO_RCVBUF = 0x1002;
    int SO_ERROR = 0x1007;
    int SO_TYPE = 0x1008;
    int TCP_NODELAY = 0x0001;
    /** On Windows this defaults to TRUE: a dual-stack socket must clear it before {@code bind}. */
    int IPV6_V6ONLY = 27;
    /** {@code _WSAIOW(IOC_VENDOR, 12)}: FALSE stops ICMP port-unreachable reports as {@link #WSAECONNRESET} on a UDP socket. */
    int SIO_UDP_CONNRESET = 0x9800000C;

    int MSG_PEEK = 0x2;

    int FD_READ = 1 << 0;
    int FD_WRITE = 1 << 1;
    int FD_OOB = 1 << 2;
    int FD_ACCEPT = 1 << 3;
    int FD_CONNECT = 1 << 4;
    int FD_CLOSE = 1 << 5;
    int FD_READ_BIT = 0;
    int FD_WRITE_BIT = 1;
    int FD_OOB_BIT = 2;
    int FD_ACCEPT_BIT = 3;
    int FD_CONNECT_BIT = 4;
    int FD_CLOSE_BIT = 5;
    /** Entries of {@code WSANETWORKEVENTS.iErrorCode}. */
    int FD_MAX_EVENTS = 10;

    int WSAEINTR = 10004;
    int WSAEBADF = 10009;
    int WSAEACCES = 10013;
    int WSAEFAULT = 10014;
    int WSAEINVAL = 10022;
    int WSAEMFILE = 10024;
    int WSAEWOULDBLOCK = 10035;
    int WSAEINPROGRESS = 10036;
    int WSAEALREADY = 10037;
    int WSAENOTSOCK = 10038;
    int WSAEDESTADDRREQ = 10039;
    int WSAEMSGSIZE = 10040;
    int WSAEPROTOTYPE = 10041;
    int WSAENOPROTOOPT = 10042;
    int WSAEPROTONOSUPPORT = 10043;
    int WSAESOCKTNOSUPPORT = 10044;
    int WSAEOPNOTSUPP = 10045;
    int WSAEPFNOSUPPORT = 10046;
    int WSAEAFNOSUPPORT = 10047;
    int WSAEADDRINUSE = 10048;
    int WSAEADDRNOTAVAIL = 10049;
    int WSAENETDOWN = 10050;
    int WSAENETUNREACH = 10051;
    int WSAENETRESET = 10052;
    int WSAECONNABORTED = 10053;
    int WSAECONNRESET = 10054;
    int WSAENOBUFS = 10055;
    int WSAEISCONN = 10056;
    int WSAENOTCONN = 10057;
    int WSAESHUTDOWN = 10058;
    int WSAETIMEDOUT = 10060;
    int WSAECONNREFUSED = 10061;
    int WSAEHOSTDOWN = 10064;
    int WSAEHOSTUNREACH = 10065;
    int WSASYSNOTREADY = 10091;
    int WSAVERNOTSUPPORTED = 10092;
    int WSANOTINITIALISED = 10093;

    /**
     * {@code WSAStartup(MAKEWORD(2, 2), &data)}. Every successful call must be matched by one
     * {@link #wsaCleanup()}; Winsock counts them.
     *
     * @return 0, or the error code (WSAStartup does not set the last error)
     */
    int wsaStartup();

    /** {@code WSACleanup()}: 0 or {@link #SOCKET_ERROR}. */
    int wsaCleanup();

    /** The calling thread's last error ({@code WSAGetLastError}). */
    int wsaGetLastError();

    /** {@code socket(af, type, protocol)}: the socket, or {@link #INVALID_SOCKET}. */
    long socket(int af, int type, int protocol);

    /** {@code closesocket(s)}. The {@code SOCKET} value may be reused by Windows at once. */
    int closeSocket(long s);

    /** {@code bind(s, name, name.length())}. */
    int bind(long s, SockAddr name);

    /**
     * {@code connect(s, name, name.length())}. On a non-blocking socket it fails with
     * {@link #WSAEWOULDBLOCK} while the connection is under way; {@code FD_CONNECT} then reports the
     * outcome with its error code.
     */
    int connect(long s, SockAddr name);

    /** {@code listen(s, backlog)}. */
    int listen(long s, int backlog);

    /**
     * {@code accept(s, peer, &peer.length)}. The new socket shares the listening socket's
     * {@code WSAEventSelect} association until it is given its own.
     *
     * @param peer receives the peer's address; its length is set first to the storage size
     * @return the connection, or {@link #INVALID_SOCKET} ({@link #WSAEWOULDBLOCK} when none waits)
     */
    long accept(long s, SockAddr peer);

    /** {@code getsockname(s, name, &name.length)}; {@link #WSAEINVAL} while unbound. */
    int getSockName(long s, SockAddr name);

    /** {@code setsockopt} with a 4-byte {@code int} (or {@code BOOL}, {@code DWORD}) value. Setup path. */
    int setSockOptInt(long s, int level, int option, int value);

    /**
     * {@code getsockopt} of a 4-byte value. Setup path.
     *
     * @param value {@code [0]} receives the value
     */
    int getSockOptInt(long s, int level, int option, int[] value);

    /** {@code WSAIoctl(s, code, &value, 4, NULL, 0, &returned, NULL, NULL)}: a control code taking one 4-byte input. Setup path. */
    int wsaIoctlInt(long s, int code, int value);

    /**
     * {@code WSAEventSelect(s, event, networkEvents)}: associates the event, clears the socket's
     * network-event record and puts the socket in non-blocking mode. Events whose condition already
     * holds (data waiting, room to send, a connection waiting) are recorded at once.
     */
    int wsaEventSelect(long s, long event, int networkEvents);

    /**
     * {@code WSAEnumNetworkEvents(s, event, &out)}: copies the socket's network-event record into
     * {@code out}, clears the record and resets {@code event}, atomically. Recording of an event
     * stays disabled until its re-enabling function is called (see the class comment).
     */
    int wsaEnumNetworkEvents(long s, long event, NetworkEvents out);

    /** {@code recv(s, buffer + offset, length, flags)}: bytes received, 0 at the end of a stream, or {@link #SOCKET_ERROR}. */
    int recv(long s, ByteBuffer buffer, int offset, int length, int flags);

    /**
     * {@code recvfrom(s, buffer + offset, length, flags, from, &from.length)}. A datagram longer than
     * {@code length} fills the buffer, is discarded, and the call fails with {@link #WSAEMSGSIZE}.
     */
    int recvFrom(long s, ByteBuffer buffer, int offset, int length, int flags, SockAddr from);

    /** {@code send(s, buffer + offset, length, flags)}: bytes taken (possibly fewer), or {@link #SOCKET_ERROR}. */
    int send(long s, ByteBuffer buffer, int offset, int length, int flags);

    /** {@code sendto(s, buffer + offset, length, flags, to, to.length())}. */
    int sendTo(long s, ByteBuffer buffer, int offset, int length, int flags, SockAddr to);

    /** A native {@code SOCKADDR_STORAGE} plus its length, for the address arguments above. */
    SockAddr newSockAddr();

    /** A native {@code WSANETWORKEVENTS} for {@link #wsaEnumNetworkEvents}. */
    NetworkEvents newNetworkEvents();
}
