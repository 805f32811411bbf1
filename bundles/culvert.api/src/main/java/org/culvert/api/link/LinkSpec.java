package org.culvert.api.link;

import java.util.Objects;

/**
 * What a tunnel asks of a link transport: OpenVPN's {@code --proto}, {@code --local},
 * {@code --lport}, {@code --remote}, {@code --rport}, {@code --nobind}, {@code --float},
 * {@code --sndbuf}/{@code --rcvbuf}, {@code --connect-retry}, {@code --http-proxy}/{@code --socks-proxy},
 * already parsed. Immutable (apart from wiping the proxy password).
 */
public final class LinkSpec {
    private final LinkProtocol protocol;
    private final AddressFamily family;
    private final String localHost;
    private final int localPort;
    private final boolean bind;
    private final String remoteHost;
    private final int remotePort;
    private final int maxPacketSize;
    private final int sendBuffer;
    private final int receiveBuffer;
    private final int connectRetrySeconds;
    private final int connectRetryMaxSeconds;
    private final int connectTimeoutSeconds;
    private final ProxySpec proxy;
    private final boolean connectOnce;

    private LinkSpec(Builder b) {
        protocol = b.protocol;
        family = b.family;
        localHost = b.localHost;
        localPort = b.localPort;
        bind = b.bind;
        remoteHost = b.remoteHost;
        remotePort = b.remotePort;
        maxPacketSize = b.maxPacketSize;
        sendBuffer = b.sendBuffer;
        receiveBuffer = b.receiveBuffer;
        connectRetrySeconds = b.connectRetrySeconds;
        connectRetryMaxSeconds = b.connectRetryMaxSeconds;
        connectTimeoutSeconds = b.connectTimeoutSeconds;
        proxy = b.proxy;
        connectOnce = b.connectOnce;
    }

    public static Builder builder(LinkProtocol protocol) {
        return new Builder(protocol);
    }

    public LinkProtocol protocol() {
        return protocol;
    }

    public AddressFamily family() {
        return family;
    }

    /** {@code --local}, or null for the wildcard address. */
    public String localHost() {
        return localHost;
    }

    /** {@code --lport}/{@code --port}; 0 = any. */
    public int localPort() {
        return localPort;
    }

    /** False under {@code --nobind}: the OS picks the local port. */
    public boolean bind() {
        return bind;
    }

    /** {@code --remote} host, or null (a listening p2p peer that learns its remote from the first authenticated packet). */
    public String remoteHost() {
        return remoteHost;
    }

    public int remotePort() {
        return remotePort;
    }

    /** Largest OpenVPN packet the link carries (without TCP's length prefix). */
    public int maxPacketSize() {
        return maxPacketSize;
    }

    /** {@code --sndbuf}; 0 = OS default. */
    public int sendBuffer() {
        return sendBuffer;
    }

    /** {@code --rcvbuf}; 0 = OS default. */
    public int receiveBuffer() {
        return receiveBuffer;
    }

    /** {@code --connect-retry} first delay (tcp-client), default 1 s. */
    public int connectRetrySeconds() {
        return connectRetrySeconds;
    }

    /** {@code --connect-retry} upper bound of the doubling delay, default 300 s. */
    public int connectRetryMaxSeconds() {
        return connectRetryMaxSeconds;
    }

    /**
     * OpenVPN's {@code --connect-retry} schedule: the pause before the next TCP connect attempt after
     * {@code failures} unsuccessful ones. The configured delay for the first four, then doubling (from
     * at least 1 s), never above {@link #connectRetryMaxSeconds()}. Every TCP client transport uses it,
     * so that each waits as OpenVPN does.
     */
    public long connectRetryDelaySeconds(int failures) {
        long seconds = Math.max(0, connectRetrySeconds);
        int backoff = failures - 4;
        if (backoff > 0) {
            seconds = Math.max(seconds, 1) << Math.min(backoff, 15);
        }
        return Math.min(seconds, Math.max(0, connectRetryMaxSeconds));
    }

    /** {@code --connect-timeout} per TCP connect attempt, default 120 s. */
    public int connectTimeoutSeconds() {
        return connectTimeoutSeconds;
    }

    /**
     * The proxy a tcp-client connects through, or null for a direct connection. A transport that
     * cannot honour it does not advertise the proxy type in {@code culvert.link.proxies} and refuses
     * the spec with {@link LinkException.Reason#UNSUPPORTED}.
     *
     * @since link 1.2
     */
    public ProxySpec proxy() {
        return proxy;
    }

    /**
     * True when a tcp-client makes one connect attempt only: a refused or timed-out connect ends
     * {@link LinkSocket#establish} with a {@link LinkException}, so that the tunnel can move to its next
     * connection profile, as OpenVPN's "connection-failed" restart does. False (the default): the socket
     * retries on the {@code --connect-retry} schedule.
     *
     * @since 1.2
     */
    public boolean connectOnce() {
        return connectOnce;
    }

    @Override
    public String toString() {
        return "LinkSpec[" + protocol.optionName() + " " + family + " local " + (localHost == null ? "*" : localHost) + ":" + localPort
                + (bind ? "" : " nobind") + " remote " + (remoteHost == null ? "-" : remoteHost + ":" + remotePort)
                + (proxy == null ? "" : " via " + proxy) + "]";
    }

    /** Builder; every setter returns {@code this}. */
    public static final class Builder {
        private final LinkProtocol protocol;
        private AddressFamily family = AddressFamily.ANY;
        private String localHost;
        private int localPort = 1194;
        private boolean bind = true;
        private String remoteHost;
        private int remotePort = 1194;
        private int maxPacketSize = 1650;
        private int sendBuffer;
        private int receiveBuffer;
        private int connectRetrySeconds = 1;
        private int connectRetryMaxSeconds = 300;
        private int connectTimeoutSeconds = 120;
        private ProxySpec proxy;
        private boolean connectOnce;

        private Builder(LinkProtocol protocol) {
            this.protocol = Objects.requireNonNull(protocol, "protocol");
        }

        public Builder family(AddressFamily v) {
            family = Objects.requireNonNull(v);
            return this;
        }

        public Builder local(String host, int port) {
            localHost = host;
            localPort = port;
            return this;
        }

        public Builder bind(boolean v) {
            bind = v;
            return this;
        }

        public Builder remote(String host, int port) {
            remoteHost = host;
            remotePort = port;
            return this;
        }

        public Builder maxPacketSize(int v) {
            maxPacketSize = v;
            return this;
        }

        public Builder sendBuffer(int v) {
            sendBuffer = v;
            return this;
        }

        public Builder receiveBuffer(int v) {
            receiveBuffer = v;
            return this;
        }

        public Builder connectRetry(int seconds, int maxSeconds) {
            connectRetrySeconds = seconds;
            connectRetryMaxSeconds = maxSeconds;
            return this;
        }

        public Builder connectTimeout(int seconds) {
            connectTimeoutSeconds = seconds;
            return this;
        }

        /** @since link 1.2 */
        public Builder proxy(ProxySpec v) {
            proxy = v;
            return this;
        }

        /** See {@link LinkSpec#connectOnce()}. @since 1.2 */
        public Builder connectOnce(boolean v) {
            connectOnce = v;
            return this;
        }

        public LinkSpec build() {
            return new LinkSpec(this);
        }
    }
}
