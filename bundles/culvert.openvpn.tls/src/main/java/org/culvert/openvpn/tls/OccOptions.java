package org.culvert.openvpn.tls;

/**
 * The tunnel-level items of the OCC options string that key method 2 exchanges ({@code V4,dev-type ..,
 * link-mtu .., tun-mtu .., proto ..[,tun-ipv6][,ifconfig ..]}); the crypto items are derived from the
 * {@link TlsSettings}. OpenVPN only logs warnings when the peer's string differs (unless
 * {@code --opt-verify}), so these values matter for diagnostics, not for interoperability.
 *
 * @param devType {@code tun}, {@code tap} or {@code null}
 * @param linkMtu the legacy {@code link-mtu} value; 0 lets the engine compute OpenVPN's figure for
 *        the OCC cipher and digest
 * @param tunMtu {@code --tun-mtu} (or {@code --occ-mtu})
 * @param tunIpv6 whether {@code --ifconfig-ipv6} is set (p2p without pull)
 * @param ifconfigLocal the {@code ifconfig} item as this side sends it (e.g. {@code 10.8.0.2 10.8.0.1},
 *        remote address first), or null
 * @param ifconfigRemote the {@code ifconfig} item a matching peer sends, or null
 */
public record OccOptions(String devType, int linkMtu, int tunMtu, boolean tunIpv6, String ifconfigLocal,
        String ifconfigRemote) {
    /** {@code dev-type tun}, computed link-mtu, tun-mtu 1500, no ifconfig. */
    public static final OccOptions DEFAULT = new OccOptions("tun", 0, 1500, false, null, null);

    public OccOptions {
        if (devType == null || devType.isEmpty() || devType.indexOf(',') >= 0) {
            throw new IllegalArgumentException("devType must be a single word");
        }
        if (linkMtu < 0 || tunMtu < 0) {
            throw new IllegalArgumentException("MTU values must not be negative");
        }
    }
}
