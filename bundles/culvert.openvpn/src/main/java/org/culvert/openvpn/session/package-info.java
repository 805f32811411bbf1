/**
 * The I/O-free point-to-point engine: {@link org.culvert.openvpn.session.StaticKeySession} wraps a
 * data channel with OpenVPN's compression framing, MSS clamping, ping, OCC and exit notification,
 * driven by an injected clock. {@link org.culvert.openvpn.session.PeerEngine} is what every engine
 * (static-key here, TLS in {@code org.culvert.openvpn.tls}) offers the tunnel's loop.
 *
 * <p>1.2: {@code PeerEngine} added, and {@code ExitNotify} (the exit-notify schedule both engines
 * share); {@code StaticKeySession} implements {@code PeerEngine} (new: {@code setMssClamp},
 * {@code lastWasData}, {@code isKeyed}, {@code keyGeneration}, {@code failure},
 * {@code negotiatedSummary}).
 * <p>1.3: {@code Decompressor} (LZO and LZ4 decompression on receive).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.3.0")
package org.culvert.openvpn.session;
