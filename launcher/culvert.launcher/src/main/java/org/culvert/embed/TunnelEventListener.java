package org.culvert.embed;

/**
 * Receives tunnels' state changes ({@link Culvert#addListener}). Called on Culvert's event thread
 * ({@code culvert-events-N}), never on a tunnel's thread, one event at a time, in the order the tunnels
 * reported them; so a slow listener delays later events but never a tunnel. Exceptions are logged and
 * ignored. May call any method of {@link Culvert}, including {@code stop}; a call to
 * {@link Culvert#close()} from here starts the shutdown and returns without waiting for it.
 */
@FunctionalInterface
public interface TunnelEventListener {
    void onEvent(TunnelEvent event);
}
