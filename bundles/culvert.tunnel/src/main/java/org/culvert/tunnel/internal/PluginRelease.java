package org.culvert.tunnel.internal;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The wait of a runner's {@code pluginRemoved}: SCR is unbinding a plugin the runner uses, and the
 * plugin's bundle may be stopping, so the call returns only once the runner's thread has let go of it
 * (or after a bound, with a warning). Shared by the point-to-point and the server runner.
 */
final class PluginRelease {
    private PluginRelease() {
    }

    /**
     * Waits on {@code monitor} (held by the caller; the runner's thread notifies it when it releases
     * plugins) while {@code stillUsed} holds, at most {@code timeoutMillis}.
     */
    static void await(Object monitor, BooleanSupplier stillUsed, long timeoutMillis, TunnelLog log) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (stillUsed.getAsBoolean()) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                log.warn("a removed plugin was not released within " + timeoutMillis + " ms");
                return;
            }
            try {
                monitor.wait(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
