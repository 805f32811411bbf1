package org.culvert.launcher;

import java.lang.management.ManagementFactory;

/**
 * Where a start's time goes: with {@code -Dculvert.startup.trace=true} (e.g. through
 * {@code CULVERT_JAVA_OPTS}), each step of a start logs the milliseconds since the JVM was started.
 * Off by default: then a step costs one property read.
 */
public final class StartTrace {
    private static final boolean ON = Boolean.getBoolean("culvert.startup.trace");
    /** The JVM's own start, in ms (the process's start time in /proc is only whole seconds after boot). */
    private static final long JVM_START = ON ? ManagementFactory.getRuntimeMXBean().getStartTime() : 0;

    private StartTrace() {
    }

    /** Logs "start: STEP at N ms" when tracing is on. */
    public static void step(String step) {
        if (ON) {
            System.getLogger("org.culvert.launcher").log(System.Logger.Level.INFO,
                    "start: " + step + " at " + (System.currentTimeMillis() - JVM_START) + " ms");
        }
    }
}
