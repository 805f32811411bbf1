package org.culvert.itests;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;

import java.util.ArrayList;
import java.util.List;

import org.ops4j.pax.exam.Option;

/**
 * The Pax Exam configuration shared by the integration tests: Felix (the framework on the test
 * classpath) with the distribution's runtime, every Culvert bundle and the in-memory plugins, each
 * installed from its jar by file URL and started, as the distribution's launcher does. The
 * Windows bundles are installed but not started: they cannot resolve on Linux and stay INSTALLED
 * either way.
 */
final class PaxOptions {
    private PaxOptions() {
    }

    /** Everything except {@code excluded} (artifactIds). Evaluated outside the framework. */
    static Option[] culvert(String... excluded) {
        List<Option> options = new ArrayList<>();
        options.add(junitBundles());
        options.add(cleanCaches(true));
        // Felix logs errors only (the Windows bundles' resolution failure is expected and shows up there).
        options.add(frameworkProperty("felix.log.level").value("1"));
        for (String artifactId : CulvertBundles.all(excluded)) {
            // Marking the Windows bundles for start would only make Felix and Pax Exam log a resolve
            // error with a stack trace for each, in every framework; the tests try to start them.
            options.add(CulvertBundles.WINDOWS.contains(artifactId) ? bundle(CulvertBundles.url(artifactId)).noStart()
                    : bundle(CulvertBundles.url(artifactId)));
        }
        return options.toArray(new Option[0]);
    }
}
