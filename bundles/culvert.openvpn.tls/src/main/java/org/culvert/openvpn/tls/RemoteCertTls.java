package org.culvert.openvpn.tls;

/**
 * {@code --remote-cert-tls}: the peer certificate must carry a key-usage extension and the extended key
 * usage of the named role.
 */
public enum RemoteCertTls {
    /** The peer must be a TLS server (EKU serverAuth, 1.3.6.1.5.5.7.3.1). */
    SERVER("1.3.6.1.5.5.7.3.1", "TLS Web Server Authentication"),
    /** The peer must be a TLS client (EKU clientAuth, 1.3.6.1.5.5.7.3.2). */
    CLIENT("1.3.6.1.5.5.7.3.2", "TLS Web Client Authentication");

    private final String ekuOid;
    private final String ekuName;

    RemoteCertTls(String ekuOid, String ekuName) {
        this.ekuOid = ekuOid;
        this.ekuName = ekuName;
    }

    /** The required extended key usage OID. */
    public String ekuOid() {
        return ekuOid;
    }

    /** The required extended key usage as OpenSSL names it. */
    public String ekuName() {
        return ekuName;
    }
}
