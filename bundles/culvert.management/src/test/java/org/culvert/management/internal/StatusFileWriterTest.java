package org.culvert.management.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelOperations;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The --status file: its content, its rewrites, its atomic replacement, its last write, its thread. */
class StatusFileWriterTest {
    private static final Instant T0 = Instant.ofEpochSecond(1_700_000_000);

    @TempDir
    Path dir;

    private ScheduledThreadPoolExecutor scheduler;
    private StatusFileWriter writer;
    private final AtomicReference<Thread> schedulerThread = new AtomicReference<>();

    @BeforeEach
    void start() {
        scheduler = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, StatusFileComponent.THREAD_NAME + "-test");
            schedulerThread.set(t);
            return t;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        writer = new StatusFileWriter(scheduler, new ManualClock(T0), ZoneOffset.UTC);
    }

    @AfterEach
    void stop() throws InterruptedException {
        writer.close();
        assertTrue(scheduler.isTerminated());
        Thread t = schedulerThread.get();
        if (t != null) {
            t.join(5_000);
            assertFalse(t.isAlive(), "status file thread still running");
        }
    }

    private static FakeTunnel tunnel(Path file, Duration interval) {
        return new FakeTunnel("s", new TunnelOperations(null, new TunnelOperations.Status(file, interval, 2), 1, 0));
    }

    private static ManagementEngine.TunnelHandle handle(Tunnel t, boolean[] released) {
        return new ManagementEngine.TunnelHandle() {
            @Override
            public Tunnel resolve() {
                return t;
            }

            @Override
            public void release() {
                released[0] = true;
            }
        };
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static String block(long tunRead, long tunWrite, long linkRead, long linkWrite, long auth) {
        return "OpenVPN STATISTICS\nUpdated,2023-11-14 22:13:20\nTUN/TAP read bytes," + tunRead + "\nTUN/TAP write bytes," + tunWrite
                + "\nTCP/UDP read bytes," + linkRead + "\nTCP/UDP write bytes," + linkWrite + "\nAuth read bytes," + auth + "\nEND\n";
    }

    @Test
    void writesTheBlockAtOnceThenEveryIntervalOwnerOnly() throws Exception {
        Path f = dir.resolve("status.txt");
        FakeTunnel t = tunnel(f, Duration.ofMillis(20));
        t.setCounters(FakeTunnel.counters(180, 132, 416, 608, 164));
        writer.addTunnel(t, handle(t, new boolean[1]));
        Poll.until("the first write", () -> block(180, 132, 416, 608, 164).equals(read(f)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        t.setCounters(FakeTunnel.counters(1, 2, 3, 4, 5));
        Poll.until("a periodic rewrite", () -> block(1, 2, 3, 4, 5).equals(read(f)));
        assertEquals(1, writer.scheduledCount());
    }

    @Test
    void replacementIsAtomicAndLeavesNoTemporaryFiles() throws Exception {
        Path f = dir.resolve("status.txt");
        FakeTunnel t = tunnel(f, Duration.ofMillis(1));
        writer.addTunnel(t, handle(t, new boolean[1]));
        Poll.until("the first write", () -> read(f) != null);
        // Read while the writer rewrites every millisecond, with growing numbers of varying length:
        // every read must be one whole block.
        for (int i = 0; i < 2000; i++) {
            t.setCounters(FakeTunnel.counters(i, i * 10L, i * 1000L, i, i));
            String s = read(f);
            assertTrue(s.startsWith("OpenVPN STATISTICS\n") && s.endsWith("\nEND\n") && s.split("\n").length == 8, s);
        }
        writer.removeTunnel(t);
        assertEquals(0, writer.scheduledCount());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("status.txt"), files.map(p -> p.getFileName().toString()).collect(Collectors.toList()));
        }
    }

    @Test
    void writesOnceMoreWhenTheTunnelStopsThenStops() throws Exception {
        Path f = dir.resolve("status.txt");
        FakeTunnel t = tunnel(f, Duration.ofHours(1));
        t.stateListeners.add((tunnel, prev, cur) -> writer.stateChanged(tunnel, cur));
        writer.addTunnel(t, handle(t, new boolean[1]));
        Poll.until("the first write", () -> block(0, 0, 0, 0, 0).equals(read(f)));
        t.setCounters(FakeTunnel.counters(7, 8, 9, 10, 11));
        t.moveTo(TunnelState.STOPPED, TunnelReason.USER_STOP, "", T0);
        Poll.until("the last write", () -> block(7, 8, 9, 10, 11).equals(read(f)));
        assertEquals(0, writer.scheduledCount());
    }

    @Test
    void removalWritesTheLastBlockAndReleasesTheTunnel() throws Exception {
        Path f = dir.resolve("status.txt");
        FakeTunnel t = tunnel(f, Duration.ofHours(1));
        boolean[] released = new boolean[1];
        writer.addTunnel(t, handle(t, released));
        Poll.until("the first write", () -> read(f) != null);
        t.setCounters(FakeTunnel.counters(1, 1, 1, 1, 1));
        writer.removeTunnel(t);
        assertEquals(0, writer.scheduledCount()); // Answered after the removal ran.
        assertTrue(released[0]);
        assertEquals(block(1, 1, 1, 1, 1), read(f), "the file stays, as OpenVPN leaves it");
    }

    @Test
    void tunnelsWithoutStatusAndUnwritableFoldersAreHarmless() throws Exception {
        FakeTunnel none = new FakeTunnel("n", TunnelOperations.DEFAULT);
        boolean[] released = new boolean[1];
        writer.addTunnel(none, handle(none, released));
        Path missing = dir.resolve("no-such-dir").resolve("status.txt");
        FakeTunnel bad = tunnel(missing, Duration.ofMillis(5));
        writer.addTunnel(bad, handle(bad, new boolean[1]));
        assertEquals(1, writer.scheduledCount());
        assertTrue(released[0]);
        assertNull(read(missing));
    }

    @Test
    void closeWritesTheFilesOfTunnelsStillListed() throws Exception {
        Path f = dir.resolve("status.txt");
        FakeTunnel t = tunnel(f, Duration.ofHours(1));
        writer.addTunnel(t, handle(t, new boolean[1]));
        Poll.until("the first write", () -> read(f) != null);
        t.setCounters(FakeTunnel.counters(5, 5, 5, 5, 5));
        writer.close();
        assertEquals(block(5, 5, 5, 5, 5), read(f));
        writer.addTunnel(t, handle(t, new boolean[1])); // After close: ignored, never throws.
    }

    @Test
    void componentSchedulerIsOneNamedDaemonThreadThatEnds() throws Exception {
        ScheduledThreadPoolExecutor s = StatusFileComponent.newScheduler();
        Thread t = s.submit(Thread::currentThread).get();
        assertEquals(StatusFileComponent.THREAD_NAME, t.getName());
        assertTrue(t.isDaemon());
        new StatusFileWriter(s, new ManualClock(T0), ZoneOffset.UTC).close();
        t.join(5_000);
        assertFalse(t.isAlive());
    }
}
