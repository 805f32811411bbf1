/**
 * How plugins (tun drivers, event backends, link transports) describe themselves in the
 * service registry, so that a tunnel's configuration can pick one with an LDAP filter.
 * <p>1.1: {@code LINK_PROXIES}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.culvert.api.plugin;
