package org.culvert.tunnel.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * One tunnel's configuration (factory PID {@code org.culvert.tunnel}), rendered as a form by
 * consoles through metatype. The OpenVPN options live in {@code config} (or the file {@code configFile});
 * the {@code *.target} filters pick plugins.
 */
@ObjectClassDefinition(id = "org.culvert.tunnel", name = "Culvert tunnel", description = "A point-to-point OpenVPN tunnel")
@interface TunnelConfig {
    @AttributeDefinition(name = "Name", description = "Tunnel name, unique in this framework")
    String name();

    @AttributeDefinition(name = "OpenVPN configuration", required = false, description = "OpenVPN configuration text (as in a .conf/.ovpn file)")
    String config() default "";

    @AttributeDefinition(name = "OpenVPN configuration file", required = false, description = "Path of an OpenVPN configuration file, used when 'config' is empty")
    String configFile() default "";

    @AttributeDefinition(name = "Tun driver filter", required = false, description = "LDAP filter choosing the tun driver, e.g. (culvert.plugin.name=linux)")
    String driver_target();

    @AttributeDefinition(name = "Event backend filter", required = false, description = "LDAP filter choosing the event backend, e.g. (culvert.plugin.name=poll)")
    String backend_target();

    @AttributeDefinition(name = "Link transport filter", required = false, description = "LDAP filter choosing the link transport")
    String transport_target();
}
