package org.culvert.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.nio.file.Paths;

import org.culvert.testkit.osgi.EmbeddedFramework;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;

/**
 * The test kit as a bundle in a real framework that has the plugin API but no JUnit: it must resolve
 * and its in-memory plugins must load, while the contract package (which needs JUnit) stays unusable.
 */
class TestKitBundleTest {
    /** The test kit bundle as bnd wrote it during this build (the jar is made only after the tests). */
    private static final Path THIS_BUNDLE = Paths.get("target", "classes");

    @Test
    void resolvesWithoutJunitAndServesTheMemoryPlugins(@TempDir Path storage) throws Exception {
        try (EmbeddedFramework fw = EmbeddedFramework.builder(storage)
                .systemPackages(EmbeddedFramework.culvertApiExports())
                .bundle(THIS_BUNDLE)
                .start()) {
            Bundle testkit = fw.bundle("culvert.testkit");
            assertNotNull(testkit);
            assertEquals(Bundle.ACTIVE, testkit.getState(), "the test kit must resolve without JUnit");
            String imports = testkit.getHeaders().get("Import-Package");
            assertTrue(imports.contains("org.junit.jupiter.api;resolution:=optional"), imports);
            String exports = testkit.getHeaders().get("Export-Package");
            for (String pkg : new String[] { "org.culvert.testkit;version=\"1.2.0\"", "org.culvert.testkit.contract;version=\"1.1.0\"",
                    "org.culvert.testkit.osgi;version=\"1.0.0\"" }) {
                assertTrue(exports.contains(pkg), "exports " + exports + " lack " + pkg);
            }

            // The plugins load from the bundle and work against the framework's API packages.
            Class<?> driver = testkit.loadClass(MemoryTunDriver.class.getName());
            assertEquals(testkit.adapt(BundleWiring.class).getClassLoader(), driver.getClassLoader());
            Object instance = driver.getConstructor().newInstance();
            assertEquals("org.culvert.api.tun.TunDriver", driver.getInterfaces()[0].getName());
            assertNotNull(instance);

            // JUnit, which only the contract package needs, is not wired: this framework has none.
            for (BundleWire wire : testkit.adapt(BundleWiring.class).getRequiredWires(PackageNamespace.PACKAGE_NAMESPACE)) {
                String pkg = (String) wire.getCapability().getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE);
                assertFalse(pkg.startsWith("org.junit"), "wired to " + pkg);
            }
        }
    }
}
