package org.culvert.event.nio;

import java.io.IOException;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

import org.culvert.api.event.EventBackend;
import org.culvert.api.event.HandleKind;
import org.culvert.api.plugin.PluginProperties;
import org.osgi.service.component.annotations.Component;

/**
 * The {@code nio} event backend: one {@link java.nio.channels.Selector} per event set, waiting on
 * {@link org.culvert.api.event.ChannelWaitable}s only. Runs wherever Java runs; ranked 100, below the
 * native epoll (300) and poll (200) backends, so it is the default only where they are missing or
 * where a tunnel's waitables are all NIO channels. Stateless and thread-safe.
 */
@Component(service = EventBackend.class, immediate = true, property = {
        PluginProperties.KIND + "=" + PluginProperties.KIND_EVENT_BACKEND,
        PluginProperties.NAME + "=nio",
        PluginProperties.OS + "=" + PluginProperties.OS_ANY,
        PluginProperties.HANDLE_KINDS + "=NIO_CHANNEL",
        "service.ranking:Integer=100" })
public class NioEventBackend implements EventBackend {
    private static final Set<HandleKind> KINDS = Collections.unmodifiableSet(EnumSet.of(HandleKind.NIO_CHANNEL));

    @Override
    public Set<HandleKind> handleKinds() {
        return KINDS;
    }

    /** Opens a selector; {@code maxEvents} needs no reservation with NIO. */
    @Override
    public NioEventSet open(int maxEvents) throws IOException {
        return new NioEventSet();
    }
}
