/**
 * Link transports (UDP, TCP) and the link sockets they open.
 * <p>1.2: {@link org.culvert.api.link.ProxySpec} and {@link org.culvert.api.link.LinkSpec#proxy()},
 * {@link org.culvert.api.link.LinkSocket#drainNotes}, reasons {@code PROXY_FAILED},
 * {@code PROXY_AUTH_FAILED}, {@code TIMEOUT}.
 * <p>1.3: {@link org.culvert.api.link.LinkListener} and {@link org.culvert.api.link.LinkTransport#listen},
 * for a server's many stream clients.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.4.0")
package org.culvert.api.link;
