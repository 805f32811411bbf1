package org.culvert.openvpn.tls;

import java.util.ArrayDeque;
import java.util.function.Supplier;
import org.culvert.openvpn.config.Compression;
import org.culvert.openvpn.config.PushReply;
import org.culvert.openvpn.config.PushedOptions;
import org.culvert.openvpn.session.DataPayload;
import org.culvert.openvpn.tls.internal.PullClient;

/**
 * A pull session's reading of the server's PUSH_ messages for {@link TlsSession}: the parts of the
 * first push go into one {@link PushReply}; a later PUSH_REPLY (a fresh auth-token after a
 * renegotiation) is read on its own and handed on as a {@link PullEvent}. Loop thread only.
 */
final class TlsPull implements PullClient {
    /** The widest framing a server may push (stub-v2's escape, comp-lzo no's marker). */
    static final int MAX_FRAME_HEADROOM;
    static final int MAX_FRAME_TAILROOM;
    /** Log lines kept while nobody reads them: a chatty server cannot grow the queue without bound. */
    private static final int MAX_NOTICES = 256;

    static {
        int head = 0;
        int tail = 0;
        for (Compression c : Compression.values()) {
            head = Math.max(head, DataPayload.frameHeadroom(c));
            tail = Math.max(tail, DataPayload.frameTailroom(c));
        }
        MAX_FRAME_HEADROOM = head;
        MAX_FRAME_TAILROOM = tail;
    }

    private Supplier<PushReply> replies;
    private PushReply current;
    private PushedOptions pushed;
    private String failure;
    private boolean keysInstalled;
    private final ArrayDeque<String> notices = new ArrayDeque<>();
    /** Client states and later pushes not yet taken by the owner; bounded as the notices. */
    private final ArrayDeque<PullEvent> events = new ArrayDeque<>();

    void replies(Supplier<PushReply> value) {
        this.replies = value;
    }

    @Override
    public Push pushMessage(String message) {
        if (replies == null) {
            notice("WARNING: a PUSH_ message arrived, but nothing reads pushed options; ignored");
            return Push.IGNORED;
        }
        if (pushed != null) {
            PushReply later = replies.get();
            PushReply.Status s = later.offer(message);
            drain(later);
            if (s == PushReply.Status.COMPLETE) {
                notice("PUSH: a later PUSH_REPLY with " + later.result().accepted().size() + " option(s) read");
                // Its values (a renewed auth-token) take effect at once, as OpenVPN's options apply them.
                event(new PullEvent(PullEvent.Kind.LATER_PUSH, "", later.result()));
            }
            return Push.IGNORED;
        }
        if (current == null) {
            current = replies.get();
        }
        PushReply.Status s = current.offer(message);
        drain(current);
        switch (s) {
            case MORE:
                return Push.MORE;
            case COMPLETE:
                pushed = current.result();
                current = null;
                notice("OPTIONS IMPORT: " + pushed.accepted().size() + " pushed option(s) applied: " + pushed.summary());
                for (String text : pushed.echo()) {
                    // As OpenVPN: only "msg..." texts are logged; others may hold what a GUI alone should see.
                    if (text.startsWith("msg")) {
                        notice("ECHO-PULL:" + text);
                    }
                }
                return Push.COMPLETE;
            case NOT_A_REPLY:
                return Push.IGNORED;
            default:
                failure = current.failure();
                current = null;
                return Push.FAILED;
        }
    }

    @Override
    public String pushFailure() {
        return failure == null ? "the push failed" : failure;
    }

    @Override
    public void notice(String line) {
        if (notices.size() < MAX_NOTICES) {
            notices.add(line);
        }
    }

    @Override
    public void gettingConfig() {
        event(new PullEvent(PullEvent.Kind.GET_CONFIG, "", null));
    }

    @Override
    public void authPending(String keywords) {
        event(new PullEvent(PullEvent.Kind.AUTH_PENDING, keywords, null));
    }

    private void event(PullEvent e) {
        if (events.size() < MAX_NOTICES) {
            events.add(e);
        } else {
            notice("WARNING: too many pull events unread; " + e.kind() + " dropped");
        }
    }

    PullEvent pollEvent() {
        return events.poll();
    }

    private void drain(PushReply r) {
        for (String line : r.takeLog()) {
            notice(line);
        }
    }

    String pollNotice() {
        return notices.poll();
    }

    PushedOptions pushed() {
        return pushed;
    }

    boolean keysInstalled() {
        return keysInstalled;
    }

    void installed() {
        keysInstalled = true;
    }

    int explicitExitNotify(int configured) {
        return pushed != null && pushed.explicitExitNotify().isPresent() ? pushed.explicitExitNotify().getAsInt()
                : configured;
    }
}
