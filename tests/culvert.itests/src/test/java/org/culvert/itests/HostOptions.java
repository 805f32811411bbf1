package org.culvert.itests;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.ServiceLoader;

import org.ops4j.pax.exam.Option;
import org.osgi.framework.launch.FrameworkFactory;

/**
 * Pax Exam options for a host that already runs OSGi: the platform of {@link PaxOptions} plus what
 * examples/osgi/bundles.txt adds (log, metatype, fileinstall, culvert.jmx and culvert.management),
 * with fileinstall watching a fresh folder. Evaluated outside the framework; the tests find
 * the folder again through the framework property {@link #WATCHED_DIR}.
 */
final class HostOptions {
    /** fileinstall's framework property naming the folder it watches. */
    static final String WATCHED_DIR = "felix.fileinstall.dir";
    /** How often fileinstall looks at the folder, in ms: short, so tests wait little. */
    static final String POLL_MILLIS = "100";

    private HostOptions() {
    }

    /**
     * The options for the framework on the class path: Felix in the {@code pax-exam} execution,
     * Equinox in the {@code equinox} one, whose system bundle has a log service of its own (so Felix's
     * log bundle is left out there, as examples/osgi/bundles.txt says).
     */
    static Option[] host() {
        List<Option> options = new ArrayList<>(Arrays.asList(equinox() ? PaxOptions.culvert(CulvertBundles.LOG) : PaxOptions.culvert()));
        for (String artifactId : hostBundles()) {
            options.add(bundle(CulvertBundles.url(artifactId)));
        }
        options.add(frameworkProperty(WATCHED_DIR).value(newFolder("watched").toString()));
        options.add(frameworkProperty("felix.fileinstall.poll").value(POLL_MILLIS));
        options.add(frameworkProperty("felix.fileinstall.noInitialDelay").value("true"));
        // fileinstall logs warnings and errors only (to the log service, else stdout).
        options.add(frameworkProperty("felix.fileinstall.log.level").value("2"));
        return options.toArray(new Option[0]);
    }

    /** True when the framework Pax Exam will launch (the one FrameworkFactory on the class path) is Equinox. */
    static boolean equinox() {
        for (FrameworkFactory f : ServiceLoader.load(FrameworkFactory.class)) {
            if (f.getClass().getName().startsWith("org.eclipse.osgi.")) {
                return true;
            }
        }
        return false;
    }

    /** What a host adds to the runtime: {@link CulvertBundles#OSGI_HOST}. */
    static List<String> hostBundles() {
        return new ArrayList<>(CulvertBundles.OSGI_HOST);
    }

    /** A new, empty folder under the build's work folder (fileinstall's, or a staging one beside it). */
    static Path newFolder(String prefix) {
        try {
            Path base = Paths.get(System.getProperty("culvert.itest.workdir", System.getProperty("java.io.tmpdir")));
            Files.createDirectories(base);
            return Files.createTempDirectory(base, prefix).toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
