package org.culvert.openvpn.tls;

import java.util.Objects;

/**
 * Why a {@link TlsSession} gave up: a reason for programs and a one-line message for people. Messages
 * name certificates by subject and fingerprint but never contain key material. Immutable.
 */
public final class TlsFailure {
    /** The distinct ways a TLS-mode session can fail. */
    public enum Reason {
        /** The peer's certificate fingerprint is not one of {@code --peer-fingerprint}. */
        FINGERPRINT_MISMATCH,
        /** The peer's chain does not validate against {@code --ca} (other CA, expired, no certificate). */
        CERT_UNTRUSTED,
        /** The peer's certificate fails {@code --verify-x509-name}. */
        CERT_NAME_MISMATCH,
        /**
         * The peer's certificate fails {@code --remote-cert-tls}, {@code --remote-cert-ku} or
         * {@code --remote-cert-eku} (key usage / extended key usage).
         */
        CERT_USAGE_MISMATCH,
        /**
         * {@code --crl-verify}: a certificate of the peer's chain is revoked, or the CRL is missing for
         * its issuer, expired or unusable (as OpenVPN, which then refuses every peer).
         *
         * @since tls 2.1
         */
        CERT_REVOKED,
        /** The peer ended the TLS handshake with an alert (it rejected us or our parameters). */
        PEER_REJECTED,
        /** No control packet passed the {@code --tls-auth} HMAC check: the keys or directions differ. */
        TLS_AUTH_FAILED,
        /** No control packet could be unwrapped with {@code --tls-crypt}: the keys differ. */
        TLS_CRYPT_FAILED,
        /** The peer only speaks key method 1, which OpenVPN 2.6 and Culvert no longer support. */
        KEY_METHOD_1,
        /** TLS and the key exchange did not complete within {@code --hand-window}. */
        HANDSHAKE_TIMEOUT,
        /** No common data-channel cipher and no usable {@code --data-ciphers-fallback}. */
        NEGOTIATION_FAILED,
        /** The TLS library failed locally (no common TLS version, cipher suite or group, a bad record). */
        TLS_ERROR,
        /** The peer broke the OpenVPN protocol (malformed key-method-2 message, impossible state). */
        PROTOCOL_ERROR,
        /** Data-channel keys could not be derived (exporter unavailable, weak key). */
        KEY_DERIVATION_FAILED,
        /** Pull mode: no PUSH_REPLY within {@code --hand-window} of PUSH_REQUESTs (OpenVPN's {@code no-push-reply}). */
        NO_PUSH_REPLY,
        /**
         * Pull mode: the server's options cannot be used (a {@code --pull-filter reject}, a cipher outside
         * {@code --data-ciphers}, a refused compression): OpenVPN's {@code process-push-msg-failed}.
         */
        PUSH_FAILED,
        /** Pull mode: the server told us to reconnect ({@code RESTART[,text]}, e.g. its explicit-exit-notify). */
        SERVER_RESTART,
        /** Pull mode: the server told us to stop ({@code HALT[,text]}): no reconnection. */
        SERVER_HALT,
        /**
         * The server sent {@code AUTH_FAILED}: it refused the {@code --auth-user-pass} credentials (or
         * asks a challenge, or refuses them for now); {@link TlsSession#authFailed()} has the parsed message.
         *
         * @since 2.1
         */
        AUTH_FAILED,
        /**
         * An unexpected exception in the engine while handling a packet or a timer (a defect, caught
         * so that it fails this control session, which the tunnel restarts, instead of the tunnel).
         */
        INTERNAL_ERROR
    }

    private final Reason reason;
    private final String message;

    public TlsFailure(Reason reason, String message) {
        this.reason = Objects.requireNonNull(reason, "reason");
        this.message = Objects.requireNonNull(message, "message");
    }

    public Reason reason() {
        return reason;
    }

    public String message() {
        return message;
    }

    @Override
    public String toString() {
        return reason + ": " + message;
    }
}
