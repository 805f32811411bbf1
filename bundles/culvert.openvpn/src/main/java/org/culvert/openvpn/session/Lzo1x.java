package org.culvert.openvpn.session;

import java.nio.ByteBuffer;

/**
 * LZO1X decompression with every read and write bounds-checked, the counterpart of liblzo2's
 * {@code lzo1x_decompress_safe} that OpenVPN's {@code lzo.c} calls. Written here because no
 * maintained LZO1X library for Java is published (the known ones were last released years ago and
 * one of them needs a native liblzo2); the format is small and fixed.
 *
 * <p>Stateless, allocation-free. Instruction names follow liblzo2's {@code lzo1x_d.ch}: literal
 * runs, and matches M1 (2 or 3 bytes, near), M2 (3-8 bytes, distance ≤ 2 KiB), M3 (distance ≤
 * 16 KiB) and M4 (distance 16-48 KiB, or the end-of-stream marker).
 */
final class Lzo1x {
    /** Result for any malformed input: truncated, garbage, a match before the output start, too long. */
    static final int ERROR = -1;

    private static final int M2_MAX_OFFSET = 0x0800;

    private Lzo1x() {
    }

    /**
     * Decompresses {@code src[from, to)} into {@code dst[0, max)}.
     *
     * @return the decompressed length, or {@link #ERROR} if the input is malformed, does not end with
     *     the end-of-stream marker exactly at {@code to}, or would decompress to more than {@code max}
     */
    static int decompress(ByteBuffer src, int from, int to, byte[] dst, int max) {
        int ip = from;
        int op = 0;
        int t;
        if (ip >= to) {
            return ERROR;
        }
        // Which label of lzo1x_d.ch to enter: 0 loop, 1 first_literal_run, 2 match, 3 match_next,
        // 4 a literal run of t bytes (then first_literal_run).
        int state;
        t = src.get(ip) & 0xFF;
        if (t > 17) {
            ip++;
            t -= 17;
            state = t < 4 ? 3 : 4;
        } else {
            state = 0;
        }
        while (true) {
            if (state == 4) {
                if (to - ip < t || max - op < t) {
                    return ERROR;
                }
                copy(src, ip, dst, op, t);
                ip += t;
                op += t;
                state = 1;
                continue;
            }
            if (state <= 1) {
                if (ip >= to) {
                    return ERROR;
                }
                t = src.get(ip++) & 0xFF;
                if (t >= 16) {
                    state = 2;
                    continue;
                }
                if (state == 0) {
                    // A literal run of t + 3 bytes, t extended by zero bytes when 0.
                    if (t == 0) {
                        t = runLength(src, ip, to, 15);
                        if (t < 0) {
                            return ERROR;
                        }
                        ip = skipRun(src, ip);
                    }
                    t += 3;
                    state = 4;
                    continue;
                }
                // First instruction after a literal run: a short value is a 3-byte M1 2 KiB away.
                if (ip >= to) {
                    return ERROR;
                }
                int distance = 1 + M2_MAX_OFFSET + (t >> 2) + ((src.get(ip++) & 0xFF) << 2);
                op = copyMatch(dst, op, distance, 3, max);
                if (op < 0) {
                    return ERROR;
                }
            } else if (state == 3) {
                // 1-3 literals after a match, then a match instruction.
                if (to - ip < t + 1 || max - op < t) {
                    return ERROR;
                }
                copy(src, ip, dst, op, t);
                ip += t;
                op += t;
                t = src.get(ip++) & 0xFF;
                state = 2;
                continue;
            } else {
                int distance;
                int length;
                if (t >= 64) { // M2
                    if (ip >= to) {
                        return ERROR;
                    }
                    distance = 1 + ((t >> 2) & 7) + ((src.get(ip++) & 0xFF) << 3);
                    length = (t >> 5) + 1;
                } else if (t >= 16) { // M3 (t >= 32) or M4: a length, maybe extended, then a 14-bit distance
                    boolean m3 = t >= 32;
                    length = t & (m3 ? 31 : 7);
                    if (length == 0) {
                        length = runLength(src, ip, to, m3 ? 31 : 7);
                        if (length < 0) {
                            return ERROR;
                        }
                        ip = skipRun(src, ip);
                    }
                    length += 2;
                    if (to - ip < 2) {
                        return ERROR;
                    }
                    int d = ((src.get(ip) & 0xFF) >> 2) + ((src.get(ip + 1) & 0xFF) << 6);
                    ip += 2;
                    if (m3) {
                        distance = 1 + d;
                    } else {
                        distance = ((t & 8) << 11) + d;
                        if (distance == 0) {
                            // End of stream; liblzo2 reports leftover input as an error too.
                            return ip == to ? op : ERROR;
                        }
                        distance += 0x4000;
                    }
                } else { // M1 after a match: 2 bytes
                    if (ip >= to) {
                        return ERROR;
                    }
                    distance = 1 + (t >> 2) + ((src.get(ip++) & 0xFF) << 2);
                    length = 2;
                }
                op = copyMatch(dst, op, distance, length, max);
                if (op < 0) {
                    return ERROR;
                }
            }
            // match_done: the low two bits of the instruction's last-but-one byte count trailing literals.
            t = src.get(ip - 2) & 3;
            if (t == 0) {
                state = 0;
            } else {
                state = 3;
            }
        }
    }

    /** The length encoded by a run of zero bytes at {@code ip} and the byte after it, plus {@code base}; -1 if truncated. */
    private static int runLength(ByteBuffer src, int ip, int to, int base) {
        int t = 0;
        while (ip < to && src.get(ip) == 0) {
            t += 255;
            ip++;
        }
        if (ip >= to) {
            return -1;
        }
        return t + base + (src.get(ip) & 0xFF);
    }

    /** Where the run of zero bytes at {@code ip} and its final byte end (only after {@link #runLength} succeeded). */
    private static int skipRun(ByteBuffer src, int ip) {
        while (src.get(ip) == 0) {
            ip++;
        }
        return ip + 1;
    }

    private static void copy(ByteBuffer src, int ip, byte[] dst, int op, int n) {
        src.get(ip, dst, op, n);
    }

    /** Copies {@code length} bytes from {@code distance} back (overlap repeats bytes); -1 if out of bounds. */
    private static int copyMatch(byte[] dst, int op, int distance, int length, int max) {
        if (distance > op || max - op < length) {
            return ERROR;
        }
        int from = op - distance;
        for (int i = 0; i < length; i++) {
            dst[op + i] = dst[from + i];
        }
        return op + length;
    }
}
