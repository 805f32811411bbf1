package org.culvert.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
