/**
 * A small launcher for tests that need a real OSGi framework (a DS component registering with the
 * right properties, a bundle resolving without an optional import) without an integration-test
 * harness: whatever framework implementation is on the test class path is started in-process.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.culvert.testkit.osgi;
