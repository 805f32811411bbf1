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

    private TunnelMBeans() {
    }

    /**
     * {@code org.culvert:type=Tunnel,name=<ObjectName.quote(tunnelName)>}. The name is always quoted,
     * so any tunnel name (commas, equals signs, quotes, asterisks) gives a valid, non-pattern name.
     */
    public static ObjectName objectName(String tunnelName) {
        try {
            return new ObjectName(DOMAIN + ":type=" + TYPE + ",name=" + ObjectName.quote(tunnelName));
        } catch (MalformedObjectNameException e) {
            // Cannot happen: the domain and type are constants and quote() escapes everything else.
            throw new IllegalArgumentException("tunnel name " + tunnelName, e);
        }
    }
}
