package org.culvert.openvpn.tls.internal;

/**
 * What a pull-mode {@link ControlSession} hands to its owner: the server's PUSH_ messages, to be read
 * as options, and lines worth logging (INFO, INFO_PRE, unknown messages). Loop thread only.
 */
public interface PullClient {
    /** What a PUSH_ message did. */
    enum Push {
        /** More parts follow; keep waiting. */
        MORE,
        /** The final part was applied: stop asking; keys wait for {@link ControlSession#completePull}. */
        COMPLETE,
        /** The push cannot be used: the session fails with {@link #pushFailure()}. */
        FAILED,
        /** Not a PUSH_REPLY (a PUSH_UPDATE, say), or one after the pull: logged, nothing else. */
        IGNORED
    }

    Push pushMessage(String message);

    /** Why the last {@link Push#FAILED} happened; one line, never key material. */
    String pushFailure();

    /** A line for the log (the server's INFO text, a warning about a message). */
    void notice(String line);

    /** Key method 2 is done and the push is asked for: OpenVPN's client state GET_CONFIG (forward.c check_connection_established). */
    default void gettingConfig() {
    }

    /**
     * The server sent AUTH_PENDING: OpenVPN's client state AUTH_PENDING, described by the keywords after
     * {@code AUTH_PENDING,} (empty without), as push.c parse_auth_pending_keywords gives them.
     */
    default void authPending(String keywords) {
    }
}
