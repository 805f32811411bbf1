/**
 * Abstract JUnit 5 contract tests every plugin implementation passes: each implementation adds a
 * small subclass in its own {@code src/test/java} that supplies the plugin and the means to drive it.
 * JUnit is an optional import of this bundle: outside tests the package is simply unusable.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.culvert.testkit.contract;
