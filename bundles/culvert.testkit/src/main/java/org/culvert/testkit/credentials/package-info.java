/**
 * Test doubles for the surfaces that answer a tunnel's credentials request (the management interface,
 * the console, the shell): {@link org.culvert.testkit.credentials.RecordingCredentialsRequest}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.culvert.testkit.credentials;
