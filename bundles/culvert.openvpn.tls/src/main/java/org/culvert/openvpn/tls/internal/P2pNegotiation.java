package org.culvert.openvpn.tls.internal;

import java.util.function.Consumer;
import org.culvert.openvpn.session.OccStrings;
import org.culvert.openvpn.tls.DataCipher;
import org.culvert.openvpn.tls.TlsFailure;

/**
 * What a control session settles without keeping state of its own, split out of {@link ControlSession}:
 * point-to-point negotiation (OpenVPN's {@code p2p_mode_ncp}) from the peer's first key-method-2
 * message, the reason a handshake timed out, and the small text helpers both use. Stateless.
 */
final class P2pNegotiation {
    private P2pNegotiation() {
    }

    /** OpenVPN's p2p_mode_ncp and get_p2p_ncp_cipher, from the peer's first key-method-2 message. */
    static ControlSession.Negotiation negotiate(SessionConfig cfg, KeyState ks, Consumer<TlsFailure> fail) {
        String peerInfo = ks.peerKm2.peerInfo;
        // OpenVPN enables a feature when the *peer* announced it; the peer does the same with our
        // announcement. Requiring both keeps the two sides in step whatever either announces.
        // What we announced in this key's key-method-2 message: Bouncy Castle cannot export keying
        // material from a TLS 1.2 session without the extended master secret, so on such a session we
        // announce no key export, and the peer (OpenVPN's p2p_ncp_set_options reads our IV_PROTO)
        // derives data keys with the TLS 1.0 PRF as we do instead of failing at export.
        int proto = KeyMethod2.ivProto(peerInfo) & cfg.ivProto(ks.tls.canExport());
        boolean ncp = (proto & SessionConfig.IV_PROTO_NCP_P2P) != 0;
        boolean dataV2 = ncp && (proto & SessionConfig.IV_PROTO_DATA_V2) != 0;
        boolean ccExit = ncp && (proto & SessionConfig.IV_PROTO_CC_EXIT_NOTIFY) != 0;
        boolean ekm = ncp && (proto & SessionConfig.IV_PROTO_TLS_KEY_EXPORT) != 0;
        boolean dynamic = ekm && (proto & SessionConfig.IV_PROTO_DYN_TLS_CRYPT) != 0;
        DataCipher cipher = null;
        String peerCiphers = KeyMethod2.peerInfoValue(peerInfo, "IV_CIPHERS");
        if (peerCiphers != null) {
            String[] theirs = peerCiphers.split(":");
            if (cfg.server) {
                for (DataCipher mine : cfg.dataCiphers) {
                    if (contains(theirs, mine.openVpnName())) {
                        cipher = mine;
                        break;
                    }
                }
            } else {
                for (String t : theirs) {
                    DataCipher c = DataCipher.lookup(t);
                    if (c != null && c.openVpnName().equalsIgnoreCase(t.trim()) && cfg.dataCiphers.contains(c)) {
                        cipher = c;
                        break;
                    }
                }
            }
        }
        if (cipher == null) {
            cipher = cfg.fallback;
        }
        if (cipher == null) {
            fail.accept(new TlsFailure(TlsFailure.Reason.NEGOTIATION_FAILED, "failed to negotiate a cipher with the peer"
                    + (peerCiphers == null ? " (it sent no IV_CIPHERS)" : " (it offers " + shown(peerCiphers) + ")")
                    + " and --data-ciphers-fallback is not set"));
            return null;
        }
        int peerId = 0xFFFFFF;
        if (dataV2) {
            peerId = 0x76706E; // 'vpn'
            if (ekm && ks.tls.canExport()) {
                byte[] id = ks.tls.export(ControlSession.EKM_PEER_ID, 3);
                peerId = ((id[0] & 0xFF) << 16) | ((id[1] & 0xFF) << 8) | (id[2] & 0xFF);
            }
            // else: OpenVPN (ssl_ncp.c p2p_ncp_set_options) warns "TLS key export for P2P peer id
            // failed. Continuing anyway, expect problems" and keeps 'vpn'; the data-key export below
            // then fails the key as its generate_key_expansion does. Only reachable when the hook
            // announceKeyExportAlways makes us announce export we cannot do.
        }
        String warning = OccStrings.mismatch(cfg.expectedRemoteOptions, ks.peerKm2.options);
        return new ControlSession.Negotiation(cipher, ekm, dataV2, peerId, ccExit, dynamic, shown(peerInfo), warning,
                ks.tls.peer());
    }


    static ControlSession.Negotiation withWarning(ControlSession.Negotiation n, String warning) {
        return new ControlSession.Negotiation(n.cipher(), n.ekm(), n.dataV2(), n.peerId(), n.ccExit(), n.dynamicTlsCrypt(),
                n.peerInfo(), warning, n.peer());
    }


    static boolean contains(String[] list, String name) {
        for (String s : list) {
            if (s.equals(name)) {
                return true;
            }
        }
        return false;
    }


    /** The {@code cipher} item of a peer's OCC options string, or null. */
    static DataCipher occCipher(String options) {
        if (options == null) {
            return null;
        }
        for (String item : options.split(",")) {
            if (item.startsWith("cipher ")) {
                return DataCipher.lookup(item.substring(7).trim());
            }
        }
        return null;
    }


    static String shown(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && i < 256; i++) {
            char c = s.charAt(i);
            sb.append(c == '\n' || (c >= 0x20 && c < 0x7F) ? c : '?');
        }
        return sb.toString();
    }


    /**
     * Why a handshake ran out of --hand-window, in OpenVPN's words where it has them, told apart by
     * what was seen: no push reply, wrapper failures only, a key-method-1 peer, or silence.
     */
    static TlsFailure timeoutFailure(boolean pull, long seconds, long authenticated, int wrapFailures,
            ControlWrap.Kind kind, boolean keyMethod1Seen) {
        if (pull) {
            return new TlsFailure(TlsFailure.Reason.NO_PUSH_REPLY, "No reply from server to push requests in "
                    + seconds + "s");
        }
        if (authenticated == 0 && wrapFailures > 0 && kind == ControlWrap.Kind.TLS_AUTH) {
            return new TlsFailure(TlsFailure.Reason.TLS_AUTH_FAILED, wrapFailures + " control packet(s) from the peer"
                    + " failed the --tls-auth HMAC check and none passed within " + seconds
                    + " s: the tls-auth keys, key directions or --auth digests differ");
        } else if (authenticated == 0 && wrapFailures > 0 && kind == ControlWrap.Kind.TLS_CRYPT) {
            return new TlsFailure(TlsFailure.Reason.TLS_CRYPT_FAILED, wrapFailures + " control packet(s) from the peer"
                    + " could not be unwrapped with --tls-crypt and none could within " + seconds
                    + " s: the tls-crypt keys differ");
        } else if (authenticated == 0 && keyMethod1Seen) {
            return new TlsFailure(TlsFailure.Reason.KEY_METHOD_1, "the peer only speaks key method 1");
        } else if (authenticated == 0 && kind != ControlWrap.Kind.NONE) {
            return new TlsFailure(TlsFailure.Reason.HANDSHAKE_TIMEOUT, "no answer from the peer within " + seconds
                    + " seconds (check your network connectivity; with --" + (kind == ControlWrap.Kind.TLS_AUTH
                    ? "tls-auth, different keys or key directions" : "tls-crypt, a different key")
                    + " also make the peer drop our packets silently)");
        } else {
            return new TlsFailure(TlsFailure.Reason.HANDSHAKE_TIMEOUT, "TLS key negotiation failed to occur within "
                    + seconds + " seconds (check your network connectivity)");
        }
    }
}
