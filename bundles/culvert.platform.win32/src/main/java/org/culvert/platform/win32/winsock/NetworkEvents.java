package org.culvert.platform.win32.winsock;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A native {@code WSANETWORKEVENTS}, filled by {@link Ws2Api#wsaEnumNetworkEvents}: which network
 * events were recorded since the last enumeration, and the error code of each. Made by
 * {@link Ws2Api#newNetworkEvents()}; one owner thread.
 */
@ProviderType
public interface NetworkEvents {
    /** {@code lNetworkEvents}: {@link Ws2Api#FD_READ}, {@link Ws2Api#FD_WRITE}, ... bits. */
    int events();

    /**
     * {@code iErrorCode[bit]}: 0, or the error of that event (e.g. {@link Ws2Api#WSAECONNREFUSED} for
     * {@link Ws2Api#FD_CONNECT_BIT}, {@link Ws2Api#WSAECONNRESET} for {@link Ws2Api#FD_CLOSE_BIT}).
     */
    int errorCode(int bit);
}
