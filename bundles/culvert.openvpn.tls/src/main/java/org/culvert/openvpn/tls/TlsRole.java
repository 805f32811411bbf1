package org.culvert.openvpn.tls;

/** Which side of the TLS handshake this peer plays ({@code --tls-client} or {@code --tls-server}). */
public enum TlsRole {
    /** {@code --tls-client}: sends the first hard reset and the TLS ClientHello. */
    CLIENT,
    /** {@code --tls-server}: answers a client's hard reset. */
    SERVER;

    /** The OCC options-string item: {@code tls-client} or {@code tls-server}. */
    public String occName() {
        return this == CLIENT ? "tls-client" : "tls-server";
    }
}
