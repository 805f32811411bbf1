package org.culvert.itests;

import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelManager;
import org.culvert.testkit.MemoryTunOsSide;
import org.culvert.testkit.Packets;

/** Traffic through memory tunnels for cases {@link Platform#send} does not cover. Runs inside the framework. */
final class Traffic {
    /** How long one attempt waits for its packet before the next is sent. */
    private static final long ATTEMPT_MILLIS = 250;

    private Traffic() {
    }

    /**
     * Sends a packet from {@code from}'s device every {@link #ATTEMPT_MILLIS} until one comes out of
     * {@code to}'s device intact. For a tunnel that has just restarted against a peer that kept
     * running: in static-key mode the peer rightly drops the restarted side's first packets as
     * replays until the packet-id timestamp moves on to the next second, as OpenVPN does.
     *
     * @return how many packets were sent until one came through
     */
    static int sendUntilThrough(TunnelManager manager, String from, String fromIp, String to, String toIp, long timeoutMillis)
            throws InterruptedException {
        MemoryTunOsSide in = Platform.osSide(manager, from);
        MemoryTunOsSide out = Platform.osSide(manager, to);
        List<byte[]> sent = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (System.nanoTime() - deadline < 0) {
            byte[] payload = ("retry " + sent.size() + " from " + from + " to " + to).getBytes(StandardCharsets.US_ASCII);
            byte[] packet = Packets.ipv4Udp(Platform.ipv4(fromIp), 41000 + sent.size(), Platform.ipv4(toIp), 5001, payload);
            assertTrue("device of " + from + " refused the injected packet", in.inject(packet));
            sent.add(packet);
            byte[] got = out.take(ATTEMPT_MILLIS);
            if (got != null) {
                for (byte[] p : sent) {
                    if (Arrays.equals(p, got)) {
                        return sent.size();
                    }
                }
                throw new AssertionError("a packet from " + from + " came out of " + to + " changed: " + Packets.parseUdp(got));
            }
        }
        throw new AssertionError(sent.size() + " packets injected into " + from + " in " + timeoutMillis + " ms, none came out of " + to
                + "; " + from + ": " + manager.get(from).map(Tunnel::counters).orElse(null) + "; " + to + ": "
                + manager.get(to).map(Tunnel::counters).orElse(null));
    }
}
