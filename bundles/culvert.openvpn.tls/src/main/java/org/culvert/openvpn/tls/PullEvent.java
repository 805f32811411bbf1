package org.culvert.openvpn.tls;

import org.culvert.openvpn.config.PushedOptions;

/**
 * What a pull session has to tell its owner besides log lines ({@link TlsSession#pollPullEvent()}):
 * OpenVPN's client states that the pull sets, and a PUSH_REPLY that came after the first push.
 *
 * @param kind what happened
 * @param detail for {@link Kind#AUTH_PENDING}, the server's keywords after {@code AUTH_PENDING,}
 *     (OpenVPN's state description); else empty
 * @param pushed for {@link Kind#LATER_PUSH}, that push's options (a renewed {@code auth-token}); else null
 * @since 2.2
 */
public record PullEvent(Kind kind, String detail, PushedOptions pushed) {
    /** The events, in OpenVPN's words. */
    public enum Kind {
        /** Key method 2 is done and the push is asked for: OpenVPN's state GET_CONFIG. Once per session. */
        GET_CONFIG,
        /** The server deferred the authentication (AUTH_PENDING): OpenVPN's state AUTH_PENDING. */
        AUTH_PENDING,
        /**
         * A complete PUSH_REPLY after the first push (an {@code auth-gen-token} server renews the token
         * after each renegotiation): its values update stored ones, the device and keys stay.
         */
        LATER_PUSH
    }
}
