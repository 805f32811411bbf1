package org.culvert.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The shell's own logic; the commands in a real Felix are covered by the integration tests. */
class TunnelCommandsTest {
    @Test
    void aBarePluginNameIsShorthandForANameFilter() {
        assertEquals("(culvert.plugin.name=epoll)", TunnelCommands.filter("epoll"));
        assertEquals("(culvert.plugin.name=memory)", TunnelCommands.filter("  memory "));
    }

    @Test
    void anLdapFilterIsKeptAsWritten() {
        assertEquals("(&(culvert.plugin.os=linux)(service.ranking>=100))", TunnelCommands.filter("(&(culvert.plugin.os=linux)(service.ranking>=100))"));
    }

    @Test
    void nothingMeansNoFilter() {
        assertEquals("", TunnelCommands.filter(""));
        assertEquals("", TunnelCommands.filter(null));
        assertEquals("", TunnelCommands.filter("   "));
    }

    @Test
    void theOverviewAndHelpTunnelNameEveryCommandOfTheScope() throws Exception {
        String overview = TunnelCommands.overview();
        String help = TunnelCommands.class.getMethod("tunnel").getAnnotation(org.apache.felix.service.command.Descriptor.class).value();
        for (String f : new String[] { "start", "stop", "list", "status", "restart", "signal", "hold", "log", "plugins", "clients", "kill" }) {
            assertTrue(overview.contains("tunnel:" + f + " "), f + " missing from:\n" + overview);
            assertTrue(help.contains("tunnel:" + f), f + " missing from: " + help);
        }
        assertFalse(overview.contains("tunnel:tunnel"), overview);
    }
}
