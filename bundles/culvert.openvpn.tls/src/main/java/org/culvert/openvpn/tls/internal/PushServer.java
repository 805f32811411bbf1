package org.culvert.openvpn.tls.internal;

import java.util.List;
import java.util.function.Consumer;

/**
 * The server's side of the pull for one client ({@code mode server}): what OpenVPN's
 * {@code process_incoming_push_request}, {@code send_push_reply} and {@code send_auth_failed} do with
 * the caller's decision about the client. The caller authenticates the client after its key-method-2
 * message and then accepts it (with the PUSH_REPLY messages to send), defers (AUTH_PENDING) or denies
 * it (AUTH_FAILED). PUSH_REQUESTs that arrive before the decision are remembered and answered when it
 * comes; the reply also goes out unasked to a client announcing IV_PROTO_REQUEST_PUSH. Control path,
 * loop thread only.
 */
final class PushServer {
    /** OpenVPN ignores a PUSH_REQUEST that comes within 30 s of the last reply. */
    static final long REPLY_REPEAT_MILLIS = 30_000;

    enum Decision { UNDECIDED, PENDING, ACCEPTED, DENIED }

    private final Consumer<String> send;
    private Decision decision = Decision.UNDECIDED;
    private List<String> replies = List.of();
    private String authFailed;
    private boolean requested;
    private boolean unasked;
    private long lastReply = Long.MIN_VALUE;
    private int pushRequests;

    /** @param send queues one control message for the client */
    PushServer(Consumer<String> send) {
        this.send = send;
    }

    Decision decision() {
        return decision;
    }

    /** PUSH_REQUESTs the client sent. */
    int pushRequests() {
        return pushRequests;
    }

    /** The client's PUSH_REQUEST. */
    void pushRequest(long now) {
        pushRequests++;
        requested = true;
        if (lastReply != Long.MIN_VALUE && now - lastReply < REPLY_REPEAT_MILLIS) {
            return;
        }
        if (decision == Decision.ACCEPTED) {
            sendReplies(now);
        } else if (decision == Decision.DENIED) {
            send.accept(authFailed);
            lastReply = now;
        }
        // UNDECIDED or PENDING: remembered (the packet is ACKed); answered by accept or deny.
    }

    /**
     * The caller accepted the client; the data keys are installed before this is called, as OpenVPN
     * generates the server's keys before it sends the PUSH_REPLY.
     *
     * @param willNotAsk the client announced IV_PROTO_REQUEST_PUSH: reply without waiting for PUSH_REQUEST
     */
    void accept(List<String> messages, boolean willNotAsk, long now) {
        if (decision == Decision.ACCEPTED || decision == Decision.DENIED) {
            return;
        }
        decision = Decision.ACCEPTED;
        replies = List.copyOf(messages);
        unasked = willNotAsk;
        if (requested || unasked) {
            sendReplies(now);
        }
    }

    /** AUTH_PENDING[,timeout N] then INFO_PRE,extra (OpenVPN's send_auth_pending_messages). */
    void pending(String authPending, String infoPre) {
        if (decision != Decision.UNDECIDED && decision != Decision.PENDING) {
            return;
        }
        decision = Decision.PENDING;
        send.accept(authPending);
        if (infoPre != null) {
            send.accept(infoPre);
        }
    }

    /** AUTH_FAILED[,reason] goes out at once; a later PUSH_REQUEST gets it again. */
    void deny(String message, long now) {
        if (decision == Decision.ACCEPTED || decision == Decision.DENIED) {
            return;
        }
        decision = Decision.DENIED;
        authFailed = message;
        send.accept(message);
        lastReply = now;
    }

    private void sendReplies(long now) {
        for (String m : replies) {
            send.accept(m);
        }
        lastReply = now;
    }
}
