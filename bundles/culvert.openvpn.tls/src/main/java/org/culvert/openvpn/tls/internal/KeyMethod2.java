package org.culvert.openvpn.tls.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * OpenVPN's key-method-2 message, the first application data each side sends over TLS:
 *
 * <pre>
 * u32 0 | u8 2 | [pre_master 48, client only] | random1 32 | random2 32
 *   | options string | username | password | peer_info
 * string = u16 length including the trailing NUL | bytes | NUL   (empty: u16 0)
 * </pre>
 *
 * Written in one TLS record of at most 2048 bytes. Control path.
 */
public final class KeyMethod2 {
    /** OpenVPN reads the message with one 2048-byte read (TLS_CHANNEL_BUF_SIZE). */
    public static final int MAX_MESSAGE = 2048;
    /** TLS_OPTIONS_LEN, including the NUL. */
    static final int MAX_OPTIONS = 512;
    /** USER_PASS_LEN of a PKCS#11-enabled build (Debian's), the larger of the two OpenVPN uses. */
    static final int MAX_USER_PASS = 4096;

    public final byte[] preMaster;
    public final byte[] random1;
    public final byte[] random2;
    public final String options;
    public final String peerInfo;
    /** The username a client sent (empty without --auth-user-pass); "" in messages we create. */
    public final String username;
    /** The password a client sent, as characters, overwritten by {@link #wipe()}; empty in messages we create. */
    public final char[] password;

    KeyMethod2(byte[] preMaster, byte[] random1, byte[] random2, String options, String peerInfo) {
        this(preMaster, random1, random2, options, peerInfo, "", new char[0]);
    }

    KeyMethod2(byte[] preMaster, byte[] random1, byte[] random2, String options, String peerInfo, String username,
            char[] password) {
        this.username = username;
        this.password = password;
        this.preMaster = preMaster;
        this.random1 = random1;
        this.random2 = random2;
        this.options = options;
        this.peerInfo = peerInfo;
    }

    /** Fresh key material for the given role. */
    public static KeyMethod2 create(boolean client, java.security.SecureRandom random, String options, String peerInfo) {
        byte[] pm = null;
        if (client) {
            pm = new byte[48];
            random.nextBytes(pm);
        }
        byte[] r1 = new byte[32];
        byte[] r2 = new byte[32];
        random.nextBytes(r1);
        random.nextBytes(r2);
        return new KeyMethod2(pm, r1, r2, options, peerInfo);
    }

    /** The wire form with empty username and password (a server's message, or a client without --auth-user-pass). */
    public byte[] encode() {
        return encode("", new char[0]);
    }

    /**
     * The wire form carrying {@code --auth-user-pass} credentials (OpenVPN writes them in every message a
     * client sends; empty ones as {@code 00 00}). The password is encoded into a buffer that is wiped;
     * the caller wipes {@code password}.
     */
    public byte[] encode(String username, char[] password) {
        WipingBuffer out = new WipingBuffer();
        out.write(0);
        out.write(0);
        out.write(0);
        out.write(0);
        out.write(2);
        if (preMaster != null) {
            out.write(preMaster, 0, preMaster.length);
        }
        out.write(random1, 0, 32);
        out.write(random2, 0, 32);
        writeString(out, options);
        writeString(out, username);
        writeChars(out, password);
        writeString(out, peerInfo);
        byte[] b = out.toByteArray();
        out.wipe();
        if (b.length > MAX_MESSAGE) {
            throw new IllegalStateException("key-method-2 message exceeds " + MAX_MESSAGE + " bytes");
        }
        return b;
    }

    /** A ByteArrayOutputStream whose buffer (holding the pre-master secret) can be overwritten. */
    private static final class WipingBuffer extends ByteArrayOutputStream {
        WipingBuffer() {
            super(512);
        }

        void wipe() {
            Arrays.fill(buf, (byte) 0);
        }
    }

    /** Overwrites the secrets. */
    public void wipe() {
        if (preMaster != null) {
            Arrays.fill(preMaster, (byte) 0);
        }
        Arrays.fill(random1, (byte) 0);
        Arrays.fill(random2, (byte) 0);
        Arrays.fill(password, '\0');
    }

    /** As {@link #writeString}, from characters, through a byte buffer that is wiped. */
    private static void writeChars(ByteArrayOutputStream out, char[] s) {
        if (s == null || s.length == 0) {
            out.write(0);
            out.write(0);
            return;
        }
        java.nio.ByteBuffer encoded = StandardCharsets.UTF_8.encode(java.nio.CharBuffer.wrap(s));
        try {
            int n = encoded.remaining();
            if (n + 1 > MAX_USER_PASS) {
                throw new IllegalArgumentException("password longer than " + (MAX_USER_PASS - 1) + " bytes");
            }
            out.write((n + 1) >>> 8);
            out.write(n + 1);
            while (encoded.hasRemaining()) {
                out.write(encoded.get());
            }
            out.write(0);
        } finally {
            if (encoded.hasArray()) {
                Arrays.fill(encoded.array(), (byte) 0);
            }
        }
    }

    private static void writeString(ByteArrayOutputStream out, String s) {
        if (s == null || s.isEmpty()) {
            out.write(0);
            out.write(0);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        int len = b.length + 1;
        out.write(len >>> 8);
        out.write(len);
        out.write(b, 0, b.length);
        out.write(0);
    }

    /** Outcome of {@link #parse}. */
    public static final class Parsed {
        /** The message, or null. */
        public final KeyMethod2 message;
        /** Bytes the message took (the rest belongs to later control messages). */
        public final int consumed;
        /** True if the buffer ends inside the message: wait for more. */
        public final boolean incomplete;
        /** True if the peer uses key method 1. */
        public final boolean keyMethod1;
        /** Why the message is invalid, or null. */
        public final String error;

        private Parsed(KeyMethod2 message, int consumed, boolean incomplete, boolean keyMethod1, String error) {
            this.message = message;
            this.consumed = consumed;
            this.incomplete = incomplete;
            this.keyMethod1 = keyMethod1;
            this.error = error;
        }
    }

    /**
     * Parses the peer's message from {@code b[0, len)}.
     *
     * @param fromClient whether the peer is the tls-client (its message carries the pre-master secret)
     */
    public static Parsed parse(byte[] b, int len, boolean fromClient) {
        if (len < 5) {
            return new Parsed(null, 0, true, false, null);
        }
        int method = b[4] & 0x0F;
        if (method == 1) {
            return new Parsed(null, 0, false, true, "the peer sent a key-method 1 message");
        }
        if (method != 2) {
            return new Parsed(null, 0, false, false, "unknown key method/flags " + (b[4] & 0xFF));
        }
        int p = 5;
        int fixed = (fromClient ? 48 : 0) + 64;
        if (len < p + fixed) {
            return new Parsed(null, 0, true, false, null);
        }
        byte[] pm = fromClient ? Arrays.copyOfRange(b, p, p + 48) : null;
        p += fromClient ? 48 : 0;
        byte[] r1 = Arrays.copyOfRange(b, p, p + 32);
        byte[] r2 = Arrays.copyOfRange(b, p + 32, p + 64);
        p += 64;
        String[] strings = new String[4];
        int passwordStart = 0;
        int passwordEnd = 0;
        int[] limits = {MAX_OPTIONS, MAX_USER_PASS, MAX_USER_PASS, MAX_MESSAGE};
        for (int i = 0; i < 4; i++) {
            if (p == len && i >= 1) {
                // Older peers stop after the options string; OpenVPN reads the rest as absent.
                strings[i] = "";
                continue;
            }
            if (len < p + 2) {
                return new Parsed(null, 0, true, false, null);
            }
            int sl = Bytes.getShort(b, p);
            p += 2;
            if (sl == 0) {
                if (i == 0) {
                    return new Parsed(null, 0, false, false, "the peer sent no options string");
                }
                strings[i] = "";
                continue;
            }
            if (sl > limits[i]) {
                return new Parsed(null, 0, false, false, (i == 0 ? "options string" : i == 3 ? "peer info"
                        : "username/password") + " too long (" + sl + " bytes)");
            }
            if (len < p + sl) {
                return new Parsed(null, 0, true, false, null);
            }
            // OpenVPN forces the last byte to NUL and reads up to the first NUL.
            int end = p;
            while (end < p + sl - 1 && b[end] != 0) {
                end++;
            }
            if (i == 2) {
                // Decoded once the whole message is there, so that no early return leaves a copy behind.
                passwordStart = p;
                passwordEnd = end;
                strings[i] = "";
            } else {
                strings[i] = new String(b, p, end - p, StandardCharsets.UTF_8);
            }
            p += sl;
        }
        // The password never becomes a String: decoded straight to characters.
        java.nio.CharBuffer decoded = StandardCharsets.UTF_8.decode(java.nio.ByteBuffer.wrap(b, passwordStart, passwordEnd - passwordStart));
        char[] password = new char[decoded.remaining()];
        decoded.get(password);
        if (decoded.hasArray()) {
            Arrays.fill(decoded.array(), '\0');
        }
        return new Parsed(new KeyMethod2(pm, r1, r2, strings[0], strings[3], strings[1], password), p, false, false, null);
    }

    /** {@code IV_PROTO} from a peer-info text, as OpenVPN's {@code sscanf("IV_PROTO=%d")}; 0 if absent. */
    public static int ivProto(String peerInfo) {
        String v = peerInfoValue(peerInfo, "IV_PROTO");
        if (v == null) {
            return 0;
        }
        int n = 0;
        int i = 0;
        while (i < v.length() && Character.isDigit(v.charAt(i)) && n < 100_000_000) {
            n = n * 10 + (v.charAt(i) - '0');
            i++;
        }
        return n;
    }

    /** The value of {@code key=value} on its own line of the peer info, or null. */
    public static String peerInfoValue(String peerInfo, String key) {
        if (peerInfo == null) {
            return null;
        }
        for (String line : peerInfo.split("\n")) {
            if (line.startsWith(key + "=")) {
                return line.substring(key.length() + 1).trim();
            }
        }
        return null;
    }
}
