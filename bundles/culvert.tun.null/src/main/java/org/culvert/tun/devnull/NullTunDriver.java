package org.culvert.tun.devnull;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.culvert.api.plugin.PluginProperties;
import org.culvert.api.tun.TunDevice;
import org.culvert.api.tun.TunDriver;
import org.culvert.api.tun.TunException;
import org.culvert.api.tun.TunLayer;
import org.culvert.api.tun.TunSpec;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * The {@code null} tun driver: OpenVPN's {@code --dev null}. It serves only the layer
 * {@link TunLayer#NULL}, so the core chooses it exactly when a configuration says {@code dev null} (or
 * {@code dev-type null}) and never for tun or tap. Its devices have no waitable, hence no
 * {@code culvert.plugin.handle.kinds}: any event backend will do. Pure Java, for every OS.
 *
 * <p>Nothing is configured: the parser already refuses {@code --ifconfig}, routes and
 * {@code --up}/{@code --down} with {@code dev null}; a spec that still carries them is refused here.
 */
@Component(service = TunDriver.class, immediate = true, property = {
        PluginProperties.KIND + "=" + PluginProperties.KIND_TUN_DRIVER,
        PluginProperties.NAME + "=null",
        PluginProperties.OS + "=" + PluginProperties.OS_ANY,
        PluginProperties.TUN_LAYERS + "=null" })
public final class NullTunDriver implements TunDriver {
    private final Set<NullTunDevice> open = ConcurrentHashMap.newKeySet();

    @Override
    public TunDevice open(TunSpec spec) throws TunException {
        if (spec.layer() != TunLayer.NULL) {
            throw new TunException(TunException.Reason.UNSUPPORTED, "the null driver serves only --dev null, not dev-type "
                    + spec.layer().optionName());
        }
        if (spec.ifconfigLocal() != null || spec.ifconfigIpv6Local() != null || !spec.routes().isEmpty()
                || spec.upCommand() != null || spec.downCommand() != null) {
            throw new TunException(TunException.Reason.UNSUPPORTED,
                    "--dev null has no interface: addresses, routes and --up/--down scripts do not apply");
        }
        String name = spec.name() == null || spec.name().isEmpty() ? "null" : spec.name();
        NullTunDevice device = new NullTunDevice(name, spec.mtu(), open::remove);
        open.add(device);
        return device;
    }

    /** Devices opened and not yet closed. */
    int openCount() {
        return open.size();
    }

    @Deactivate
    void deactivate() {
        for (NullTunDevice d : open) {
            d.close();
        }
    }
}
