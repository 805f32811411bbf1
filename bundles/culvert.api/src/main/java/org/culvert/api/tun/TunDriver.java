package org.culvert.api.tun;

import org.culvert.api.plugin.Plugin;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A tun/tap driver service (Linux {@code /dev/net/tun}, TAP-Windows6, Wintun, in-memory). Registered
 * with {@code culvert.plugin.kind=tun-driver}, {@code culvert.plugin.name}, {@code culvert.plugin.os},
 * {@code culvert.tun.layers} and {@code culvert.plugin.handle.kinds} (the kind of its devices' waitables).
 */
@ConsumerType
public interface TunDriver extends Plugin {
    /**
     * Creates (or attaches to) a device and configures it as {@code spec} says, then runs the
     * {@code --up} script. Called by the core from a tunnel's thread; may block for the time the OS
     * takes to configure the interface, never on the network.
     *
     * @return an open device in non-blocking mode, owned by the caller until it calls {@link TunDevice#close()}
     * @throws TunException with a reason that says what failed; nothing stays open then
     */
    TunDevice open(TunSpec spec) throws TunException;
}
