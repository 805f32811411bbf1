package org.culvert.tunnel.internal;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * What the server loop needs of OpenVPN's protocol engine in the server role, one method per need:
 * the seam where the TLS engine's server side (stateless cookie, peer-info, PUSH_REPLY, client-kill
 * messages) plugs in. {@link OpenVpnServerEngines} is the real one over the TLS engine's server role
 * (tests also use a stand-in over the point-to-point {@code tls-server} engine). Methods taking a
 * {@link PeerSession}, and {@link #step}, are called on the thread that owns the client (its data
 * thread, or the handshake worker it is lent to, see {@link HandshakeWorkers}); {@link #admit} on the
 * link thread.
 */
interface ServerEngines {
    /** What becomes of a packet from an address that has no instance. */
    enum Admission {
        /** An instance is made for the address, and this packet is its first. */
        CREATE,
        /** The engine wrote a stateless answer (the HARD_RESET_SERVER_V2 with the HMAC cookie) to send back; nothing is kept. */
        REPLY,
        /** Dropped, counted as from an unknown peer. */
        DROP
    }

    /**
     * {@code multi_get_create_instance_udp} with {@code do_pre_decrypt_check}: what to do with
     * {@code packet} from {@code from}, which has no instance. Stateless, so that a flood of forged
     * resets costs no memory: for a client's first reset the engine answers with its cookie
     * ({@link Admission#REPLY}, written into {@code reply} from {@code reply.position()}, framed
     * {@code position..limit}); a third packet that echoes a valid cookie is {@link Admission#CREATE}.
     * {@code --connect-freq} and {@code --connect-freq-initial} are counted here too. The packet's
     * position and limit must be left as they were.
     */
    Admission admit(ByteBuffer packet, SocketAddress from, ByteBuffer reply);

    /** A new client's engine. */
    PeerSession newSession(long clientId, SocketAddress real) throws Exception;

    /** Bytes any session may put before a payload; constant. */
    int headroom();

    /** Bytes any session may add after a payload; constant. */
    int tailroom();

    /** The client's common name once its certificate was verified, else null. */
    String commonName(PeerSession session);

    /**
     * The client's common name as its events, status and management show it: OpenVPN's after the
     * authentication ({@code --username-as-common-name} makes it the username). The client's data thread.
     */
    default String commonName(MultiInstance m) {
        return commonName(m.session);
    }

    /**
     * The management's {@code client-auth}/{@code client-auth-nt} ({@code allow}, with its config lines) or
     * {@code client-deny} (with the client's reason) for key {@code keyId} of {@code m}. False when no verdict
     * for that key is awaited (unknown or stale CID/KID, or no {@code --management-client-auth}). Any thread.
     */
    default boolean clientAuth(MultiInstance m, ServerLoop server, long keyId, boolean allow, java.util.List<String> configLines,
            String clientReason) {
        return false;
    }

    /** The management's {@code client-pending-auth}: false when no verdict for that key is awaited. Any thread. */
    default boolean clientPendingAuth(MultiInstance m, ServerLoop server, long keyId, String extra, int timeoutSeconds) {
        return false;
    }

    /** The username the client sent, or null. */
    default String username(PeerSession session) {
        return null;
    }

    /** The peer-id of the client's {@code P_DATA_V2} packets once keyed, else -1. */
    int peerId(PeerSession session);

    /** The negotiated data-channel cipher's name, or null until keyed. */
    String dataCipher(PeerSession session);

    /** OpenVPN's client environment (IV_ peer-info, ...) for events; never a password. */
    default Map<String, String> environment(PeerSession session) {
        return Map.of();
    }

    /**
     * Queues a control-channel message ({@code RESTART}, {@code HALT} for {@code client-kill}).
     *
     * @return false when this engine cannot send one (the client is closed without it)
     */
    default boolean sendControl(PeerSession session, String message) {
        return false;
    }

    /**
     * On the client's owner thread after each of its packets and timer runs: the engine's decisions
     * about the client (OpenVPN's authentication, {@code client-connect} and PUSH_REPLY), which may set
     * {@link MultiInstance#lease} before the keys are up.
     *
     * @return when (monotonic ms) the instance is to close (after AUTH_FAILED, a kill, the client's
     *     exit), or 0 while it lives on
     */
    default long step(MultiInstance m, ServerLoop server) {
        return 0;
    }

    /** {@code multi_close_instance}: the engine's per-client state let go (peer-id, client-disconnect). Any thread. */
    default void closed(MultiInstance m) {
    }

    /** The server stopped. Idempotent. */
    default void close() {
    }
}
