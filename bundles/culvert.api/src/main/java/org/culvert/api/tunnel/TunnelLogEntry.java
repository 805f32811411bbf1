package org.culvert.api.tunnel;

import java.time.Instant;
import java.util.Objects;

/** One line of a tunnel's log, after its --verb and --mute filtering. Never contains key material. */
public final class TunnelLogEntry {
    /** OpenVPN's message classes, as the management interface's {@code >LOG:} flags show them. */
    public enum Level {
        /** The tunnel cannot go on ({@code F}). */
        FATAL("F"),
        /** A non-fatal error ({@code N}). */
        ERROR("N"),
        /** A warning ({@code W}). */
        WARNING("W"),
        /** Normal operation, shown from verb 1 ({@code I}). */
        INFO(""),
        /** Debug output, shown from verb 5 ({@code D}). */
        DEBUG("D");

        private final String managementFlag;

        Level(String managementFlag) {
            this.managementFlag = managementFlag;
        }

        /** The flag letter of OpenVPN's {@code >LOG:time,flags,message} line; empty for plain information. */
        public String managementFlag() {
            return managementFlag;
        }
    }

    private final Instant time;
    private final Level level;
    private final String message;

    public TunnelLogEntry(Instant time, Level level, String message) {
        this.time = Objects.requireNonNull(time, "time");
        this.level = Objects.requireNonNull(level, "level");
        this.message = Objects.requireNonNull(message, "message");
    }

    public Instant time() {
        return time;
    }

    public Level level() {
        return level;
    }

    /** The message without the tunnel-name prefix. */
    public String message() {
        return message;
    }

    @Override
    public String toString() {
        return time + " " + level + " " + message;
    }
}
