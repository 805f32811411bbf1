/** Tunnels as users see them: start, stop, list, state with a reason, counters, state listeners. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.culvert.api.tunnel;
