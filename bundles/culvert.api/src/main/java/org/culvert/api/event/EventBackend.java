package org.culvert.api.event;

import java.io.IOException;
import java.util.Set;

import org.culvert.api.plugin.Plugin;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A service that makes {@link EventSet}s: OpenVPN's {@code event_set_init} for one backend
 * ({@code ep_init}, {@code po_init}, {@code we_init}). Registered with
 * {@link org.culvert.api.plugin.PluginProperties#KIND} = {@code event-backend} and
 * {@link org.culvert.api.plugin.PluginProperties#HANDLE_KINDS} listing {@link #handleKinds()}.
 *
 * <p>The core picks, among the usable backends, the highest-ranked one whose handle kinds cover every
 * waitable a tunnel uses (tun device and link socket together in one set).
 */
@ConsumerType
public interface EventBackend extends Plugin {
    /** The kinds of {@link Waitable} this backend can wait on. Constant. */
    Set<HandleKind> handleKinds();

    /**
     * Creates an event set. Called from any thread; the set then belongs to the caller's thread.
     *
     * @param maxEvents the most waitables the caller will register
     * @throws IOException if the OS refuses (e.g. out of descriptors)
     */
    EventSet open(int maxEvents) throws IOException;
}
