package org.culvert.e2e;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.culvert.openvpn.config.ConfigParser;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.culvert.openvpn.tls.StormClients;
import org.culvert.openvpn.tls.StormClients.Client;
import org.culvert.openvpn.tls.StormClients.Step;
import org.culvert.openvpn.tls.TlsSettings;
import org.culvert.openvpn.tls.TlsSettingsFactory;

/**
 * The handshake storm's load generator, run in a namespace of its own ({@code java -cp <test
 * classpath> org.culvert.e2e.StormGenerator CLIENT_CONF HOST PORT CLIENTS SECONDS}): {@code CLIENTS}
 * Culvert pull clients ({@link StormClients}, the TLS engine's client role on one thread, a UDP
 * socket each), all on the client configuration {@code CLIENT_CONF} (its certificate shared, as
 * {@code duplicate-cn} allows), start at once against {@code HOST:PORT}. Each completes TLS and
 * pulls its address. Prints {@code storm started} when the clients are made, then {@code connected K
 * of N in T ms, distinct addresses D} at the end (exit 0 when all connected within {@code SECONDS},
 * else 1).
 */
public final class StormGenerator {
    private StormGenerator() {
    }

    public static void main(String[] args) throws Exception {
        Path conf = Path.of(args[0]).toAbsolutePath();
        InetSocketAddress server = new InetSocketAddress(args[1], Integer.parseInt(args[2]));
        int n = Integer.parseInt(args[3]);
        long deadlineNanos = TimeUnit.SECONDS.toNanos(Long.parseLong(args[4]));
        OpenVpnOptions options = ConfigParser.parse(Files.readString(conf), conf.getFileName().toString(), conf.getParent());
        TlsSettings settings = TlsSettingsFactory.fromOptions(options);
        try (StormClients gen = new StormClients(server, InetAddress.getByName("0.0.0.0"), null)) {
            List<Client> storm = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                storm.add(gen.add(settings, options));
            }
            System.out.println("storm started: " + n + " clients against " + server);
            System.out.flush();
            long start = System.nanoTime();
            long lastTimers = 0;
            long lastReport = start;
            int connected = 0;
            boolean first = true;
            while (connected < n && System.nanoTime() - start < deadlineNanos) {
                long now = System.nanoTime();
                boolean timers = first || now - lastTimers > 50_000_000L;
                first = false;
                if (timers) {
                    lastTimers = now;
                }
                gen.stepReady(5); // a bounded wait for datagrams, so that the timers run
                connected = 0;
                for (Client c : storm) {
                    if (timers ? gen.step(c, true) != Step.PENDING : c.address != null) {
                        connected++;
                    }
                }
                if (now - lastReport > 1_000_000_000L) {
                    lastReport = now;
                    System.out.println("connected " + connected + " of " + n + " after " + TimeUnit.NANOSECONDS.toMillis(now - start) + " ms");
                    System.out.flush();
                }
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            Set<InetAddress> addresses = new HashSet<>();
            for (Client c : storm) {
                if (c.address != null) {
                    addresses.add(c.address);
                }
            }
            // Each client's last ACK (of its PUSH_REPLY) was sent in the step that connected it.
            System.out.println("connected " + connected + " of " + n + " in " + millis + " ms, distinct addresses " + addresses.size());
            System.out.flush();
            System.exit(connected == n ? 0 : 1);
        }
    }
}
