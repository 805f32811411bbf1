package org.culvert.launcher;

import java.util.logging.LogManager;

/**
 * JUL's own shutdown hook resets the log manager, which would silence everything the tunnel logs
 * while it stops on SIGTERM (the device closing, the final counters). This manager ignores that
 * reset; {@link Main} installs it before anything logs.
 */
public final class ShutdownSafeLogManager extends LogManager {
    private volatile boolean allowReset = true;

    @Override
    public void reset() {
        if (allowReset) {
            super.reset();
        }
    }

    /** After this, only {@link #resetNow()} resets. */
    void keepHandlersUntilExit() {
        allowReset = false;
    }

    void resetNow() {
        allowReset = true;
        super.reset();
    }
}
