/** Tunnels as users see them: start, stop, list, state with a reason, counters, state listeners, signals, hold, logs, connection and operations settings, OpenVPN's client states and the configuration in effect. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.4.0")
package org.culvert.api.tunnel;
