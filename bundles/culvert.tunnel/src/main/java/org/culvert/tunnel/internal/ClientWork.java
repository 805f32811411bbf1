package org.culvert.tunnel.internal;

import java.net.SocketAddress;
import java.nio.ByteBuffer;

import org.culvert.api.packet.PacketBatch;
import org.culvert.api.tunnel.DropReason;
import org.culvert.api.tunnel.ServerClientEvent;
import org.culvert.openvpn.session.Incoming;
import org.culvert.openvpn.session.TimerEvent;

/**
 * What the server does with one client's packet once the client's owner has it: OpenVPN's
 * {@code multi_process_incoming_link} after the demultiplexing, {@code multi_process_incoming_tun}
 * after the routing lookup, {@code multi_process_float} and {@code multi_connection_established}. One
 * per thread that may own a client (each {@link ServerDataThread}, each {@link HandshakeWorkers}
 * worker), holding that thread's counters and scratch; the caller owns the instance for the call.
 * What only the client's data thread may do (close it, plan its timers) goes to the {@link Owner}.
 */
final class ClientWork {
    private static final int OUTPUT_PER_CALL = 64;

    /** What the thread running the work does for it. */
    interface Owner {
        /** {@code multi_close_instance} for {@code m}, now or once its data thread has it back. */
        void close(MultiInstance m, String why);

        /** {@code m}'s timers or its close are due at {@code millis} (monotonic). */
        void timerAt(long millis);
    }

    final Counters counters = new Counters();
    private final ServerLoop server;
    private final Owner owner;
    private final PacketBatch output;
    private final Mroute.Addr src = new Mroute.Addr();
    private final Mroute.Addr dst = new Mroute.Addr();

    ClientWork(ServerLoop server, Owner owner, int headroom, int slotSize) {
        this.server = server;
        this.owner = owner;
        this.output = PacketBatch.allocate(1, headroom, slotSize);
    }

    /** {@code multi_process_incoming_link} for one packet of {@code m}, after the demultiplexing. */
    void incomingLink(MultiInstance m, ByteBuffer slot, SocketAddress source) {
        int length = slot.remaining();
        counters.linkRead(length);
        m.read(length);
        PeerSession s = m.session;
        Incoming verdict = s.decapsulate(slot);
        boolean data = false;
        if (verdict == Incoming.DROP) {
            counters.drop(s.lastDropReason());
        } else {
            data = s.lastAcceptedWasData();
            if (data) {
                counters.linkAuthRead(slot.remaining());
                if (source != null && !source.equals(m.real)) {
                    if (!server.processFloat(m, source)) {
                        counters.drop(DropReason.UNKNOWN_PEER);
                        return;
                    }
                }
            }
            if (verdict == Incoming.TUN_PACKET) {
                fromClient(m, slot);
            } else if (verdict == Incoming.PEER_EXIT) {
                owner.close(m, "client sent an exit notification");
                return;
            }
        }
        decide(m);
        established(m);
        sessionOutput(m);
        if (!data) {
            // a control packet may move the engine's timers earlier (retransmission, hand-window)
            rearm(m);
        }
    }

    /**
     * {@code m}'s due timers: the server's ping-restart, inactivity and a failed handshake close it
     * (silently, as OpenVPN's server does); else the engine's decisions and packets.
     */
    void timers(MultiInstance m) {
        TimerEvent event = m.session.checkTimers();
        if (event == TimerEvent.PING_RESTART || event == TimerEvent.PING_EXIT) {
            owner.close(m, "ping-restart: no packet from the client");
            return;
        }
        if (event == TimerEvent.INACTIVE) {
            owner.close(m, "inactive");
            return;
        }
        if (event == TimerEvent.HANDSHAKE_FAILED) {
            owner.close(m, "TLS handshake failed: " + m.session.failure());
            return;
        }
        decide(m);
        established(m);
        sessionOutput(m);
        m.nextTimer = m.session.nextTimerMillis();
    }

    /** Plans {@code m}'s next timer run from its engine. */
    void rearm(MultiInstance m) {
        long next = m.session.nextTimerMillis();
        m.nextTimer = next;
        owner.timerAt(next);
    }

    /**
     * After decryption: the source check and the routing of a client's packet (client-to-client
     * inside the server, else to the tun).
     */
    private void fromClient(MultiInstance m, ByteBuffer slot) {
        if (!m.established) {
            counters.drop(DropReason.NO_KEY);
            return;
        }
        boolean tap = server.plan.tap();
        int flags = Mroute.extract(slot, tap, src, dst);
        if ((flags & Mroute.SUCCEEDED) == 0) {
            counters.drop(DropReason.MALFORMED);
            return;
        }
        long now = server.clock.millis();
        if (tap) {
            if (!server.mroute.learn(src, m, now)) {
                counters.drop(DropReason.BAD_SOURCE);
                return;
            }
        } else if (server.mroute.lookup(src, now) != m) {
            counters.drop(DropReason.BAD_SOURCE);
            return;
        }
        if (server.plan.clientToClient()) {
            if ((flags & (Mroute.BCAST | Mroute.MCAST)) != 0) {
                server.toAllClients(slot, m, counters);
            } else {
                MultiInstance target = server.mroute.lookup(dst, now);
                if (target != null) {
                    if (target != m) {
                        target.owner.handOver(slot, Handoff.FROM_TUN, target, null, counters);
                    } else {
                        counters.drop(DropReason.NO_ROUTE); // to itself: OpenVPN drops it too
                    }
                    return;
                }
            }
        }
        server.toTun(slot, counters);
    }

    /** {@code multi_process_incoming_tun} for a packet routed to {@code m}: encrypted and sent to its address. */
    void incomingTun(MultiInstance m, ByteBuffer slot) {
        if (!m.established) {
            counters.drop(DropReason.NO_KEY);
            return;
        }
        DropReason dropped = m.session.encapsulate(slot);
        if (dropped != null) {
            counters.drop(dropped);
            return;
        }
        toLink(m, slot);
    }

    private void toLink(MultiInstance m, ByteBuffer slot) {
        int length = slot.remaining();
        if (server.toLink(slot, m, counters)) {
            m.wrote(length);
        }
    }

    /** The engine's own packets (handshake, acks, pings, OCC) for {@code m}. */
    void sessionOutput(MultiInstance m) {
        for (int i = 0; i < OUTPUT_PER_CALL && !m.halted; i++) {
            output.clear();
            ByteBuffer slot = output.slot(0);
            if (!m.session.pollOutgoing(slot, output.headroom())) {
                return;
            }
            toLink(m, slot);
        }
    }

    /** The engine's decisions (authentication, PUSH_REPLY) and the close it asks for. */
    void decide(MultiInstance m) {
        if (m.halted) {
            return;
        }
        long closeAt = server.engines.step(m, server);
        if (closeAt != 0 && (m.closeAtMillis == 0 || closeAt - m.closeAtMillis < 0)) {
            m.closeAtMillis = closeAt;
            owner.timerAt(closeAt);
        }
    }

    /** {@code multi_connection_established}, once the client has its keys; REAUTH for later keys. */
    void established(MultiInstance m) {
        if (m.halted || !m.session.isUp()) {
            return;
        }
        if (m.established) {
            int generation = m.session.keyGeneration();
            if (generation != m.keyGeneration) {
                m.keyGeneration = generation;
                server.publish(ServerClientEvent.Kind.REAUTH, m, "", false, Math.max(0, generation - 1));
            }
            return;
        }
        if (!server.connectionEstablished(m)) {
            owner.close(m, "no address for the client");
            return;
        }
        m.keyGeneration = m.session.keyGeneration();
    }
}
