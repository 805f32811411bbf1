package org.culvert.openvpn.tls;

/**
 * What the handshake settled, for logging and status displays. Immutable.
 *
 * @param tlsVersion e.g. {@code TLSv1.3}
 * @param tlsCipherSuite the IANA name, e.g. {@code TLS_AES_256_GCM_SHA384}
 * @param dataCipher the data-channel cipher
 * @param keyDerivation {@code tls-ekm} (RFC 5705 exporter) or {@code openvpn-prf} (TLS 1.0 PRF)
 * @param dataV2 whether data packets are {@code P_DATA_V2} (else {@code P_DATA_V1})
 * @param peerId the 24-bit peer-id sent in {@code P_DATA_V2} headers
 * @param ccExitNotify whether exit notification goes over the control channel ({@code EXIT})
 * @param dynamicTlsCrypt whether renegotiations are wrapped with the exporter-derived tls-crypt key
 * @param peerSubject the peer certificate's subject, OpenVPN style ({@code C=.., O=.., CN=..})
 * @param peerFingerprint the peer certificate's SHA-256 fingerprint, {@code AA:BB:..}
 * @param keyId the key_id currently used to send
 * @param peerInfo the peer's key-method-2 peer-info text (untrusted; for display only)
 * @param optionsWarning a note when the peer's OCC options string differs from the expected one, else null
 */
public record Negotiated(String tlsVersion, String tlsCipherSuite, DataCipher dataCipher, String keyDerivation,
        boolean dataV2, int peerId, boolean ccExitNotify, boolean dynamicTlsCrypt, String peerSubject,
        String peerFingerprint, int keyId, String peerInfo, String optionsWarning) {
}
