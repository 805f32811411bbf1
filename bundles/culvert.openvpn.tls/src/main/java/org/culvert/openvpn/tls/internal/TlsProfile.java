package org.culvert.openvpn.tls.internal;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.KeyExchangeAlgorithm;
import org.bouncycastle.tls.NamedGroup;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.DHGroup;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;
import org.culvert.openvpn.tls.TlsVersion;

/**
 * The TLS parameters resolved once from the options: protocol versions, cipher suites for TLS 1.2 and
 * 1.3, key-exchange groups and DH parameters, translated from OpenVPN/OpenSSL names to Bouncy Castle
 * code points. Anything that cannot be translated exactly is refused with a {@link BadOption}, since a
 * silently ignored restriction would weaken the configuration. Immutable.
 */
public final class TlsProfile {
    private static final int[] DEFAULT_TLS13 = {
        CipherSuite.TLS_AES_256_GCM_SHA384, CipherSuite.TLS_CHACHA20_POLY1305_SHA256, CipherSuite.TLS_AES_128_GCM_SHA256,
    };
    private static final Map<String, String> OPENSSL_NAMES = new LinkedHashMap<>();
    private static final Map<String, Integer> GROUPS = new HashMap<>();
    private static final Map<String, Integer> IANA_SUITES = new HashMap<>();
    private static final Map<Integer, String> SUITE_NAMES = new HashMap<>();

    static {
        String[][] names = {
            {"ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
            {"ECDHE-RSA-AES256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
            {"DHE-RSA-AES256-GCM-SHA384", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"},
            {"ECDHE-ECDSA-CHACHA20-POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
            {"ECDHE-RSA-CHACHA20-POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
            {"DHE-RSA-CHACHA20-POLY1305", "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
            {"ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
            {"ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
            {"DHE-RSA-AES128-GCM-SHA256", "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"},
            {"ECDHE-ECDSA-AES256-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"},
            {"ECDHE-RSA-AES256-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"},
            {"DHE-RSA-AES256-SHA256", "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256"},
            {"ECDHE-ECDSA-AES128-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"},
            {"ECDHE-RSA-AES128-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"},
            {"DHE-RSA-AES128-SHA256", "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"},
            {"ECDHE-ECDSA-AES256-SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"},
            {"ECDHE-RSA-AES256-SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"},
            {"DHE-RSA-AES256-SHA", "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"},
            {"ECDHE-ECDSA-AES128-SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"},
            {"ECDHE-RSA-AES128-SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"},
            {"DHE-RSA-AES128-SHA", "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"},
        };
        for (String[] n : names) {
            OPENSSL_NAMES.put(n[0], n[1]);
        }
        for (Field f : CipherSuite.class.getFields()) {
            if (f.getType() == int.class && Modifier.isStatic(f.getModifiers()) && f.getName().startsWith("TLS_")) {
                try {
                    int value = f.getInt(null);
                    IANA_SUITES.put(f.getName(), value);
                    SUITE_NAMES.putIfAbsent(value, f.getName());
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        GROUPS.put("x25519", NamedGroup.x25519);
        GROUPS.put("x448", NamedGroup.x448);
        GROUPS.put("secp256r1", NamedGroup.secp256r1);
        GROUPS.put("prime256v1", NamedGroup.secp256r1);
        GROUPS.put("p-256", NamedGroup.secp256r1);
        GROUPS.put("secp384r1", NamedGroup.secp384r1);
        GROUPS.put("p-384", NamedGroup.secp384r1);
        GROUPS.put("secp521r1", NamedGroup.secp521r1);
        GROUPS.put("p-521", NamedGroup.secp521r1);
        GROUPS.put("ffdhe2048", NamedGroup.ffdhe2048);
        GROUPS.put("ffdhe3072", NamedGroup.ffdhe3072);
        GROUPS.put("ffdhe4096", NamedGroup.ffdhe4096);
        GROUPS.put("ffdhe6144", NamedGroup.ffdhe6144);
        GROUPS.put("ffdhe8192", NamedGroup.ffdhe8192);
    }

    private final ProtocolVersion[] versions;
    private final int[] clientSuites;
    private final int[] serverSuites;
    private final int[] groups;
    private final DHGroup dh;
    private final boolean extendedMasterSecret;

    private TlsProfile(ProtocolVersion[] versions, int[] clientSuites, int[] serverSuites, int[] groups, DHGroup dh) {
        this(versions, clientSuites, serverSuites, groups, dh, true);
    }

    private TlsProfile(ProtocolVersion[] versions, int[] clientSuites, int[] serverSuites, int[] groups, DHGroup dh,
            boolean extendedMasterSecret) {
        this.extendedMasterSecret = extendedMasterSecret;
        this.versions = versions;
        this.clientSuites = clientSuites;
        this.serverSuites = serverSuites;
        this.groups = groups;
        this.dh = dh;
    }

    /**
     * A copy that neither offers nor accepts TLS 1.2's extended master secret (RFC 7627), to test
     * against peers whose TLS library lacks it: such a session cannot export keying material.
     */
    public TlsProfile withoutExtendedMasterSecret() {
        return new TlsProfile(versions, clientSuites, serverSuites, groups, dh, false);
    }

    /** Whether TLS 1.2 sessions use the extended master secret (always, outside tests). */
    boolean extendedMasterSecret() {
        return extendedMasterSecret;
    }

    /**
     * @param tlsCipher {@code --tls-cipher} (TLS 1.2 suites, OpenSSL or IANA names, {@code :}-separated), or null
     * @param tlsCiphersuites {@code --tls-ciphersuites} (TLS 1.3), or null
     * @param groupList {@code --tls-groups}, or {@code --ecdh-curve} as a one-element list, or null
     * @param dh explicit {@code --dh} parameters, or null for {@code --dh none} (no DHE suites)
     * @param keyType our private key's type: a TLS 1.2 server can only offer matching suites
     * @param server whether we are the TLS server (whose suite list must not come out empty)
     */
    public static TlsProfile resolve(TlsVersion min, TlsVersion max, String tlsCipher, String tlsCiphersuites,
            String groupList, DHGroup dh, Credentials.KeyType keyType, boolean server) throws BadOption {
        BcTlsCrypto crypto = new BcTlsCrypto(new SecureRandom());
        List<ProtocolVersion> v = new ArrayList<>();
        if (max == TlsVersion.TLS_1_3 && min != null) {
            v.add(ProtocolVersion.TLSv13);
        }
        if (min == TlsVersion.TLS_1_2) {
            v.add(ProtocolVersion.TLSv12);
        }
        if (v.isEmpty()) {
            throw new BadOption("--tls-version-min", false, "--tls-version-min " + min.optionValue()
                    + " is above --tls-version-max " + max.optionValue());
        }
        int[] tls13 = tlsCiphersuites == null ? DEFAULT_TLS13 : parseTls13(tlsCiphersuites);
        int[] tls12 = tlsCipher == null ? defaultTls12() : parseTls12(tlsCipher);
        tls13 = TlsUtils.getSupportedCipherSuites(crypto, tls13);
        tls12 = TlsUtils.getSupportedCipherSuites(crypto, tls12);
        boolean with13 = v.contains(ProtocolVersion.TLSv13);
        boolean with12 = v.contains(ProtocolVersion.TLSv12);
        int[] client = concat(with13 ? tls13 : new int[0], with12 ? tls12 : new int[0]);
        int[] server12 = with12 ? filterForServer(tls12, keyType, dh != null) : new int[0];
        int[] serverList = concat(with13 ? tls13 : new int[0], server12);
        if ((server ? serverList : client).length == 0) {
            throw new BadOption(tlsCipher != null ? "--tls-cipher" : "--tls-ciphersuites", false,
                    "no usable TLS cipher suite remains for the configured TLS versions"
                            + (server ? ", key type and --dh" : ""));
        }
        int[] g = groupList == null ? null : parseGroups(groupList);
        return new TlsProfile(v.toArray(new ProtocolVersion[0]), client, serverList, g, dh);
    }

    /** Highest first. */
    public ProtocolVersion[] versions() {
        return versions.clone();
    }

    public int[] clientSuites() {
        return clientSuites.clone();
    }

    public int[] serverSuites() {
        return serverSuites.clone();
    }

    /** Allowed key-exchange groups in preference order, or null for Bouncy Castle's defaults. */
    public int[] groups() {
        return groups == null ? null : groups.clone();
    }

    /** Explicit DH parameters, or null. */
    public DHGroup dh() {
        return dh;
    }

    /** The IANA name of a cipher suite code point, e.g. {@code TLS_AES_256_GCM_SHA384}. */
    public static String suiteName(int suite) {
        String n = SUITE_NAMES.get(suite);
        return n == null ? String.format(Locale.ROOT, "0x%04x", suite) : n;
    }

    private static int[] defaultTls12() {
        int[] out = new int[OPENSSL_NAMES.size()];
        int i = 0;
        for (String iana : OPENSSL_NAMES.values()) {
            out[i++] = IANA_SUITES.get(iana);
        }
        return out;
    }

    static int[] parseTls12(String list) throws BadOption {
        List<Integer> out = new ArrayList<>();
        for (String raw : list.split(":")) {
            String token = raw.trim();
            if (token.isEmpty()) {
                continue;
            }
            Integer suite;
            if (token.startsWith("TLS-") || token.startsWith("TLS_")) {
                suite = IANA_SUITES.get(token.replace('-', '_'));
            } else {
                String iana = OPENSSL_NAMES.get(token);
                suite = iana == null ? null : IANA_SUITES.get(iana);
            }
            if (suite == null) {
                throw new BadOption("--tls-cipher", true, "'" + printable(token) + "' is not a TLS 1.2 cipher suite"
                        + " Culvert can honour exactly (keywords and !/+/- operators are not supported; list"
                        + " suites such as ECDHE-ECDSA-AES256-GCM-SHA384)");
            }
            int kx = TlsUtils.getKeyExchangeAlgorithm(suite);
            if (kx != KeyExchangeAlgorithm.ECDHE_ECDSA && kx != KeyExchangeAlgorithm.ECDHE_RSA
                    && kx != KeyExchangeAlgorithm.DHE_RSA) {
                throw new BadOption("--tls-cipher", true, "'" + printable(token)
                        + "' lacks forward secrecy or certificate authentication; OpenVPN excludes it too");
            }
            if (!out.contains(suite)) {
                out.add(suite);
            }
        }
        if (out.isEmpty()) {
            throw new BadOption("--tls-cipher", false, "--tls-cipher lists no cipher suite");
        }
        return toArray(out);
    }

    static int[] parseTls13(String list) throws BadOption {
        List<Integer> out = new ArrayList<>();
        for (String raw : list.split(":")) {
            String token = raw.trim().replace('-', '_');
            if (token.isEmpty()) {
                continue;
            }
            Integer suite = IANA_SUITES.get(token);
            // TLS 1.3 suites are exactly the code points 0x1301..0x13ff (RFC 8446 appendix B.4).
            if (suite == null || (suite & 0xFF00) != 0x1300) {
                throw new BadOption("--tls-ciphersuites", true, "'" + printable(raw.trim())
                        + "' is not a TLS 1.3 cipher suite Culvert supports");
            }
            if (!out.contains(suite)) {
                out.add(suite);
            }
        }
        if (out.isEmpty()) {
            throw new BadOption("--tls-ciphersuites", false, "--tls-ciphersuites lists no cipher suite");
        }
        return toArray(out);
    }

    /** @param list {@code :}-separated group names */
    public static int[] parseGroups(String list) throws BadOption {
        List<Integer> out = new ArrayList<>();
        for (String raw : list.split(":")) {
            String token = raw.trim();
            if (token.isEmpty()) {
                continue;
            }
            Integer g = GROUPS.get(token.toLowerCase(Locale.ROOT));
            if (g == null) {
                throw new BadOption("--tls-groups", true, "unknown or unsupported TLS group '" + printable(token) + "'");
            }
            if (!out.contains(g)) {
                out.add(g);
            }
        }
        if (out.isEmpty()) {
            throw new BadOption("--tls-groups", false, "--tls-groups lists no group");
        }
        return toArray(out);
    }

    private static int[] filterForServer(int[] suites, Credentials.KeyType keyType, boolean haveDh) {
        List<Integer> out = new ArrayList<>();
        for (int s : suites) {
            int kx = TlsUtils.getKeyExchangeAlgorithm(s);
            boolean ok;
            if (keyType == Credentials.KeyType.RSA) {
                ok = kx == KeyExchangeAlgorithm.ECDHE_RSA || (kx == KeyExchangeAlgorithm.DHE_RSA && haveDh);
            } else {
                ok = kx == KeyExchangeAlgorithm.ECDHE_ECDSA;
            }
            if (ok) {
                out.add(s);
            }
        }
        return toArray(out);
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = new int[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static int[] toArray(List<Integer> list) {
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = list.get(i);
        }
        return out;
    }

    private static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && i < 80; i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return sb.toString();
    }
}
