package org.culvert.link.winsock;

import java.net.InetSocketAddress;

import org.culvert.api.event.EventSet;
import org.culvert.api.link.LinkException;
import org.culvert.platform.win32.Kernel32Api;
import org.culvert.platform.win32.winsock.NetworkEvents;
import org.culvert.platform.win32.winsock.SockAddr;
import org.culvert.platform.win32.winsock.SockAddrs;
import org.culvert.platform.win32.winsock.Ws2Api;

/**
 * One Winsock socket armed with {@code WSAEventSelect} on its own manual-reset event, and the
 * readiness this code knows about it. The event is what the win32 backend waits on; this class turns
 * Winsock's record-once network events into the level-triggered readiness the loop expects:
 *
 * <ul>
 * <li>{@link #refresh()} ({@code WSAEnumNetworkEvents}) takes and clears the record and resets the
 * event, merging what was recorded into {@link #readable} and {@link #writable}, so no recorded
 * event is ever lost by the reset;</li>
 * <li>{@link #arm(int, boolean)}, called before each wait, sets the event again when readiness the
 * loop asked for is already known, so the wait returns at once; otherwise the wait sleeps until
 * Winsock records something new;</li>
 * <li>the I/O code clears {@link #readable} only when a receive would block and a following
 * {@code refresh} shows no {@code FD_READ} (a record older than that receive is stale, so when there
 * is one it receives once more), and clears {@link #writable} in the same way when a send would
 * block ({@link #retryAfterWouldBlock}): Winsock records {@code FD_WRITE} only after such a send,
 * when room comes back.</li>
 * </ul>
 *
 * <p>Not thread-safe: used by the owning link socket's loop thread inside its
 * {@link org.culvert.platform.win32.CloseGuard}, and released by {@link #close()} once no call is in
 * progress. Allocation-free apart from {@link #open} and {@link #localAddress()}.
 */
final class NativeSocket {
    /** The network events every socket selects, as OpenVPN's Windows event code does. */
    static final int NETWORK_EVENTS = Ws2Api.FD_READ | Ws2Api.FD_WRITE | Ws2Api.FD_ACCEPT | Ws2Api.FD_CONNECT | Ws2Api.FD_CLOSE;
    /** {@link #connectResult} before {@code FD_CONNECT} was recorded. */
    static final int NOT_CONNECTED = -1;

    private final Ws2Api ws2;
    private final Kernel32Api k32;
    final long handle;
    final long event;
    private final NetworkEvents recorded;
    private boolean released;

    /** Data, a datagram error, a connection to accept or the peer's close may be waiting. */
    boolean readable;
    /** Sends are expected to succeed (until one would block). */
    boolean writable;
    /** The error code {@code FD_CONNECT} reported (0 = connected), or {@link #NOT_CONNECTED}. */
    int connectResult = NOT_CONNECTED;

    private NativeSocket(Ws2Api ws2, Kernel32Api k32, long handle, long event) {
        this.ws2 = ws2;
        this.k32 = k32;
        this.handle = handle;
        this.event = event;
        this.recorded = ws2.newNetworkEvents();
    }

    /**
     * Creates a socket and arms it: {@code socket}, {@code CreateEvent} (manual reset, as
     * {@code WSACreateEvent}), {@code WSAEventSelect} (which makes it non-blocking).
     *
     * @throws LinkException with the Winsock error's reason; nothing stays open then
     */
    static NativeSocket open(Ws2Api ws2, Kernel32Api k32, int family, int type, int protocol) throws LinkException {
        long s = ws2.socket(family, type, protocol);
        if (s == Ws2Api.INVALID_SOCKET) {
            throw LinkErrors.of("socket", ws2.wsaGetLastError());
        }
        return adopt(ws2, k32, s);
    }

    /** Arms a socket Winsock made (an accepted connection) with its own event; closes it if that fails. */
    static NativeSocket adopt(Ws2Api ws2, Kernel32Api k32, long s) throws LinkException {
        long event = k32.createEvent(true, false);
        if (event == 0) {
            int error = k32.getLastError();
            ws2.closeSocket(s);
            throw LinkErrors.kernel("CreateEvent", error);
        }
        NativeSocket socket = new NativeSocket(ws2, k32, s, event);
        if (ws2.wsaEventSelect(s, event, NETWORK_EVENTS) != 0) {
            int error = ws2.wsaGetLastError();
            socket.close();
            throw LinkErrors.of("WSAEventSelect", error);
        }
        return socket;
    }

    /**
     * {@code WSAEnumNetworkEvents}: merges what Winsock recorded into the readiness flags, clears the
     * record and resets the event.
     *
     * @return the events that were recorded
     */
    int refresh() throws LinkException {
        if (ws2.wsaEnumNetworkEvents(handle, event, recorded) != 0) {
            throw LinkErrors.of("WSAEnumNetworkEvents", ws2.wsaGetLastError());
        }
        int events = recorded.events();
        if ((events & (Ws2Api.FD_READ | Ws2Api.FD_ACCEPT)) != 0) {
            readable = true;
        }
        if ((events & Ws2Api.FD_WRITE) != 0) {
            writable = true;
        }
        if ((events & Ws2Api.FD_CONNECT) != 0) {
            connectResult = recorded.errorCode(Ws2Api.FD_CONNECT_BIT);
        }
        if ((events & Ws2Api.FD_CLOSE) != 0) {
            // The next receive or send surfaces the end: wake whichever the loop waits for.
            readable = true;
            writable = true;
        }
        return events;
    }

    /**
     * After a send failed with {@code WSAEWOULDBLOCK}: takes the record, in which an {@code FD_WRITE}
     * may be stale (recorded before that send) or fresh (room came back since). The caller then
     * sends once more if there was one, and otherwise (or if that send would block too) the socket is
     * known not writable until Winsock records {@code FD_WRITE} anew.
     *
     * @param retried whether the caller already sent once more in this call
     * @return true if the caller should send once more
     */
    boolean retryAfterWouldBlock(boolean retried) throws LinkException {
        if (!retried && (refresh() & Ws2Api.FD_WRITE) != 0) {
            return true;
        }
        writable = false;
        return false;
    }

    /**
     * Signals the event when readiness in {@code interest} is already known, so that the coming wait
     * returns at once; the event was reset by the last {@link #refresh()} otherwise.
     *
     * @param alsoReadable readiness only the caller knows of (whole packets it holds)
     */
    void arm(int interest, boolean alsoReadable) {
        boolean ready = (interest & EventSet.READ) != 0 && (readable || alsoReadable)
                || (interest & EventSet.WRITE) != 0 && writable;
        if (ready) {
            k32.setEvent(event);
        }
    }

    /**
     * For {@code prepareWait}, which cannot throw: {@link #refresh()} then {@link #arm}; if Winsock
     * refuses the enumeration, signals the event so that the loop's next call meets the error.
     */
    void prepareWait(int interest, boolean alsoReadable) {
        try {
            refresh();
        } catch (LinkException e) {
            readable = true;
            writable = true;
        }
        arm(interest, alsoReadable);
    }

    /** Sets an {@code int} option; {@code name} is for the message. */
    void option(int level, int option, int value, String name) throws LinkException {
        if (ws2.setSockOptInt(handle, level, option, value) != 0) {
            throw LinkErrors.of("setsockopt " + name, ws2.wsaGetLastError());
        }
    }

    void bind(InetSocketAddress address, int family) throws LinkException {
        SockAddr name = ws2.newSockAddr();
        SockAddrs.encode(address, family, name);
        if (ws2.bind(handle, name) != 0) {
            throw LinkErrors.of("bind " + Addresses.text(address), ws2.wsaGetLastError());
        }
    }

    /** {@code getsockname}, or null while unbound. Allocates: set-up path and first call only. */
    InetSocketAddress localAddress() {
        SockAddr name = ws2.newSockAddr();
        if (ws2.getSockName(handle, name) != 0) {
            return null;
        }
        return SockAddrs.decode(name);
    }

    /** {@code closesocket}, then {@code CloseHandle} of the event (never the other way: Winsock may still set it). Idempotent. */
    void close() {
        if (released) {
            return;
        }
        released = true;
        ws2.closeSocket(handle);
        k32.closeHandle(event);
    }

    @Override
    public String toString() {
        return "socket 0x" + Long.toHexString(handle) + " event 0x" + Long.toHexString(event);
    }
}
