/**
 * Tunnels as users see them: start, stop, list, state with a reason, counters, state listeners, signals, hold, logs,
 * connection and operations settings, OpenVPN's client states and the configuration in effect.
 * <p>1.4: OpenVPN's client states ({@code ClientState}, {@code ClientStatus}), the configuration in effect
 * ({@code TunnelSettings}); credentials ({@code CredentialsSource}, {@code CredentialsRequest},
 * {@code Tunnel.pendingCredentials()}, reasons {@code AUTH_FAILED}, {@code CREDENTIALS_NEEDED},
 * {@code CREDENTIALS_UNAVAILABLE}, {@code TunnelOperations.Management.queryPasswords()}); connection profiles
 * (reasons {@code SERVER_POLL_TIMEOUT}, {@code CONNECT_RETRY_MAX}); pull mode (reasons {@code NO_PUSH_REPLY},
 * {@code PUSH_FAILED}, {@code SERVER_RESTART}, {@code SERVER_HALT}).
 * <p>1.5: server mode: {@code Tunnel.server()}, {@code TunnelServer}, {@code ServerClient},
 * {@code ServerRoute}, {@code ServerClientEvent} and the whiteboard {@code ServerClientListener};
 * {@code TunnelServer.clientPendingAuth}, {@code TunnelOperations.Management.clientAuth()}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.6.0")
package org.culvert.api.tunnel;
