package org.culvert.event.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

import org.culvert.api.event.ChannelWaitable;
import org.culvert.api.event.EventSet;
import org.culvert.api.event.ReadyEvents;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** NIO specifics beyond the contract: accept and connect readiness, blocking and closed channels, allocation. */
class NioEventSetTest {
    private static final long TIMEOUT = 5_000;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final ReadyEvents ready = new ReadyEvents(4);
    private final NioEventSet set;

    NioEventSetTest() throws IOException {
        set = new NioEventBackend().open(4);
        toClose.add(set);
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closeLater(T c) {
        toClose.add(c);
        return c;
    }

    private int awaitFlags(int tag) throws IOException {
        long deadline = System.nanoTime() + TIMEOUT * 1_000_000L;
        while (System.nanoTime() < deadline) {
            set.wait(TIMEOUT, ready);
            if (ready.flagsFor(tag) != 0) {
                return ready.flagsFor(tag);
            }
        }
        return 0;
    }

    @Test
    void readOnAListeningChannelReportsAPendingConnection() throws Exception {
        ServerSocketChannel server = closeLater(ServerSocketChannel.open());
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).configureBlocking(false);
        set.ctl(new ChannelWaitable(server), EventSet.READ, 4);
        assertEquals(0, set.wait(50, ready), "no connection yet");

        closeLater(SocketChannel.open(server.getLocalAddress()));

        assertEquals(EventSet.READ, awaitFlags(4), "OP_ACCEPT reported as READ");
        assertTrue(closeLater(server.accept()) != null);
    }

    @Test
    void writeOnAConnectingChannelReportsTheConnectionThenPlainWritability() throws Exception {
        ServerSocketChannel server = closeLater(ServerSocketChannel.open());
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        SocketChannel client = closeLater(SocketChannel.open());
        client.configureBlocking(false);
        boolean connected = client.connect(server.getLocalAddress());
        ChannelWaitable w = new ChannelWaitable(client);
        set.ctl(w, EventSet.WRITE, 6);

        if (!connected) {
            assertEquals(EventSet.WRITE, awaitFlags(6), "OP_CONNECT reported as WRITE");
            assertTrue(client.finishConnect());
        }
        set.ctl(w, EventSet.WRITE | EventSet.READ, 6); // now OP_WRITE | OP_READ
        assertEquals(EventSet.WRITE, awaitFlags(6), "connected and idle: writable, not readable");

        SocketChannel accepted = closeLater(server.accept());
        accepted.write(ByteBuffer.wrap(new byte[] { 1 }));
        long deadline = System.nanoTime() + TIMEOUT * 1_000_000L;
        while ((ready.flagsFor(6) & EventSet.READ) == 0 && System.nanoTime() < deadline) {
            set.wait(TIMEOUT, ready);
        }
        assertEquals(EventSet.READ | EventSet.WRITE, ready.flagsFor(6));
    }

    @Test
    void aDatagramChannelIsReportedReadableWhenADatagramArrives() throws Exception {
        DatagramChannel a = closeLater(DatagramChannel.open());
        a.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).configureBlocking(false);
        DatagramChannel b = closeLater(DatagramChannel.open());
        b.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        set.ctl(new ChannelWaitable(a), EventSet.READ, 0);
        b.send(ByteBuffer.wrap(new byte[] { 42 }), a.getLocalAddress());
        assertEquals(EventSet.READ, awaitFlags(0));
    }

    @Test
    void blockingChannelsAreRefused() throws Exception {
        Pipe pipe = Pipe.open();
        closeLater(pipe.source());
        closeLater(pipe.sink());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> set.ctl(new ChannelWaitable(pipe.source()), EventSet.READ, 1));
        assertTrue(e.getMessage().contains("blocking"), e.getMessage());
    }

    @Test
    void aClosedChannelIsForgottenAndCannotBeAddedAgain() throws Exception {
        Pipe pipe = Pipe.open();
        closeLater(pipe.sink());
        pipe.source().configureBlocking(false);
        ChannelWaitable w = new ChannelWaitable(pipe.source());
        set.ctl(w, EventSet.READ, 1);
        pipe.sink().write(ByteBuffer.wrap(new byte[] { 1 }));
        assertEquals(EventSet.READ, awaitFlags(1));

        pipe.source().close();
        assertEquals(0, set.wait(50, ready), "a closed channel is not reported");
        assertThrows(ClosedChannelException.class, () -> set.ctl(w, EventSet.READ, 1));
    }

    @Test
    void interestThatTheChannelCannotHaveIsNeverReported() throws Exception {
        NioEventSetContractTest.PipeSource source = closeLater(new NioEventSetContractTest.PipeSource());
        set.ctl(source.waitable(), EventSet.READ | EventSet.WRITE, 3); // a pipe's read end is never writable
        assertEquals(0, set.wait(50, ready));
        source.makeReadable();
        assertEquals(EventSet.READ, awaitFlags(3));
    }

    @Test
    void waitingAllocatesNothing() throws Exception {
        java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        assumeTrue(mx instanceof com.sun.management.ThreadMXBean, "no allocation counter in this JVM");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) mx;
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        NioEventSetContractTest.PipeSource source = closeLater(new NioEventSetContractTest.PipeSource());
        set.ctl(source.waitable(), EventSet.READ, 1);
        source.makeReadable();
        for (int i = 0; i < 20_000; i++) { // warm up, so the JIT's own allocations are done
            set.wait(0, ready);
        }
        long tid = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 10_000; i++) {
            set.wait(0, ready);
        }
        long perWait = (threads.getThreadAllocatedBytes(tid) - before) / 10_000;
        assertEquals(1, ready.size());
        assertTrue(perWait < 8, "a wait allocates about " + perWait + " bytes");
    }

    @Test
    void aClosedSetIgnoresEverythingQuietly() throws Exception {
        set.close();
        set.wakeup();
        set.close();
        assertEquals(0, set.wait(-1, ready), "a wait after close returns at once");
        Pipe pipe = Pipe.open();
        closeLater(pipe.source());
        closeLater(pipe.sink());
        set.ctl(new ChannelWaitable(pipe.source().configureBlocking(false)), EventSet.READ, 1); // ignored once closed
        assertFalse(pipe.source().isRegistered());
    }
}
