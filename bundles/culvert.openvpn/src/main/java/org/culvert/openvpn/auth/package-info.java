/**
 * A server's own authentication pieces that are pure computation: OpenVPN 2.6's
 * {@code --auth-gen-token} session tokens ({@link org.culvert.openvpn.auth.AuthTokens}). No I/O, no
 * threads; time comes from an injected {@link org.culvert.openvpn.Clock}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.culvert.openvpn.auth;
