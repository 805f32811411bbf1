package org.culvert.openvpn.tls;

/** The TLS engine tests' settings (certificates, fingerprints), for targets outside this package. */
public final class FuzzSettings {
    private FuzzSettings() {
    }

    /** A tls-server that pins the test client's fingerprint. */
    public static TlsSettings.Builder server() {
        return TlsSessionTest.server();
    }
}
