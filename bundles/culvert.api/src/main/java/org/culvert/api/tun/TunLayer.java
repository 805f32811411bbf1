package org.culvert.api.tun;

/**
 * OpenVPN's {@code --dev-type}: IP packets (tun), Ethernet frames (tap), or no device at all (null:
 * packets for it are discarded and none come from it, as OpenVPN's {@code --dev null}). Only drivers
 * that list a layer in {@code culvert.tun.layers} are chosen for it.
 */
public enum TunLayer {
    TUN("tun"), TAP("tap"),
    /** @since 1.1 */
    NULL("null");

    private final String optionName;

    TunLayer(String optionName) {
        this.optionName = optionName;
    }

    public String optionName() {
        return optionName;
    }

    public static TunLayer fromOptionName(String name) {
        for (TunLayer l : values()) {
            if (l.optionName.equals(name)) {
                return l;
            }
        }
        throw new IllegalArgumentException("unknown device type '" + name + "' (tun, tap or null)");
    }
}
