package org.culvert.api.link;

import java.net.SocketAddress;

import org.culvert.api.event.Waitable;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A listening stream socket of a server ({@code --proto tcp-server} with {@code --server}): OpenVPN's
 * listening socket of {@code tunnel_server_tcp}, which yields one connected stream per client. Opened
 * by {@link LinkTransport#listen}.
 *
 * <p>Threading: as {@link LinkSocket}. All methods but {@link #close()} are called only by the
 * server's link thread, which also owns every socket {@link #accept} returns; {@link #close()} may
 * come from any thread and leaves the accepted sockets open (the server closes them).
 *
 * @since link 1.3
 */
@ConsumerType
public interface LinkListener extends AutoCloseable {
    /** Readable while a connection waits to be accepted. */
    Waitable waitable();

    /** Called by the loop before each wait, like {@link LinkSocket#prepareWait}. */
    default void prepareWait(int interest) {
    }

    /**
     * Takes one pending connection without waiting.
     *
     * @return a connected socket ({@link LinkSocket#establish} returns true at once, its
     *         {@link LinkSocket#remote()} is the client), or null when none is pending
     * @throws LinkException {@code CLOSED} after {@link #close()}; other reasons when listening failed
     */
    LinkSocket accept() throws LinkException;

    /** The bound local address. */
    SocketAddress local();

    /** Stops listening. Idempotent; never throws; any thread. */
    @Override
    void close();
}
