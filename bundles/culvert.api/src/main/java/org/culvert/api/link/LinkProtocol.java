package org.culvert.api.link;

/** OpenVPN's {@code --proto} values for a point-to-point link. */
public enum LinkProtocol {
    UDP("udp", false), TCP_CLIENT("tcp-client", true), TCP_SERVER("tcp-server", true);

    private final String optionName;
    private final boolean stream;

    LinkProtocol(String optionName, boolean stream) {
        this.optionName = optionName;
        this.stream = stream;
    }

    /** The {@code --proto} word, also used in {@code culvert.link.protocols}. */
    public String optionName() {
        return optionName;
    }

    /** True for TCP: packets are carried with OpenVPN's 16-bit length prefix. */
    public boolean isStream() {
        return stream;
    }

    public static LinkProtocol fromOptionName(String name) {
        for (LinkProtocol p : values()) {
            if (p.optionName.equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown protocol '" + name + "'");
    }
}
