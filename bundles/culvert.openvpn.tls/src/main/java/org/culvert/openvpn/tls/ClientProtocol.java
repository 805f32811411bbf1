package org.culvert.openvpn.tls;

import java.util.ArrayList;
import java.util.List;

/**
 * What a server settles for one client from its peer info, as OpenVPN 2.6's
 * {@code multi_client_set_protocol_options} and {@code ncp_get_best_cipher} do (facts sheet §2.5, §3):
 * the data cipher, whether it is pushed, the peer-id ({@code P_DATA_V2} only for clients announcing
 * IV_PROTO_DATA_V2), key derivation by TLS export (IV_PROTO_TLS_KEY_EXPORT), control-channel exit
 * notification and dynamic tls-crypt; and the pushed options that say so, in OpenVPN's order
 * ({@link #pushOptions()}). A client sharing no cipher gets {@link #failure()} as its AUTH_FAILED reason.
 *
 * @param cipher the data cipher, or null when none is shared (see {@link #failure()})
 * @param pushCipher whether {@code cipher X} is pushed (clients sending IV_CIPHERS or IV_NCP &gt;= 2)
 * @param peerId the pushed peer-id, or -1 (the client uses {@code P_DATA_V1})
 * @since 2.2
 */
public record ClientProtocol(DataCipher cipher, boolean pushCipher, int peerId, boolean tlsEkm, boolean ccExit,
        boolean dynTlsCrypt, String failure) {

    /**
     * @param info the client's peer info
     * @param occCipher the {@code cipher} of the client's OCC options string, or null
     * @param dataCiphers the server's {@code --data-ciphers}, in order
     * @param fallback the server's {@code --data-ciphers-fallback}, or null
     * @param peerId the peer-id the server assigned (OpenVPN's lowest free slot)
     * @param canExportKeys whether this client's TLS session can export keying material
     */
    public static ClientProtocol choose(PeerInfo info, String occCipher, List<DataCipher> dataCiphers,
            DataCipher fallback, int peerId, boolean canExportKeys) {
        boolean ncpClient = info.ciphers() != null || info.ncp() >= 2;
        DataCipher c = bestCipher(dataCiphers, info, occCipher);
        String failure = null;
        if (c == null && !ncpClient) {
            // An old client: its own (OCC) cipher if we have it, else the fallback (OpenVPN's
            // "client does not support NCP" path).
            DataCipher occ = occCipher == null ? null : DataCipher.lookup(occCipher);
            c = occ != null && (dataCiphers.contains(occ) || occ == fallback) ? occ : fallback;
        }
        if (c == null) {
            List<String> theirs = info.ciphers();
            failure = "Data channel cipher negotiation failed (no shared cipher): client offers "
                    + (theirs != null ? String.join(":", theirs) : occCipher == null ? "nothing" : occCipher);
        }
        boolean ekm = canExportKeys && info.has(PeerInfo.IV_PROTO_TLS_KEY_EXPORT);
        return new ClientProtocol(c, c != null && ncpClient, info.has(PeerInfo.IV_PROTO_DATA_V2) ? peerId : -1, ekm,
                info.has(PeerInfo.IV_PROTO_CC_EXIT_NOTIFY), ekm && info.has(PeerInfo.IV_PROTO_DYN_TLS_CRYPT), failure);
    }

    /**
     * OpenVPN's {@code ncp_get_best_cipher}: the first of the server's ciphers that the client lists in
     * IV_CIPHERS (without it, IV_NCP &gt;= 2 means AES-256-GCM:AES-128-GCM), or that is the client's own
     * OCC cipher when it sends no IV_CIPHERS; null if none.
     */
    public static DataCipher bestCipher(List<DataCipher> serverCiphers, PeerInfo info, String occCipher) {
        List<String> theirs = info.ciphers();
        if (theirs == null) {
            theirs = info.ncp() >= 2 ? List.of("AES-256-GCM", "AES-128-GCM") : List.of();
        }
        String remote = occCipher == null || info.ciphers() != null ? "" : occCipher;
        for (DataCipher mine : serverCiphers) {
            for (String t : theirs) {
                if (t.equalsIgnoreCase(mine.openVpnName())) {
                    return mine;
                }
            }
            if (remote.equalsIgnoreCase(mine.openVpnName())) {
                return mine;
            }
        }
        return null;
    }

    /** Whether a cipher was found; else the client is refused with {@link #failure()}. */
    public boolean ok() {
        return cipher != null;
    }

    /**
     * The options OpenVPN's {@code prepare_push_reply} generates from these, in its order:
     * {@code peer-id N}, {@code cipher X}, then {@code protocol-flags cc-exit tls-ekm[ dyn-tls-crypt]}
     * or {@code key-derivation tls-ekm} ({@code protocol-flags dyn-tls-crypt}), or
     * {@code protocol-flags cc-exit} alone.
     */
    public List<String> pushOptions() {
        List<String> out = new ArrayList<>();
        if (peerId >= 0) {
            out.add("peer-id " + peerId);
        }
        if (pushCipher && cipher != null) {
            out.add("cipher " + cipher.openVpnName());
        }
        if (ccExit) {
            out.add("protocol-flags cc-exit" + (tlsEkm ? " tls-ekm" : "") + (dynTlsCrypt ? " dyn-tls-crypt" : ""));
        } else if (tlsEkm) {
            out.add("key-derivation tls-ekm");
            if (dynTlsCrypt) {
                out.add("protocol-flags dyn-tls-crypt");
            }
        }
        return out;
    }
}
