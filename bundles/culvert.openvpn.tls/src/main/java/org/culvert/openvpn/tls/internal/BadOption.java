package org.culvert.openvpn.tls.internal;

/**
 * An option value the engine cannot use, naming the option (e.g. {@code --tls-cipher}). Internal; the
 * public API reports it as a {@link org.culvert.openvpn.tls.TlsConfigException}.
 */
public final class BadOption extends Exception {
    private static final long serialVersionUID = 1L;
    private final String option;
    private final boolean unsupported;

    /**
     * @param unsupported true if the value is valid OpenVPN but Culvert cannot honour it, false if it
     *        is simply invalid
     */
    public BadOption(String option, boolean unsupported, String message) {
        super(message);
        this.option = option;
        this.unsupported = unsupported;
    }

    public String option() {
        return option;
    }

    public boolean unsupported() {
        return unsupported;
    }
}
