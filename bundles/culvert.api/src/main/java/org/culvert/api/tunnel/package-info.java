/** Tunnels as users see them: start, stop, list, state with a reason, counters, state listeners, signals, hold, logs, connection and operations settings. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.4.0")
package org.culvert.api.tunnel;
