package org.culvert.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.culvert.api.event.EventBackend;
import org.culvert.api.event.EventSet;
import org.culvert.api.event.ReadyEvents;
import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkListener;
import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSocket;
import org.culvert.api.link.LinkSpec;
import org.culvert.api.link.LinkTransport;
import org.culvert.api.packet.PacketBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * The contract of {@link LinkTransport#listen} and its {@link LinkListener}: readable through an event
 * backend while a client waits, {@link LinkListener#accept()} returning null when none does, one
 * independent stream per client (packets cross each intact, a client's reset ends its stream only),
 * and an idempotent close that leaves accepted streams working. The JUnit thread owns every socket.
 */
@ConsumerType
public abstract class LinkListenerContract {
    protected static final long TIMEOUT_MILLIS = 5_000;
    private static final int TAG = 7;

    private final List<AutoCloseable> opened = new ArrayList<>();
    private final ReadyEvents ready = new ReadyEvents(4);

    protected abstract LinkTransport transport();

    /** A backend able to wait on the listener's and sockets' waitables. */
    protected abstract EventBackend backend();

    /** A tcp-server spec on a free loopback address of the transport. */
    protected abstract LinkSpec listenSpec();

    /** A tcp-client spec that connects to {@code listener}. */
    protected abstract LinkSpec clientSpec(LinkListener listener);

    @AfterEach
    public void closeAll() throws Exception {
        for (AutoCloseable c : opened) {
            c.close();
        }
        opened.clear();
    }

    private <T extends AutoCloseable> T keep(T c) {
        opened.add(c);
        return c;
    }

    private LinkListener listen() throws Exception {
        LinkListener l = keep(transport().listen(listenSpec()));
        assertNotNull(l.local(), "the listener is bound");
        return l;
    }

    private LinkSocket connect(LinkListener l) throws Exception {
        LinkSocket c = keep(transport().open(clientSpec(l)));
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS);
        while (!c.establish(100)) {
            if (System.nanoTime() - deadline > 0) {
                fail("the client did not connect");
            }
        }
        return c;
    }

    /** Waits through the backend until the listener is readable, then accepts. */
    private LinkSocket accept(LinkListener l) throws Exception {
        try (EventSet set = backend().open(1)) {
            set.ctl(l.waitable(), EventSet.READ, TAG);
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS);
            while (true) {
                l.prepareWait(EventSet.READ);
                set.wait(100, ready);
                if ((ready.flagsFor(TAG) & EventSet.READ) != 0) {
                    LinkSocket s = l.accept();
                    if (s != null) {
                        keep(s);
                        assertTrue(s.establish(0), "an accepted socket is established");
                        assertEquals(LinkProtocol.TCP_SERVER, s.protocol());
                        return s;
                    }
                }
                if (System.nanoTime() - deadline > 0) {
                    fail("no connection became acceptable");
                }
            }
        }
    }

    private static PacketBatch batch() {
        return PacketBatch.allocate(8, 32, 32 + 2048);
    }

    private static void send(LinkSocket s, byte mark, int length) throws Exception {
        PacketBatch b = batch();
        ByteBuffer slot = b.prepareSlot(0);
        for (int i = 0; i < length; i++) {
            slot.put(b.headroom() + i, (byte) (mark + i));
        }
        slot.limit(b.headroom() + length).position(b.headroom());
        b.count(1);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS);
        while (s.send(b, 0) != 1) {
            if (System.nanoTime() - deadline > 0) {
                fail("send would block");
            }
            Thread.onSpinWait();
        }
    }

    private static byte[] receiveOne(LinkSocket s) throws Exception {
        PacketBatch b = batch();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS);
        while (true) {
            b.clear();
            if (s.receive(b) > 0) {
                ByteBuffer slot = b.slot(0);
                byte[] out = new byte[slot.remaining()];
                slot.get(slot.position(), out);
                return out;
            }
            if (System.nanoTime() - deadline > 0) {
                fail("nothing received");
            }
            Thread.onSpinWait();
        }
    }

    private static byte[] expected(byte mark, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (mark + i);
        }
        return b;
    }

    @Test
    public void acceptWithNothingPendingReturnsNull() throws Exception {
        LinkListener l = listen();
        assertNull(l.accept());
    }

    @Test
    public void eachClientGetsItsOwnStream() throws Exception {
        LinkListener l = listen();
        int n = 3;
        LinkSocket[] clients = new LinkSocket[n];
        LinkSocket[] streams = new LinkSocket[n];
        for (int i = 0; i < n; i++) {
            clients[i] = connect(l);
            streams[i] = accept(l);
        }
        for (int i = 0; i < n; i++) {
            assertNotNull(streams[i].remote(), "an accepted stream knows its client");
            for (int j = 0; j < i; j++) {
                assertNotEquals(streams[j].remote(), streams[i].remote(), "two clients, one address");
            }
        }
        for (int i = 0; i < n; i++) {
            send(clients[i], (byte) (10 * i), 100 + i);
        }
        for (int i = n - 1; i >= 0; i--) {
            assertArrayEquals(expected((byte) (10 * i), 100 + i), receiveOne(streams[i]), "client " + i + "'s packet on its own stream");
            send(streams[i], (byte) (50 + i), 60 + i);
            assertArrayEquals(expected((byte) (50 + i), 60 + i), receiveOne(clients[i]), "the answer reaches client " + i);
        }
        PacketBatch b = batch();
        for (LinkSocket s : streams) {
            assertEquals(0, s.receive(b), "nothing crossed to another client's stream");
        }
    }

    @Test
    public void aClientsResetEndsItsStreamOnly() throws Exception {
        LinkListener l = listen();
        LinkSocket c1 = connect(l);
        LinkSocket s1 = accept(l);
        LinkSocket c2 = connect(l);
        LinkSocket s2 = accept(l);
        c1.close();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS);
        LinkException e = null;
        while (e == null) {
            try {
                s1.receive(batch());
            } catch (LinkException x) {
                e = x;
            }
            if (System.nanoTime() - deadline > 0) {
                fail("the closed client's stream did not report it");
            }
        }
        assertEquals(LinkException.Reason.CONNECTION_RESET, e.reason());
        send(c2, (byte) 3, 40);
        assertArrayEquals(expected((byte) 3, 40), receiveOne(s2), "the other client's stream carries on");
    }

    @Test
    public void closeIsIdempotentAndLeavesAcceptedStreamsOpen() throws Exception {
        LinkListener l = listen();
        LinkSocket c = connect(l);
        LinkSocket s = accept(l);
        l.close();
        l.close();
        LinkException e = assertThrows(LinkException.class, l::accept);
        assertEquals(LinkException.Reason.CLOSED, e.reason());
        send(c, (byte) 9, 30);
        assertArrayEquals(expected((byte) 9, 30), receiveOne(s));
    }

    @Test
    public void listenRefusesOtherProtocols() {
        for (LinkProtocol p : new LinkProtocol[] { LinkProtocol.UDP, LinkProtocol.TCP_CLIENT }) {
            LinkSpec spec = LinkSpec.builder(p).local(null, 0).remote("localhost", 1194).build();
            LinkException e = assertThrows(LinkException.class, () -> keep(transport().listen(spec)));
            assertEquals(LinkException.Reason.UNSUPPORTED, e.reason(), p.optionName());
        }
    }
}
