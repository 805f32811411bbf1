package org.culvert.link.winsock;

import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkException.Reason;
import org.culvert.platform.win32.winsock.Ws2Api;
import org.culvert.platform.win32.winsock.Ws2Errors;

/**
 * {@code WSAStartup}/{@code WSACleanup} pairing. Winsock counts the calls, so every link socket starts
 * it when it opens and stops it when it closes; no socket outlives its own start, whatever the order
 * in which the transport and its sockets go away.
 */
final class Winsock {
    private Winsock() {
    }

    static void start(Ws2Api ws2) throws LinkException {
        int error = ws2.wsaStartup();
        if (error != 0) {
            throw new LinkException(Reason.IO_ERROR, Ws2Errors.message("WSAStartup 2.2", error));
        }
    }

    /** Never throws: called from {@code close()} and failure paths. */
    static void stop(Ws2Api ws2) {
        ws2.wsaCleanup();
    }
}
