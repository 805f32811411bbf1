package org.culvert.tunnel.internal.auth;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The threads a server's authentication steps and scripts run on, so that neither a data thread nor
 * the handshake of another client waits for a script: a fixed number of daemon threads
 * ({@code culvert-auth-<server>-<n>}) and a queue. A script past its bound is killed by
 * {@link org.culvert.openvpn.script.CommandRunner}, so a hanging script holds one worker for at most that
 * long; with several workers, other clients go on. The caller keeps one client's steps in order (it
 * submits the next when the previous completes). {@link #close} is idempotent.
 */
public final class AuthWorkers implements AutoCloseable {
    private final ExecutorService executor;
    /** Deferred checks' polls ({@code auth_control_file}): one thread, started on the first {@link #every}. */
    private final ScheduledExecutorService timer;

    /** @param threads how many scripts may run at once (at least 1) */
    public AuthWorkers(String serverName, int threads) {
        AtomicInteger n = new AtomicInteger();
        int count = Math.max(1, threads);
        this.executor = new ThreadPoolExecutor(count, count, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "culvert-auth-" + serverName + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        ((ThreadPoolExecutor) executor).allowCoreThreadTimeOut(true);
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, "culvert-auth-" + serverName + "-poll");
            th.setDaemon(true);
            return th;
        });
        t.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.timer = t;
    }

    /**
     * Runs {@code task} every {@code periodMillis} on the poll thread until {@link #close} (a task that
     * throws is logged by nobody and not run again, so tasks catch their own failures). False after close.
     */
    public boolean every(long periodMillis, Runnable task) {
        try {
            timer.scheduleWithFixedDelay(task, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /**
     * Runs {@code step} on a worker. After {@link #close} the future fails with
     * {@link RejectedExecutionException}.
     */
    public <T> CompletableFuture<T> submit(Supplier<T> step) {
        try {
            return CompletableFuture.supplyAsync(step, executor);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Stops taking steps and interrupts running ones (their scripts are killed). Idempotent. */
    @Override
    public void close() {
        executor.shutdownNow();
        timer.shutdownNow();
    }
}
