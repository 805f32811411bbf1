package org.culvert.event.epoll;

import java.io.IOException;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

import org.culvert.api.event.EventBackend;
import org.culvert.api.event.EventSet;
import org.culvert.api.event.HandleKind;
import org.culvert.api.plugin.Availability;
import org.culvert.api.plugin.PluginProperties;
import org.culvert.platform.linux.Errno;
import org.culvert.platform.linux.LibC;
import org.culvert.platform.linux.NativeSupport;
import org.osgi.service.component.annotations.Component;

/**
 * The Linux {@code epoll(7)} event backend (OpenVPN's {@code ep_*} functions): level-triggered
 * waiting on POSIX file descriptors. Ranked above {@code poll} so that it is the default on Linux.
 *
 * <p>Stateless apart from the cached availability; {@link #open} may be called from any thread and
 * the returned set belongs to the calling thread (see {@link EventSet}).
 */
@Component(service = EventBackend.class, property = {
        PluginProperties.KIND + "=" + PluginProperties.KIND_EVENT_BACKEND,
        PluginProperties.NAME + "=epoll",
        PluginProperties.OS + "=linux",
        PluginProperties.HANDLE_KINDS + "=POSIX_FD",
        "service.ranking:Integer=300"})
public final class EpollEventBackend implements EventBackend {
    private static final Set<HandleKind> KINDS = Collections.unmodifiableSet(EnumSet.of(HandleKind.POSIX_FD));

    private volatile Availability availability;

    @Override
    public Set<HandleKind> handleKinds() {
        return KINDS;
    }

    /** Unavailable when JNA/libc cannot be loaded or the kernel refuses {@code epoll_create1}; probed once. */
    @Override
    public Availability availability() {
        Availability a = availability;
        if (a == null) {
            a = probe();
            availability = a;
        }
        return a;
    }

    private static Availability probe() {
        String failure = NativeSupport.loadFailure();
        if (failure != null) {
            return Availability.unavailable(failure);
        }
        int ep = LibC.epoll_create1(LibC.EPOLL_CLOEXEC);
        if (ep < 0) {
            return Availability.unavailable(Errno.message("epoll_create1", LibC.errno()));
        }
        LibC.close(ep);
        return Availability.available();
    }

    /**
     * @param maxEvents the most waitables the caller expects to register; more are accepted (the
     *                  native arrays then grow once)
     * @throws IOException if the kernel refuses an epoll instance or the wake-up eventfd
     */
    @Override
    public EventSet open(int maxEvents) throws IOException {
        if (maxEvents < 1) {
            throw new IllegalArgumentException("maxEvents " + maxEvents);
        }
        String failure = NativeSupport.loadFailure();
        if (failure != null) {
            throw new IOException("epoll backend unavailable: " + failure);
        }
        return new EpollEventSet(maxEvents);
    }

    @Override
    public String toString() {
        return "epoll event backend";
    }
}
