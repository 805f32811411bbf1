/**
 * The management view of Culvert's tunnels over JMX: one {@link org.culvert.jmx.TunnelMXBean} per
 * tunnel in the platform MBeanServer, named by {@link org.culvert.jmx.TunnelMBeans#objectName(String)}.
 * JMX consoles need nothing from here (MXBeans use open types only); Java clients may use the
 * interface for typed proxies ({@code JMX.newMXBeanProxy}).
 * <p>1.2: a server-mode tunnel also has a {@link org.culvert.jmx.TunnelServerMXBean} with its clients and
 * routes ({@link org.culvert.jmx.ServerClientInfo}, {@link org.culvert.jmx.ServerRouteInfo}), named by
 * {@link org.culvert.jmx.TunnelMBeans#serverObjectName(String)}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.3.0")
package org.culvert.jmx;
