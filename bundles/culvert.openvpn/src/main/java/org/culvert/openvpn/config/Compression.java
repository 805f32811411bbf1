package org.culvert.openvpn.config;

/**
 * The compression framing of data-channel payloads. Culvert implements only the framings that never
 * compress; real LZO/LZ4 is refused when parsing.
 */
public enum Compression {
    /** No compression option: payloads carry no framing byte (OpenVPN 2.6's default). */
    NONE,
    /** {@code comp-lzo no}: every payload is prefixed with 0xFA. */
    LZO_STUB,
    /** {@code compress stub}: the first payload byte moves to the end and 0xFB takes its place. */
    STUB,
    /** {@code compress stub-v2}: nothing, except payloads starting with 0x50 get a 0x50 0x00 prefix. */
    STUB_V2;

    /** Whether OpenVPN considers a compression context configured (adds {@code ,comp-lzo} to OCC). */
    public boolean contextConfigured() {
        return this != NONE;
    }

    /**
     * Bytes this framing adds per payload in OpenVPN's MTU arithmetic: 1 for the v1 stubs, 0 otherwise
     * (stub-v2 ignores its rare escape, as OpenVPN does).
     */
    public int mtuOverhead() {
        return this == LZO_STUB || this == STUB ? 1 : 0;
    }
}
