package org.culvert.jmx;

import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/** The names under which tunnels appear in JMX. */
public final class TunnelMBeans {
    /** The JMX domain of every Culvert MBean. */
    public static final String DOMAIN = "org.culvert";
    /** The {@code type} key of tunnel MBeans. */
    public static final String TYPE = "Tunnel";
    /** A pattern matching every tunnel MBean, for {@code MBeanServer.queryNames}. */
    public static final String PATTERN = DOMAIN + ":type=" + TYPE + ",*";
    /** The {@code type} key of a server's MBean ({@link TunnelServerMXBean}). @since 1.2 */
    public static final String SERVER_TYPE = "TunnelServer";
    /** A pattern matching every server MBean. @since 1.2 */
    public static final String SERVER_PATTERN = DOMAIN + ":type=" + SERVER_TYPE + ",*";

    private TunnelMBeans() {
    }

    /**
     * {@code org.culvert:type=Tunnel,name=<ObjectName.quote(tunnelName)>}. The name is always quoted,
     * so any tunnel name (commas, equals signs, quotes, asterisks) gives a valid, non-pattern name.
     */
    public static ObjectName objectName(String tunnelName) {
        return named(TYPE, tunnelName);
    }

    /** {@code org.culvert:type=TunnelServer,name=<ObjectName.quote(tunnelName)>}. @since 1.2 */
    public static ObjectName serverObjectName(String tunnelName) {
        return named(SERVER_TYPE, tunnelName);
    }

    private static ObjectName named(String type, String tunnelName) {
        try {
            return new ObjectName(DOMAIN + ":type=" + type + ",name=" + ObjectName.quote(tunnelName));
        } catch (MalformedObjectNameException e) {
            // Cannot happen: the domain and type are constants and quote() escapes everything else.
            throw new IllegalArgumentException("tunnel name " + tunnelName, e);
        }
    }
}
