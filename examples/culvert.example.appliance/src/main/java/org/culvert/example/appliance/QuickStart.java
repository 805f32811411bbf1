package org.culvert.example.appliance;

import java.nio.file.Path;
import java.time.Duration;

import org.culvert.api.tunnel.TunnelCounters;
import org.culvert.api.tunnel.TunnelSignal;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.embed.Culvert;
import org.culvert.embed.EmbeddedTunnel;

/**
 * The quick start of {@code docs/embedding.md}: the lines between the {@code docs:} markers are the
 * document's code sample, word for word ({@code QuickStartDocTest} checks it), so the sample always
 * compiles. {@link Appliance} is the complete program.
 */
public final class QuickStart {
    private QuickStart() {
    }

    public static void main(String[] args) throws Exception {
        // docs:begin
        try (Culvert culvert = Culvert.builder()
                .bundleDir(Path.of("/opt/culvert/bundles"))   // the distribution's bundles/ folder
                .start()) {
            // Both listeners run on Culvert's event thread, in order; they never stall a tunnel.
            culvert.addListener(e -> System.out.println("STATE " + e.tunnelName() + " " + e.state() + " " + e.reason()));
            culvert.addLogListener((tunnel, line) -> System.out.println(tunnel.name() + ": " + line.message()));

            EmbeddedTunnel office = culvert.startFromFile("office", Path.of("/etc/culvert/office.conf"));
            office.awaitState(TunnelState.UP, Duration.ofSeconds(30));

            TunnelCounters c = office.snapshot().counters();
            System.out.println("sent " + c.tunReadBytes() + " B, received " + c.tunWriteBytes() + " B");
            System.out.println("peer " + office.snapshot().connection().linkRemote());
            office.signal(TunnelSignal.SIGUSR1);               // reconnect, like OpenVPN's SIGUSR1
        }   // close(): stops every tunnel, the framework and every thread they started
        // docs:end
    }
}
