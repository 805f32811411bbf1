package org.culvert.api.event;

/** The kinds of thing an event backend may be able to wait on. */
public enum HandleKind {
    /** A POSIX file descriptor ({@link FdWaitable}): Linux tun devices, native sockets. */
    POSIX_FD,
    /** Windows event HANDLEs ({@link Win32EventWaitable}): TAP overlapped I/O, Wintun read-wait, WSAEventSelect. */
    WIN32_EVENT,
    /** A Java {@link java.nio.channels.SelectableChannel} ({@link ChannelWaitable}). */
    NIO_CHANNEL,
    /** A pure-Java readiness flag ({@link SignalWaitable}), used by in-memory plugins. */
    SIGNAL
}
