package org.culvert.openvpn.tls.internal;


import java.util.List;
import org.culvert.openvpn.Clock;
import org.culvert.openvpn.crypto.AuthAlgorithm;
import org.culvert.openvpn.crypto.KeyDirection;
import org.culvert.openvpn.crypto.ReplayWindow;
import org.culvert.openvpn.tls.DataCipher;
import org.culvert.openvpn.tls.VerifyClientCert;

/**
 * The validated, engine-ready form of the settings shared by every control session of one
 * {@code TlsSession}: credentials, TLS profile, wrapping key, cipher offer, timings in milliseconds and
 * the key-method-2 strings. Immutable apart from the wrapping key array, which the owner wipes on close.
 */
public final class SessionConfig {
    /**
     * The IV_PROTO bits Culvert implements and announces: DATA_V2 | TLS_KEY_EXPORT | NCP_P2P |
     * CC_EXIT_NOTIFY | DYN_TLS_CRYPT (682). Not announced: REQUEST_PUSH, AUTH_PENDING_KW and
     * AUTH_FAIL_TEMP (pull clients only), DNS_OPTION (no --dns), DATA_EPOCH (2.7).
     */
    public static final int IV_PROTO = 2 | 8 | 32 | 128 | 512;
    /**
     * The IV_PROTO bits a pull client (a {@code --client}) announces: DATA_V2 | REQUEST_PUSH |
     * TLS_KEY_EXPORT | AUTH_PENDING_KW | DNS_OPTION | CC_EXIT_NOTIFY | AUTH_FAIL_TEMP | DYN_TLS_CRYPT (990),
     * as OpenVPN 2.6: Culvert takes a pushed {@code --dns} and AUTH_FAILED,TEMP. Never NCP_P2P: that is
     * point-to-point negotiation.
     */
    public static final int IV_PROTO_PULL = 2 | 4 | 8 | 16 | 64 | 128 | 256 | 512;
    static final int IV_PROTO_DATA_V2 = 2;
    static final int IV_PROTO_TLS_KEY_EXPORT = 8;
    static final int IV_PROTO_NCP_P2P = 32;
    static final int IV_PROTO_CC_EXIT_NOTIFY = 128;
    static final int IV_PROTO_DYN_TLS_CRYPT = 512;

    public final boolean server;
    public final TlsProfile profile;
    public final Credentials credentials;
    public final PeerVerifier verifier;
    public final ControlWrap.Kind wrapKind;
    /** The original --tls-auth / --tls-crypt key data (256 bytes, or 128 for a one-key tls-auth file), or null. */
    public final byte[] wrapKey;
    public final KeyDirection tlsAuthDirection;
    public final AuthAlgorithm auth;
    public final List<DataCipher> dataCiphers;
    public final DataCipher fallback;
    public final long renegMillis;
    public final long renegBytes;
    public final long renegPackets;
    public final long handWindowMillis;
    public final long tlsTimeoutMillis;
    public final long tranWindowMillis;
    public final ReplayWindow.Settings replay;
    public final String localOptions;
    public final String expectedRemoteOptions;
    private final String cipherNames;
    /** Largest TLS payload per P_CONTROL_V1 so that packets stay within --max-packet-size. */
    public final int maxControlPayload;
    /** The IV_PROTO bits this side announces (normally {@link #IV_PROTO}). */
    public final int ivProto;
    /** A UDP tls-server with a known peer sends its hard reset without waiting for the client's. */
    public final boolean serverSendsFirst;
    /**
     * Test hook: announce TLS_KEY_EXPORT even on a TLS session that cannot export, as OpenVPN does
     * (with OpenSSL it always can), to reproduce such a peer.
     */
    public final boolean announceKeyExportAlways;
    /**
     * A tls-crypt-v2 client's wrapped client key (WKc), appended to its {@code P_CONTROL_HARD_RESET_CLIENT_V3}
     * and, on the server's request, to its {@code P_CONTROL_WKC_V1}; null otherwise. {@link #wrapKey} is then Kc.
     */
    public final byte[] tlsCryptV2Wkc;
    /**
     * {@code mode server}: this tls-server serves one client of a multi-client server. Key 0's data keys
     * wait for the caller's decision (authentication, pushed cipher and peer-id), the client's
     * PUSH_REQUEST is answered with the caller's PUSH_REPLY, and this side's key-method-2 message
     * carries no peer info, as OpenVPN's server does.
     */
    public final boolean serverMode;
    /** A server's {@code --verify-client-cert}; REQUIRE for a client. */
    public final VerifyClientCert verifyClientCert;
    /**
     * A tls-crypt-v2 server's session for one client: {@link #wrapKey} is that client's Kc, and its
     * {@code P_CONTROL_WKC_V1} packets are read as {@code P_CONTROL_V1} without the WKc at their end.
     */
    public final boolean tlsCryptV2Server;
    /** Pull mode: key 0's data keys wait for the server's PUSH_REPLY; control messages are a client's. */
    public final boolean pull;
    /** The IV_ lines of a 2.6 pull client other than IV_CIPHERS and IV_PROTO; empty outside pull mode. */
    private final String pullPeerInfo;

    public SessionConfig(boolean server, TlsProfile profile, Credentials credentials, PeerVerifier verifier,
            ControlWrap.Kind wrapKind, byte[] wrapKey, KeyDirection tlsAuthDirection, AuthAlgorithm auth,
            List<DataCipher> dataCiphers, DataCipher fallback, long renegSeconds, long renegBytes, long renegPackets,
            long handWindowSeconds, long tlsTimeoutSeconds, long tranWindowSeconds, ReplayWindow.Settings replay,
            String localOptions, String expectedRemoteOptions, int maxPacketSize, int ivProto, boolean serverSendsFirst,
            boolean announceKeyExportAlways, boolean pull, boolean compressionConfigured, int tunMtu,
            boolean pushPeerInfo, byte[] tlsCryptV2Wkc, boolean serverMode, boolean tlsCryptV2Server,
            VerifyClientCert verifyClientCert) {
        this.verifyClientCert = server ? verifyClientCert : VerifyClientCert.REQUIRE;
        this.tlsCryptV2Server = server && tlsCryptV2Server;
        this.tlsCryptV2Wkc = tlsCryptV2Wkc;
        this.serverMode = server && serverMode;
        this.pull = pull && !server;
        this.pullPeerInfo = this.pull ? pullPeerInfo(dataCiphers, compressionConfigured, tunMtu, pushPeerInfo) : "";
        this.serverSendsFirst = server && serverSendsFirst;
        this.announceKeyExportAlways = announceKeyExportAlways;
        this.server = server;
        this.profile = profile;
        this.credentials = credentials;
        this.verifier = verifier;
        this.wrapKind = wrapKind;
        this.wrapKey = wrapKey;
        this.tlsAuthDirection = tlsAuthDirection;
        this.auth = auth;
        this.dataCiphers = List.copyOf(dataCiphers);
        this.fallback = fallback;
        this.renegMillis = renegSeconds * 1000L;
        this.renegBytes = renegBytes;
        this.renegPackets = renegPackets;
        this.handWindowMillis = handWindowSeconds * 1000L;
        this.tlsTimeoutMillis = tlsTimeoutSeconds * 1000L;
        this.tranWindowMillis = tranWindowSeconds * 1000L;
        this.replay = replay;
        this.localOptions = localOptions;
        this.expectedRemoteOptions = expectedRemoteOptions;
        StringBuilder names = new StringBuilder();
        for (DataCipher c : dataCiphers) {
            if (names.length() > 0) {
                names.append(':');
            }
            names.append(c.openVpnName());
        }
        this.ivProto = ivProto;
        this.cipherNames = names.toString();
        int wrapOverhead = wrapKind == ControlWrap.Kind.TLS_AUTH ? auth.digestLength() + 8
                : wrapKind == ControlWrap.Kind.TLS_CRYPT ? 8 + 32 + 16 : 0;
        // OpenVPN's arithmetic: opcode, session id, an ACK record of 4, message id, the wrapping and
        // the worst-case (IPv6) IP+UDP header all come out of --max-packet-size. Dynamic tls-crypt
        // may wrap renegotiations even without a configured wrapper, so reserve for it always.
        int worstWrap = Math.max(wrapOverhead, 8 + 32 + 16);
        this.maxControlPayload = maxPacketSize - 48 - 1 - 8 - AckState.size(4) - 4 - worstWrap;
    }

    /**
     * The IV_PROTO bits we announce for a key whose TLS session can or cannot export keying material:
     * without export, neither key export nor dynamic tls-crypt (which is derived by export).
     */
    int ivProto(boolean canExport) {
        return canExport || announceKeyExportAlways ? ivProto
                : ivProto & ~(IV_PROTO_TLS_KEY_EXPORT | IV_PROTO_DYN_TLS_CRYPT);
    }

    /** Our key-method-2 peer info, announcing {@code proto}. */
    String peerInfo(int proto) {
        if (serverMode) {
            return "";
        }
        if (pull) {
            return pullPeerInfo.replace("IV_CIPHERS=\n", "IV_CIPHERS=" + cipherNames + "\nIV_PROTO=" + proto + "\n");
        }
        return "IV_CIPHERS=" + cipherNames + "\nIV_PROTO=" + proto + "\n";
    }

    /**
     * What OpenVPN 2.6's {@code push_peer_info} sends from a Linux pull client (facts sheet §3), with
     * an {@code IV_CIPHERS=} placeholder line that {@link #peerInfo} fills in. IV_VER names the OpenVPN
     * release whose behaviour Culvert follows: servers read it for compatibility decisions.
     */
    private static String pullPeerInfo(List<DataCipher> ciphers, boolean compressionConfigured, int tunMtu,
            boolean pushPeerInfo) {
        StringBuilder sb = new StringBuilder("IV_VER=2.6.14\nIV_PLAT=linux\nIV_TCPNL=1\n");
        sb.append("IV_MTU=").append(Math.max(tunMtu, 1600)).append('\n');
        boolean gcm128 = false;
        boolean gcm256 = false;
        for (DataCipher c : ciphers) {
            gcm128 |= c.openVpnName().equals("AES-128-GCM");
            gcm256 |= c.openVpnName().equals("AES-256-GCM");
        }
        if (gcm128 && gcm256) {
            sb.append("IV_NCP=2\n");
        }
        sb.append("IV_CIPHERS=\n");
        if (compressionConfigured) {
            // Culvert decompresses these (it never compresses): what OpenVPN announces with compression configured.
            sb.append("IV_LZ4=1\nIV_LZ4v2=1\nIV_LZO=1\n");
        } else {
            sb.append("IV_LZO_STUB=1\n");
        }
        sb.append("IV_COMP_STUB=1\nIV_COMP_STUBv2=1\n");
        if (pushPeerInfo) {
            // OpenVPN's detail 3; IV_HWADDR (the default gateway interface's MAC) is not sent: Culvert
            // does not read the host's routing table.
            String bc = org.bouncycastle.tls.TlsClientProtocol.class.getPackage().getImplementationVersion();
            sb.append("IV_SSL=Bouncy Castle TLS").append(bc == null ? "" : " " + bc).append('\n');
            sb.append("IV_PLAT_VER=").append(System.getProperty("os.version", "")).append('\n');
        }
        return sb.toString();
    }

    /** A fresh wrapper (own packet-id counter and replay window) for one control session. */
    ControlWrap newWrap(Clock clock) {
        return newWrap(clock, 0);
    }

    /**
     * A fresh wrapper whose packet-ids continue after {@code lastSentId}: a server session continuing
     * a stateless handshake whose reply used packet-id 1.
     */
    ControlWrap newWrap(Clock clock, long lastSentId) {
        switch (wrapKind) {
            case TLS_AUTH:
                return ControlWrap.tlsAuth(wrapKey, tlsAuthDirection, auth, replay, clock, lastSentId);
            case TLS_CRYPT:
                return tlsCryptV2Wkc != null ? ControlWrap.tlsCryptV2Client(wrapKey, replay, clock)
                        : ControlWrap.tlsCrypt(wrapKey, server, replay, clock, lastSentId);
            default:
                return ControlWrap.none();
        }
    }
}
