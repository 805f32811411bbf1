package org.culvert.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.inject.Inject;

import org.culvert.api.tunnel.TunnelManager;
import org.culvert.api.tunnel.TunnelState;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;

/**
 * --verb and --mute map onto the OSGi log service: each tunnel logs under {@code org.culvert.tunnel.<name>}
 * at the OSGi level of the OpenVPN message class, and only what its verbosity lets through.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class LogServiceIT {
    private static final Map<String, String> MEMORY = Map.of(TunnelManager.PROP_DRIVER_TARGET, "(culvert.plugin.name=memory)",
            TunnelManager.PROP_BACKEND_TARGET, "(culvert.plugin.name=memory)", TunnelManager.PROP_TRANSPORT_TARGET,
            "(culvert.plugin.name=memory)");

    @Inject
    private BundleContext context;

    @Configuration
    public Option[] config() {
        return HostOptions.host();
    }

    private Object[] refs(String clazz) {
        try {
            org.osgi.framework.ServiceReference<?>[] r = context.getAllServiceReferences(clazz, null);
            if (r == null) {
                return new Object[0];
            }
            Object[] out = new Object[r.length];
            for (int i = 0; i < r.length; i++) {
                out[i] = r[i].getBundle().getSymbolicName();
            }
            return out;
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    public void verbDecidesWhatReachesTheLogServiceUnderTheTunnelsLoggerName() throws Exception {
        TunnelManager manager = Platform.awaitService(context, TunnelManager.class, null);
        LogReaderService reader = Platform.awaitService(context, LogReaderService.class, null);
        List<LogEntry> entries = new CopyOnWriteArrayList<>();
        LogListener listener = e -> {
            if (e.getLoggerName().startsWith("org.culvert.tunnel.verb")) {
                entries.add(e);
            }
        };
        reader.addLogListener(listener);
        try (TunnelFiles files = TunnelFiles.create()) {
            manager.start("verbquiet", files.memoryConfig("verbquiet", "verbnobody1", "10.0.0.1", "10.0.0.2", 0, "verb 0"),
                    "quiet.conf", MEMORY);
            manager.start("verbloud", files.memoryConfig("verbloud", "verbnobody2", "10.0.0.1", "10.0.0.2", 0, "verb 4"),
                    "loud.conf", MEMORY);
            Poll.until("verbloud logs Initialization Sequence Completed", Platform.TIMEOUT_MILLIS,
                    () -> entries.stream().anyMatch(e -> e.getLoggerName().equals("org.culvert.tunnel.verbloud")
                            && e.getMessage().contains("Initialization Sequence Completed")),
                    () -> entries + "; status " + manager.get("verbloud").map(t -> t.status() + " log " + t.recentLog()).orElse(null)
                            + "; LoggerFactory services " + java.util.Arrays.toString(refs("org.osgi.service.log.LoggerFactory"))
                            + "; LogReaderService services " + java.util.Arrays.toString(refs(LogReaderService.class.getName())));
            Poll.until("verbquiet is up", Platform.TIMEOUT_MILLIS,
                    () -> manager.get("verbquiet").map(t -> t.status().state() == TunnelState.UP).orElse(false),
                    () -> String.valueOf(manager.get("verbquiet").map(t -> t.status()).orElse(null)));
            for (LogEntry e : entries) {
                if (e.getLoggerName().equals("org.culvert.tunnel.verbloud") && e.getMessage().contains("Initialization")) {
                    assertEquals("the OSGi level of an informational line", LogLevel.INFO, e.getLogLevel());
                    assertEquals("the bundle that logged", "culvert.tunnel", e.getBundle().getSymbolicName());
                }
            }
            assertTrue("verb 4 shows state details (verb 3 lines): " + entries, entries.stream()
                    .anyMatch(e -> e.getLoggerName().equals("org.culvert.tunnel.verbloud") && e.getMessage().contains("state UP")));
            assertFalse("verb 0 shows no informational line: " + entries, entries.stream()
                    .anyMatch(e -> e.getLoggerName().equals("org.culvert.tunnel.verbquiet") && e.getLogLevel() == LogLevel.INFO));
            assertFalse("the history a management client reads is empty at verb 0",
                    manager.get("verbquiet").get().recentLog().stream().anyMatch(l -> l.message().contains("Initialization")));
        } finally {
            reader.removeLogListener(listener);
            for (String name : new String[] { "verbquiet", "verbloud" }) {
                try {
                    manager.stop(name);
                } catch (Exception e) {
                    // not started
                }
            }
        }
    }
}
