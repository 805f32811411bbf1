package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.culvert.api.tunnel.TunnelReason;
import org.culvert.openvpn.config.ConfigParser;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OpenVPN's walk over the connection profiles, with a scripted resolver and a fake clock: no DNS, no sleeps. */
class ConnectionListTest {
    @TempDir
    Path dir;

    /** Names the scripted resolver knows; a name mapped to an empty array fails. */
    private final Map<String, String[]> dns = new HashMap<>();
    private final List<String> lookups = new ArrayList<>();
    private final List<String> logged = new ArrayList<>();
    /** The client states told (RESOLVE). */
    private final List<String> states = new ArrayList<>();
    /** The fake clock the sleeper advances. */
    private long now;
    private int sleeps;

    private OpenVpnOptions options(String extra) throws Exception {
        java.nio.file.Files.writeString(dir.resolve("static.key"), keyFile());
        return ConfigParser.parse("dev tun\nsecret static.key\ncipher AES-256-CBC\n" + extra, "p.conf", dir);
    }

    private static String keyFile() {
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < 256; i++) {
            hex.append(String.format("%02x", i));
        }
        StringBuilder sb = new StringBuilder("-----BEGIN OpenVPN Static key V1-----\n");
        for (int i = 0; i < hex.length(); i += 32) {
            sb.append(hex, i, i + 32).append('\n');
        }
        return sb.append("-----END OpenVPN Static key V1-----\n").toString();
    }

    private ConnectionList list(String extra) throws Exception {
        return list(extra, new Random(1));
    }

    private ConnectionList list(String extra, Random random) throws Exception {
        ConnectionList.Resolver resolver = host -> {
            lookups.add(host);
            String[] found = dns.get(host.replaceFirst("^[0-9a-f]{12}\\.", ""));
            if (ConnectionList.isLiteral(host)) {
                return new InetAddress[] {InetAddress.getByName(host)};
            }
            if (found == null || found.length == 0) {
                throw new UnknownHostException(host + ": Name or service not known");
            }
            InetAddress[] out = new InetAddress[found.length];
            for (int i = 0; i < found.length; i++) {
                out[i] = InetAddress.getByName(found[i]);
            }
            return out;
        };
        ConnectionList.Sleeper sleeper = millis -> {
            now += millis;
            sleeps++;
            return true;
        };
        return new ConnectionList(options(extra), resolver, sleeper, random, logged::add,
                () -> states.add("RESOLVE"));
    }

    private static String next(ConnectionList l) throws ConnectionList.NoAttempt {
        return l.next(new boolean[1]).describe();
    }

    @Test
    void profilesAreTriedInOrderAndTheListStartsOverAfterTheLast() throws Exception {
        ConnectionList l = list("remote 192.0.2.1 1194\nremote 192.0.2.2 1195\nremote 2001:db8::3 443 tcp6-client\n");
        boolean[] counted = new boolean[1];
        assertEquals("[AF_INET]192.0.2.1:1194", l.next(counted).describe());
        assertTrue(counted[0]);
        assertEquals("[AF_INET]192.0.2.2:1195", next(l));
        ConnectionList.Attempt third = l.next(counted);
        assertEquals("[AF_INET6]2001:db8::3:443", third.describe());
        assertEquals(org.culvert.openvpn.config.Proto.TCP_CLIENT, third.entry().proto());
        assertEquals("[AF_INET]192.0.2.1:1194", next(l));
        assertEquals(4, l.unsuccessfulAttempts());
    }

    /** OpenVPN's openvpn_getaddrinfo sets RESOLVE once before it looks a name up, never for an address literal. */
    @Test
    void resolveIsToldOncePerLookupOfANameAndNeverForALiteral() throws Exception {
        dns.put("vpn.example", new String[] {"192.0.2.10", "192.0.2.11"});
        ConnectionList l = list("remote 192.0.2.1\nremote vpn.example\nremote 2001:db8::3\nremote gone.example\n"
                + "resolv-retry 10\n");
        next(l);
        assertEquals(List.of(), states, "a literal IPv4 address is not resolved");
        next(l);
        assertEquals(List.of("RESOLVE"), states);
        next(l);
        next(l);
        assertEquals(List.of("RESOLVE"), states, "the name's second address needs no lookup, a literal IPv6 none");
        next(l);
        // gone.example: resolv-retry 10 is two tries 5 s apart, one RESOLVE before them.
        assertEquals(List.of("RESOLVE", "RESOLVE"), states);
        assertEquals(2, logged.stream().filter(x -> x.startsWith("RESOLVE: Cannot resolve host address: gone.example")).count(),
                logged.toString());
        assertEquals(1, sleeps);
    }

    @Test
    void afterTheTunnelWasUpTheNextRunStaysOnTheSameServerOnceThenMovesOn() throws Exception {
        ConnectionList l = list("remote 192.0.2.1\nremote 192.0.2.2\n");
        next(l);
        assertEquals("[AF_INET]192.0.2.2:1194", next(l));
        l.initializationCompleted();
        assertEquals(0, l.unsuccessfulAttempts());
        boolean[] counted = new boolean[1];
        assertEquals("[AF_INET]192.0.2.2:1194", l.next(counted).describe(), "ping-restart after up: same server");
        assertFalse(counted[0], "staying is not an unsuccessful attempt");
        assertEquals("[AF_INET]192.0.2.1:1194", next(l), "that retry failed too: the next server");
        assertEquals(1, l.unsuccessfulAttempts());
    }

    @Test
    void eachAddressOfANameIsTriedBeforeTheNextProfileAndTheNameIsResolvedAgainEachTime() throws Exception {
        dns.put("vpn.example", new String[] {"192.0.2.10", "192.0.2.11"});
        dns.put("backup.example", new String[] {"2001:db8::20"});
        ConnectionList l = list("remote vpn.example 1194\nremote backup.example 1194\n");
        boolean[] counted = new boolean[1];
        assertEquals("[AF_INET]192.0.2.10:1194", l.next(counted).describe());
        assertTrue(counted[0]);
        assertEquals("[AF_INET]192.0.2.11:1194", l.next(counted).describe());
        assertFalse(counted[0], "the second address is the same profile");
        assertEquals("[AF_INET6]2001:db8::20:1194", next(l));
        dns.put("vpn.example", new String[] {"192.0.2.12"});
        assertEquals("[AF_INET]192.0.2.12:1194", next(l), "resolved afresh when the profile comes round again");
        assertEquals(List.of("vpn.example", "backup.example", "vpn.example"), lookups);
    }

    @Test
    void theProtocolsFamilyPicksTheAddresses() throws Exception {
        dns.put("dual.example", new String[] {"192.0.2.30", "2001:db8::30"});
        ConnectionList l = list("remote dual.example 1194 udp6\n");
        assertEquals("[AF_INET6]2001:db8::30:1194", next(l));
    }

    @Test
    void aNameThatDoesNotResolveIsLeftToTheTransportAndTheNextRunMovesOn() throws Exception {
        ConnectionList l = list("remote nowhere.example\nremote 192.0.2.2\n");
        ConnectionList.Attempt a = l.next(new boolean[1]);
        assertTrue(a.remote().isUnresolved());
        assertEquals("nowhere.example", a.remote().getHostString());
        assertTrue(logged.get(0).startsWith("RESOLVE: Cannot resolve host address: nowhere.example:1194 ("), logged.toString());
        assertEquals(0, sleeps, "the default resolv-retry infinite tries once per run");
        assertEquals("[AF_INET]192.0.2.2:1194", next(l));
    }

    @Test
    void resolvRetrySecondsRetriesEveryFiveSecondsOnTheInjectedClock() throws Exception {
        ConnectionList l = list("remote late.example\nresolv-retry 12\n");
        assertTrue(l.next(new boolean[1]).remote().isUnresolved());
        assertEquals(3, lookups.size(), "(12 + 4) / 5 tries");
        assertEquals(10_000, now, "two 5 s pauses between them");
        lookups.clear();
        ConnectionList again = list("remote late.example\nresolv-retry 12\n");
        dns.put("late.example", new String[] {"192.0.2.40"});
        assertEquals("[AF_INET]192.0.2.40:1194", next(again));
        assertEquals(1, lookups.size());
    }

    @Test
    void resolvRetryZeroEndsTheTunnelWithOpenVpnsMessage() throws Exception {
        ConnectionList l = list("remote nowhere.example\nresolv-retry 0\n");
        ConnectionList.NoAttempt e = assertThrows(ConnectionList.NoAttempt.class, () -> l.next(new boolean[1]));
        assertTrue(e.fatal);
        assertTrue(e.getMessage().contains("I would have retried this name query if you had specified the --resolv-retry option."));
    }

    @Test
    void connectRetryMaxCountsFullPassesOverTheProfiles() throws Exception {
        ConnectionList l = list("remote 192.0.2.1\nremote 192.0.2.2\nconnect-retry-max 2\n");
        for (int i = 0; i < 4; i++) {
            next(l);
        }
        ConnectionList.NoAttempt e = assertThrows(ConnectionList.NoAttempt.class, () -> l.next(new boolean[1]));
        assertTrue(e.fatal);
        assertEquals(TunnelReason.CONNECT_RETRY_MAX, e.reason);
        assertEquals("All connections have been connect-retry-max (2) times unsuccessful, exiting", e.getMessage());
    }

    @Test
    void comingUpResetsTheConnectRetryMaxCount() throws Exception {
        ConnectionList l = list("remote 192.0.2.1\nconnect-retry-max 1\n");
        next(l);
        l.initializationCompleted();
        next(l);
        next(l);
        assertThrows(ConnectionList.NoAttempt.class, () -> l.next(new boolean[1]));
    }

    @Test
    void withoutConnectRetryMaxTheWalkNeverEnds() throws Exception {
        ConnectionList l = list("remote 192.0.2.1\nremote 192.0.2.2\n");
        for (int i = 0; i < 1000; i++) {
            next(l);
        }
        assertEquals(1000, l.unsuccessfulAttempts());
    }

    @Test
    void remoteRandomShufflesOnceAndKeepsThatOrder() throws Exception {
        StringBuilder remotes = new StringBuilder();
        for (int i = 1; i <= 8; i++) {
            remotes.append("remote 192.0.2.").append(i).append('\n');
        }
        ConnectionList plain = list(remotes.toString());
        ConnectionList shuffled = list(remotes + "remote-random\n", new Random(7));
        assertNotEquals(plain.entries(), shuffled.entries());
        assertEquals(new java.util.HashSet<>(plain.entries()), new java.util.HashSet<>(shuffled.entries()));
        List<String> firstPass = new ArrayList<>();
        List<String> secondPass = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            firstPass.add(next(shuffled));
        }
        for (int i = 0; i < 8; i++) {
            secondPass.add(next(shuffled));
        }
        assertEquals(firstPass, secondPass);
    }

    @Test
    void remoteRandomHostnamePutsARandomLabelBeforeNamesButNotLiterals() throws Exception {
        dns.put("pool.example", new String[] {"192.0.2.50"});
        ConnectionList l = list("remote pool.example\nremote 192.0.2.51\nremote-random-hostname\n");
        assertEquals("[AF_INET]192.0.2.50:1194", next(l));
        assertTrue(lookups.get(0).matches("[0-9a-f]{12}\\.pool\\.example"), lookups.toString());
        next(l);
        assertTrue(logged.contains("WARNING: ignoring --remote-random-hostname because the hostname is an IP address"));
    }

    @Test
    void aPeerWithoutRemoteHasOneProfileWithoutAnAddress() throws Exception {
        ConnectionList l = list("");
        ConnectionList.Attempt a = l.next(new boolean[1]);
        assertEquals(null, a.remote());
        assertEquals("[undef]", a.describe());
    }

    @Test
    void addressesPrintAsOpenVpnPrintsThem() {
        assertEquals("[AF_INET]10.0.0.1:1194", ConnectionList.printSockaddr(new InetSocketAddress("10.0.0.1", 1194)));
        assertEquals("[AF_INET6]fd00::1:443", ConnectionList.printSockaddr(new InetSocketAddress("fd00:0:0:0:0:0:0:1", 443)));
        assertEquals("[AF_INET6]2001:db8:1:2:3:4:5:6:1", ConnectionList.printSockaddr(new InetSocketAddress("2001:db8:1:2:3:4:5:6", 1)));
    }
}
