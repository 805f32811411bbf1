package org.culvert.openvpn.tls;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The peer info a client sends in its key-method-2 message (OpenVPN's {@code push_peer_info}): lines
 * {@code NAME=value}, of which a server reads the {@code IV_} ones (facts sheet §3). Lines that are not
 * {@code NAME=value} with a printable name are skipped; values keep their text (a script's environment
 * filters them, as OpenVPN's {@code output_peer_info_env} does). Immutable.
 *
 * @since 2.2
 */
public final class PeerInfo {
    /** IV_PROTO bits (OpenVPN's {@code IV_PROTO_*}). */
    public static final int IV_PROTO_DATA_V2 = 1 << 1;
    public static final int IV_PROTO_REQUEST_PUSH = 1 << 2;
    public static final int IV_PROTO_TLS_KEY_EXPORT = 1 << 3;
    public static final int IV_PROTO_AUTH_PENDING_KW = 1 << 4;
    public static final int IV_PROTO_NCP_P2P = 1 << 5;
    public static final int IV_PROTO_DNS_OPTION = 1 << 6;
    public static final int IV_PROTO_CC_EXIT_NOTIFY = 1 << 7;
    public static final int IV_PROTO_AUTH_FAIL_TEMP = 1 << 8;
    public static final int IV_PROTO_DYN_TLS_CRYPT = 1 << 9;
    private static final int MAX_LINES = 256;

    private final String text;
    private final Map<String, String> values;

    private PeerInfo(String text, Map<String, String> values) {
        this.text = text;
        this.values = Collections.unmodifiableMap(values);
    }

    /** Parses the peer-info text (empty or null: no variables). Never throws. */
    public static PeerInfo parse(String text) {
        String t = text == null ? "" : text;
        Map<String, String> v = new LinkedHashMap<>();
        int lines = 0;
        for (String line : t.split("\n")) {
            if (++lines > MAX_LINES) {
                break;
            }
            int eq = line.indexOf('=');
            if (eq <= 0 || !validName(line, eq)) {
                continue;
            }
            v.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return new PeerInfo(t, v);
    }

    private static boolean validName(String line, int end) {
        for (int i = 0; i < end; i++) {
            char c = line.charAt(i);
            if (!(c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
                return false;
            }
        }
        return true;
    }

    /** The value of {@code name}, or null. */
    public String get(String name) {
        return values.get(name);
    }

    /** Every variable in the order sent (for scripts' environment and {@code >CLIENT:ENV}). */
    public Map<String, String> values() {
        return values;
    }

    /** The text as received. */
    public String text() {
        return text;
    }

    /** IV_VER, or null. */
    public String version() {
        return get("IV_VER");
    }

    /** IV_PLAT, or null. */
    public String platform() {
        return get("IV_PLAT");
    }

    /** IV_PROTO as a number, 0 if absent or not a number. */
    public int proto() {
        return number("IV_PROTO");
    }

    /** Whether IV_PROTO has every bit of {@code mask}. */
    public boolean has(int mask) {
        return (proto() & mask) == mask;
    }

    /** IV_NCP, 0 if absent or not a number. */
    public int ncp() {
        return number("IV_NCP");
    }

    /** IV_MTU, 0 if absent or not a number. */
    public int mtu() {
        return number("IV_MTU");
    }

    /** The IV_CIPHERS list, or null if the client sent none (then it is not an IV_CIPHERS client). */
    public List<String> ciphers() {
        String c = get("IV_CIPHERS");
        if (c == null) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (String s : c.split(":")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }

    private int number(String name) {
        String v = get(name);
        if (v == null) {
            return 0;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
