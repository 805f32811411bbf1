/**
 * {@link org.culvert.testkit.server.FakeTunnelServer}: an in-memory server view
 * ({@code org.culvert.api.tunnel.TunnelServer}) for the tests of the surfaces an operator uses
 * (management, status files, JMX, shell, embedding).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.culvert.testkit.server;
