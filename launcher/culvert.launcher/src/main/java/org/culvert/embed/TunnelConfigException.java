package org.culvert.embed;

import org.culvert.api.tunnel.TunnelException;

/**
 * A tunnel's configuration was refused: a {@link TunnelException} with reason
 * {@link TunnelException.Reason#CONFIG_ERROR} that also says where. The message is one line naming the
 * source, the line and the option, e.g. {@code p2p.conf:7: --cipher: 'BF-CBC' is not supported} or, for
 * an options map, {@code options: --route (value 2): bad netmask '255.0.255.0'}. Never contains key
 * material.
 */
public final class TunnelConfigException extends TunnelException {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final int line;
    private final String option;

    /**
     * @param source the file name, {@code "config text"} or {@code "options"}
     * @param line   1-based line in the file or text; 0 for options maps and when no single line applies
     * @param option the option's name without dashes, or null when none applies
     */
    public TunnelConfigException(String message, String source, int line, String option, Throwable cause) {
        super(Reason.CONFIG_ERROR, message, cause);
        this.source = source;
        this.line = line;
        this.option = option;
    }

    /** The file name, {@code "config text"} or {@code "options"}. */
    public String source() {
        return source;
    }

    /** The 1-based line of the file or text, or 0 (options maps, or no single line). */
    public int line() {
        return line;
    }

    /** The option's name without dashes, or null. */
    public String option() {
        return option;
    }
}
