package org.culvert.link.tcp;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code Proxy-Authorization: Digest} answer OpenVPN's {@code httpdigest.c} gives (RFC 2617, MD5
 * or MD5-sess, {@code qop=auth}, {@code nc=00000001}, {@code uri} = {@code host:port}), and the
 * parsing of a {@code Proxy-Authenticate: Digest} challenge's {@code key=value} pairs.
 */
final class HttpDigest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_PAIRS = 32;

    private HttpDigest() {
    }

    /** The challenge's parameters (after "Digest "): quoted or bare values, comma separated; keys lower case. */
    static Map<String, String> parameters(String challenge) {
        Map<String, String> out = new HashMap<>();
        String s = challenge.trim();
        if (s.regionMatches(true, 0, "Digest", 0, 6)) {
            s = s.substring(6);
        }
        int i = 0;
        while (i < s.length() && out.size() < MAX_PAIRS) {
            while (i < s.length() && (s.charAt(i) == ',' || Character.isWhitespace(s.charAt(i)))) {
                i++;
            }
            int eq = s.indexOf('=', i);
            if (eq < 0) {
                break;
            }
            String key = s.substring(i, eq).trim().toLowerCase(Locale.ROOT);
            i = eq + 1;
            StringBuilder v = new StringBuilder();
            if (i < s.length() && s.charAt(i) == '"') {
                i++;
                while (i < s.length() && s.charAt(i) != '"') {
                    if (s.charAt(i) == '\\' && i + 1 < s.length()) {
                        i++;
                    }
                    v.append(s.charAt(i++));
                }
                i++;
            } else {
                while (i < s.length() && s.charAt(i) != ',') {
                    v.append(s.charAt(i++));
                }
            }
            out.putIfAbsent(key, v.toString().trim());
        }
        return out;
    }

    /**
     * The header value (after "Proxy-Authorization: "), as bytes; null when the challenge lacks
     * realm or nonce. The password is read from {@code password} and not kept.
     */
    static byte[] authorization(Map<String, String> challenge, String username, char[] password, String uri) {
        String realm = challenge.get("realm");
        String nonce = challenge.get("nonce");
        if (realm == null || nonce == null) {
            return null;
        }
        String algorithm = challenge.getOrDefault("algorithm", "MD5");
        byte[] raw = new byte[8];
        RANDOM.nextBytes(raw);
        String cnonce = Base64.getEncoder().encodeToString(raw);
        String nc = "00000001";
        String qop = "auth";
        String ha1 = ha1(algorithm, username, realm, password, nonce, cnonce);
        String ha2 = hex(md5(("CONNECT:" + uri).getBytes(StandardCharsets.ISO_8859_1)));
        String response = hex(md5((ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":" + qop + ":" + ha2).getBytes(StandardCharsets.ISO_8859_1)));
        String opaque = challenge.get("opaque");
        String header = "Digest username=\"" + username + "\", realm=\"" + realm + "\", nonce=\"" + nonce + "\", uri=\"" + uri
                + "\", qop=" + qop + ", nc=" + nc + ", cnonce=\"" + cnonce + "\", response=\"" + response + "\""
                + (opaque == null ? "" : ", opaque=\"" + opaque + "\"");
        return header.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** H(user:realm:password), or for MD5-sess H(H(user:realm:password):nonce:cnonce), without a String of the password. */
    static String ha1(String algorithm, String username, String realm, char[] password, String nonce, String cnonce) {
        byte[] prefix = (username + ":" + realm + ":").getBytes(StandardCharsets.UTF_8);
        ByteBuffer pass = StandardCharsets.UTF_8.encode(CharBuffer.wrap(password));
        byte[] secret = new byte[prefix.length + pass.remaining()];
        System.arraycopy(prefix, 0, secret, 0, prefix.length);
        pass.get(secret, prefix.length, pass.remaining());
        pass.clear();
        while (pass.hasRemaining()) {
            pass.put((byte) 0);
        }
        byte[] h = md5(secret);
        Arrays.fill(secret, (byte) 0);
        if (algorithm.equalsIgnoreCase("MD5-sess")) {
            return hex(md5((hex(h) + ":" + nonce + ":" + cnonce).getBytes(StandardCharsets.ISO_8859_1)));
        }
        return hex(h);
    }

    static byte[] md5(byte[] in) {
        try {
            return MessageDigest.getInstance("MD5").digest(in);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is part of every Java platform", e);
        }
    }

    static String hex(byte[] b) {
        StringBuilder s = new StringBuilder(b.length * 2);
        for (byte x : b) {
            s.append(Character.forDigit((x >> 4) & 0xF, 16)).append(Character.forDigit(x & 0xF, 16));
        }
        return s.toString();
    }
}
