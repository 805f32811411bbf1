package org.culvert.openvpn.config;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code --http-proxy host port [authfile] [none|basic]} with its {@code --http-proxy-option}s and
 * {@code --http-proxy-user-pass}, or {@code --socks-proxy host [port] [authfile]}: the proxy a
 * tcp-client connects through.
 *
 * @param type HTTP CONNECT or SOCKS5
 * @param host the proxy's host name or address, unresolved
 * @param port the proxy's port (SOCKS default 1080)
 * @param auth for HTTP: none, basic (sent with the first CONNECT), or learnt from the proxy's 407
 *     ({@code auto}, {@code auto-nct})
 * @param credentials the user/password text (user on the first line, password on the second), from
 *     the auth file or the {@code <http-proxy-user-pass>} block; wiped by {@link #wipe()}
 * @param httpVersion {@code --http-proxy-option VERSION}, "1.0" by default
 * @param userAgent {@code --http-proxy-option AGENT}
 * @param headers {@code --http-proxy-option CUSTOM-HEADER name [content]}: {name, content or null}
 * @since config 1.3
 */
public record Proxy(Type type, String host, int port, Auth auth, Optional<FileContent> credentials,
        String httpVersion, Optional<String> userAgent, List<List<String>> headers) {

    /** What the proxy speaks. */
    public enum Type {
        HTTP,
        SOCKS5
    }

    /** The HTTP proxy's authentication: the fourth argument of {@code --http-proxy}, or {@code auto}/{@code auto-nct} as its third. */
    public enum Auth {
        NONE,
        BASIC,
        /** Learn the method from the proxy's 407 (only Basic is spoken). */
        AUTO,
        /** As AUTO, refusing clear-text methods (Basic). */
        AUTO_NCT
    }

    public Proxy {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(httpVersion, "httpVersion");
        Objects.requireNonNull(userAgent, "userAgent");
        headers = List.copyOf(headers);
    }

    /** The user name: the credentials' first line, or empty without credentials. */
    public Optional<String> username() {
        return credentials.map(c -> {
            char[] all = c.chars();
            try {
                int end = lineEnd(all, 0);
                return new String(all, 0, end);
            } finally {
                Arrays.fill(all, '\0');
            }
        });
    }

    /** A copy of the password (the credentials' second line; the caller overwrites it), or null without credentials. */
    public char[] password() {
        if (credentials.isEmpty()) {
            return null;
        }
        char[] all = credentials.get().chars();
        try {
            int first = lineEnd(all, 0);
            int start = first < all.length && all[first] == '\r' ? first + 1 : first;
            start = start < all.length && all[start] == '\n' ? start + 1 : start;
            int end = lineEnd(all, start);
            return Arrays.copyOfRange(all, Math.min(start, all.length), Math.max(Math.min(start, all.length), end));
        } finally {
            Arrays.fill(all, '\0');
        }
    }

    private static int lineEnd(char[] text, int from) {
        int i = from;
        while (i < text.length && text[i] != '\n' && text[i] != '\r') {
            i++;
        }
        return i;
    }

    /** Overwrites the credentials' text. Idempotent. */
    public void wipe() {
        credentials.ifPresent(FileContent::wipe);
    }

    /** Never shows the credentials. */
    @Override
    public String toString() {
        return "Proxy[" + type + " " + host + ":" + port + (credentials.isPresent() ? ", credentials " + credentials.get() : "") + "]";
    }
}
