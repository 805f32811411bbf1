/**
 * The configuration side of an OpenVPN 2.6 server, as a pure library (no threads; the only I/O is
 * reading and writing the files options name): the address pool with OpenVPN's allocation rule
 * ({@link org.culvert.openvpn.server.IfconfigPool}) and its persist file
 * ({@link org.culvert.openvpn.server.PoolPersist}), client-config-dir files
 * ({@link org.culvert.openvpn.server.ClientConfigDir}), a client's addresses
 * ({@link org.culvert.openvpn.server.VirtualAddress}) and its PUSH_REPLY messages
 * ({@link org.culvert.openvpn.server.PushReplyBuilder}). The options themselves are
 * {@link org.culvert.openvpn.config.ServerSettings}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.culvert.openvpn.server;
