package org.culvert.platform.win32.winsock;

import java.nio.ByteBuffer;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A socket address in native memory that does not move: a {@code SOCKADDR_STORAGE} of
 * {@link #STORAGE_SIZE} bytes plus the {@code int} length Winsock reads ({@code bind},
 * {@code sendto}) or fills in ({@code recvfrom}, {@code accept}, {@code getsockname}). Made by
 * {@link Ws2Api#newSockAddr()}; encode and decode it with {@link SockAddrs}.
 *
 * <p>Owned by one thread at a time; its memory is freed with the object (by the garbage collector).
 */
@ProviderType
public interface SockAddr {
    /** {@code sizeof(SOCKADDR_STORAGE)}. */
    int STORAGE_SIZE = 128;

    /**
     * The storage: direct, {@link #STORAGE_SIZE} bytes, little-endian (the family field is in host
     * order; ports and addresses are big-endian and must be read byte-wise or reversed). Use absolute
     * get/put only.
     */
    ByteBuffer storage();

    /** The address's length in bytes: what was encoded, or what the last call filled in. */
    int length();

    void length(int length);
}
