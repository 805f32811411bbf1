/**
 * A server's authentication of its clients, as OpenVPN 2.6 does it after each client's TLS handshake
 * and before it gets an address: {@code --auth-user-pass-verify} with {@code --auth-gen-token}
 * tokens and {@code --username-as-common-name} ({@link org.culvert.tunnel.internal.auth.ServerAuthenticator}),
 * {@code --client-connect}, {@code --client-disconnect} and {@code --tls-crypt-v2-verify}
 * ({@link org.culvert.tunnel.internal.auth.ServerScripts}), each client's script environment
 * ({@link org.culvert.tunnel.internal.auth.ScriptEnv}), and the worker threads they run on
 * ({@link org.culvert.tunnel.internal.auth.AuthWorkers}). Private to the bundle.
 */
package org.culvert.tunnel.internal.auth;
