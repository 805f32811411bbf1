package org.culvert.management.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelOperations;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.api.tunnel.TunnelStatus;

/**
 * Writes OpenVPN's {@code --status file [seconds]} for each tunnel that asks for one: at once when
 * the tunnel is first seen (OpenVPN's first status timer fires at once too), then every interval, and
 * once more when the tunnel stops (STOPPED or FAILED) or its service goes away. The content is
 * {@link StatusFormat}'s block with LF line ends, the same block the management {@code status}
 * command prints: for a server, its client list in the {@code --status-version} asked for.
 *
 * <p>Every write replaces the file atomically: the block goes to a temporary file in the same folder,
 * which is then moved over the old one, so a reader sees either the old block or the new one, never a
 * half-written file. (OpenVPN rewrites the file in place.) The file is readable by its owner only, as
 * OpenVPN creates it.
 *
 * <p>All work runs on the given single-threaded scheduler; the public methods only submit to it, so
 * they may be called from any thread, including a tunnel's. {@link #close()} cancels everything,
 * shuts the scheduler down and waits for it; idempotent, never throws.
 */
final class StatusFileWriter implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("org.culvert.management");

    private final ScheduledExecutorService scheduler;
    private final ManagementClock clock;
    private final ZoneId zone;
    private final String title;

    // Scheduler thread only.
    private final Map<Object, Entry> entries = new HashMap<>();
    private final Map<Tunnel, Entry> byTunnel = new IdentityHashMap<>();

    private final class Entry {
        final ManagementEngine.TunnelHandle handle;
        final Tunnel tunnel;
        final TunnelOperations.Status settings;
        ScheduledFuture<?> periodic;
        boolean failureLogged;

        Entry(ManagementEngine.TunnelHandle handle, Tunnel tunnel, TunnelOperations.Status settings) {
            this.handle = handle;
            this.tunnel = tunnel;
            this.settings = settings;
        }
    }

    /** @param scheduler single-threaded; this writer owns it from now on and shuts it down on close */
    StatusFileWriter(ScheduledExecutorService scheduler, ManagementClock clock, ZoneId zone) {
        this(scheduler, clock, zone, "Culvert");
    }

    /** @param title the {@code TITLE} line of a server's status file (versions 2 and 3) */
    StatusFileWriter(ScheduledExecutorService scheduler, ManagementClock clock, ZoneId zone, String title) {
        this.scheduler = scheduler;
        this.clock = clock;
        this.zone = zone;
        this.title = title;
    }

    /** Starts writing the status file of a tunnel (if it has --status). Any thread; returns at once. */
    void addTunnel(Object key, ManagementEngine.TunnelHandle handle) {
        submit(() -> add(key, handle));
    }

    /** Writes the tunnel's file a last time and stops. Any thread; returns at once. */
    void removeTunnel(Object key) {
        submit(() -> remove(key));
    }

    /** From the whiteboard listener on the tunnel's thread: only submits. */
    void stateChanged(Tunnel tunnel, TunnelStatus current) {
        submit(() -> {
            Entry e = byTunnel.get(tunnel);
            if (e != null) {
                onState(e, current.state());
            }
        });
    }

    /** For tests: how many tunnels have a periodic write scheduled. Blocks until the scheduler answers. */
    int scheduledCount() throws Exception {
        return scheduler.submit(() -> {
            int n = 0;
            for (Entry e : entries.values()) {
                if (e.periodic != null) {
                    n++;
                }
            }
            return n;
        }).get(5, TimeUnit.SECONDS);
    }

    private void submit(Runnable task) {
        try {
            scheduler.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "status file task failed", e);
                }
            });
        } catch (RejectedExecutionException e) {
            // Closed: nothing more is written.
        }
    }

    private void add(Object key, ManagementEngine.TunnelHandle handle) {
        if (entries.containsKey(key)) {
            return;
        }
        Tunnel tunnel = handle.resolve();
        TunnelOperations.Status settings = null;
        if (tunnel != null) {
            try {
                TunnelOperations ops = tunnel.operations();
                settings = ops == null ? null : ops.status();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot read the operations settings of a tunnel", e);
            }
        }
        if (settings == null) {
            handle.release();
            return;
        }
        Entry e = new Entry(handle, tunnel, settings);
        entries.put(key, e);
        byTunnel.put(tunnel, e);
        write(e);
        onState(e, tunnel.status().state());
    }

    private void onState(Entry e, TunnelState state) {
        boolean stopped = state == TunnelState.STOPPED || state == TunnelState.FAILED;
        if (stopped) {
            if (e.periodic != null) {
                e.periodic.cancel(false);
                e.periodic = null;
                write(e);
            }
        } else if (e.periodic == null) {
            long millis = Math.max(1, e.settings.interval().toMillis());
            e.periodic = scheduler.scheduleAtFixedRate(() -> write(e), millis, millis, TimeUnit.MILLISECONDS);
        }
    }

    private void remove(Object key) {
        Entry e = entries.remove(key);
        if (e == null) {
            return;
        }
        byTunnel.remove(e.tunnel);
        if (e.periodic != null) {
            e.periodic.cancel(false);
            e.periodic = null;
        }
        write(e);
        e.handle.release();
    }

    /** Replaces the file with the current block; failures are logged once until a write succeeds again. */
    private void write(Entry e) {
        Path target = e.settings.file().toAbsolutePath();
        String text;
        try {
            text = StatusFormat.block(e.tunnel, title, clock.now(), zone, e.settings.version(), "\n");
        } catch (RuntimeException ex) {
            return; // The tunnel is going away under us; its last written block stays.
        }
        try {
            replaceAtomically(target, text.getBytes(StandardCharsets.US_ASCII));
            if (e.failureLogged) {
                e.failureLogged = false;
                LOG.log(System.Logger.Level.INFO, "status file " + target + " written again");
            }
        } catch (IOException ex) {
            if (!e.failureLogged) {
                e.failureLogged = true;
                LOG.log(System.Logger.Level.WARNING, "cannot write status file " + target + ": " + ex);
            }
        }
    }

    /** Writes {@code content} to a temporary file beside {@code target} and moves it over {@code target}. */
    static void replaceAtomically(Path target, byte[] content) throws IOException {
        Path dir = target.getParent();
        Path temp = dir.resolve("." + target.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            try (FileChannel ch = openOwnerOnly(temp)) {
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException ex) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static FileChannel openOwnerOnly(Path temp) throws IOException {
        try {
            return FileChannel.open(temp, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException ex) {
            // Not a POSIX file system: the folder's defaults apply.
            return FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        }
    }

    @Override
    public void close() {
        if (scheduler.isShutdown()) {
            awaitScheduler();
            return;
        }
        // Last writes of tunnels still listed, then stop.
        submit(() -> {
            for (Object key : entries.keySet().toArray()) {
                remove(key);
            }
        });
        scheduler.shutdown();
        awaitScheduler();
    }

    private void awaitScheduler() {
        try {
            if (!scheduler.awaitTermination(5, TimeUnit.SECONDS)) {
                scheduler.shutdownNow();
                LOG.log(System.Logger.Level.WARNING, "status file writer did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            scheduler.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
