/** Tunnels as users see them: start, stop, list, state with a reason, counters, state listeners, signals, hold, logs, connection and operations settings.
 * <p>1.4: {@code TunnelReason} gains {@code NO_PUSH_REPLY}, {@code PUSH_FAILED}, {@code SERVER_RESTART}, {@code SERVER_HALT} (pull mode);
 * {@code TunnelConnection.pushedOptions()}. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.4.0")
package org.culvert.api.tunnel;
