package org.culvert.launcher;

import java.time.Duration;
import java.time.Instant;

/**
 * Where a start's time goes: with {@code -Dculvert.startup.trace=true} (e.g. through
 * {@code CULVERT_JAVA_OPTS}), each step of a start logs the milliseconds since the JVM was started.
 * Off by default: then a step costs one property read.
 */
public final class StartTrace {
    private static final boolean ON = Boolean.getBoolean("culvert.startup.trace");
    private static final Instant JVM_START = ON ? ProcessHandle.current().info().startInstant().orElse(Instant.now()) : null;

    private StartTrace() {
    }

    /** Logs "start: STEP at N ms" when tracing is on. */
    public static void step(String step) {
        if (ON) {
            System.getLogger("org.culvert.launcher").log(System.Logger.Level.INFO,
                    "start: " + step + " at " + Duration.between(JVM_START, Instant.now()).toMillis() + " ms");
        }
    }
}
