package org.culvert.tunnel.internal.auth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Test helpers: executable shell scripts in a temporary folder, and a log that records its lines. */
final class Scripts {
    private Scripts() {
    }

    static Path script(Path dir, String name, String body) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }

    static ServerAuthSettings settings(String userPass, boolean viaFile, String connect, String disconnect,
            String tlsCryptV2, int scriptSecurity, Path tmp, Duration timeout) {
        return new ServerAuthSettings(userPass, viaFile, connect, disconnect, tlsCryptV2, scriptSecurity, false, false,
                null, tmp, timeout);
    }

    /** Every line logged, to check that no secret is in them. */
    static final class RecordingLog implements AuthLog {
        final List<String> lines = new ArrayList<>();

        @Override
        public synchronized void warn(String message) {
            lines.add("W " + message);
        }

        @Override
        public synchronized void info(String message) {
            lines.add("I " + message);
        }

        synchronized String all() {
            return String.join("\n", lines);
        }
    }
}
