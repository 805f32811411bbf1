package org.culvert.openvpn.tls;

/** The TLS engine's package-level test hooks, for the core's tests (same package on the test class path). */
public final class TlsTestHooks {
    private TlsTestHooks() {
    }

    /** Queues a control message, sent once key method 2 is done (as a server sends AUTH_FAILED). Before the loop runs. */
    public static void queueControlMessage(TlsSession session, String message) {
        session.sendControlMessage(message);
    }
}
