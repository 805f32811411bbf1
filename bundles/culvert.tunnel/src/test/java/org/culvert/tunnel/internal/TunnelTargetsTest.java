package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** Plugin filters written by hand in a configuration (a .cfg file) are checked before the tunnel starts. */
class TunnelTargetsTest {
    @Test
    void wellFormedOrAbsentFiltersPass() {
        assertDoesNotThrow(() -> TunnelComponent.checkTargets(Map.of("driver.target", "(culvert.plugin.name=memory)",
                "backend.target", "", "name", "x")));
        assertDoesNotThrow(() -> TunnelComponent.checkTargets(Map.of()));
    }

    @Test
    void aMalformedFilterIsAConfigErrorNamingTheProperty() {
        PlanBuilder.PlanException e = assertThrows(PlanBuilder.PlanException.class,
                () -> TunnelComponent.checkTargets(Map.of("transport.target", "((culvert.plugin.name=udp)")));
        assertTrue(e.getMessage().startsWith("transport.target: bad LDAP filter"), e.getMessage());
    }
}
