package org.culvert.openvpn.config;

/** The virtual device's layer: {@code --dev tun*} (IP packets) or {@code --dev tap*} (Ethernet frames). */
public enum DevType {
    TUN("tun"),
    TAP("tap");

    private final String openVpnName;

    DevType(String openVpnName) {
        this.openVpnName = openVpnName;
    }

    /** "tun" or "tap", as in {@code --dev-type} and the OCC {@code dev-type} item. */
    public String openVpnName() {
        return openVpnName;
    }
}
