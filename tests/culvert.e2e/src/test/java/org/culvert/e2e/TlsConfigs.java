package org.culvert.e2e;

import java.nio.file.Path;

import org.culvert.e2e.PeerConfig.Role;

/**
 * The TLS options of one side of a TLS-mode case, added to a {@link PeerConfig#tls} base: the
 * certificate and key, how the peer is verified ({@code peer-fingerprint}, or {@code ca} with {@code
 * remote-cert-tls} and {@code verify-x509-name}), the control-channel wrapping ({@code tls-auth} with
 * direction 0 on the tls-server and 1 on the tls-client, or {@code tls-crypt}) and the data channel
 * ({@code data-ciphers}, {@code auth}). The same text goes to stock OpenVPN and to Culvert.
 */
final class TlsConfigs {
    /** How each side checks the other's certificate. */
    enum Verify {
        /** Self-signed certificates pinned with {@code --peer-fingerprint} (no CA). */
        FINGERPRINT,
        /** Certificates from one CA, with {@code --remote-cert-tls} and {@code --verify-x509-name}. */
        CA
    }

    /** How the control channel is wrapped. */
    enum Wrap {
        NONE, TLS_AUTH, TLS_CRYPT
    }

    /** Common names of the certificates a case makes. */
    static final String SERVER_CN = "culvert-e2e-server";
    static final String CLIENT_CN = "culvert-e2e-client";

    private TlsConfigs() {
    }

    /** The certificates and keys both sides of a case draw from. {@code ca} and the issued ones are null in FINGERPRINT cases. */
    record Material(Verify verify, Pki.Identity server, Pki.Identity client, Pki.Authority ca, Path wrapKey) {
        /** The identity of the tls-server or of the tls-client. */
        Pki.Identity identity(boolean tlsServer) {
            return tlsServer ? server : client;
        }
    }

    /** Makes what a case needs in {@code dir}: two self-signed certificates, or a CA and two issued ones; a wrap key if asked. */
    static Material make(Path dir, Verify verify, Wrap wrap) {
        Path wrapKey = wrap == Wrap.NONE ? null : Pki.tlsKey(dir, wrap == Wrap.TLS_AUTH ? "ta.key" : "tc.key");
        if (verify == Verify.FINGERPRINT) {
            return new Material(verify, Pki.selfSigned(dir, SERVER_CN), Pki.selfSigned(dir, CLIENT_CN), null, wrapKey);
        }
        Pki.Authority ca = Pki.authority(dir, "culvert-e2e-ca");
        return new Material(verify, Pki.issue(ca, dir, SERVER_CN, Pki.Usage.SERVER), Pki.issue(ca, dir, CLIENT_CN, Pki.Usage.CLIENT), ca, wrapKey);
    }

    /**
     * One side's whole config.
     *
     * @param digest {@code --auth} (the HMAC of CBC data channels and of tls-auth), or null for the default
     * @param inline certificates, key, CA and wrap key as inline {@code <ca>...</ca>} blocks instead of file paths
     */
    static PeerConfig side(Netns net, String ns, Role role, boolean tlsServer, Material m, Wrap wrap, String cipher, String digest,
            boolean inline) {
        return tlsOptions(PeerConfig.tls(net, ns, role, tlsServer), tlsServer, m, wrap, cipher, digest, inline);
    }

    /** The TLS options of {@link #side} (credentials, verification, wrapping, ciphers) added to a base config {@code c} that already holds the link and the TLS role. */
    static PeerConfig tlsOptions(PeerConfig c, boolean tlsServer, Material m, Wrap wrap, String cipher, String digest, boolean inline) {
        Pki.Identity self = m.identity(tlsServer);
        Pki.Identity peer = m.identity(!tlsServer);
        if (m.verify() == Verify.FINGERPRINT) {
            fingerprint(c, self, peer.fingerprint(), inline);
        } else {
            ca(c, m.ca(), self, !tlsServer, peer.commonName(), inline);
        }
        wrap(c, wrap, m.wrapKey(), tlsServer, inline);
        c.option("data-ciphers", cipher);
        if (digest != null) {
            c.option("auth", digest);
        }
        return c;
    }

    /** {@code cert}, {@code key} and {@code peer-fingerprint}. */
    static PeerConfig fingerprint(PeerConfig c, Pki.Identity self, String peerFingerprint, boolean inline) {
        credentials(c, self, inline);
        return c.option("peer-fingerprint", peerFingerprint);
    }

    /** {@code ca}, {@code cert}, {@code key}, {@code remote-cert-tls} and {@code verify-x509-name <peerCn> name}. */
    static PeerConfig ca(PeerConfig c, Pki.Authority ca, Pki.Identity self, boolean peerIsServer, String peerCn, boolean inline) {
        if (inline) {
            c.inline("ca", Pki.read(ca.cert()));
        } else {
            c.option("ca", ca.cert().toString());
        }
        credentials(c, self, inline);
        return c.option("remote-cert-tls", peerIsServer ? "server" : "client").option("verify-x509-name", peerCn, "name");
    }

    /** {@code tls-auth KEY DIR} (0 on the tls-server, 1 on the client) or {@code tls-crypt KEY}; nothing for NONE. */
    static PeerConfig wrap(PeerConfig c, Wrap wrap, Path key, boolean tlsServer, boolean inline) {
        switch (wrap) {
            case TLS_AUTH:
                if (inline) {
                    c.option("key-direction", tlsServer ? "0" : "1").inline("tls-auth", Pki.read(key));
                } else {
                    c.option("tls-auth", key.toString(), tlsServer ? "0" : "1");
                }
                break;
            case TLS_CRYPT:
                if (inline) {
                    c.inline("tls-crypt", Pki.read(key));
                } else {
                    c.option("tls-crypt", key.toString());
                }
                break;
            default:
                break;
        }
        return c;
    }

    private static void credentials(PeerConfig c, Pki.Identity self, boolean inline) {
        if (inline) {
            c.inline("cert", Pki.read(self.cert())).inline("key", Pki.read(self.key()));
        } else {
            c.option("cert", self.cert().toString()).option("key", self.key().toString());
        }
    }
}
