/**
 * Tunnels as users see them: start, stop, list, state with a reason, counters, state listeners, signals, hold, logs, connection and operations settings.
 * <p>1.4: credentials ({@code CredentialsSource}, {@code CredentialsRequest}, {@code Tunnel.pendingCredentials()},
 * reasons {@code AUTH_FAILED}, {@code CREDENTIALS_NEEDED}, {@code CREDENTIALS_UNAVAILABLE},
 * {@code TunnelOperations.Management.queryPasswords()}).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.4.0")
package org.culvert.api.tunnel;
