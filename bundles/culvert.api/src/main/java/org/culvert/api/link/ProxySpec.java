package org.culvert.api.link;

import java.nio.CharBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The proxy a tcp-client link goes through: OpenVPN's {@code --http-proxy} (HTTP CONNECT, with its
 * {@code --http-proxy-option}s) or {@code --socks-proxy} (SOCKS5). The transport connects to the
 * proxy, asks it for a tunnel to the spec's remote, and only then starts the OpenVPN stream.
 *
 * <p>The password is held as characters and overwritten by {@link #wipe()}; {@link #toString()}
 * never shows the user name or the password. Immutable apart from {@link #wipe()}.
 *
 * @since link 1.2
 */
public final class ProxySpec {
    /** What the proxy speaks. */
    public enum Type {
        /** HTTP CONNECT ({@code --http-proxy}). */
        HTTP,
        /** SOCKS5, RFC 1928, with RFC 1929 user/password when credentials are given ({@code --socks-proxy}). */
        SOCKS5
    }

    /** HTTP proxy authentication sent with the first CONNECT. */
    public enum HttpAuth {
        NONE,
        /** {@code Proxy-Authorization: Basic}: the credentials in base64, i.e. clear text. */
        BASIC,
        /**
         * OpenVPN's {@code auto}: the first CONNECT goes without credentials; when the proxy answers
         * 407 asking for Basic, the next connection sends them at once.
         */
        AUTO,
        /** OpenVPN's {@code auto-nct}: as {@link #AUTO}, but a Basic (clear-text) challenge fails the attempt. */
        AUTO_NCT
    }

    /** A header line {@code name: value}, or a whole line {@code name} when value is null ({@code CUSTOM-HEADER}). */
    public record Header(String name, String value) {
        public Header {
            Objects.requireNonNull(name, "name");
        }

        /** The line as sent. */
        public String line() {
            return value == null ? name : name + ": " + value;
        }
    }

    private final Type type;
    private final String host;
    private final int port;
    private final HttpAuth httpAuth;
    private final String username;
    private final char[] password;
    private final String httpVersion;
    private final String userAgent;
    private final List<Header> headers;

    private ProxySpec(Builder b) {
        type = b.type;
        host = b.host;
        port = b.port;
        httpAuth = b.httpAuth;
        username = b.username;
        password = b.password == null ? null : b.password.clone();
        httpVersion = b.httpVersion;
        userAgent = b.userAgent;
        headers = List.copyOf(b.headers);
    }

    public static Builder builder(Type type, String host, int port) {
        return new Builder(type, host, port);
    }

    public Type type() {
        return type;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** For {@link Type#HTTP}: what the first CONNECT carries. */
    public HttpAuth httpAuth() {
        return httpAuth;
    }

    /** The user name, or null when no credentials are configured. */
    public String username() {
        return username;
    }

    /** True when a user name and password are configured. */
    public boolean hasCredentials() {
        return username != null && password != null;
    }

    /** A copy of the password (the caller overwrites it), or null. */
    public char[] password() {
        return password == null ? null : password.clone();
    }

    /** {@code --http-proxy-option VERSION}: "1.0" by default, as in OpenVPN. */
    public String httpVersion() {
        return httpVersion;
    }

    /** {@code --http-proxy-option AGENT}, or null. */
    public String userAgent() {
        return userAgent;
    }

    /** {@code --http-proxy-option CUSTOM-HEADER} lines, in order. */
    public List<Header> headers() {
        return headers;
    }

    /** Overwrites the password. Idempotent. */
    public void wipe() {
        if (password != null) {
            Arrays.fill(password, '\0');
        }
    }

    /** The proxy as the log names it: {@code HTTP proxy host:port}; never the credentials. */
    @Override
    public String toString() {
        return (type == Type.HTTP ? "HTTP proxy " : "SOCKS proxy ") + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** Builder; every setter returns {@code this}. */
    public static final class Builder {
        private final Type type;
        private final String host;
        private final int port;
        private HttpAuth httpAuth = HttpAuth.NONE;
        private String username;
        private char[] password;
        private String httpVersion = "1.0";
        private String userAgent;
        private final List<Header> headers = new ArrayList<>();

        private Builder(Type type, String host, int port) {
            this.type = Objects.requireNonNull(type, "type");
            this.host = Objects.requireNonNull(host, "host");
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("proxy port " + port + " is not 1-65535");
            }
            this.port = port;
        }

        public Builder httpAuth(HttpAuth v) {
            httpAuth = Objects.requireNonNull(v);
            return this;
        }

        /** The password is copied; the caller overwrites its own. */
        public Builder credentials(String user, char[] pass) {
            username = Objects.requireNonNull(user, "user");
            password = Objects.requireNonNull(pass, "pass").clone();
            return this;
        }

        /** As {@link #credentials(String, char[])} from a buffer, copied. */
        public Builder credentials(String user, CharBuffer pass) {
            char[] copy = new char[pass.remaining()];
            pass.duplicate().get(copy);
            try {
                return credentials(user, copy);
            } finally {
                Arrays.fill(copy, '\0');
            }
        }

        public Builder httpVersion(String v) {
            httpVersion = Objects.requireNonNull(v);
            return this;
        }

        public Builder userAgent(String v) {
            userAgent = v;
            return this;
        }

        public Builder header(Header h) {
            headers.add(Objects.requireNonNull(h));
            return this;
        }

        public ProxySpec build() {
            ProxySpec spec = new ProxySpec(this);
            if (password != null) {
                Arrays.fill(password, '\0');
            }
            return spec;
        }
    }
}
