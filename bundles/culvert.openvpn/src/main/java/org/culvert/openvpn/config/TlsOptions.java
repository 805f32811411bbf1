package org.culvert.openvpn.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The TLS point-to-point options of a configuration ({@code --tls-client} or {@code --tls-server}),
 * parsed and cross-checked as OpenVPN 2.6 does, with its defaults applied. Present in
 * {@link OpenVpnOptions#tls()} exactly when the configuration runs TLS mode.
 *
 * <p>Options that TLS shares with static-key mode stay on {@link OpenVpnOptions}:
 * {@link OpenVpnOptions#auth() auth} (HMAC for CBC data ciphers and {@code --tls-auth}),
 * {@link OpenVpnOptions#keyDirection() keyDirection} ({@code --tls-auth} direction),
 * {@link OpenVpnOptions#dataCiphers() dataCiphers}, {@link OpenVpnOptions#dataCiphersFallback()
 * dataCiphersFallback} (also set by {@code --cipher} in TLS mode), and the timers, replay window and
 * compression framing.
 *
 * <p>Immutable, except that the owner may {@link FileContent#wipe() wipe} the key texts ({@code key},
 * {@code tlsAuth}, {@code tlsCrypt}) once the engine has its own copies. {@link #toString()} never shows
 * key material. Times are seconds.
 *
 * @param role {@code --tls-client} or {@code --tls-server}
 * @param ca {@code --ca}, if given
 * @param cert {@code --cert}
 * @param key {@code --key} (an unencrypted private key)
 * @param dh {@code --dh FILE} on a tls-server; empty with {@code dh none} and always on a tls-client
 *     (OpenVPN ignores {@code --dh} there)
 * @param dhNone {@code dh none} on a tls-server
 * @param peerFingerprints {@code --peer-fingerprint} SHA-256 values, upper-case {@code AB:CD:..}
 *     form, in the order given
 * @param verifyX509Name {@code --verify-x509-name}'s name, if given
 * @param verifyX509Type how {@code verifyX509Name} is compared; SUBJECT by default
 * @param remoteCertTls {@code --remote-cert-tls}: the role the peer's certificate must be issued for
 * @param tlsVersionMin {@code --tls-version-min} after {@code or-highest} was resolved, if given
 *     (OpenVPN's floor is TLS 1.2 when unset)
 * @param tlsVersionMax {@code --tls-version-max}, if given
 * @param tlsCipher {@code --tls-cipher} (TLS 1.2 suites), as written
 * @param tlsCiphersuites {@code --tls-ciphersuites} (TLS 1.3 suites), as written
 * @param tlsGroups {@code --tls-groups}, as written
 * @param ecdhCurve {@code --ecdh-curve}, as written
 * @param tlsAuth {@code --tls-auth} key file (direction: {@link OpenVpnOptions#keyDirection()})
 * @param tlsCrypt {@code --tls-crypt} key file (direction follows the role)
 * @param renegSeconds {@code --reneg-sec}; default 3600, 0 disables
 * @param renegSecondsMin {@code --reneg-sec}'s second argument (server-mode jitter floor; recorded)
 * @param renegBytes {@code --reneg-bytes}; default -1 (off)
 * @param renegPackets {@code --reneg-pkts}; default 0 (off)
 * @param handWindow {@code --hand-window}; default 60
 * @param tlsTimeout {@code --tls-timeout}; default 2
 * @param tranWindow {@code --tran-window}; default 3600
 * @param pki peer checks, PKCS#12, askpass, extra-certs and tls-crypt-v2 ({@link PkiOptions#NONE} without
 *     them); with {@code --pkcs12}, {@code cert} and {@code key} are empty texts (since config 1.3)
 */
public record TlsOptions(Role role, Optional<FileContent> ca, FileContent cert, FileContent key,
        Optional<FileContent> dh, boolean dhNone, List<String> peerFingerprints, Optional<String> verifyX509Name,
        X509NameType verifyX509Type, Optional<Role> remoteCertTls, Optional<Version> tlsVersionMin,
        Optional<Version> tlsVersionMax, Optional<String> tlsCipher, Optional<String> tlsCiphersuites,
        Optional<String> tlsGroups, Optional<String> ecdhCurve, Optional<FileContent> tlsAuth,
        Optional<FileContent> tlsCrypt, int renegSeconds, OptionalInt renegSecondsMin, long renegBytes,
        long renegPackets, int handWindow, int tlsTimeout, int tranWindow, PkiOptions pki) {

    /** OpenVPN 2.6's {@code --reneg-sec} default. */
    public static final int DEFAULT_RENEG_SECONDS = 3600;
    /** OpenVPN 2.6's {@code --hand-window} default. */
    public static final int DEFAULT_HAND_WINDOW = 60;
    /** OpenVPN 2.6's {@code --tls-timeout} default. */
    public static final int DEFAULT_TLS_TIMEOUT = 2;
    /** OpenVPN 2.6's {@code --tran-window} default. */
    public static final int DEFAULT_TRAN_WINDOW = 3600;

    /** A TLS role: this peer's ({@code --tls-client}/{@code --tls-server}) or the one a peer certificate must have. */
    public enum Role {
        CLIENT,
        SERVER;

        /** {@code client} or {@code server}, as written after {@code --remote-cert-tls}. */
        public String optionValue() {
            return this == CLIENT ? "client" : "server";
        }
    }

    /** {@code --verify-x509-name}'s type argument. */
    public enum X509NameType {
        /** {@code subject}: the whole subject DN (the default). */
        SUBJECT("subject"),
        /** {@code name}: the common name, exactly. */
        NAME("name"),
        /** {@code name-prefix}: the common name starts with the given text. */
        NAME_PREFIX("name-prefix");

        private final String optionValue;

        X509NameType(String optionValue) {
            this.optionValue = optionValue;
        }

        /** As written in the configuration. */
        public String optionValue() {
            return optionValue;
        }
    }

    /** A TLS protocol version as {@code --tls-version-min}/{@code --tls-version-max} name it. */
    public enum Version {
        TLS_1_0("1.0"),
        TLS_1_1("1.1"),
        TLS_1_2("1.2"),
        TLS_1_3("1.3");

        private final String optionValue;

        Version(String optionValue) {
            this.optionValue = optionValue;
        }

        /** As written in the configuration, e.g. {@code 1.2}. */
        public String optionValue() {
            return optionValue;
        }

        /** The version written as {@code s}, or null. */
        static Version fromOptionValue(String s) {
            for (Version v : values()) {
                if (v.optionValue.equals(s)) {
                    return v;
                }
            }
            return null;
        }
    }

    public TlsOptions {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(ca, "ca");
        Objects.requireNonNull(cert, "cert");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(dh, "dh");
        peerFingerprints = List.copyOf(peerFingerprints);
        Objects.requireNonNull(verifyX509Name, "verifyX509Name");
        Objects.requireNonNull(verifyX509Type, "verifyX509Type");
        Objects.requireNonNull(remoteCertTls, "remoteCertTls");
        Objects.requireNonNull(tlsVersionMin, "tlsVersionMin");
        Objects.requireNonNull(tlsVersionMax, "tlsVersionMax");
        Objects.requireNonNull(tlsCipher, "tlsCipher");
        Objects.requireNonNull(tlsCiphersuites, "tlsCiphersuites");
        Objects.requireNonNull(tlsGroups, "tlsGroups");
        Objects.requireNonNull(ecdhCurve, "ecdhCurve");
        Objects.requireNonNull(tlsAuth, "tlsAuth");
        Objects.requireNonNull(tlsCrypt, "tlsCrypt");
        Objects.requireNonNull(renegSecondsMin, "renegSecondsMin");
        Objects.requireNonNull(pki, "pki");
    }

    /** The 1.2 constructor, without {@link #pki()} ({@link PkiOptions#NONE}). */
    public TlsOptions(Role role, Optional<FileContent> ca, FileContent cert, FileContent key,
            Optional<FileContent> dh, boolean dhNone, List<String> peerFingerprints, Optional<String> verifyX509Name,
            X509NameType verifyX509Type, Optional<Role> remoteCertTls, Optional<Version> tlsVersionMin,
            Optional<Version> tlsVersionMax, Optional<String> tlsCipher, Optional<String> tlsCiphersuites,
            Optional<String> tlsGroups, Optional<String> ecdhCurve, Optional<FileContent> tlsAuth,
            Optional<FileContent> tlsCrypt, int renegSeconds, OptionalInt renegSecondsMin, long renegBytes,
            long renegPackets, int handWindow, int tlsTimeout, int tranWindow) {
        this(role, ca, cert, key, dh, dhNone, peerFingerprints, verifyX509Name, verifyX509Type, remoteCertTls,
                tlsVersionMin, tlsVersionMax, tlsCipher, tlsCiphersuites, tlsGroups, ecdhCurve, tlsAuth, tlsCrypt,
                renegSeconds, renegSecondsMin, renegBytes, renegPackets, handWindow, tlsTimeout, tranWindow,
                PkiOptions.NONE);
    }

    /** {@code tls-client} or {@code tls-server}. */
    public String roleOption() {
        return role == Role.CLIENT ? "tls-client" : "tls-server";
    }

    /** Where the credentials and keys came from, never their content. */
    @Override
    public String toString() {
        return "TlsOptions[" + roleOption() + ", ca=" + ca.map(FileContent::toString).orElse("-") + ", cert=" + cert
                + ", key=" + key + ", dh=" + (dhNone ? "none" : dh.map(FileContent::toString).orElse("-"))
                + ", peerFingerprints=" + peerFingerprints.size() + ", wrap="
                + (tlsAuth.isPresent() ? "tls-auth " + tlsAuth.get() : tlsCrypt.isPresent() ? "tls-crypt " + tlsCrypt.get()
                        : "none") + ", " + pki + "]";
    }
}
