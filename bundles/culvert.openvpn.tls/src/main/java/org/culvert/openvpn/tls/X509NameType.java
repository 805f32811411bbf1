package org.culvert.openvpn.tls;

/** How {@code --verify-x509-name name [type]} compares the peer certificate. */
public enum X509NameType {
    /** The whole subject DN, in OpenVPN's format ({@code C=DE, O=Example, CN=peer}); the default. */
    SUBJECT,
    /** The common name, exactly. */
    NAME,
    /** The common name starts with the given text. */
    NAME_PREFIX
}
