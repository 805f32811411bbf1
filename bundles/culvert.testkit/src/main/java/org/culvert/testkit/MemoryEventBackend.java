package org.culvert.testkit;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

import org.culvert.api.event.EventBackend;
import org.culvert.api.event.HandleKind;

/**
 * An event backend for {@link org.culvert.api.event.SignalWaitable}s only, the kind the memory tun
 * devices and link sockets expose: see {@link MemoryEventSet}. Thread-safe and stateless. The
 * {@code culvert.event.memory} bundle registers a subclass as its {@code EventBackend} service.
 */
public class MemoryEventBackend implements EventBackend {
    private static final Set<HandleKind> KINDS = Collections.unmodifiableSet(EnumSet.of(HandleKind.SIGNAL));

    @Override
    public Set<HandleKind> handleKinds() {
        return KINDS;
    }

    @Override
    public MemoryEventSet open(int maxEvents) {
        return new MemoryEventSet(maxEvents);
    }
}
