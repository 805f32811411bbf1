package org.culvert.openvpn.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code --management IP port [pw-file]} or {@code --management socket-path unix [pw-file]}, with
 * {@code --management-hold} and {@code --management-log-cache}.
 *
 * @param host         the address to listen on (absent for a unix socket)
 * @param port         the TCP port (0 for a unix socket)
 * @param unixSocket   the unix socket path (absent for TCP)
 * @param passwordFile the file whose first line is the password
 * @param hold         start held until a client sends {@code hold release}
 * @param logCache     lines of log history kept for {@code log all} (OpenVPN's default 250)
 * @param clientGroup  {@code --management-client-group}: the group whose members may also connect to
 *                     the unix socket (otherwise only its owner may)
 * @param queryPasswords {@code --management-query-passwords}: credentials are asked of management
 *                     clients ({@code >PASSWORD:Need 'Auth' username/password}); since config 1.3
 * @param clientAuth   {@code --management-client-auth}: a server's clients wait for {@code client-auth} or
 *                     {@code client-deny} after {@code >CLIENT:CONNECT}
 */
public record Management(Optional<String> host, int port, Optional<Path> unixSocket, Optional<Path> passwordFile,
        boolean hold, int logCache, Optional<String> clientGroup, boolean queryPasswords, boolean clientAuth) {
    /** Without {@code --management-client-auth}. */
    public Management(Optional<String> host, int port, Optional<Path> unixSocket, Optional<Path> passwordFile, boolean hold,
            int logCache, Optional<String> clientGroup, boolean queryPasswords) {
        this(host, port, unixSocket, passwordFile, hold, logCache, clientGroup, queryPasswords, false);
    }

    /** Without {@code --management-query-passwords}. */
    public Management(Optional<String> host, int port, Optional<Path> unixSocket, Optional<Path> passwordFile, boolean hold,
            int logCache, Optional<String> clientGroup) {
        this(host, port, unixSocket, passwordFile, hold, logCache, clientGroup, false);
    }

    /** Without {@code --management-client-group}. */
    public Management(Optional<String> host, int port, Optional<Path> unixSocket, Optional<Path> passwordFile, boolean hold,
            int logCache) {
        this(host, port, unixSocket, passwordFile, hold, logCache, Optional.empty());
    }

    /** OpenVPN's default {@code --management-log-cache}. */
    public static final int DEFAULT_LOG_CACHE = 250;
}
