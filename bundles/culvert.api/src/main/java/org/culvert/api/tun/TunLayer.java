package org.culvert.api.tun;

/** OpenVPN's {@code --dev-type}: IP packets (tun) or Ethernet frames (tap). */
public enum TunLayer {
    TUN("tun"), TAP("tap");

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
        throw new IllegalArgumentException("unknown device type '" + name + "' (tun or tap)");
    }
}
