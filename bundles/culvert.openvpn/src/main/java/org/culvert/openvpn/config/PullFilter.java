package org.culvert.openvpn.config;

import java.util.Objects;

/**
 * One {@code --pull-filter accept|ignore|reject "text"}: matched as a prefix of each raw pushed item,
 * before it is parsed; the first filter that matches decides (OpenVPN's {@code apply_pull_filter}).
 *
 * @param action what a match does
 * @param text the prefix, compared as given (so {@code ignore route} also hits {@code route-gateway})
 */
public record PullFilter(Action action, String text) {
    /** OpenVPN's {@code PUF_TYPE_*}. */
    public enum Action {
        /** Take the item (and stop looking at further filters). */
        ACCEPT,
        /** Drop the item with a log line ("Pushed option removed by filter"). */
        IGNORE,
        /** Drop the whole push and restart the session (SIGUSR1). */
        REJECT
    }

    public PullFilter {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(text, "text");
    }

    /** True when {@code item}, the raw pushed text, starts with this filter's text. */
    public boolean matches(String item) {
        return item.startsWith(text);
    }
}
