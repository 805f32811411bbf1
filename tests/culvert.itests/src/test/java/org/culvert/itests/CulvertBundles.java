package org.culvert.itests;

import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The bundles the integration tests run, by Maven artifactId (which bnd also makes the bundle's
 * symbolic name), and where their jars are. The pom hands each jar's path to the test JVM as the
 * system property {@code culvert.itest.bundle.<artifactId>}; tests install them by file URL so that
 * a reactor build uses the jars it has just built. Used both outside the framework (to build Pax
 * Exam options, to launch Felix directly) and inside it (to install a bundle at run time).
 */
final class CulvertBundles {
    static final String PROPERTY_PREFIX = "culvert.itest.bundle.";

    /**
     * The OSGi log service (API and implementation in one bundle): the core logs through it (--verb,
     * --mute) and imports {@code org.osgi.service.log} 1.5. Equinox has its own in the system bundle.
     */
    static final String LOG = "org.apache.felix.log";

    /** The third-party runtime the distribution ships (see distribution/culvert.bndrun), without the interactive shell. */
    static final List<String> RUNTIME = List.of(
            "org.osgi.util.function", "org.osgi.util.promise", "org.osgi.service.component",
            "org.apache.felix.scr", "org.apache.felix.configadmin", LOG,
            "org.apache.felix.gogo.runtime", "org.apache.felix.gogo.command",
            "jna", "jna-platform",
            "bcprov-jdk18on", "bcutil-jdk18on", "bcpkix-jdk18on", "bctls-jdk18on");

    /** Culvert's product bundles: what the distribution ships, for every OS. */
    static final List<String> PRODUCT = List.of(
            "culvert.api", "culvert.openvpn", "culvert.openvpn.tls", "culvert.tunnel", "culvert.shell",
            "culvert.platform.linux", "culvert.tun.linux", "culvert.tun.null",
            "culvert.event.epoll", "culvert.event.poll", "culvert.event.nio",
            "culvert.link.udp", "culvert.link.tcp",
            "culvert.platform.win32", "culvert.tun.tapwindows6", "culvert.tun.wintun", "culvert.event.win32");

    /** The test kit and its in-memory plugins, each a bundle of its own (plugin name {@code memory}). */
    static final List<String> MEMORY = List.of("culvert.testkit", "culvert.tun.memory", "culvert.link.memory", "culvert.event.memory");

    /**
     * What a host that already runs OSGi adds to {@link #RUNTIME} and {@link #PRODUCT} (see
     * examples/osgi/bundles.txt): metatype (so consoles render the tunnel form), fileinstall (tunnels
     * from {@code .cfg} files) and Culvert's JMX bundle. Kept out of {@link #all}: the platform tests
     * run the distribution's set.
     */
    static final List<String> OSGI_HOST = List.of("org.apache.felix.metatype", "org.apache.felix.fileinstall", "culvert.jmx",
            "culvert.management");

    /** The in-memory tun driver's bundle: the tests stop, start and install it at run time. */
    static final String TUN_MEMORY = "culvert.tun.memory";

    /** The real Linux plugins' bundles, which the hot-swap tests stop and start under traffic. */
    static final String LINUX_TUN = "culvert.tun.linux";
    static final String EPOLL = "culvert.event.epoll";
    static final String POLL = "culvert.event.poll";
    static final String UDP = "culvert.link.udp";
    static final String TCP = "culvert.link.tcp";

    /**
     * Bundles that require {@code osgi.native} with {@code osname~=win32}: the three Windows plugins
     * and the JNA mappings they share. They must stay unresolved on Linux.
     */
    static final Set<String> WINDOWS = Collections.unmodifiableSet(new HashSet<>(
            Arrays.asList("culvert.platform.win32", "culvert.tun.tapwindows6", "culvert.tun.wintun", "culvert.event.win32")));

    /** The real (non-memory) plugins a Linux machine must offer as usable, by plugin kind and name. */
    static final Map<String, List<String>> LINUX_PLUGINS;

    static {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("tun-driver", List.of("linux", "null"));
        m.put("event-backend", List.of("epoll", "poll", "nio"));
        m.put("link-transport", List.of("udp", "tcp"));
        LINUX_PLUGINS = Collections.unmodifiableMap(m);
    }

    private CulvertBundles() {
    }

    /** Every bundle (runtime, product, memory plugins) except {@code excluded}, in install order. */
    static List<String> all(String... excluded) {
        Set<String> skip = new HashSet<>(Arrays.asList(excluded));
        List<String> out = new ArrayList<>();
        for (List<String> group : List.of(RUNTIME, PRODUCT, MEMORY)) {
            for (String a : group) {
                if (!skip.contains(a)) {
                    out.add(a);
                }
            }
        }
        return out;
    }

    /** bnd makes a module's artifactId its bundle's symbolic name; third-party bundles have their own. */
    static String symbolicName(String artifactId) {
        switch (artifactId) {
            case "jna":
                return "com.sun.jna";
            case "jna-platform":
                return "com.sun.jna.platform";
            case "bcprov-jdk18on":
                return "bcprov";
            case "bcutil-jdk18on":
                return "bcutil";
            case "bcpkix-jdk18on":
                return "bcpkix";
            case "bctls-jdk18on":
                return "bctls";
            default:
                return artifactId;
        }
    }

    /** The jar of {@code artifactId}, checked to exist. */
    static File jar(String artifactId) {
        String path = System.getProperty(PROPERTY_PREFIX + artifactId);
        if (path == null || path.isEmpty() || path.startsWith("${")) {
            throw new IllegalStateException("system property " + PROPERTY_PREFIX + artifactId
                    + " is not set: run these tests through Maven (failsafe passes every bundle's path, see pom.xml)");
        }
        File f = new File(path);
        if (!f.isFile()) {
            throw new IllegalStateException(artifactId + ": no jar at " + f + " (build the module first)");
        }
        return f;
    }

    /** The {@code file:} URL of {@code artifactId}'s jar, for {@code installBundle}. */
    static String url(String artifactId) {
        return jar(artifactId).toURI().toString();
    }
}
