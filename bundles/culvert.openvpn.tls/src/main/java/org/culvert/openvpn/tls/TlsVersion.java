package org.culvert.openvpn.tls;

/** The TLS versions the control channel can run ({@code --tls-version-min}/{@code --tls-version-max}). */
public enum TlsVersion {
    TLS_1_2("1.2", "TLSv1.2"),
    TLS_1_3("1.3", "TLSv1.3");

    private final String optionValue;
    private final String displayName;

    TlsVersion(String optionValue, String displayName) {
        this.optionValue = optionValue;
        this.displayName = displayName;
    }

    /** As written after {@code --tls-version-min}, e.g. {@code 1.2}. */
    public String optionValue() {
        return optionValue;
    }

    /** As OpenVPN and OpenSSL print it, e.g. {@code TLSv1.3}. */
    public String displayName() {
        return displayName;
    }
}
