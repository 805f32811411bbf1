/**
 * OpenVPN 2.6 configuration, as files and as command lines, parsed into an immutable, validated
 * {@link org.culvert.openvpn.config.OpenVpnOptions}. Errors are
 * {@link org.culvert.openvpn.config.ConfigException}s whose message is one line naming the option
 * and where it was found.
 * <p>1.2: {@code Compression} gains {@code LZO}, {@code LZ4}, {@code LZ4_V2} (decompressed on receive).
 * <p>1.3: pull mode: {@code OpenVpnOptions.pull()}, {@code echo()}, {@code setenvSafe()}; {@code PullOptions},
 * {@code PullFilter}, {@code PullPermission}, and {@code PushReply} producing {@code PushedOptions}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.3.0")
package org.culvert.openvpn.config;
