package org.culvert.platform.win32.internal;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * JNA <em>direct</em> mappings of the ws2_32 functions {@link JnaWs2} uses. {@code SOCKET} values,
 * handles and pointers are raw {@code long} values (64-bit Windows only, where {@code SOCKET} is a
 * {@code UINT_PTR} and there is one calling convention), so a call allocates nothing. Winsock's
 * {@code long} is 32 bits on Windows (LLP64), hence {@code int} for {@code lNetworkEvents}. JNA saves
 * the thread's last error right after every call; {@code WSAGetLastError()} is that same value, read
 * back with {@link Native#getLastError()} (calling {@code WSAGetLastError} through JNA later could see
 * a value the JVM clobbered in between).
 */
final class Ws2Direct {
    static {
        Native.register(Ws2Direct.class, NativeLibrary.getInstance("ws2_32"));
    }

    private Ws2Direct() {
    }

    /** Forces the class to initialise (binding ws2_32); throws {@link LinkageError} if it cannot. */
    static void bind() {
        // Class initialisation does the work.
    }

    static native int WSAStartup(short version, long wsaDataAddress);

    static native int WSACleanup();

    static native long socket(int af, int type, int protocol);

    static native int closesocket(long s);

    static native int bind(long s, long name, int nameLength);

    static native int connect(long s, long name, int nameLength);

    static native int listen(long s, int backlog);

    static native long accept(long s, long address, long addressLengthAddress);

    static native int getsockname(long s, long name, long nameLengthAddress);

    static native int setsockopt(long s, int level, int option, long value, int valueLength);

    static native int getsockopt(long s, int level, int option, long value, long valueLengthAddress);

    static native int WSAIoctl(long s, int code, long in, int inLength, long out, int outLength, long bytesReturnedAddress,
            long overlapped, long completionRoutine);

    static native int WSAEventSelect(long s, long event, int networkEvents);

    static native int WSAEnumNetworkEvents(long s, long event, long networkEventsAddress);

    static native int recv(long s, long buffer, int length, int flags);

    static native int recvfrom(long s, long buffer, int length, int flags, long from, long fromLengthAddress);

    static native int send(long s, long buffer, int length, int flags);

    static native int sendto(long s, long buffer, int length, int flags, long to, int toLength);
}
