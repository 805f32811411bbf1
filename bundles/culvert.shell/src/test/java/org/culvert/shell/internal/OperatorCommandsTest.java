package org.culvert.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelLogEntry;
import org.culvert.api.tunnel.TunnelManager;
import org.culvert.api.tunnel.TunnelSignal;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** tunnel:restart, tunnel:signal, tunnel:hold and tunnel:log against a recording fake tunnel. */
class OperatorCommandsTest {
    private final List<String> calls = new ArrayList<>();
    private final List<TunnelLogEntry> log = new ArrayList<>();
    private boolean holdFlag;
    private final TunnelCommands commands = new TunnelCommands();

    @BeforeEach
    void wire() throws Exception {
        Tunnel tunnel = (Tunnel) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { Tunnel.class }, (p, m, a) -> {
            switch (m.getName()) {
                case "name":
                    return "office";
                case "signal":
                    calls.add("signal " + a[0]);
                    return null;
                case "holdFlag":
                    return holdFlag;
                case "setHoldFlag":
                    holdFlag = (Boolean) a[0];
                    calls.add("hold " + a[0]);
                    return null;
                case "isHolding":
                    return holdFlag;
                case "releaseHold":
                    calls.add("release");
                    return null;
                case "recentLog":
                    return List.copyOf(log);
                default:
                    throw new UnsupportedOperationException(m.getName());
            }
        });
        TunnelManager manager = (TunnelManager) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { TunnelManager.class },
                (p, m, a) -> {
                    if (m.getName().equals("get")) {
                        return "office".equals(a[0]) ? Optional.of(tunnel) : Optional.empty();
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
        Field f = TunnelCommands.class.getDeclaredField("manager");
        f.setAccessible(true);
        f.set(commands, manager);
    }

    @Test
    void restartSendsSigusr1OrSighup() {
        commands.restart(false, "office");
        commands.restart(true, "office");
        assertEquals(List.of("signal SIGUSR1", "signal SIGHUP"), calls);
    }

    @Test
    void signalTakesOpenVpnNamesWithOrWithoutThePrefix() {
        commands.signal("office", "SIGUSR2");
        commands.signal("office", "term");
        assertEquals(List.of("signal " + TunnelSignal.SIGUSR2, "signal " + TunnelSignal.SIGTERM), calls);
    }

    @Test
    void anUnknownSignalOrTunnelIsOneClearLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> commands.signal("office", "SIGKILL"));
        assertTrue(e.getMessage().contains("SIGKILL") && e.getMessage().contains("SIGUSR1"), e.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> commands.restart(false, "home"));
        assertEquals("no tunnel named 'home'", missing.getMessage());
        assertTrue(calls.isEmpty());
    }

    @Test
    void holdShowsSetsAndReleases() {
        assertEquals("tunnel office: hold flag off", commands.hold("office"));
        commands.hold("office", "on");
        assertEquals("tunnel office: hold flag on, holding", commands.hold("office"));
        commands.hold("office", "RELEASE");
        commands.hold("office", "off");
        assertEquals(List.of("hold true", "release", "hold false"), calls);
        assertThrows(IllegalArgumentException.class, () -> commands.hold("office", "maybe"));
    }

    @Test
    void logShowsTheNewestLines() {
        assertEquals("no log lines", commands.log(20, "office"));
        for (int i = 0; i < 5; i++) {
            log.add(new TunnelLogEntry(Instant.ofEpochSecond(i), TunnelLogEntry.Level.INFO, "line " + i));
        }
        String out = commands.log(2, "office");
        assertEquals(2, out.split("\n").length);
        assertTrue(out.endsWith("line 4"), out);
        assertFalse(out.contains("line 2"), out);
        assertThrows(IllegalArgumentException.class, () -> commands.log(0, "office"));
    }
}
