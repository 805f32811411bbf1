package org.culvert.openvpn.config;

/**
 * The compression framing of data-channel payloads, as OpenVPN 2.6's {@code comp.c} names its
 * algorithms. Culvert never compresses: with a real algorithm ({@link #LZO}, {@link #LZ4},
 * {@link #LZ4_V2}) it decompresses what the peer sends and sends every payload with that algorithm's
 * "not compressed" marker, as OpenVPN does with {@code allow-compression asym}.
 */
public enum Compression {
    /** No compression option: payloads carry no framing byte (OpenVPN 2.6's default). */
    NONE,
    /** {@code comp-lzo no}: every payload is prefixed with 0xFA. */
    LZO_STUB,
    /** {@code compress stub}: the first payload byte moves to the end and 0xFB takes its place. */
    STUB,
    /** {@code compress stub-v2}: nothing, except payloads starting with 0x50 get a 0x50 0x00 prefix. */
    STUB_V2,
    /** {@code comp-lzo [yes|adaptive]}, {@code compress lzo}: receives 0x66 + LZO1X, sends as {@link #LZO_STUB}. */
    LZO,
    /** {@code compress lz4}: receives 0x69 + LZ4 block (swapped), sends as {@link #STUB}. */
    LZ4,
    /** {@code compress lz4-v2}: receives 0x50 0x01 + LZ4 block, sends as {@link #STUB_V2}. */
    LZ4_V2;

    /** Whether OpenVPN considers a compression context configured (adds {@code ,comp-lzo} to OCC). */
    public boolean contextConfigured() {
        return this != NONE;
    }

    /** Whether the peer may send compressed payloads that this setting decompresses. */
    public boolean decompresses() {
        return this == LZO || this == LZ4 || this == LZ4_V2;
    }

    /**
     * The framing Culvert sends with: the algorithm's "not compressed" framing (Culvert never
     * compresses), the same bytes as the matching stub.
     */
    public Compression sendFraming() {
        switch (this) {
            case LZO:
                return LZO_STUB;
            case LZ4:
                return STUB;
            case LZ4_V2:
                return STUB_V2;
            default:
                return this;
        }
    }

    /**
     * Bytes this framing adds per payload in OpenVPN's MTU arithmetic ({@code
     * frame_calculate_payload_overhead}): 1 for the v1 framings (lzo, lz4, stub), 0 for the v2 ones
     * (their rare escape is ignored, as OpenVPN does).
     */
    public int mtuOverhead() {
        return this == LZO_STUB || this == STUB || this == LZO || this == LZ4 ? 1 : 0;
    }
}
