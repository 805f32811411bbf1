package org.culvert.event.poll;

import java.io.IOException;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

import org.culvert.api.event.EventBackend;
import org.culvert.api.event.EventSet;
import org.culvert.api.event.HandleKind;
import org.culvert.api.plugin.Availability;
import org.culvert.api.plugin.PluginProperties;
import org.culvert.platform.linux.NativeSupport;
import org.osgi.service.component.annotations.Component;

/**
 * The {@code poll(2)} event backend (OpenVPN's {@code po_*} functions): level-triggered waiting on
 * POSIX file descriptors, the fallback when epoll is not wanted or not usable. Ranked below epoll
 * and above the NIO backend.
 *
 * <p>{@link #open} may be called from any thread; the returned set belongs to the calling thread.
 */
@Component(service = EventBackend.class, property = {
        PluginProperties.KIND + "=" + PluginProperties.KIND_EVENT_BACKEND,
        PluginProperties.NAME + "=poll",
        PluginProperties.OS + "=linux",
        PluginProperties.HANDLE_KINDS + "=POSIX_FD",
        "service.ranking:Integer=200"})
public final class PollEventBackend implements EventBackend {
    private static final Set<HandleKind> KINDS = Collections.unmodifiableSet(EnumSet.of(HandleKind.POSIX_FD));

    @Override
    public Set<HandleKind> handleKinds() {
        return KINDS;
    }

    /** Unavailable when JNA or libc cannot be loaded. */
    @Override
    public Availability availability() {
        String failure = NativeSupport.loadFailure();
        return failure == null ? Availability.available() : Availability.unavailable(failure);
    }

    /**
     * @param maxEvents the most waitables the caller expects to register; more are accepted (the
     *                  native array then grows once)
     * @throws IOException if the kernel refuses the wake-up eventfd
     */
    @Override
    public EventSet open(int maxEvents) throws IOException {
        if (maxEvents < 1) {
            throw new IllegalArgumentException("maxEvents " + maxEvents);
        }
        String failure = NativeSupport.loadFailure();
        if (failure != null) {
            throw new IOException("poll backend unavailable: " + failure);
        }
        return new PollEventSet(maxEvents);
    }

    @Override
    public String toString() {
        return "poll event backend";
    }
}
