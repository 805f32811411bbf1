package org.culvert.tun.wintun;

import com.sun.jna.Pointer;
import com.sun.jna.WString;

/**
 * JNA <em>direct</em> mappings of {@code wintun.dll}, bound by {@link JnaWintun} to the DLL it loaded
 * by absolute path ({@code Native.register(WintunDirect.class, library)}) and unbound when the driver
 * stops. Handles and packet pointers are {@code long} (64-bit Windows only), so the per-packet calls
 * allocate nothing. One binding per class loader: one wintun.dll per bundle revision.
 */
final class WintunDirect {
    private WintunDirect() {
    }

    static native long WintunCreateAdapter(WString name, WString tunnelType, Pointer requestedGuid);

    static native long WintunOpenAdapter(WString name);

    static native void WintunCloseAdapter(long adapter);

    static native void WintunGetAdapterLUID(long adapter, Pointer luid);

    static native int WintunGetRunningDriverVersion();

    static native long WintunStartSession(long adapter, int capacity);

    static native void WintunEndSession(long session);

    static native long WintunGetReadWaitEvent(long session);

    static native long WintunReceivePacket(long session, long packetSizeAddress);

    static native void WintunReleaseReceivePacket(long session, long packet);

    static native long WintunAllocateSendPacket(long session, int packetSize);

    static native void WintunSendPacket(long session, long packet);
}
