package org.culvert.event.win32;

import java.io.IOException;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.culvert.api.event.EventBackend;
import org.culvert.api.event.EventSet;
import org.culvert.api.event.HandleKind;
import org.culvert.api.plugin.Availability;
import org.culvert.api.plugin.PluginProperties;
import org.culvert.platform.win32.Kernel32Api;
import org.culvert.platform.win32.Win32Native;
import org.osgi.service.component.annotations.Component;

/**
 * The Windows event backend (OpenVPN's {@code we_*} functions): level-triggered waiting on Windows
 * event HANDLEs with {@code WaitForMultipleObjects}, for TAP-Windows6 overlapped I/O, the Wintun
 * read-wait event and sockets under {@code WSAEventSelect}. Ranked 300 so that it is the default on
 * Windows, where the Linux backends do not resolve. It cannot wait on POSIX descriptors, NIO channels
 * or in-memory signals ({@link EventSet#ctl} throws {@link IllegalArgumentException}).
 *
 * <p>Stateless apart from its kernel32 binding; {@link #open} may be called from any thread and the
 * returned set belongs to the calling thread.
 */
@Component(service = EventBackend.class, property = {
        PluginProperties.KIND + "=" + PluginProperties.KIND_EVENT_BACKEND,
        PluginProperties.NAME + "=win32",
        PluginProperties.OS + "=win32",
        PluginProperties.HANDLE_KINDS + "=WIN32_EVENT",
        "service.ranking:Integer=300"})
public final class Win32EventBackend implements EventBackend {
    private static final Set<HandleKind> KINDS = Collections.unmodifiableSet(EnumSet.of(HandleKind.WIN32_EVENT));
    private static final AtomicInteger SETS = new AtomicInteger();

    private final Kernel32Api kernel32;
    private final Availability availability;

    /** For Declarative Services: binds the real kernel32, or records why it cannot. */
    public Win32EventBackend() {
        String failure = Win32Native.loadFailure();
        if (failure == null) {
            kernel32 = Win32Native.kernel32();
            availability = Availability.available();
        } else {
            kernel32 = null;
            availability = Availability.unavailable(failure);
        }
    }

    /** Over the given kernel32 (a fake in tests, or a host's own binding). */
    public Win32EventBackend(Kernel32Api kernel32) {
        this.kernel32 = java.util.Objects.requireNonNull(kernel32, "kernel32");
        this.availability = Availability.available();
    }

    @Override
    public Set<HandleKind> handleKinds() {
        return KINDS;
    }

    /** Unavailable anywhere but 64-bit Windows with a loadable JNA. */
    @Override
    public Availability availability() {
        return availability;
    }

    /**
     * @param maxEvents the most waitables the caller expects to register; more are accepted (arrays
     *                  grow, and beyond 63 handles helper threads wait on the rest)
     * @throws IOException if the backend is unavailable here or Windows refuses an event
     */
    @Override
    public EventSet open(int maxEvents) throws IOException {
        if (maxEvents < 1) {
            throw new IllegalArgumentException("maxEvents " + maxEvents);
        }
        if (kernel32 == null) {
            throw new IOException("win32 backend unavailable: " + availability.cause());
        }
        return new Win32EventSet(kernel32, maxEvents, Integer.toString(SETS.incrementAndGet()));
    }
}
