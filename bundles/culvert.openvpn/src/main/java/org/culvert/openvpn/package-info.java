/**
 * OpenVPN 2.6's point-to-point static-key protocol as a pure library: no OSGi, sockets, threads or
 * wall-clock reads (time comes from an injected {@link org.culvert.openvpn.Clock}).
 *
 * <p>Sub-packages: {@code config} parses OpenVPN configuration files and command lines,
 * {@code crypto} seals and opens data-channel packets, {@code session} runs the per-tunnel engine
 * (compression framing, MSS clamping, ping, OCC, exit notification, timers).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.culvert.openvpn;
