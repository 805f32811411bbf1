package org.culvert.api.tunnel;

import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;

/** A configured tunnel, registered as a service by the core while it exists. Thread-safe. */
@ProviderType
public interface Tunnel {
    /** Service property carrying {@link #name()}. */
    String NAME_PROPERTY = "culvert.tunnel.name";

    String name();

    TunnelStatus status();

    TunnelCounters counters();

    /** The plugins in use, by kind ({@code tun-driver}, {@code event-backend}, {@code link-transport}) to name; empty while waiting. */
    Map<String, String> plugins();

    /** The tun device's OS name while it is open, else null. */
    String deviceName();
}
