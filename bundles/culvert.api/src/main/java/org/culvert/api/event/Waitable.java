package org.culvert.api.event;

/**
 * Something an {@link EventSet} can wait on: OpenVPN's {@code event_t}/{@code rw_handle}. Devices and
 * link sockets expose one; only the backends that list its {@link #kind()} can wait on it.
 */
public interface Waitable {
    HandleKind kind();
}
