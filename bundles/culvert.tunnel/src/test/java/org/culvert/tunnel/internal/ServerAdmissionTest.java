package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.packet.PacketBatch;
import org.culvert.api.tunnel.DropReason;
import org.culvert.testkit.MemoryLinkSocket;
import org.culvert.testkit.MemoryLinkTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The stateless admission seam: an engine that answers a stranger's reset with a cookie and admits
 * only a packet that echoes it (as OpenVPN's {@code do_pre_decrypt_check}) makes the loop keep no
 * state until then.
 */
class ServerAdmissionTest {
    private static final byte[] COOKIE = "cookie-for-you".getBytes(StandardCharsets.US_ASCII);
    private final ServerHarness h = new ServerHarness();

    @AfterEach
    void tearDown() throws Exception {
        h.close();
    }

    private static byte[] packet(int op, byte[] body) {
        byte[] p = new byte[1 + body.length];
        p[0] = (byte) (op << 3);
        System.arraycopy(body, 0, p, 1, body.length);
        return p;
    }

    private static void send(MemoryLinkSocket s, byte[] p) throws Exception {
        ServerHarness.send(s, p);
    }

    @Test
    void aResetGetsAStatelessAnswerAndOnlyAPacketEchoingItMakesAnInstance() throws Exception {
        ServerEngines engines = new DelegatingEngines(h.engines("ping 1\nping-restart 30\n")) {
            @Override
            public Admission admit(ByteBuffer packet, SocketAddress from, ByteBuffer reply) {
                int op = (packet.get(packet.position()) & 0xFF) >>> 3;
                if (op == ServerLoop.P_CONTROL_HARD_RESET_CLIENT_V2) {
                    int start = reply.position();
                    reply.put((byte) (8 << 3)).put(COOKIE);
                    reply.limit(reply.position()).position(start);
                    return Admission.REPLY;
                }
                byte[] body = new byte[packet.remaining() - 1];
                packet.get(packet.position() + 1, body);
                return op == 4 && java.util.Arrays.equals(body, COOKIE) ? Admission.CREATE : Admission.DROP;
            }
        };
        h.start(ServerPlan.defaults(), engines);
        try (MemoryLinkSocket s = h.rawSocket("stranger" + h.id)) {
            for (int i = 0; i < 100; i++) {
                send(s, packet(ServerLoop.P_CONTROL_HARD_RESET_CLIENT_V2, new byte[20]));
            }
            PacketBatch in = PacketBatch.allocate(32, 0, 2048);
            int[] answers = {0};
            MemoryRunners.awaitTrue(() -> {
                try {
                    in.clear();
                    for (int i = 0, n = s.receive(in); i < n; i++) {
                        byte[] got = new byte[in.slot(i).remaining()];
                        in.slot(i).get(got);
                        assertArrayEquals(packet(8, COOKIE), got);
                        answers[0]++;
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                return answers[0] == 100;
            }, () -> answers[0] + " answers");
            assertTrue(h.view.clients().isEmpty(), "no state for resets: " + h.view.clients());
            send(s, packet(4, "a wrong cookie".getBytes(StandardCharsets.US_ASCII)));
            MemoryRunners.awaitTrue(() -> h.loop.counters().drops(DropReason.UNKNOWN_PEER) == 1, () -> h.loop.counters().drops().toString());
            assertTrue(h.view.clients().isEmpty());
            send(s, packet(4, COOKIE));
            MemoryRunners.awaitTrue(() -> h.view.clients().size() == 1, () -> h.view.clients().toString());
            assertEquals("stranger" + h.id + ":1194", h.view.clients().get(0).realAddress().getHostString());
        }
    }
}
