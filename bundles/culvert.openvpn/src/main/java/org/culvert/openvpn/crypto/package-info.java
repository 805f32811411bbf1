/**
 * The static-key data channel: the key file, the algorithms OpenVPN 2.6 allows with
 * {@code --secret}, the packet-id replay window, and {@link org.culvert.openvpn.crypto.DataChannel},
 * which seals and opens packets in place without allocating.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.culvert.openvpn.crypto;
