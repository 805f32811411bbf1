package org.culvert.api.tunnel;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * The operations settings of a tunnel's configuration ({@code --management}, {@code --status},
 * {@code --verb}, {@code --mute}), already checked by the core's parser, for the bundles that act on
 * them (the management interface, the status-file writer). Immutable.
 */
public final class TunnelOperations {
    /** Where OpenVPN's management interface listens: a TCP address or a unix socket. */
    public static final class Management {
        private final String host;
        private final int port;
        private final Path unixSocket;
        private final Path passwordFile;
        private final boolean hold;
        private final int logCache;
        private final String clientGroup;
        private final boolean queryPasswords;
        private final boolean clientAuth;

        /**
         * @param host         IP address or name to listen on, or null with {@code unixSocket}
         * @param port         TCP port (0 = any free port), ignored with {@code unixSocket}
         * @param passwordFile file whose first line is the password clients must give; null for none
         * @param hold         {@code --management-hold}: start in hold until a client releases it
         * @param logCache     {@code --management-log-cache}: lines of history kept for {@code log all}
         */
        public Management(String host, int port, Path unixSocket, Path passwordFile, boolean hold, int logCache) {
            this(host, port, unixSocket, passwordFile, hold, logCache, null);
        }

        /**
         * @param clientGroup {@code --management-client-group}: a group whose members may also connect
         *                    to the unix socket, or null so that only its owner may; only with
         *                    {@code unixSocket}
         * @since 1.3
         */
        public Management(String host, int port, Path unixSocket, Path passwordFile, boolean hold, int logCache, String clientGroup) {
            this(host, port, unixSocket, passwordFile, hold, logCache, clientGroup, false);
        }

        /**
         * @param queryPasswords {@code --management-query-passwords}: the tunnel's credentials are asked
         *                       of management clients
         * @since 1.4
         */
        public Management(String host, int port, Path unixSocket, Path passwordFile, boolean hold, int logCache, String clientGroup,
                boolean queryPasswords) {
            this(host, port, unixSocket, passwordFile, hold, logCache, clientGroup, queryPasswords, false);
        }

        /**
         * @param clientAuth {@code --management-client-auth}: a server's clients wait for a management
         *                   client's {@code client-auth}/{@code client-deny} after {@code >CLIENT:CONNECT}
         * @since 1.5
         */
        public Management(String host, int port, Path unixSocket, Path passwordFile, boolean hold, int logCache, String clientGroup,
                boolean queryPasswords, boolean clientAuth) {
            this.queryPasswords = queryPasswords;
            this.clientAuth = clientAuth;
            if ((host == null) == (unixSocket == null)) {
                throw new IllegalArgumentException("exactly one of host and unixSocket");
            }
            if (clientGroup != null && unixSocket == null) {
                throw new IllegalArgumentException("a client group needs a unix socket");
            }
            this.clientGroup = clientGroup;
            this.host = host;
            this.port = port;
            this.unixSocket = unixSocket;
            this.passwordFile = passwordFile;
            this.hold = hold;
            this.logCache = logCache;
        }

        public String host() {
            return host;
        }

        public int port() {
            return port;
        }

        public Path unixSocket() {
            return unixSocket;
        }

        public Path passwordFile() {
            return passwordFile;
        }

        public boolean hold() {
            return hold;
        }

        public int logCache() {
            return logCache;
        }

        /** {@code --management-query-passwords}. @since 1.4 */
        public boolean queryPasswords() {
            return queryPasswords;
        }

        /** {@code --management-client-auth}. @since 1.5 */
        public boolean clientAuth() {
            return clientAuth;
        }

        /** The group whose members may connect to the unix socket besides its owner, or null. @since 1.3 */
        public String clientGroup() {
            return clientGroup;
        }

        @Override
        public String toString() {
            return (unixSocket != null ? unixSocket + " unix" : host + " " + port) + (passwordFile != null ? " (password)" : "")
                    + (clientGroup != null ? " group " + clientGroup : "") + (hold ? " hold" : "")
                    + (queryPasswords ? " query-passwords" : "") + (clientAuth ? " client-auth" : "");
        }
    }

    /** {@code --status file [seconds]} with {@code --status-version}. */
    public static final class Status {
        private final Path file;
        private final Duration interval;
        private final int version;

        public Status(Path file, Duration interval, int version) {
            this.file = Objects.requireNonNull(file, "file");
            this.interval = Objects.requireNonNull(interval, "interval");
            if (version < 1 || version > 3) {
                throw new IllegalArgumentException("status version " + version);
            }
            this.version = version;
        }

        public Path file() {
            return file;
        }

        /** How often the file is rewritten (OpenVPN's default is 60 s). */
        public Duration interval() {
            return interval;
        }

        public int version() {
            return version;
        }
    }

    /** No management interface, no status file, verb 1, mute off. */
    public static final TunnelOperations DEFAULT = new TunnelOperations(null, null, 1, 0);

    private final Management management;
    private final Status status;
    private final int verb;
    private final int mute;

    public TunnelOperations(Management management, Status status, int verb, int mute) {
        this.management = management;
        this.status = status;
        this.verb = verb;
        this.mute = mute;
    }

    /** The management interface to open for this tunnel, or null. */
    public Management management() {
        return management;
    }

    /** The status file to write, or null. */
    public Status status() {
        return status;
    }

    /** {@code --verb}, 0–11 (OpenVPN's default 1). */
    public int verb() {
        return verb;
    }

    /** {@code --mute}: at most this many consecutive lines of one category; 0 = off. */
    public int mute() {
        return mute;
    }
}
