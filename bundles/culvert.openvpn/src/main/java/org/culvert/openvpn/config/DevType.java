package org.culvert.openvpn.config;

/**
 * The virtual device's layer: {@code --dev tun*} (IP packets), {@code --dev tap*} (Ethernet frames) or
 * {@code --dev null} (no device: what the tunnel would write is discarded and nothing is read; OpenVPN's
 * own loopback tests use it).
 */
public enum DevType {
    TUN("tun"),
    TAP("tap"),
    NULL("null");

    private final String openVpnName;

    DevType(String openVpnName) {
        this.openVpnName = openVpnName;
    }

    /** "tun", "tap" or "null", as in {@code --dev-type} and the OCC {@code dev-type} item. */
    public String openVpnName() {
        return openVpnName;
    }
}
