package org.culvert.openvpn.config;

/** {@code --allow-compression}; Culvert never compresses, so {@code YES} with a real algorithm is refused. */
public enum AllowCompression {
    NO,
    ASYM,
    YES
}
