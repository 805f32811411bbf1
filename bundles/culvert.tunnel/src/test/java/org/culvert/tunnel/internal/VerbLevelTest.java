package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.osgi.service.log.LogLevel;

/** --verb as the OSGi log level of a tunnel's logger. */
class VerbLevelTest {
    @Test
    void verbMapsOntoOsgiLevels() {
        assertEquals(LogLevel.WARN, TunnelComponent.osgiLevel(0));
        assertEquals(LogLevel.INFO, TunnelComponent.osgiLevel(1));
        assertEquals(LogLevel.INFO, TunnelComponent.osgiLevel(4));
        assertEquals(LogLevel.DEBUG, TunnelComponent.osgiLevel(5));
        assertEquals(LogLevel.DEBUG, TunnelComponent.osgiLevel(6));
        assertEquals(LogLevel.TRACE, TunnelComponent.osgiLevel(7));
        assertEquals(LogLevel.TRACE, TunnelComponent.osgiLevel(11));
    }
}
