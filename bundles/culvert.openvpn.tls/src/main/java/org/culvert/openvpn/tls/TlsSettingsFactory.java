package org.culvert.openvpn.tls;

import java.util.Arrays;
import java.util.Base64;
import org.culvert.openvpn.config.ConfigParser;
import org.culvert.openvpn.config.FileContent;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.culvert.openvpn.config.PkiOptions;
import org.culvert.openvpn.config.TlsOptions;
import org.culvert.openvpn.session.OccStrings;

/**
 * Maps a parsed OpenVPN configuration in TLS mode onto the {@link TlsSettings} the engine runs on, so
 * that a {@code .conf} that brings up a TLS point-to-point tunnel between two stock OpenVPN 2.6 peers
 * brings up the same tunnel with Culvert on one side.
 *
 * <p>What it maps, besides one-to-one TLS options: {@code --cipher} (or
 * {@code --data-ciphers-fallback}) becomes the fallback for a peer that announces no ciphers, as in
 * OpenVPN's point-to-point mode; the {@code --tls-auth} direction comes from
 * {@link OpenVpnOptions#keyDirection()}; the timers, replay window, compression framing and link
 * protocol come from the tunnel options; the OCC options string gets the device type, tun MTU
 * ({@code --tun-mtu}'s second argument when given), {@code tun-ipv6} and the {@code ifconfig} item.
 *
 * <p>Stateless and thread-safe; the tunnel core calls it when it plans a TLS tunnel, once per
 * configuration (each run then builds its own {@link TlsSession} from the settings). The settings hold
 * their own copies of the key material; the key arrays decoded here are wiped after copying.
 */
public final class TlsSettingsFactory {
    private TlsSettingsFactory() {
    }

    /**
     * Builds and validates the engine settings for a configuration parsed by {@link ConfigParser}.
     *
     * @return settings that {@link TlsSettings#validate()} accepts, so that
     *     {@code new TlsSession(settings, clock, random)} does not fail on configuration
     * @throws TlsConfigException if the configuration is not TLS mode ({@code --tls-client}, MISSING),
     *     or the engine cannot use it: unparsable certificate or key, a key that does not match the
     *     certificate, unknown TLS cipher suites or groups, a CBC cipher with {@code --auth none}, ...
     *     The exception names the option; its message never contains key material.
     */
    public static TlsSettings fromOptions(OpenVpnOptions options) throws TlsConfigException {
        TlsOptions t = options.tls().orElseThrow(() -> new TlsConfigException("--tls-client",
                TlsConfigException.Reason.MISSING, "the configuration is not in TLS mode (it has no --tls-client or"
                        + " --tls-server)"));
        TlsSettings.Builder b = TlsSettings.builder(t.role() == TlsOptions.Role.SERVER ? TlsRole.SERVER : TlsRole.CLIENT);
        t.ca().ifPresent(ca -> b.ca(ca.text()));
        identity(t, b);
        if (!t.peerFingerprints().isEmpty()) {
            try {
                b.peerFingerprint(String.join("\n", t.peerFingerprints()));
            } catch (IllegalArgumentException e) {
                throw new TlsConfigException("--peer-fingerprint", TlsConfigException.Reason.INVALID, e.getMessage());
            }
        }
        if (t.verifyX509Name().isPresent()) {
            b.verifyX509Name(t.verifyX509Name().get(), x509NameType(t.verifyX509Type()));
        }
        b.peerChecks(peerChecks(t.pki()));
        t.remoteCertTls().ifPresent(r -> b.remoteCertTls(r == TlsOptions.Role.SERVER ? RemoteCertTls.SERVER
                : RemoteCertTls.CLIENT));
        if (t.tlsVersionMin().isPresent()) {
            // 1.0 and 1.1 become 1.2 in the engine: a stricter floor, never a weaker one.
            b.tlsVersionMin(t.tlsVersionMin().get().optionValue(), false);
        }
        if (t.tlsVersionMax().isPresent()) {
            b.tlsVersionMax(tlsVersionMax(t.tlsVersionMax().get()));
        }
        t.tlsCipher().ifPresent(b::tlsCipher);
        t.tlsCiphersuites().ifPresent(b::tlsCiphersuites);
        t.tlsGroups().ifPresent(b::tlsGroups);
        t.ecdhCurve().ifPresent(b::ecdhCurve);
        if (t.dhNone()) {
            b.dhNone();
        } else if (t.dh().isPresent()) {
            b.dh(t.dh().get().text());
        }
        if (t.tlsAuth().isPresent()) {
            byte[] material = staticKey("--tls-auth", t.tlsAuth().get());
            b.tlsAuth(material, options.keyDirection());
            Arrays.fill(material, (byte) 0);
        }
        if (t.pki().tlsCryptV2().isPresent()) {
            char[] pem = t.pki().tlsCryptV2().get().chars();
            try {
                // A tls-server's file is the server key that unwraps each client's WKc (server mode).
                if (t.role() == TlsOptions.Role.SERVER) {
                    b.tlsCryptV2Server(pem);
                } else {
                    b.tlsCryptV2(pem);
                }
            } catch (IllegalArgumentException e) {
                throw new TlsConfigException("--tls-crypt-v2", TlsConfigException.Reason.INVALID, e.getMessage());
            } finally {
                Arrays.fill(pem, '\0');
            }
        }
        if (t.tlsCrypt().isPresent()) {
            byte[] material = staticKey("--tls-crypt", t.tlsCrypt().get());
            b.tlsCrypt(material);
            Arrays.fill(material, (byte) 0);
        }
        b.auth(options.auth());
        b.dataCiphers(String.join(":", options.dataCiphers()));
        options.dataCiphersFallback().ifPresent(b::dataCiphersFallback);
        b.renegSeconds(t.renegSeconds()).renegBytes(t.renegBytes()).renegPackets(t.renegPackets())
                .handWindow(t.handWindow()).tlsTimeout(t.tlsTimeout()).tranWindow(t.tranWindow());
        b.ping(options.ping()).pingRestart(options.pingRestart()).pingExit(options.pingExit())
                .inactive(options.inactive(), options.inactiveBytes()).explicitExitNotify(options.explicitExitNotify())
                .replayWindow(options.replayWindow()).compression(options.compression()).proto(options.proto())
                .peerKnown(options.remote().isPresent()).pull(options.pull().isPresent()).serverMode(options.server().isPresent())
                .verifyClientCert(options.server().map(s -> VerifyClientCert.valueOf(s.verifyClientCert().name())).orElse(VerifyClientCert.REQUIRE))
                .pushPeerInfo(options.pull().map(org.culvert.openvpn.config.PullOptions::pushPeerInfo).orElse(false));
        b.occ(occ(options));
        TlsSettings settings = b.build();
        b.wipe();
        try {
            settings.validate();
        } catch (TlsConfigException e) {
            KeyPassword.forgetPrompted(); // a wrong password typed is asked again next time
            settings.wipe();
            throw e;
        }
        return settings;
    }

    /**
     * The tunnel items of the OCC options string, as OpenVPN 2.6 builds them for this configuration.
     * The legacy link-mtu is left to the engine, which computes OpenVPN's figure for the fallback cipher.
     */
    static OccOptions occ(OpenVpnOptions o) {
        int tunMtu = o.occMtu() != 0 ? o.occMtu() : o.tunMtu();
        return new OccOptions(o.devType().openVpnName(), 0, tunMtu, o.ifconfigIpv6().isPresent(),
                OccStrings.ifconfigItem(o, false), OccStrings.ifconfigItem(o, true));
    }

    /** {@code --cert}/{@code --key} or {@code --pkcs12}, the {@code --askpass} password, {@code --extra-certs}. */
    private static void identity(TlsOptions t, TlsSettings.Builder b) throws TlsConfigException {
        PkiOptions pki = t.pki();
        char[] password = KeyPassword.obtain(t);
        try {
            b.keyPassword(password);
        } finally {
            if (password != null) {
                Arrays.fill(password, '\0');
            }
        }
        if (pki.pkcs12().isPresent()) {
            char[] b64 = pki.pkcs12().get().chars();
            byte[] der = null;
            try {
                // The bundle is encrypted with its password, so a String of its base64 reveals no key.
                der = Base64.getMimeDecoder().decode(new String(b64));
                b.pkcs12(der);
            } catch (IllegalArgumentException e) {
                throw new TlsConfigException("--pkcs12", TlsConfigException.Reason.INVALID, "not base64");
            } finally {
                Arrays.fill(b64, '\0');
                if (der != null) {
                    Arrays.fill(der, (byte) 0);
                }
            }
        } else {
            char[] key = t.key().chars();
            try {
                b.cert(t.cert().text()).key(key);
            } finally {
                Arrays.fill(key, '\0');
            }
        }
        pki.extraCerts().ifPresent(e -> b.extraCerts(e.text()));
    }

    static PeerChecks peerChecks(PkiOptions pki) {
        String crlPem = pki.crlVerify().map(FileContent::text).orElse(null);
        return new PeerChecks(pki.remoteCertKuRequired(), pki.remoteCertKu(), pki.remoteCertEku().orElse(null),
                crlPem, pki.crlVerify().flatMap(FileContent::file).orElse(null), pki.crlVerifyDir().orElse(null));
    }

    private static X509NameType x509NameType(TlsOptions.X509NameType type) {
        switch (type) {
            case NAME:
                return X509NameType.NAME;
            case NAME_PREFIX:
                return X509NameType.NAME_PREFIX;
            default:
                return X509NameType.SUBJECT;
        }
    }

    private static TlsVersion tlsVersionMax(TlsOptions.Version v) throws TlsConfigException {
        switch (v) {
            case TLS_1_2:
                return TlsVersion.TLS_1_2;
            case TLS_1_3:
                return TlsVersion.TLS_1_3;
            default:
                throw new TlsConfigException("--tls-version-max", TlsConfigException.Reason.UNSUPPORTED,
                        "TLS " + v.optionValue() + " is not supported (Culvert runs TLS 1.2 and 1.3 only)");
        }
    }

    private static byte[] staticKey(String option, FileContent content) throws TlsConfigException {
        char[] text = content.chars();
        try {
            return TlsSettings.parseStaticKey(option, text);
        } finally {
            Arrays.fill(text, '\0');
        }
    }
}
