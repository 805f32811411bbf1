/**
 * OpenVPN 2.6 configuration, as files and as command lines, parsed into an immutable, validated
 * {@link org.culvert.openvpn.config.OpenVpnOptions}. Errors are
 * {@link org.culvert.openvpn.config.ConfigException}s whose message is one line naming the option
 * and where it was found.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.culvert.openvpn.config;
