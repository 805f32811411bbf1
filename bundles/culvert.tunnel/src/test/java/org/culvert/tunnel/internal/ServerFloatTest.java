package org.culvert.tunnel.internal;

import static org.culvert.tunnel.internal.ServerHarness.clientAddress;
import static org.culvert.tunnel.internal.ServerHarness.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicReference;

import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.packet.PacketBatch;
import org.culvert.api.tunnel.DropReason;
import org.culvert.testkit.Impairment;
import org.culvert.testkit.MemoryAddress;
import org.culvert.testkit.MemoryLinkSocket;
import org.culvert.testkit.MemoryLinkTransport;
import org.culvert.testkit.MemoryNetwork;
import org.culvert.testkit.MemoryTunOsSide;
import org.culvert.testkit.Packets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code multi_process_float}: a client moves to a new address only with a packet that decrypts. */
class ServerFloatTest {
    private final ServerHarness h = new ServerHarness();

    @AfterEach
    void tearDown() throws Exception {
        MemoryNetwork.clearImpairments();
        h.close();
    }

    private void sendFrom(String host, byte[] packet) throws Exception {
        try (MemoryLinkSocket s = h.rawSocket(host)) {
            ServerHarness.send(s, packet);
        }
    }

    @Test
    void aDataPacketThatDecryptsFromANewAddressFloatsTheClientAndAReplayedOneDoesNot() throws Exception {
        h.start(ServerPlan.defaults(), "ping 1\nping-restart 30\n");
        h.client(1, "ping 10\nping-restart 60\n"); // no ping from the client to float it back during the test
        h.awaitEstablished("client1");
        MemoryTunOsSide c1 = h.clientOs(1);
        // take one of the client's data packets off the wire before the server sees it
        AtomicReference<byte[]> captured = new AtomicReference<>();
        MemoryNetwork.impair(MemoryAddress.of("c1_" + h.id, 1194), MemoryAddress.of("srv" + h.id, 1194), p -> {
            if (captured.get() == null && ((p.get(p.position()) & 0xFF) >>> 3) == ServerLoop.P_DATA_V2) {
                byte[] copy = new byte[p.remaining()];
                p.duplicate().get(copy);
                captured.set(copy);
                return Impairment.Verdict.DROP;
            }
            return Impairment.Verdict.DELIVER;
        });
        assertTrue(c1.inject(Packets.ipv4Udp(ip(clientAddress(1)), 1, ip("10.9.0.1"), 2, "captured".getBytes())));
        MemoryRunners.awaitTrue(() -> captured.get() != null, () -> "no data packet seen");
        MemoryNetwork.clearImpairments();

        sendFrom("moved" + h.id, captured.get());
        MemoryRunners.awaitTrue(() -> h.clientNamed("client1").realAddress().getHostString().equals("moved" + h.id + ":1194"),
                () -> "not floated: " + h.view.clients());

        long replays = h.loop.counters().drops(DropReason.REPLAY);
        sendFrom("evil" + h.id, captured.get()); // the same packet again, from elsewhere
        MemoryRunners.awaitTrue(() -> h.loop.counters().drops(DropReason.REPLAY) == replays + 1, () -> h.loop.counters().drops().toString());
        assertEquals("moved" + h.id + ":1194", h.clientNamed("client1").realAddress().getHostString(), "a replay does not float");

        // the client's next packet from its own address floats it back, and traffic flows both ways
        byte[] up = Packets.ipv4Udp(ip(clientAddress(1)), 1, ip("10.9.0.1"), 2, "back home".getBytes());
        assertTrue(c1.inject(up));
        MemoryRunners.awaitTrue(() -> h.clientNamed("client1").realAddress().getHostString().equals("c1_" + h.id + ":1194"),
                () -> "not back: " + h.view.clients());
        byte[] got;
        do {
            got = h.os.take(5000);
        } while (got != null && !new String(Packets.parseUdp(got).payload()).equals("back home"));
        assertArrayEquals(up, got);
        byte[] down = Packets.ipv4Udp(ip("10.9.0.1"), 2, ip(clientAddress(1)), 1, "to the client".getBytes());
        assertTrue(h.os.inject(down));
        assertArrayEquals(down, c1.take(5000));
    }
}
