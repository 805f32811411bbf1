package org.culvert.tun.wintun;

import java.nio.ByteBuffer;
import java.util.UUID;

/**
 * The functions of the current {@code wintun.dll} API ({@code wintun.h} of Wintun 0.14), kept 1:1 so
 * that a fake can follow the documented semantics: a function that fails returns 0/null and
 * {@link #lastError()} says why ({@code GetLastError}). Handles are raw pointers in a {@code long}.
 * The only additions are the copies between a session's packet memory and Java buffers, which C
 * callers do with {@code memcpy}.
 *
 * <p>Threading: as wintun.h documents, the session functions are thread-safe; the device calls them
 * from its loop thread only, and {@link Session#end()} only after every call has left. Adapter
 * functions are called while opening and closing a device.
 */
interface WintunApi extends AutoCloseable {
    /** Smallest ring capacity {@code WintunStartSession} accepts (128 KiB). */
    int MIN_RING_CAPACITY = 0x20000;
    /** Largest ring capacity (64 MiB). */
    int MAX_RING_CAPACITY = 0x4000000;
    /** Largest IP packet a ring carries. */
    int MAX_IP_PACKET_SIZE = 0xFFFF;

    /** {@code WintunCreateAdapter(name, tunnelType, requestedGuid)}; 0 on failure. Needs Administrator rights. */
    long createAdapter(String name, String tunnelType, UUID requestedGuid);

    /** {@code WintunOpenAdapter(name)}; 0 on failure ({@code ERROR_FILE_NOT_FOUND} when there is none). */
    long openAdapter(String name);

    /** {@code WintunCloseAdapter}: releases the handle and removes an adapter this process created. */
    void closeAdapter(long adapter);

    /** {@code WintunGetAdapterLUID}. */
    long adapterLuid(long adapter);

    /** {@code WintunGetRunningDriverVersion}: {@code major << 16 | minor}, or 0 ({@code ERROR_FILE_NOT_FOUND}: not loaded). */
    int runningDriverVersion();

    /**
     * {@code WintunStartSession(adapter, capacity)}.
     *
     * @param capacity a power of two between {@link #MIN_RING_CAPACITY} and {@link #MAX_RING_CAPACITY}
     * @return the session, or null on failure
     */
    Session startSession(long adapter, int capacity);

    /** The calling thread's last error, as {@code GetLastError()}. */
    int lastError();

    /** Unloads the DLL. Every session must have ended and every adapter been closed. Idempotent. */
    @Override
    void close();

    /** One Wintun session: its two rings and the read-wait event. */
    interface Session {
        /**
         * {@code WintunGetReadWaitEvent}: an auto-reset event the driver signals when packets arrive
         * after a receive found the ring empty. Owned by the session: never close it.
         */
        long readWaitEvent();

        /**
         * {@code WintunReceivePacket}: the next packet's address, or 0 with {@code ERROR_NO_MORE_ITEMS}
         * (ring empty), {@code ERROR_HANDLE_EOF} (adapter terminating) or {@code ERROR_INVALID_DATA}
         * (ring corrupt). Its size is then {@link #receivedPacketSize()}.
         */
        long receivePacket();

        /** The {@code *PacketSize} of the last successful {@link #receivePacket()}. */
        int receivedPacketSize();

        /** Copies {@code length} bytes of a received packet into {@code dst} at {@code dstIndex} (absolute). */
        void copyFromPacket(long packet, int length, ByteBuffer dst, int dstIndex);

        /** {@code WintunReleaseReceivePacket}: returns the packet's ring space. */
        void releaseReceivePacket(long packet);

        /**
         * {@code WintunAllocateSendPacket(size)}: room for one packet, or 0 with
         * {@code ERROR_BUFFER_OVERFLOW} (ring full) or {@code ERROR_HANDLE_EOF} (adapter terminating).
         */
        long allocateSendPacket(int size);

        /** Copies {@code length} bytes from {@code src} at {@code srcIndex} (absolute) into an allocated packet. */
        void copyToPacket(ByteBuffer src, int srcIndex, int length, long packet);

        /** {@code WintunSendPacket}: hands the allocated packet to the driver. */
        void sendPacket(long packet);

        /** {@code WintunEndSession}: frees the rings and the event. Nothing of this session may be used afterwards. */
        void end();
    }
}
