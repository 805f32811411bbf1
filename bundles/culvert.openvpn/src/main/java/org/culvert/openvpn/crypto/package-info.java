/**
 * The static-key data channel: the key file, the algorithms OpenVPN 2.6 allows with
 * {@code --secret}, the packet-id replay window, and {@link org.culvert.openvpn.crypto.DataChannel},
 * which seals and opens packets in place without allocating. {@link org.culvert.openvpn.crypto.Verdict}
 * is the one outcome type of every engine, static-key and TLS.
 *
 * <p>1.2: {@code Verdict} gained the TLS-mode values of the former {@code org.culvert.openvpn.tls.TlsVerdict}
 * ({@code NOT_KEYED} to {@code INTERNAL_ERROR}); a switch over it should have a default.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package org.culvert.openvpn.crypto;
