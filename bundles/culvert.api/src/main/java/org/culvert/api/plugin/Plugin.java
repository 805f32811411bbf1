package org.culvert.api.plugin;

import org.osgi.annotation.versioning.ConsumerType;

/** What every plugin service has in common. */
@ConsumerType
public interface Plugin {
    /**
     * Whether this plugin can work in this process. Called by the core before it uses the plugin and
     * by the shell; must be cheap and must not throw. The default says available.
     */
    default Availability availability() {
        return Availability.available();
    }
}
