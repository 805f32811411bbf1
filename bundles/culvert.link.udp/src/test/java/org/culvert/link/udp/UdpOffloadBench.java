package org.culvert.link.udp;

import static org.culvert.link.udp.UdpLinkSocketTest.fill;
import static org.culvert.link.udp.UdpLinkSocketTest.payload;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.culvert.api.event.EventSet;
import org.culvert.api.link.AddressFamily;
import org.culvert.api.packet.PacketBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * A loopback harness (not JMH): one thread sends batches of 64 datagrams of 1400 bytes as fast as the
 * socket takes them, another receives them in batches of 64, for each combination of GSO on the sender
 * and GRO on the receiver. Prints packets per second sent and received. Not part of CI (two threads
 * saturating a shared machine say little there): run with
 * {@code -Dtest=UdpOffloadBench -Dculvert.udp.bench=true [-Dculvert.udp.bench.seconds=5]}.
 */
@EnabledIfSystemProperty(named = "culvert.udp.bench", matches = "true")
class UdpOffloadBench {
    private static final int SIZE = 1400;
    private static final int BATCH = 64;

    @Test
    void packetsPerSecondWithAndWithoutOffloads() throws Exception {
        long millis = Long.getLong("culvert.udp.bench.seconds", 3) * 1000;
        for (boolean gso : new boolean[] { false, true }) {
            for (boolean gro : new boolean[] { false, true }) {
                run(gso, gro, millis);
            }
        }
    }

    private static void run(boolean gso, boolean gro, long millis) throws Exception {
        try (UdpLinkSocket receiver = UdpLinkSocket.open(UdpPairs.spec(AddressFamily.IPV4, "127.0.0.1").build(), BATCH, gro,
                UdpLinkSocket.NATIVE);
                UdpLinkSocket sender = UdpLinkSocket.open(UdpPairs.spec(AddressFamily.IPV4, "127.0.0.1").build(), BATCH, gso,
                        UdpLinkSocket.NATIVE)) {
            sender.remote(receiver.local());
            receiver.remote(sender.local());
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong received = new AtomicLong();
            Thread reader = new Thread(() -> {
                PacketBatch in = PacketBatch.allocate(BATCH, 64, 64 + 1600);
                try (Readiness r = new Readiness(receiver, EventSet.READ)) {
                    long n = 0;
                    while (!stop.get()) {
                        in.clear();
                        int got = receiver.receive(in);
                        n += got;
                        if (got == 0) {
                            r.await(EventSet.READ, 10);
                        }
                    }
                    received.set(n);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            PacketBatch out = PacketBatch.allocate(BATCH, 64, 64 + 1600);
            for (int i = 0; i < BATCH; i++) {
                fill(out, i, payload(i, SIZE));
            }
            out.count(BATCH);
            reader.start();
            long sent = 0;
            long start = System.nanoTime();
            long end = start + TimeUnit.MILLISECONDS.toNanos(millis);
            while (System.nanoTime() < end) {
                sent += sender.send(out, 0);
            }
            long elapsed = System.nanoTime() - start;
            stop.set(true);
            reader.join();
            double seconds = elapsed / 1e9;
            System.out.printf("[reliability] udp loopback %d B, batch %d, gso %s, gro %s: %.0f pps sent, %.0f pps received (%d s)%n",
                    SIZE, BATCH, gso ? "on" : "off", gro ? "on" : "off", sent / seconds, received.get() / seconds, millis / 1000);
            assertTrue(received.get() > 0, "nothing arrived");
        }
    }
}
