package org.culvert.tun.tapwindows6;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The TAP-Windows6 control codes ({@code tap-windows.h}): {@code TAP_WIN_CONTROL_CODE(request, method)}
 * is {@code CTL_CODE(FILE_DEVICE_UNKNOWN, request, METHOD_BUFFERED, FILE_ANY_ACCESS)}. Payloads are
 * {@code ULONG}s in the machine's (little-endian) order and IPv4 addresses as {@code in_addr}, i.e.
 * their octets in wire order.
 */
final class TapIoctl {
    private static final int FILE_DEVICE_UNKNOWN = 0x22;
    private static final int METHOD_BUFFERED = 0;
    private static final int FILE_ANY_ACCESS = 0;

    static final int GET_MAC = code(1);
    /** Out: ULONG major, minor, debug. */
    static final int GET_VERSION = code(2);
    /** Out: ULONG MTU. */
    static final int GET_MTU = code(3);
    /** In: ULONG 1 = connected, 0 = disconnected. */
    static final int SET_MEDIA_STATUS = code(6);
    /** In: in_addr local, remote network, remote netmask: makes the adapter a layer-3 (tun) device. */
    static final int CONFIG_TUN = code(10);

    private TapIoctl() {
    }

    static int code(int function) {
        return (FILE_DEVICE_UNKNOWN << 16) | (FILE_ANY_ACCESS << 14) | (function << 2) | METHOD_BUFFERED;
    }

    static byte[] ulong(int value) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array();
    }

    static int ulongAt(byte[] bytes, int index) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(4 * index);
    }
}
