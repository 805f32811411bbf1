/**
 * Tun/tap drivers and the devices they open.
 * <p>1.2: {@code TunSpec} gains {@code redirect()} ({@code TunRedirect}), {@code remoteHost()},
 * {@code routeNoexec()}, {@code routeDelaySeconds()} and {@code dns()} ({@code TunDns}); {@code TunRoute}
 * may name OpenVPN's special addresses {@code net_gateway} and {@code remote_host}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.3.0")
package org.culvert.api.tun;
