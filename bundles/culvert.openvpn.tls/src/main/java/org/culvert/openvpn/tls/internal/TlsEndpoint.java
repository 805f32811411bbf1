package org.culvert.openvpn.tls.internal;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Vector;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.AlertLevel;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateEntry;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.ClientCertificateType;
import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.DefaultTlsServer;
import org.bouncycastle.tls.HashAlgorithm;
import org.bouncycastle.tls.NamedGroup;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.SignatureAlgorithm;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsCredentialedSigner;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsFatalAlertReceived;
import org.bouncycastle.tls.TlsProtocol;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.TlsServerProtocol;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCertificate;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.TlsDHConfig;
import org.bouncycastle.tls.crypto.impl.bc.BcDefaultTlsCredentialedSigner;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;
import org.culvert.openvpn.tls.TlsFailure;
import org.culvert.openvpn.tls.VerifyClientCert;

/**
 * One TLS session of the control channel, run by Bouncy Castle's non-blocking protocol engine: TLS
 * records go in and out as byte streams ({@link #offer}, {@link #readOutput}) and application data
 * (the key-method-2 message, control messages) through {@link #write} / {@link #read}. OpenVPN runs a
 * completely new TLS session for every key_id, so an instance is used once and then closed.
 *
 * <p>Both roles require and verify the peer's certificate with the {@link PeerVerifier} (a server under
 * {@code --verify-client-cert none|optional} asks for none, or lets a client without one through); a rejection
 * records the verifier's {@link TlsFailure} (e.g. FINGERPRINT_MISMATCH) before the TLS alert is
 * raised, so the failure says why rather than just "bad_certificate". Session tickets and
 * resumption are not used, as in OpenVPN. Loop thread only.
 */
public final class TlsEndpoint {
    private final TlsProtocol protocol;
    private final Credentials credentials;
    private final PeerVerifier verifier;
    private final TlsProfile profile;
    private final BcTlsCrypto crypto;
    private TlsContext context;
    private boolean complete;
    private TlsFailure failure;
    private TlsFailure verifyFailure;
    private String raisedAlert;
    private PeerVerifier.PeerIdentity peer;
    private final java.util.Map<String, byte[]> exported = new java.util.HashMap<>();
    private String exportProblem;
    private String version;
    private String suite;
    private final VerifyClientCert clientCert;

    private TlsEndpoint(boolean server, TlsProfile profile, Credentials credentials, PeerVerifier verifier,
            SecureRandom random, VerifyClientCert clientCert) {
        this.clientCert = clientCert;
        this.profile = profile;
        this.credentials = credentials;
        this.verifier = verifier;
        this.crypto = new BcTlsCrypto(random);
        this.protocol = server ? new TlsServerProtocol() : new TlsClientProtocol();
    }

    /** Creates and starts a TLS client; its ClientHello is then in {@link #readOutput}. */
    public static TlsEndpoint client(TlsProfile profile, Credentials credentials, PeerVerifier verifier,
            SecureRandom random) {
        TlsEndpoint e = new TlsEndpoint(false, profile, credentials, verifier, random, VerifyClientCert.REQUIRE);
        try {
            ((TlsClientProtocol) e.protocol).connect(e.new Client());
        } catch (IOException ex) {
            e.fail(ex);
        }
        return e;
    }

    /** Creates a TLS server that waits for a ClientHello and requires the client's certificate. */
    public static TlsEndpoint server(TlsProfile profile, Credentials credentials, PeerVerifier verifier,
            SecureRandom random) {
        return server(profile, credentials, verifier, random, VerifyClientCert.REQUIRE);
    }

    /** Creates a TLS server that waits for a ClientHello, with {@code --verify-client-cert}. */
    public static TlsEndpoint server(TlsProfile profile, Credentials credentials, PeerVerifier verifier,
            SecureRandom random, VerifyClientCert clientCert) {
        TlsEndpoint e = new TlsEndpoint(true, profile, credentials, verifier, random, clientCert);
        try {
            ((TlsServerProtocol) e.protocol).accept(e.new Server());
        } catch (IOException ex) {
            e.fail(ex);
        }
        return e;
    }

    /** Feeds TLS bytes received from the peer; false once the session has failed ({@link #failure()}). */
    public boolean offer(byte[] data, int off, int len) {
        if (failure != null) {
            return false;
        }
        try {
            protocol.offerInput(data, off, len);
            return true;
        } catch (IOException | RuntimeException e) {
            fail(e);
            return false;
        }
    }

    /** TLS bytes waiting to be sent to the peer (including a final alert after a failure). */
    public int availableOutput() {
        return protocol.getAvailableOutputBytes();
    }

    public int readOutput(byte[] dst, int off, int len) {
        return protocol.readOutput(dst, off, len);
    }

    /** Sends application data as one TLS record (the caller keeps messages under 16 KiB). */
    public boolean write(byte[] data, int off, int len) {
        if (failure != null || !complete) {
            return false;
        }
        try {
            protocol.writeApplicationData(data, off, len);
            return true;
        } catch (IOException | RuntimeException e) {
            fail(e);
            return false;
        }
    }

    /** Application bytes received and not yet read. */
    public int availableInput() {
        return failure != null ? 0 : protocol.getAvailableInputBytes();
    }

    public int read(byte[] dst, int off, int len) {
        return protocol.readInput(dst, off, len);
    }

    public boolean handshakeComplete() {
        return complete && failure == null;
    }

    public TlsFailure failure() {
        return failure;
    }

    public PeerVerifier.PeerIdentity peer() {
        return peer;
    }

    /**
     * Whether {@link #export} works: the handshake is complete and the session can export (TLS 1.3,
     * or TLS 1.2 with the extended master secret; Bouncy Castle refuses RFC 5705 export otherwise).
     */
    public boolean canExport() {
        return complete && exportProblem == null;
    }

    /**
     * RFC 5705 / RFC 8446 exporter without context, as OpenVPN calls it.
     *
     * @throws IllegalStateException if the handshake is not complete or the session cannot export
     *         (TLS 1.2 without extended master secret)
     */
    public byte[] export(String label, int length) {
        if (!handshakeComplete()) {
            throw new IllegalStateException("TLS handshake not complete");
        }
        byte[] value = exported.get(label);
        if (value == null || value.length < length) {
            throw new IllegalStateException(exportProblem != null ? exportProblem : "no exporter value for " + label);
        }
        return java.util.Arrays.copyOf(value, length);
    }

    /** E.g. {@code TLSv1.3}. */
    public String version() {
        return version;
    }

    /** The IANA name of the negotiated cipher suite. */
    public String cipherSuite() {
        return suite;
    }

    /**
     * Bouncy Castle wipes the exporter secret once the handshake completes, so everything OpenVPN
     * will ever export from this TLS session is computed inside the completion callback.
     */
    private void handshakeCompleted() {
        complete = true;
        SecurityParameters sp = context.getSecurityParametersConnection();
        ProtocolVersion v = sp.getNegotiatedVersion();
        version = ProtocolVersion.TLSv13.equals(v) ? "TLSv1.3" : ProtocolVersion.TLSv12.equals(v) ? "TLSv1.2" : v.toString();
        suite = TlsProfile.suiteName(sp.getCipherSuite());
        try {
            for (int i = 0; i < EXPORT_LABELS.length; i++) {
                exported.put(EXPORT_LABELS[i], context.exportKeyingMaterial(EXPORT_LABELS[i], null, EXPORT_LENGTHS[i]));
            }
        } catch (IllegalStateException | IllegalArgumentException e) {
            exportProblem = "the TLS session cannot export keying material (" + printable(String.valueOf(e.getMessage()))
                    + ")";
        }
    }

    private static final String[] EXPORT_LABELS = {ControlSession.EKM_DATA_KEYS, ControlSession.EKM_PEER_ID,
        ControlSession.EKM_DYNAMIC_TLS_CRYPT};
    private static final int[] EXPORT_LENGTHS = {256, 3, 256};

    /** Drops the TLS session without sending anything more. Idempotent. */
    public void close() {
        for (byte[] v : exported.values()) {
            java.util.Arrays.fill(v, (byte) 0);
        }
        exported.clear();
        try {
            if (!protocol.isClosed()) {
                protocol.close();
            }
        } catch (IOException | RuntimeException e) {
            // Closing only queues a close_notify nobody will send; nothing to report.
        }
    }

    private void fail(Exception e) {
        if (failure != null) {
            return;
        }
        if (verifyFailure != null) {
            failure = verifyFailure;
        } else if (e instanceof TlsFatalAlertReceived) {
            short alert = ((TlsFatalAlertReceived) e).getAlertDescription();
            failure = new TlsFailure(TlsFailure.Reason.PEER_REJECTED, "the peer ended the TLS handshake with alert '"
                    + AlertDescription.getText(alert) + "'" + hint(alert));
        } else if (e instanceof TlsFatalAlert) {
            short alert = ((TlsFatalAlert) e).getAlertDescription();
            failure = new TlsFailure(TlsFailure.Reason.TLS_ERROR, "TLS failed with alert '"
                    + AlertDescription.getText(alert) + "'" + (raisedAlert == null ? "" : ": " + raisedAlert));
        } else {
            failure = new TlsFailure(TlsFailure.Reason.TLS_ERROR, "TLS failed: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " (" + printable(e.getMessage()) + ")"));
        }
    }

    private static String hint(short alert) {
        switch (alert) {
            case AlertDescription.bad_certificate:
            case AlertDescription.certificate_unknown:
            case AlertDescription.unknown_ca:
            case AlertDescription.certificate_required:
            case AlertDescription.unsupported_certificate:
                return " (it did not accept our certificate)";
            case AlertDescription.handshake_failure:
            case AlertDescription.insufficient_security:
                return " (no common TLS parameters)";
            case AlertDescription.protocol_version:
                return " (no common TLS version)";
            default:
                return "";
        }
    }

    private void verifyPeer(Certificate chain) throws IOException {
        List<byte[]> der = new ArrayList<>();
        if (chain != null) {
            for (TlsCertificate c : chain.getCertificateList()) {
                der.add(c.getEncoded());
            }
        }
        PeerVerifier.Result r = verifier.verify(der);
        if (r.failure() != null) {
            verifyFailure = r.failure();
            throw new TlsFatalAlert(der.isEmpty() ? (TlsUtils.isTLSv13(context) ? AlertDescription.certificate_required
                    : AlertDescription.handshake_failure) : AlertDescription.bad_certificate);
        }
        peer = r.identity();
    }

    private TlsCredentialedSigner signer(Vector<?> peerSigAlgs, byte[] requestContext) throws IOException {
        boolean tls13 = TlsUtils.isTLSv13(context);
        SignatureAndHashAlgorithm chosen = null;
        for (SignatureAndHashAlgorithm candidate : candidates(credentials.keyType(), tls13)) {
            if (peerSigAlgs == null || peerSigAlgs.contains(candidate)) {
                chosen = candidate;
                break;
            }
        }
        if (chosen == null) {
            raisedAlert = "the peer accepts no signature algorithm usable with our " + credentials.keyType() + " key";
            throw new TlsFatalAlert(AlertDescription.handshake_failure);
        }
        Certificate certificate;
        List<byte[]> chainDer = credentials.chainDer();
        if (tls13) {
            CertificateEntry[] entries = new CertificateEntry[chainDer.size()];
            for (int i = 0; i < entries.length; i++) {
                entries[i] = new CertificateEntry(crypto.createCertificate(chainDer.get(i)), null);
            }
            certificate = new Certificate(requestContext == null ? TlsUtils.EMPTY_BYTES : requestContext, entries);
        } else {
            TlsCertificate[] certs = new TlsCertificate[chainDer.size()];
            for (int i = 0; i < certs.length; i++) {
                certs[i] = crypto.createCertificate(chainDer.get(i));
            }
            certificate = new Certificate(certs);
        }
        return new BcDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), crypto, credentials.privateKey(),
                certificate, chosen);
    }

    private static List<SignatureAndHashAlgorithm> candidates(Credentials.KeyType type, boolean tls13) {
        List<SignatureAndHashAlgorithm> out = new ArrayList<>();
        switch (type) {
            case RSA:
                out.add(SignatureAndHashAlgorithm.rsa_pss_rsae_sha256);
                out.add(SignatureAndHashAlgorithm.rsa_pss_rsae_sha384);
                out.add(SignatureAndHashAlgorithm.rsa_pss_rsae_sha512);
                if (!tls13) {
                    out.add(SignatureAndHashAlgorithm.getInstance(HashAlgorithm.sha256, SignatureAlgorithm.rsa));
                    out.add(SignatureAndHashAlgorithm.getInstance(HashAlgorithm.sha384, SignatureAlgorithm.rsa));
                    out.add(SignatureAndHashAlgorithm.getInstance(HashAlgorithm.sha512, SignatureAlgorithm.rsa));
                }
                break;
            case EC_P256:
                out.add(SignatureAndHashAlgorithm.getInstance(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa));
                break;
            case EC_P384:
                out.add(SignatureAndHashAlgorithm.getInstance(HashAlgorithm.sha384, SignatureAlgorithm.ecdsa));
                break;
            case EC_P521:
                out.add(SignatureAndHashAlgorithm.getInstance(HashAlgorithm.sha512, SignatureAlgorithm.ecdsa));
                break;
            case ED25519:
                out.add(SignatureAndHashAlgorithm.ed25519);
                break;
            default:
                out.add(SignatureAndHashAlgorithm.ed448);
                break;
        }
        if (!tls13 && (type == Credentials.KeyType.EC_P256 || type == Credentials.KeyType.EC_P384
                || type == Credentials.KeyType.EC_P521)) {
            // TLS 1.2 does not tie the hash to the curve.
            out.add(SignatureAndHashAlgorithm.getInstance(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa));
            out.add(SignatureAndHashAlgorithm.getInstance(HashAlgorithm.sha384, SignatureAlgorithm.ecdsa));
            out.add(SignatureAndHashAlgorithm.getInstance(HashAlgorithm.sha512, SignatureAlgorithm.ecdsa));
        }
        return out;
    }

    private Vector<Integer> groupVector(Vector<Integer> defaults) {
        int[] g = profile.groups();
        if (g == null) {
            return defaults;
        }
        Vector<Integer> out = new Vector<>();
        for (int group : g) {
            if (crypto.hasNamedGroup(group)) {
                out.add(group);
            }
        }
        return out;
    }

    private static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && i < 200; i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return sb.toString();
    }

    private final class Client extends DefaultTlsClient {
        Client() {
            super(crypto);
        }

        @Override
        public void init(org.bouncycastle.tls.TlsClientContext clientContext) {
            super.init(clientContext);
            TlsEndpoint.this.context = clientContext;
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return profile.versions();
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return profile.clientSuites();
        }

        @Override
        public boolean shouldUseExtendedMasterSecret() {
            return profile.extendedMasterSecret();
        }

        @Override
        @SuppressWarnings({"rawtypes", "unchecked"})
        protected Vector getSupportedGroups(Vector namedGroupRoles) {
            return groupVector(super.getSupportedGroups(namedGroupRoles));
        }

        @Override
        public TlsAuthentication getAuthentication() {
            return new TlsAuthentication() {
                @Override
                public void notifyServerCertificate(TlsServerCertificate serverCertificate) throws IOException {
                    verifyPeer(serverCertificate == null ? null : serverCertificate.getCertificate());
                }

                @Override
                public TlsCredentials getClientCredentials(CertificateRequest request) throws IOException {
                    if (credentials == null) {
                        // A client without a certificate (for a server with --verify-client-cert
                        // none|optional) answers the request with an empty Certificate message.
                        return null;
                    }
                    return signer(request.getSupportedSignatureAlgorithms(), request.getCertificateRequestContext());
                }
            };
        }

        @Override
        public void notifyHandshakeComplete() throws IOException {
            super.notifyHandshakeComplete();
            handshakeCompleted();
        }

        @Override
        public void notifyAlertRaised(short alertLevel, short alertDescription, String message, Throwable cause) {
            if (alertLevel == AlertLevel.fatal && message != null && raisedAlert == null) {
                raisedAlert = printable(message);
            }
        }
    }

    private final class Server extends DefaultTlsServer {
        Server() {
            super(crypto);
        }

        @Override
        public void init(org.bouncycastle.tls.TlsServerContext serverContext) {
            super.init(serverContext);
            TlsEndpoint.this.context = serverContext;
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return profile.versions();
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return profile.serverSuites();
        }

        @Override
        public boolean shouldUseExtendedMasterSecret() {
            return profile.extendedMasterSecret();
        }

        @Override
        public int[] getSupportedGroups() throws IOException {
            int[] g = profile.groups();
            return g != null ? g : super.getSupportedGroups();
        }

        @Override
        protected int selectECDH(int minimumCurveBits) {
            int[] allowed = profile.groups();
            if (allowed == null) {
                return super.selectECDH(minimumCurveBits);
            }
            int[] offered = context.getSecurityParametersHandshake().getClientSupportedGroups();
            if (offered == null) {
                offered = allowed;
            }
            for (int g : offered) {
                if (contains(allowed, g) && NamedGroup.refersToAnECDHCurve(g)
                        && NamedGroup.getCurveBits(g) >= minimumCurveBits) {
                    return g;
                }
            }
            return -1;
        }

        @Override
        protected int getMaximumNegotiableFiniteFieldBits() {
            return profile.dh() != null ? profile.dh().getP().bitLength() : 0;
        }

        @Override
        public TlsDHConfig getDHConfig() throws IOException {
            if (profile.dh() == null) {
                throw new TlsFatalAlert(AlertDescription.internal_error);
            }
            return new TlsDHConfig(profile.dh());
        }

        @Override
        public TlsCredentials getCredentials() throws IOException {
            return signer(context.getSecurityParametersHandshake().getClientSigAlgs(), null);
        }

        @Override
        public CertificateRequest getCertificateRequest() throws IOException {
            if (clientCert == VerifyClientCert.NONE) {
                return null;
            }
            @SuppressWarnings("rawtypes")
            Vector sigAlgs = TlsUtils.getDefaultSupportedSignatureAlgorithms(context);
            if (TlsUtils.isTLSv13(context)) {
                return new CertificateRequest(TlsUtils.EMPTY_BYTES, sigAlgs, null, null);
            }
            return new CertificateRequest(new short[] {ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign},
                    sigAlgs, null);
        }

        @Override
        public void notifyClientCertificate(Certificate clientCertificate) throws IOException {
            if (clientCert == VerifyClientCert.OPTIONAL && (clientCertificate == null || clientCertificate.isEmpty())) {
                return; // no certificate, no identity: authentication is left to user/pass
            }
            verifyPeer(clientCertificate);
        }

        @Override
        public void notifyHandshakeComplete() throws IOException {
            super.notifyHandshakeComplete();
            handshakeCompleted();
        }

        @Override
        public void notifyAlertRaised(short alertLevel, short alertDescription, String message, Throwable cause) {
            if (alertLevel == AlertLevel.fatal && message != null && raisedAlert == null) {
                raisedAlert = printable(message);
            }
        }
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }
}
