package org.culvert.launcher;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The launcher's part in making the class-data sharing archive (see bin/culvert-java): when
 * {@code bin/culvert} has the JVM dump the classes it loaded at exit, it passes
 * {@code -Dculvert.cds.ready=FILE}, and this creates FILE once the tunnel is first up. Only a dump so
 * marked becomes the archive later starts map, so the archive holds every class a start needs (not
 * only those a {@code --help} or a start that failed on a bad option loaded). A failure costs only
 * the speed-up: it is logged at DEBUG, never thrown.
 */
final class ClassDataArchive {
    static final String READY_PROPERTY = "culvert.cds.ready";
    private static final System.Logger LOG = System.getLogger("org.culvert.launcher");

    private ClassDataArchive() {
    }

    /** Marks this run's dump as one of a real start; idempotent, cheap after the first call. */
    static void tunnelUp() {
        String marker = System.getProperty(READY_PROPERTY);
        if (marker == null || marker.isBlank()) {
            return;
        }
        try {
            Files.createFile(Path.of(marker));
        } catch (FileAlreadyExistsException e) {
            // Up again after a restart: marked already.
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot mark the class-data dump: " + e);
        }
    }
}
