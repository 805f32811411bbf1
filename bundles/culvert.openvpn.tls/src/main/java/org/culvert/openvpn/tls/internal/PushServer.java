package org.culvert.openvpn.tls.internal;

import java.util.List;
import org.culvert.openvpn.Clock;
import org.culvert.openvpn.tls.DataCipher;

/**
 * The server's side of the pull for one client ({@code mode server}), for one {@link ControlSession}:
 * what OpenVPN's {@code process_incoming_push_request}, {@code send_push_reply} and
 * {@code send_auth_failed} do with the caller's decision about the client. The caller authenticates the
 * client after its key-method-2 message ({@link #clientKeyMethod2()}) and then accepts it (keying key 0
 * and giving the PUSH_REPLY messages to send), defers it (AUTH_PENDING) or denies it (AUTH_FAILED).
 * PUSH_REQUESTs that arrive before the decision are remembered and answered when it comes; the reply
 * also goes out unasked to a client announcing IV_PROTO_REQUEST_PUSH; a request within 30 s of the last
 * reply is ignored. Control path, loop thread only.
 */
public final class PushServer {
    /** OpenVPN ignores a PUSH_REQUEST that comes within 30 s of the last reply. */
    static final long REPLY_REPEAT_MILLIS = 30_000;

    /** The caller's decision about the client. */
    public enum Decision { UNDECIDED, PENDING, ACCEPTED, DENIED }

    private final ControlSession session;
    private final Clock clock;
    private Decision decision = Decision.UNDECIDED;
    private List<String> replies = List.of();
    private String authFailed;
    private boolean requested;
    private long lastReply = Long.MIN_VALUE;
    private int pushRequests;
    /** Key 0's key-method-2 message from the client, kept until the caller decided. */
    private KeyMethod2 clientKm2;
    private String notice;

    PushServer(ControlSession session, Clock clock) {
        this.session = session;
        this.clock = clock;
    }

    /** Key 0's key-method-2 message arrived; true the first time. */
    boolean clientKeyMethod2(KeyMethod2 km2) {
        if (clientKm2 != null || decision == Decision.ACCEPTED) {
            return false;
        }
        clientKm2 = km2;
        return true;
    }

    /** What a client says to the server: PUSH_REQUEST, EXIT; anything else becomes a {@link #takeNotice() notice}. */
    void controlMessage(String m) {
        if (m.equals("PUSH_REQUEST")) {
            pushRequest(clock.monotonicMillis());
        } else if (m.equals("EXIT")) {
            session.clientExit();
        } else {
            notice = "WARNING: Received unknown control message: " + P2pNegotiation.shown(m);
        }
    }

    private void pushRequest(long now) {
        pushRequests++;
        requested = true;
        if (lastReply != Long.MIN_VALUE && now - lastReply < REPLY_REPEAT_MILLIS) {
            return;
        }
        if (decision == Decision.ACCEPTED) {
            sendReplies(now);
        } else if (decision == Decision.DENIED) {
            session.queueControlMessage(authFailed);
            lastReply = now;
        }
        // UNDECIDED or PENDING: remembered (the packet is ACKed); answered by accept or deny.
    }

    /** A line to log about the client's control messages, once; else null. */
    public String takeNotice() {
        String n = notice;
        notice = null;
        return n;
    }

    /** The client's key-method-2 message (peer info, username, password) awaiting a decision, or null. */
    public KeyMethod2 clientKeyMethod2() {
        return clientKm2;
    }

    public Decision decision() {
        return decision;
    }

    /** The client's PUSH_REQUESTs so far. */
    public int pushRequests() {
        return pushRequests;
    }

    /**
     * The caller accepted the client: keys key 0 with the chosen cipher, peer-id and key derivation,
     * then sends {@code messages} once the client asked (or at once if {@code willNotAsk}: it announced
     * IV_PROTO_REQUEST_PUSH).
     *
     * @return false if there was nothing to accept (no key-method-2 message yet, decided, failed)
     */
    public boolean accept(DataCipher cipher, int peerId, boolean ekm, boolean ccExit, boolean dynTlsCrypt,
            List<String> messages, boolean willNotAsk) {
        if (clientKm2 == null || decision == Decision.ACCEPTED || decision == Decision.DENIED
                || !session.keyClient(cipher, peerId, ekm, ccExit, dynTlsCrypt, clientKm2)) {
            return false;
        }
        clientKm2 = null; // wiped when the keys were derived
        decision = Decision.ACCEPTED;
        replies = List.copyOf(messages);
        if (requested || willNotAsk) {
            sendReplies(clock.monotonicMillis());
        }
        session.processNow();
        return true;
    }

    /** Defers the decision: {@code authPending} then {@code infoPre} (if not null) go to the client. */
    public void pending(String authPending, String infoPre) {
        if ((decision != Decision.UNDECIDED && decision != Decision.PENDING) || !session.undecided()) {
            return;
        }
        decision = Decision.PENDING;
        session.queueControlMessage(authPending);
        if (infoPre != null) {
            session.queueControlMessage(infoPre);
        }
        session.processNow();
    }

    /** AUTH_FAILED[,reason] goes out at once, and again on a later PUSH_REQUEST; no keys, no push. */
    public void deny(String message) {
        if (decision == Decision.ACCEPTED || decision == Decision.DENIED || !session.undecided()) {
            return;
        }
        decision = Decision.DENIED;
        authFailed = message;
        session.queueControlMessage(message);
        lastReply = clock.monotonicMillis();
        if (clientKm2 != null) {
            clientKm2.wipe();
        }
        session.processNow();
    }

    private void sendReplies(long now) {
        for (String m : replies) {
            session.queueControlMessage(m);
        }
        lastReply = now;
    }
}
