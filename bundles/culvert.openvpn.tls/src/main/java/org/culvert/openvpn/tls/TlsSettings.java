package org.culvert.openvpn.tls;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.culvert.openvpn.config.Compression;
import org.culvert.openvpn.config.FileContent;
import org.culvert.openvpn.config.Proto;
import org.culvert.openvpn.crypto.AuthAlgorithm;
import org.culvert.openvpn.crypto.KeyDirection;
import org.culvert.openvpn.crypto.ReplayWindow;
import org.culvert.openvpn.tls.internal.BadOption;
import org.culvert.openvpn.tls.internal.Bytes;
import org.culvert.openvpn.tls.internal.Credentials;
import org.culvert.openvpn.tls.internal.TlsProfile;

/**
 * Everything a {@link TlsSession} needs, as already-parsed OpenVPN option values: role, certificates
 * and keys as PEM text (from files or inline blocks), peer verification, TLS restrictions, control
 * channel wrapping, data-channel cipher negotiation, renegotiation and timers.
 *
 * <p>Immutable and thread-safe; built with {@link #builder(TlsRole)}. Defaults are OpenVPN 2.6's.
 * {@link #validate()} checks the combination and parses the PEM material; it refuses anything the
 * engine cannot honour exactly, naming the option. {@link #toString()} never shows keys.
 */
public final class TlsSettings {
    /** OpenVPN 2.6's default {@code --data-ciphers}. */
    public static final List<String> DEFAULT_DATA_CIPHERS = List.of("AES-256-GCM", "AES-128-GCM", "CHACHA20-POLY1305");

    private final TlsRole role;
    private final String ca;
    private final String cert;
    /** The private key's PEM text as characters, never a String; {@link #wipe()} overwrites it. */
    private final char[] key;
    private final List<byte[]> peerFingerprints;
    private final String verifyX509Name;
    private final X509NameType verifyX509Type;
    private final RemoteCertTls remoteCertTls;
    private final PeerChecks peerChecks;
    /** {@code --pkcs12} DER, {@code --askpass} password, {@code --extra-certs}: see {@link Builder#pkcs12}. */
    private final byte[] pkcs12;
    private final char[] keyPassword;
    private final String extraCerts;
    /** tls-crypt-v2 client key: Kc and WKc, or null. */
    private final byte[] tlsCryptV2Kc;
    private final byte[] tlsCryptV2Wkc;
    private final byte[] tlsCryptV2ServerKey;
    private final boolean forceCookie;
    private final TlsVersion tlsVersionMin;
    private final TlsVersion tlsVersionMax;
    private final String tlsCipher;
    private final String tlsCiphersuites;
    private final String tlsGroups;
    private final String ecdhCurve;
    private final boolean dhNone;
    private final String dh;
    private final byte[] tlsAuthKey;
    private final KeyDirection tlsAuthDirection;
    private final byte[] tlsCryptKey;
    private final AuthAlgorithm auth;
    private final List<String> dataCiphers;
    private final String dataCiphersFallback;
    private final int renegSeconds;
    private final long renegBytes;
    private final long renegPackets;
    private final int handWindow;
    private final int tlsTimeout;
    private final int tranWindow;
    private final int ping;
    private final int pingRestart;
    private final int pingExit;
    private final int inactive;
    private final long inactiveBytes;
    private final int explicitExitNotify;
    private final ReplayWindow.Settings replayWindow;
    private final Compression compression;
    private final Proto proto;
    private final boolean peerKnown;
    private final boolean pull;
    private final boolean serverMode;
    /** Server mode: the form {@link #resolveForSession} made once; guarded by this, dropped by {@link #wipe()}. */
    private Resolved serverResolved;
    private final VerifyClientCert verifyClientCert;
    private final boolean pushPeerInfo;
    private final OccOptions occ;
    private final int maxPacketSize;
    private final int ivProto;
    private final boolean extendedMasterSecret;
    private final boolean announceKeyExportAlways;

    private TlsSettings(Builder b) {
        role = b.role;
        ca = b.ca;
        cert = b.cert;
        key = b.key == null ? null : b.key.clone();
        List<byte[]> fps = new ArrayList<>();
        for (byte[] fp : b.peerFingerprints) {
            fps.add(fp.clone());
        }
        peerFingerprints = Collections.unmodifiableList(fps);
        verifyX509Name = b.verifyX509Name;
        verifyX509Type = b.verifyX509Type;
        remoteCertTls = b.remoteCertTls;
        peerChecks = b.peerChecks;
        pkcs12 = b.pkcs12 == null ? null : b.pkcs12.clone();
        keyPassword = b.keyPassword == null ? null : b.keyPassword.clone();
        extraCerts = b.extraCerts;
        tlsCryptV2Kc = b.tlsCryptV2Kc == null ? null : b.tlsCryptV2Kc.clone();
        tlsCryptV2Wkc = b.tlsCryptV2Wkc == null ? null : b.tlsCryptV2Wkc.clone();
        tlsCryptV2ServerKey = b.tlsCryptV2ServerKey == null ? null : b.tlsCryptV2ServerKey.clone();
        forceCookie = b.forceCookie;
        tlsVersionMin = b.tlsVersionMin;
        tlsVersionMax = b.tlsVersionMax;
        tlsCipher = b.tlsCipher;
        tlsCiphersuites = b.tlsCiphersuites;
        tlsGroups = b.tlsGroups;
        ecdhCurve = b.ecdhCurve;
        dhNone = b.dhNone;
        dh = b.dh;
        tlsAuthKey = b.tlsAuthKey == null ? null : b.tlsAuthKey.clone();
        tlsAuthDirection = b.tlsAuthDirection;
        tlsCryptKey = b.tlsCryptKey == null ? null : b.tlsCryptKey.clone();
        auth = b.auth;
        dataCiphers = List.copyOf(b.dataCiphers);
        dataCiphersFallback = b.dataCiphersFallback;
        renegSeconds = b.renegSeconds;
        renegBytes = b.renegBytes;
        renegPackets = b.renegPackets;
        handWindow = b.handWindow;
        tlsTimeout = b.tlsTimeout;
        tranWindow = b.tranWindow;
        ping = b.ping;
        pingRestart = b.pingRestart;
        pingExit = b.pingExit;
        inactive = b.inactive;
        inactiveBytes = b.inactiveBytes;
        explicitExitNotify = b.explicitExitNotify;
        replayWindow = b.replayWindow;
        compression = b.compression;
        proto = b.proto;
        peerKnown = b.peerKnown;
        pull = b.pull;
        serverMode = b.serverMode && b.role == TlsRole.SERVER;
        verifyClientCert = b.role == TlsRole.SERVER ? b.verifyClientCert : VerifyClientCert.REQUIRE;
        pushPeerInfo = b.pushPeerInfo;
        occ = b.occ;
        maxPacketSize = b.maxPacketSize;
        ivProto = b.ivProto;
        extendedMasterSecret = b.extendedMasterSecret;
        announceKeyExportAlways = b.announceKeyExportAlways;
    }

    /** A builder with OpenVPN 2.6's defaults for the given role. */
    public static Builder builder(TlsRole role) {
        return new Builder(role);
    }

    /**
     * Checks the settings as a whole and parses the PEM material, as OpenVPN does at startup.
     *
     * @throws TlsConfigException naming the first option that is missing, invalid, contradictory or
     *         not supported by Culvert
     */
    public void validate() throws TlsConfigException {
        resolve().credentials().close();
    }

    /**
     * Overwrites the private key's text and the tls-auth/tls-crypt key held here; idempotent. For the
     * owner that drops these settings for good: sessions built afterwards fail to load the key.
     *
     * @since tls 1.1
     */
    public void wipe() {
        Resolved cached;
        synchronized (this) {
            cached = serverResolved;
            serverResolved = null;
        }
        if (cached != null) {
            cached.credentials().close();
        }
        if (key != null) {
            Arrays.fill(key, '\0');
        }
        if (pkcs12 != null) {
            Arrays.fill(pkcs12, (byte) 0);
        }
        if (keyPassword != null) {
            Arrays.fill(keyPassword, '\0');
        }
        if (tlsCryptV2ServerKey != null) {
            Arrays.fill(tlsCryptV2ServerKey, (byte) 0);
        }
        if (tlsCryptV2Kc != null) {
            Arrays.fill(tlsCryptV2Kc, (byte) 0);
        }
        if (tlsAuthKey != null) {
            Arrays.fill(tlsAuthKey, (byte) 0);
        }
        if (tlsCryptKey != null) {
            Arrays.fill(tlsCryptKey, (byte) 0);
        }
    }

    /**
     * What {@link TlsSession} runs on. In server mode the parsed and checked form is made once and each
     * session gets its own handle on it: parsing the PEM, proving the key with a signature and testing
     * {@code --dh}'s prime per client would cost every new client public-key work on the server's link
     * thread (OpenVPN, too, loads its credentials once). The settings are immutable, so the form is too.
     */
    Resolved resolveForSession() throws TlsConfigException {
        if (!serverMode) {
            return resolve();
        }
        synchronized (this) {
            if (serverResolved == null) {
                serverResolved = resolve();
            }
            Resolved r = serverResolved;
            return new Resolved(this, r.credentials().share(), r.profile(), r.dataCiphers(), r.fallback());
        }
    }

    /** The parsed and cross-checked form, made afresh. */
    Resolved resolve() throws TlsConfigException {
        if (cert == null && pkcs12 == null) {
            throw new TlsConfigException("--cert", TlsConfigException.Reason.MISSING, "a certificate is required");
        }
        if (key == null && pkcs12 == null) {
            throw new TlsConfigException("--key", TlsConfigException.Reason.MISSING, "a private key is required");
        }
        if (tlsCryptV2Kc != null && (tlsAuthKey != null || tlsCryptKey != null)) {
            throw new TlsConfigException("--tls-crypt-v2", TlsConfigException.Reason.CONFLICT,
                    "--tls-crypt-v2, --tls-auth and --tls-crypt are mutually exclusive in client mode");
        }
        if (tlsCryptV2ServerKey != null && (role != TlsRole.SERVER || tlsAuthKey != null || tlsCryptKey != null)) {
            throw new TlsConfigException("--tls-crypt-v2", TlsConfigException.Reason.CONFLICT, role != TlsRole.SERVER
                    ? "a tls-crypt-v2 server key is a tls-server's" : "--tls-crypt-v2, --tls-auth and --tls-crypt are"
                    + " mutually exclusive");
        }
        if (tlsCryptV2Kc != null && role == TlsRole.SERVER) {
            throw new TlsConfigException("--tls-crypt-v2", TlsConfigException.Reason.UNSUPPORTED,
                    "a tls-server unwraps its clients' keys with the tls-crypt-v2 server key (openvpn --genkey"
                    + " tls-crypt-v2-server), not with a client key");
        }
        if (ca == null && peerFingerprints.isEmpty() && pkcs12 == null) {
            throw new TlsConfigException("--ca", TlsConfigException.Reason.MISSING,
                    "the peer cannot be verified: set --ca or --peer-fingerprint");
        }
        if (role == TlsRole.SERVER && !dhNone && dh == null) {
            throw new TlsConfigException("--dh", TlsConfigException.Reason.MISSING,
                    "a tls-server needs --dh with a DH parameter file or 'none'");
        }
        if (tlsAuthKey != null && tlsCryptKey != null) {
            throw new TlsConfigException("--tls-crypt", TlsConfigException.Reason.CONFLICT,
                    "--tls-auth and --tls-crypt are mutually exclusive");
        }
        if (tlsAuthKey != null) {
            checkKeyFile("--tls-auth", tlsAuthKey, tlsAuthDirection.requiredKeys());
            if (auth == AuthAlgorithm.NONE) {
                throw new TlsConfigException("--auth", TlsConfigException.Reason.CONFLICT,
                        "--tls-auth needs an HMAC digest; --auth none is not possible");
            }
        }
        if (tlsCryptKey != null) {
            checkKeyFile("--tls-crypt", tlsCryptKey, 2);
        }
        List<DataCipher> ciphers = new ArrayList<>();
        for (String name : dataCiphers) {
            boolean optional = name.startsWith("?");
            String bare = optional ? name.substring(1) : name;
            DataCipher c = DataCipher.lookup(bare);
            if (c == null) {
                if (optional) {
                    continue;
                }
                throw new TlsConfigException("--data-ciphers", TlsConfigException.Reason.UNSUPPORTED, "cipher '"
                        + printable(bare) + "' is not supported (Culvert offers AES-256-GCM, AES-128-GCM,"
                        + " CHACHA20-POLY1305, AES-256-CBC, AES-128-CBC; prefix optional ones with '?')");
            }
            if (!ciphers.contains(c)) {
                ciphers.add(c);
            }
        }
        if (ciphers.isEmpty()) {
            throw new TlsConfigException("--data-ciphers", TlsConfigException.Reason.INVALID,
                    "no usable cipher in --data-ciphers");
        }
        DataCipher fallback = null;
        if (dataCiphersFallback != null) {
            fallback = DataCipher.lookup(dataCiphersFallback);
            if (fallback == null) {
                throw new TlsConfigException("--data-ciphers-fallback", TlsConfigException.Reason.UNSUPPORTED,
                        "cipher '" + printable(dataCiphersFallback) + "' is not supported");
            }
        }
        boolean cbc = (fallback != null && !fallback.isAead());
        for (DataCipher c : ciphers) {
            cbc |= !c.isAead();
        }
        if (cbc && auth == AuthAlgorithm.NONE) {
            throw new TlsConfigException("--auth", TlsConfigException.Reason.CONFLICT,
                    "CBC data ciphers need an HMAC digest; --auth none is not possible with them");
        }
        if (handWindow <= 0 || tlsTimeout <= 0 || tranWindow <= 0) {
            throw new TlsConfigException("--hand-window", TlsConfigException.Reason.INVALID,
                    "--hand-window, --tls-timeout and --tran-window must be positive");
        }
        if (maxPacketSize < 154 || maxPacketSize > 2048) {
            throw new TlsConfigException("--max-packet-size", TlsConfigException.Reason.INVALID,
                    "the control packet size must be 154..2048");
        }
        try {
            if (peerChecks.crlPem() != null) {
                org.culvert.openvpn.tls.internal.PeerVerifier.checkCrl(peerChecks.crlPem());
            }
            Credentials credentials = Credentials.load(new Credentials.Identity(cert, key, pkcs12, keyPassword,
                    extraCerts), ca);
            org.bouncycastle.tls.crypto.DHGroup group = (role == TlsRole.SERVER && dh != null)
                    ? Credentials.dhParameters(dh) : null;
            String groups = tlsGroups != null ? tlsGroups : ecdhCurve;
            TlsProfile profile;
            try {
                profile = TlsProfile.resolve(tlsVersionMin, tlsVersionMax, tlsCipher, tlsCiphersuites, groups, group,
                        credentials.keyType(), role == TlsRole.SERVER);
            } catch (BadOption e) {
                if (e.option().equals("--tls-groups") && tlsGroups == null) {
                    throw new BadOption("--ecdh-curve", e.unsupported(), e.getMessage());
                }
                throw e;
            }
            if (!extendedMasterSecret) {
                profile = profile.withoutExtendedMasterSecret();
            }
            return new Resolved(this, credentials, profile, List.copyOf(ciphers), fallback);
        } catch (BadOption e) {
            throw new TlsConfigException(e.option(), e.unsupported() ? TlsConfigException.Reason.UNSUPPORTED
                    : TlsConfigException.Reason.INVALID, e.getMessage());
        }
    }

    /** The validated form: parsed credentials and TLS profile plus the offered data ciphers. */
    record Resolved(TlsSettings settings, Credentials credentials, TlsProfile profile, List<DataCipher> dataCiphers,
            DataCipher fallback) {
    }

    private static void checkKeyFile(String option, byte[] material, int keysNeeded) throws TlsConfigException {
        if (material.length != 128 && material.length != 256) {
            throw new TlsConfigException(option, TlsConfigException.Reason.INVALID,
                    "the key must be 128 or 256 bytes of OpenVPN static key material");
        }
        if (material.length < keysNeeded * 128) {
            throw new TlsConfigException(option, TlsConfigException.Reason.INVALID,
                    "the key file holds one key, but this use needs two; generate it with 'openvpn --genkey'");
        }
    }

    /** The OCC options string this side sends in key method 2 (OpenVPN 2.6's format). */
    public String localOptionsString() {
        return occString(false);
    }

    /** The options string a matching peer sends. */
    public String expectedRemoteOptionsString() {
        return occString(true);
    }

    private String occString(boolean remote) {
        StringBuilder sb = new StringBuilder("V4");
        sb.append(",dev-type ").append(occ.devType());
        sb.append(",link-mtu ").append(occ.linkMtu() != 0 ? occ.linkMtu() : occLinkMtu());
        sb.append(",tun-mtu ").append(occ.tunMtu());
        sb.append(",proto ").append(proto.occName(remote));
        if (occ.tunIpv6()) {
            sb.append(",tun-ipv6");
        }
        String ifconfig = remote ? occ.ifconfigRemote() : occ.ifconfigLocal();
        if (ifconfig != null) {
            sb.append(",ifconfig ").append(ifconfig);
        }
        if (compression.contextConfigured()) {
            sb.append(",comp-lzo");
        }
        if (tlsAuthKey != null && tlsAuthDirection.digit() != null) {
            sb.append(",keydir ").append((remote ? tlsAuthDirection.opposite() : tlsAuthDirection).digit());
        }
        DataCipher fb = DataCipher.lookup(dataCiphersFallback);
        sb.append(",cipher ").append(fb == null ? "BF-CBC" : fb.openVpnName());
        sb.append(",auth ").append(fb != null && fb.isAead() ? "[null-digest]" : auth.occName());
        sb.append(",keysize ").append(fb == null ? 128 : fb.keyLength() * 8);
        if (tlsAuthKey != null) {
            sb.append(",tls-auth");
        }
        sb.append(",key-method 2");
        sb.append(',').append((remote ? (role == TlsRole.CLIENT ? TlsRole.SERVER : TlsRole.CLIENT) : role).occName());
        return sb.toString();
    }

    /** OpenVPN's legacy link-mtu for the OCC cipher (the fallback, or BF-CBC when there is none). */
    private int occLinkMtu() {
        DataCipher fb = DataCipher.lookup(dataCiphersFallback);
        int overhead;
        if (fb == null) {
            overhead = 1 + 8 + 8 + auth.digestLength() + 4;
        } else if (!fb.isAead()) {
            overhead = 1 + 16 + 16 + auth.digestLength() + 4;
        } else {
            overhead = 1 + 4 + 16 + 12 + (fb == DataCipher.CHACHA20_POLY1305 ? 1 : 16);
        }
        return occ.tunMtu() + overhead + compression.mtuOverhead() + (proto.isTcp() ? 2 : 0);
    }

    public TlsRole role() {
        return role;
    }

    /** {@code --ca} PEM, or null. */
    public String ca() {
        return ca;
    }

    /** {@code --cert} PEM. */
    public String cert() {
        return cert;
    }

    /** True if a private key is configured (the key itself is not exposed). */
    public boolean hasKey() {
        return key != null;
    }


    /** Copies of the {@code --peer-fingerprint} SHA-256 values. */
    public List<byte[]> peerFingerprints() {
        List<byte[]> out = new ArrayList<>();
        for (byte[] fp : peerFingerprints) {
            out.add(fp.clone());
        }
        return out;
    }

    public String verifyX509Name() {
        return verifyX509Name;
    }

    public X509NameType verifyX509Type() {
        return verifyX509Type;
    }

    public RemoteCertTls remoteCertTls() {
        return remoteCertTls;
    }

    /** @since tls 2.1 */
    public PeerChecks peerChecks() {
        return peerChecks;
    }

    /** A tls-crypt-v2 client key is configured. @since tls 2.1 */
    public boolean hasTlsCryptV2() {
        return tlsCryptV2Kc != null;
    }

    /** Kc, the tls-crypt key of a tls-crypt-v2 client key (the settings' own array), or null. */
    byte[] tlsCryptV2Kc() {
        return tlsCryptV2Kc;
    }

    /** The wrapped client key sent to the server as is (not secret without the server key), or null. */
    /**
     * A tls-crypt-v2 server key is set (a {@code mode server} tls-server unwraps each client's key).
     *
     * @since 2.2
     */
    public boolean hasTlsCryptV2Server() {
        return tlsCryptV2ServerKey != null;
    }

    /** The tls-crypt-v2 server key (128 bytes), or null. */
    byte[] tlsCryptV2ServerKey() {
        return tlsCryptV2ServerKey;
    }

    /**
     * {@code --tls-crypt-v2 key force-cookie}: a client that does not do the early-negotiation cookie
     * handshake is refused (the default {@code allow-noncookie} lets OpenVPN 2.5 clients create state
     * at once; Culvert does not support that yet, so both drop them).
     *
     * @since 2.2
     */
    public boolean forceCookie() {
        return forceCookie;
    }

    byte[] tlsCryptV2Wkc() {
        return tlsCryptV2Wkc;
    }

    public TlsVersion tlsVersionMin() {
        return tlsVersionMin;
    }

    public TlsVersion tlsVersionMax() {
        return tlsVersionMax;
    }

    public String tlsCipher() {
        return tlsCipher;
    }

    public String tlsCiphersuites() {
        return tlsCiphersuites;
    }

    public String tlsGroups() {
        return tlsGroups;
    }

    public String ecdhCurve() {
        return ecdhCurve;
    }

    /** True for {@code --dh none}. */
    public boolean dhNone() {
        return dhNone;
    }

    /** {@code --dh} PEM, or null. */
    public String dh() {
        return dh;
    }

    public boolean hasTlsAuth() {
        return tlsAuthKey != null;
    }

    public KeyDirection tlsAuthDirection() {
        return tlsAuthDirection;
    }

    public boolean hasTlsCrypt() {
        return tlsCryptKey != null;
    }

    /** The tls-auth key material (a copy; the caller wipes it), or null. */
    public byte[] tlsAuthKey() {
        return tlsAuthKey == null ? null : tlsAuthKey.clone();
    }

    /** The tls-crypt key material (a copy; the caller wipes it), or null. */
    public byte[] tlsCryptKey() {
        return tlsCryptKey == null ? null : tlsCryptKey.clone();
    }

    public AuthAlgorithm auth() {
        return auth;
    }

    public List<String> dataCiphers() {
        return dataCiphers;
    }

    public String dataCiphersFallback() {
        return dataCiphersFallback;
    }

    public int renegSeconds() {
        return renegSeconds;
    }

    public long renegBytes() {
        return renegBytes;
    }

    public long renegPackets() {
        return renegPackets;
    }

    public int handWindow() {
        return handWindow;
    }

    public int tlsTimeout() {
        return tlsTimeout;
    }

    public int tranWindow() {
        return tranWindow;
    }

    public int ping() {
        return ping;
    }

    public int pingRestart() {
        return pingRestart;
    }

    public int pingExit() {
        return pingExit;
    }

    public int inactive() {
        return inactive;
    }

    public long inactiveBytes() {
        return inactiveBytes;
    }

    public int explicitExitNotify() {
        return explicitExitNotify;
    }

    public ReplayWindow.Settings replayWindow() {
        return replayWindow;
    }

    public Compression compression() {
        return compression;
    }

    public Proto proto() {
        return proto;
    }

    public OccOptions occ() {
        return occ;
    }

    public int maxPacketSize() {
        return maxPacketSize;
    }

    /** True when the configuration names the peer ({@code --remote}); see {@link Builder#peerKnown}. */
    public boolean peerKnown() {
        return peerKnown;
    }

    /**
     * Pull mode ({@code --client}): the client announces itself with a 2.6 pull client's IV_ variables,
     * asks for the server's options with PUSH_REQUEST, and keys the data channel only once it has them.
     */
    public boolean pull() {
        return pull;
    }

    /**
     * {@code mode server}, a tls-server only: each session serves one client of a multi-client server.
     * Key 0's data keys wait for the caller's decision ({@link TlsSession#acceptClient}), the client's
     * PUSH_REQUEST is answered with the caller's PUSH_REPLY, and the server's key-method-2 message
     * carries no peer info.
     *
     * @since 2.2
     */
    public boolean serverMode() {
        return serverMode;
    }

    /**
     * A tls-server's {@code --verify-client-cert}: whether it asks for and requires the client's
     * certificate (REQUIRE, the default; always REQUIRE for a tls-client).
     *
     * @since 2.2
     */
    public VerifyClientCert verifyClientCert() {
        return verifyClientCert;
    }

    /** {@code --push-peer-info}: a pull client also sends IV_SSL and IV_PLAT_VER. */
    public boolean pushPeerInfo() {
        return pushPeerInfo;
    }

    /** The IV_PROTO bits announced in key method 2. */
    boolean announceKeyExportAlways() {
        return announceKeyExportAlways;
    }

    int ivProto() {
        return ivProto;
    }

    @Override
    public String toString() {
        return "TlsSettings[" + role.occName() + ", ca=" + (ca != null) + ", fingerprints=" + peerFingerprints.size()
                + ", wrap=" + (tlsAuthKey != null ? "tls-auth" : tlsCryptKey != null ? "tls-crypt" : "none")
                + ", data-ciphers=" + String.join(":", dataCiphers) + "]";
    }

    private static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && i < 64; i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return sb.toString();
    }

    /**
     * Collects option values. Setters take values as the config parser produced them; those that
     * parse text (fingerprints, version, cipher lists) throw {@link IllegalArgumentException} for text
     * that is not even syntactically valid. Not thread-safe.
     */
    public static final class Builder {
        private final TlsRole role;
        private String ca;
        private String cert;
        private char[] key;
        private final List<byte[]> peerFingerprints = new ArrayList<>();
        private String verifyX509Name;
        private X509NameType verifyX509Type = X509NameType.SUBJECT;
        private RemoteCertTls remoteCertTls;
        private PeerChecks peerChecks = PeerChecks.NONE;
        private byte[] pkcs12;
        private char[] keyPassword;
        private String extraCerts;
        private byte[] tlsCryptV2Kc;
        private byte[] tlsCryptV2Wkc;
        private byte[] tlsCryptV2ServerKey;
        private boolean forceCookie;
        private TlsVersion tlsVersionMin = TlsVersion.TLS_1_2;
        private TlsVersion tlsVersionMax = TlsVersion.TLS_1_3;
        private String tlsCipher;
        private String tlsCiphersuites;
        private String tlsGroups;
        private String ecdhCurve;
        private boolean dhNone;
        private String dh;
        private byte[] tlsAuthKey;
        private KeyDirection tlsAuthDirection = KeyDirection.BIDIRECTIONAL;
        private byte[] tlsCryptKey;
        private AuthAlgorithm auth = AuthAlgorithm.SHA1;
        private List<String> dataCiphers = DEFAULT_DATA_CIPHERS;
        private String dataCiphersFallback;
        private int renegSeconds = 3600;
        private long renegBytes = -1;
        private long renegPackets;
        private int handWindow = 60;
        private int tlsTimeout = 2;
        private int tranWindow = 3600;
        private int ping;
        private int pingRestart;
        private int pingExit;
        private int inactive;
        private long inactiveBytes;
        private int explicitExitNotify;
        private ReplayWindow.Settings replayWindow = ReplayWindow.Settings.DEFAULT;
        private Compression compression = Compression.NONE;
        private Proto proto = Proto.UDP;
        private boolean peerKnown;
        private boolean pull;
        private boolean serverMode;
        private VerifyClientCert verifyClientCert = VerifyClientCert.REQUIRE;
        private boolean pushPeerInfo;
        private OccOptions occ = OccOptions.DEFAULT;
        private int maxPacketSize = 1250;
        private int ivProto = org.culvert.openvpn.tls.internal.SessionConfig.IV_PROTO;
        private boolean extendedMasterSecret = true;
        private boolean announceKeyExportAlways;

        private Builder(TlsRole role) {
            this.role = Objects.requireNonNull(role, "role");
        }

        /** {@code --ca}: PEM text of one or more CA certificates. */
        public Builder ca(String pem) {
            this.ca = pem;
            return this;
        }

        /** {@code --cert}: PEM text, our certificate first, optionally followed by intermediates. */
        public Builder cert(String pem) {
            this.cert = pem;
            return this;
        }

        /** {@code --key}: PEM text of the unencrypted private key (PKCS#8, PKCS#1 or SEC1). */
        public Builder key(String pem) {
            wipeKey();
            this.key = pem == null ? null : pem.toCharArray();
            return this;
        }

        /**
         * {@code --key} as characters, so that no String copy of the key's text is made; the array is
         * copied (the caller wipes its own), and {@link TlsSettings#wipe()} overwrites the copy.
         *
         * @since tls 1.1
         */
        public Builder key(char[] pem) {
            wipeKey();
            this.key = pem == null ? null : pem.clone();
            return this;
        }

        private void wipeKey() {
            if (key != null) {
                Arrays.fill(key, '\0');
            }
        }

        /**
         * {@code --peer-fingerprint}: one or more SHA-256 fingerprints ({@code AB:CD:..}), separated by
         * newlines or {@code ;} as in an inline block; may be called repeatedly.
         *
         * @throws IllegalArgumentException if an entry is not 32 hex bytes
         */
        public Builder peerFingerprint(String text) {
            for (String line : text.split("[\\n;]")) {
                String t = line.trim();
                if (t.isEmpty() || t.startsWith("#")) {
                    continue;
                }
                byte[] fp;
                try {
                    fp = Bytes.parseHex(t);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--peer-fingerprint: format error in hash fingerprint", e);
                }
                if (fp.length != 32) {
                    throw new IllegalArgumentException("--peer-fingerprint: expected 32 bytes, got " + fp.length);
                }
                peerFingerprints.add(fp);
            }
            return this;
        }

        /** {@code --verify-x509-name name [subject|name|name-prefix]}. */
        public Builder verifyX509Name(String name, X509NameType type) {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("--verify-x509-name needs a name");
            }
            this.verifyX509Name = name;
            this.verifyX509Type = Objects.requireNonNull(type, "type");
            return this;
        }

        /** {@code --remote-cert-ku}, {@code --remote-cert-eku}, {@code --crl-verify}. @since tls 2.1 */
        public Builder peerChecks(PeerChecks value) {
            this.peerChecks = Objects.requireNonNull(value, "value");
            return this;
        }

        /**
         * {@code --pkcs12}: our certificate, key and (without {@link #ca}) CAs from a PKCS#12 bundle,
         * instead of {@link #cert} and {@link #key}. Copied; {@link TlsSettings#wipe()} overwrites the copy.
         *
         * @since tls 2.1
         */
        public Builder pkcs12(byte[] der) {
            if (pkcs12 != null) {
                Arrays.fill(pkcs12, (byte) 0);
            }
            this.pkcs12 = der == null ? null : der.clone();
            return this;
        }

        /**
         * The {@code --askpass} password for an encrypted {@link #key} or the {@link #pkcs12} bundle.
         * Copied (the caller wipes its own); {@link TlsSettings#wipe()} overwrites the copy.
         *
         * @since tls 2.1
         */
        public Builder keyPassword(char[] password) {
            if (keyPassword != null) {
                Arrays.fill(keyPassword, '\0');
            }
            this.keyPassword = password == null ? null : password.clone();
            return this;
        }

        /**
         * {@code --tls-crypt-v2}: a client key ({@code OpenVPN tls-crypt-v2 client key} PEM), tls-client
         * only. The characters are not kept (the caller wipes them); Kc is, until {@link TlsSettings#wipe()}.
         *
         * @throws IllegalArgumentException if the key is malformed (wrong label, short, a WKc whose length
         *     field lies, or longer than 1024 bytes)
         * @since tls 2.1
         */
        public Builder tlsCryptV2(char[] pem) {
            if (tlsCryptV2Kc != null) {
                Arrays.fill(tlsCryptV2Kc, (byte) 0);
            }
            if (pem == null) {
                tlsCryptV2Kc = null;
                tlsCryptV2Wkc = null;
                return this;
            }
            try {
                org.culvert.openvpn.tls.internal.TlsCryptV2.ClientKey k =
                        org.culvert.openvpn.tls.internal.TlsCryptV2.parseClientKey(pem);
                tlsCryptV2Kc = k.kc();
                tlsCryptV2Wkc = k.wkc();
            } catch (org.culvert.openvpn.tls.internal.TlsCryptV2.KeyException e) {
                throw new IllegalArgumentException("--tls-crypt-v2: " + e.getMessage(), e);
            }
            return this;
        }

        /**
         * {@code --tls-crypt-v2 server.key} on a tls-server: the server key ({@code OpenVPN tls-crypt-v2
         * server key} PEM) that unwraps each client's WKc. The characters are not kept.
         *
         * @throws IllegalArgumentException if the key is malformed
         * @since 2.2
         */
        public Builder tlsCryptV2Server(char[] pem) {
            if (tlsCryptV2ServerKey != null) {
                Arrays.fill(tlsCryptV2ServerKey, (byte) 0);
                tlsCryptV2ServerKey = null;
            }
            if (pem != null) {
                try {
                    tlsCryptV2ServerKey = org.culvert.openvpn.tls.internal.TlsCryptV2.parseServerKey(pem);
                } catch (org.culvert.openvpn.tls.internal.TlsCryptV2.KeyException e) {
                    throw new IllegalArgumentException("--tls-crypt-v2: " + e.getMessage(), e);
                }
            }
            return this;
        }

        /** {@code force-cookie} (true) or {@code allow-noncookie} (false, the default): see {@link TlsSettings#forceCookie()}. @since 2.2 */
        public Builder forceCookie(boolean value) {
            this.forceCookie = value;
            return this;
        }

        /** {@code --extra-certs}: PEM certificates sent after ours, never trusted. @since tls 2.1 */
        public Builder extraCerts(String pem) {
            this.extraCerts = pem;
            return this;
        }

        /** {@code --remote-cert-tls client|server}, or null for none. */
        public Builder remoteCertTls(RemoteCertTls value) {
            this.remoteCertTls = value;
            return this;
        }

        /**
         * {@code --tls-version-min v [or-highest]}. Culvert runs TLS 1.2 and 1.3 only, so {@code 1.0} and
         * {@code 1.1} mean 1.2 (a stricter floor, never a weaker one).
         *
         * @throws IllegalArgumentException for an unknown version without {@code or-highest}
         */
        public Builder tlsVersionMin(String version, boolean orHighest) {
            switch (version) {
                case "1.0":
                case "1.1":
                case "1.2":
                    tlsVersionMin = TlsVersion.TLS_1_2;
                    break;
                case "1.3":
                    tlsVersionMin = TlsVersion.TLS_1_3;
                    break;
                default:
                    if (!orHighest) {
                        throw new IllegalArgumentException("unknown tls-version-min parameter: " + printable(version));
                    }
                    tlsVersionMin = TlsVersion.TLS_1_3;
                    break;
            }
            return this;
        }

        public Builder tlsVersionMin(TlsVersion version) {
            this.tlsVersionMin = Objects.requireNonNull(version, "version");
            return this;
        }

        /** {@code --tls-version-max}. */
        public Builder tlsVersionMax(TlsVersion version) {
            this.tlsVersionMax = Objects.requireNonNull(version, "version");
            return this;
        }

        /** {@code --tls-cipher}: TLS 1.2 suites, {@code :}-separated, OpenSSL or IANA ({@code TLS-..}) names. */
        public Builder tlsCipher(String list) {
            this.tlsCipher = list;
            return this;
        }

        /** {@code --tls-ciphersuites}: TLS 1.3 suites, {@code :}-separated. */
        public Builder tlsCiphersuites(String list) {
            this.tlsCiphersuites = list;
            return this;
        }

        /** {@code --tls-groups}: {@code :}-separated group names (X25519, secp256r1, ffdhe2048, ...). */
        public Builder tlsGroups(String list) {
            this.tlsGroups = list;
            return this;
        }

        /** {@code --ecdh-curve}: one curve; {@code --tls-groups} takes precedence when both are set. */
        public Builder ecdhCurve(String curve) {
            this.ecdhCurve = curve;
            return this;
        }

        /** {@code --dh none}: no finite-field DHE suites. */
        public Builder dhNone() {
            this.dhNone = true;
            this.dh = null;
            return this;
        }

        /** {@code --dh file}: PEM "DH PARAMETERS" used for DHE suites in TLS 1.2. */
        public Builder dh(String pem) {
            this.dh = Objects.requireNonNull(pem, "pem");
            this.dhNone = false;
            return this;
        }

        /**
         * {@code --tls-auth}: 128 or 256 bytes of static key material (the key file's data, as
         * {@link #parseStaticKey} returns it) and the key direction ({@code BIDIRECTIONAL} when none was
         * given). The array is copied.
         */
        public Builder tlsAuth(byte[] keyMaterial, KeyDirection direction) {
            this.tlsAuthKey = keyMaterial.clone();
            this.tlsAuthDirection = Objects.requireNonNull(direction, "direction");
            return this;
        }

        /** {@code --tls-crypt}: 256 bytes of static key material; direction follows the role. */
        public Builder tlsCrypt(byte[] keyMaterial) {
            this.tlsCryptKey = keyMaterial.clone();
            return this;
        }

        /** {@code --auth}: the HMAC digest for {@code --tls-auth} and CBC data ciphers (default SHA1). */
        public Builder auth(AuthAlgorithm digest) {
            this.auth = Objects.requireNonNull(digest, "digest");
            return this;
        }

        /** {@code --data-ciphers}: a {@code :}-separated list; entries starting with {@code ?} are optional. */
        public Builder dataCiphers(String list) {
            List<String> out = new ArrayList<>();
            for (String s : list.split(":")) {
                if (!s.trim().isEmpty()) {
                    out.add(s.trim());
                }
            }
            this.dataCiphers = out;
            return this;
        }

        /** {@code --data-ciphers-fallback} (or {@code --cipher} in p2p): used when the peer sends no IV_CIPHERS. */
        public Builder dataCiphersFallback(String cipher) {
            this.dataCiphersFallback = cipher;
            return this;
        }

        /** {@code --reneg-sec} (0 disables; default 3600). */
        public Builder renegSeconds(int seconds) {
            this.renegSeconds = nonNegative(seconds, "--reneg-sec");
            return this;
        }

        /** {@code --reneg-bytes} (≤ 0 disables). */
        public Builder renegBytes(long bytes) {
            this.renegBytes = bytes;
            return this;
        }

        /** {@code --reneg-pkts} (0 disables). */
        public Builder renegPackets(long packets) {
            this.renegPackets = Math.max(packets, 0);
            return this;
        }

        /** {@code --hand-window} seconds (default 60). */
        public Builder handWindow(int seconds) {
            this.handWindow = seconds;
            return this;
        }

        /** {@code --tls-timeout} seconds: the first control-packet retransmission timeout (default 2). */
        public Builder tlsTimeout(int seconds) {
            this.tlsTimeout = seconds;
            return this;
        }

        /** {@code --tran-window} seconds: how long the previous key stays usable (default 3600). */
        public Builder tranWindow(int seconds) {
            this.tranWindow = seconds;
            return this;
        }

        /** {@code --ping} seconds (0 = off, the p2p default). */
        public Builder ping(int seconds) {
            this.ping = nonNegative(seconds, "--ping");
            return this;
        }

        /** {@code --ping-restart} seconds (0 = off). */
        public Builder pingRestart(int seconds) {
            this.pingRestart = nonNegative(seconds, "--ping-restart");
            return this;
        }

        /** {@code --ping-exit} seconds (0 = off; wins over ping-restart). */
        public Builder pingExit(int seconds) {
            this.pingExit = nonNegative(seconds, "--ping-exit");
            return this;
        }

        /** {@code --inactive seconds [bytes]}. */
        public Builder inactive(int seconds, long bytes) {
            this.inactive = nonNegative(seconds, "--inactive");
            this.inactiveBytes = Math.max(bytes, 0);
            return this;
        }

        /** {@code --explicit-exit-notify n} (UDP only). */
        public Builder explicitExitNotify(int count) {
            this.explicitExitNotify = nonNegative(count, "--explicit-exit-notify");
            return this;
        }

        /** {@code --replay-window n [t]}. */
        public Builder replayWindow(ReplayWindow.Settings settings) {
            this.replayWindow = Objects.requireNonNull(settings, "settings");
            return this;
        }

        /** Compression framing ({@code comp-lzo no}, {@code compress stub[-v2]}); default none. */
        public Builder compression(Compression value) {
            this.compression = Objects.requireNonNull(value, "value");
            return this;
        }

        /**
         * Whether the configuration names the peer ({@code --remote}). A UDP tls-server that knows its
         * peer sends its own hard reset at once, as OpenVPN's p2p server does, instead of waiting for
         * the client's: the handshake then does not wait for a client retry when the client started first.
         */
        public Builder peerKnown(boolean value) {
            this.peerKnown = value;
            return this;
        }

        /** {@code mode server}, a tls-server only: see {@link TlsSettings#serverMode()}. @since 2.2 */
        public Builder serverMode(boolean value) {
            this.serverMode = value;
            return this;
        }

        /** {@code --verify-client-cert}, a tls-server only: see {@link TlsSettings#verifyClientCert()}. @since 2.2 */
        public Builder verifyClientCert(VerifyClientCert value) {
            this.verifyClientCert = java.util.Objects.requireNonNull(value, "verifyClientCert");
            return this;
        }

        /** Pull mode, a tls-client only: see {@link TlsSettings#pull()}. */
        public Builder pull(boolean value) {
            this.pull = value;
            return this;
        }

        /** {@code --push-peer-info}: see {@link TlsSettings#pushPeerInfo()}. */
        public Builder pushPeerInfo(boolean value) {
            this.pushPeerInfo = value;
            return this;
        }

        /** The link protocol (for the OCC string and exit notification). */
        public Builder proto(Proto value) {
            this.proto = Objects.requireNonNull(value, "value");
            return this;
        }

        /** The tunnel items of the OCC options string. */
        public Builder occ(OccOptions value) {
            this.occ = Objects.requireNonNull(value, "value");
            return this;
        }

        /** {@code --max-packet-size}: largest control packet on the wire incl. IP/UDP (default 1250). */
        public Builder maxPacketSize(int bytes) {
            this.maxPacketSize = bytes;
            return this;
        }

        /**
         * Test hook: announce fewer IV_PROTO bits, to behave like an older peer (e.g. 2.5 without
         * key export, or 2.4 without point-to-point negotiation).
         */
        Builder announceIvProto(int bits) {
            this.ivProto = bits & org.culvert.openvpn.tls.internal.SessionConfig.IV_PROTO;
            return this;
        }

        /**
         * Overwrites the key material this builder holds (the settings it built keep their own
         * copies); idempotent. For a builder that is done.
         *
         * @since tls 1.1
         */
        public void wipe() {
            wipeKey();
            pkcs12(null);
            keyPassword(null);
            tlsCryptV2(null);
            if (tlsAuthKey != null) {
                Arrays.fill(tlsAuthKey, (byte) 0);
            }
            if (tlsCryptKey != null) {
                Arrays.fill(tlsCryptKey, (byte) 0);
            }
        }

        /**
         * Test hook: no TLS 1.2 extended master secret, like a peer whose TLS library lacks it; such a
         * session cannot export keying material.
         */
        Builder withoutExtendedMasterSecret() {
            this.extendedMasterSecret = false;
            return this;
        }

        /**
         * Test hook: announce key export in IV_PROTO whether or not the TLS session can export, as
         * OpenVPN with OpenSSL does.
         */
        Builder announceKeyExportAlways() {
            this.announceKeyExportAlways = true;
            return this;
        }

        public TlsSettings build() {
            return new TlsSettings(this);
        }

        private static int nonNegative(int v, String option) {
            if (v < 0) {
                throw new IllegalArgumentException(option + " must not be negative");
            }
            return v;
        }
    }

    /**
     * Reads the key material of an OpenVPN static key file ({@code --genkey secret} output, as used by
     * {@code --tls-auth} and {@code --tls-crypt}): hex between the BEGIN and END lines, whitespace
     * ignored, at most 256 bytes.
     *
     * @throws TlsConfigException (INVALID, naming {@code option}) if the text is not such a file
     */
    public static byte[] parseStaticKey(String option, String text) throws TlsConfigException {
        return parseStaticKey(option, (CharSequence) text);
    }

    /**
     * As {@link #parseStaticKey(String, String)}, from characters that the caller wipes, so that no
     * String copy of the key is made.
     *
     * @since tls 1.1
     */
    public static byte[] parseStaticKey(String option, char[] text) throws TlsConfigException {
        return parseStaticKey(option, text == null ? null : java.nio.CharBuffer.wrap(text));
    }

    private static byte[] parseStaticKey(String option, CharSequence text) throws TlsConfigException {
        String begin = "-----BEGIN OpenVPN Static key V1-----";
        String end = "-----END OpenVPN Static key V1-----";
        int b = text == null ? -1 : FileContent.indexOf(text, begin, 0);
        int e = b < 0 ? -1 : FileContent.indexOf(text, end, b);
        if (b < 0 || e < 0) {
            throw new TlsConfigException(option, TlsConfigException.Reason.INVALID,
                    "not an OpenVPN static key (BEGIN/END lines missing)");
        }
        byte[] out;
        try {
            out = Bytes.parseHex(text.subSequence(b + begin.length(), e));
        } catch (IllegalArgumentException ex) {
            throw new TlsConfigException(option, TlsConfigException.Reason.INVALID, "non-hex data in the static key");
        }
        if (out.length < 128) {
            throw new TlsConfigException(option, TlsConfigException.Reason.INVALID,
                    "the static key holds fewer than 128 bytes");
        }
        byte[] material = Arrays.copyOf(out, Math.min(out.length, 256) >= 256 ? 256 : 128);
        Arrays.fill(out, (byte) 0);
        return material;
    }
}
