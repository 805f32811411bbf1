/**
 * The I/O-free point-to-point engine: {@link org.culvert.openvpn.session.StaticKeySession} wraps a
 * data channel with OpenVPN's compression framing, MSS clamping, ping, OCC and exit notification,
 * driven by an injected clock.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.culvert.openvpn.session;
