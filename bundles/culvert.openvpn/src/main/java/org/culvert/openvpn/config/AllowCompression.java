package org.culvert.openvpn.config;

/** {@code --allow-compression}. Culvert never compresses, so this only records what was configured. */
public enum AllowCompression {
    NO,
    ASYM,
    YES
}
