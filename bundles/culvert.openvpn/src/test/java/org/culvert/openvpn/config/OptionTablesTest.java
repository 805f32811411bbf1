package org.culvert.openvpn.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.culvert.openvpn.config.ConfigException.Reason;
import org.culvert.openvpn.config.OptionRegistry.Theme;
import org.junit.jupiter.api.Test;

/** The themed option tables together know every OpenVPN 2.6 option exactly once. */
class OptionTablesTest {
    /** Culvert's options that OpenVPN 2.6's options.c does not have (one from 2.7, one 2.6 removed). */
    private static final Set<String> NOT_IN_OPENVPN_2_6 = Set.of("allow-deprecated-insecure-static-crypto",
            "key-method");

    private static final OptionRegistry REGISTRY = OptionRegistry.STANDARD;

    private static List<String> openVpn26Options() throws IOException {
        try (InputStream in = OptionTablesTest.class.getResourceAsStream("openvpn-2.6-options.txt")) {
            List<String> names = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    names.add(line.strip());
                }
            }
            return names;
        }
    }

    @Test
    void everyOpenVpn26OptionIsHandledOrRefusedByATable() throws IOException {
        List<String> names = openVpn26Options();
        assertTrue(names.size() > 300, "the list holds OpenVPN 2.6's ~310 options, not " + names.size());
        List<String> missing = new ArrayList<>();
        for (String name : names) {
            if (REGISTRY.theme(name).isEmpty()) {
                missing.add(name);
            }
        }
        assertEquals(List.of(), missing, "OpenVPN 2.6 options in no table");
    }

    @Test
    void tablesRegisterOnlyOpenVpnOptions() throws IOException {
        Set<String> registered = new TreeSet<>(REGISTRY.handledNames());
        registered.addAll(REGISTRY.refusedNames());
        registered.removeAll(openVpn26Options());
        assertEquals(NOT_IN_OPENVPN_2_6, registered, "names no OpenVPN 2.6 knows (a typo would hide the real option)");
    }

    @Test
    void noOptionIsBothHandledAndRefused() {
        Set<String> both = new HashSet<>(REGISTRY.handledNames());
        both.retainAll(REGISTRY.refusedNames());
        assertEquals(Set.of(), both);
        assertFalse(REGISTRY.handledNames().isEmpty());
        assertFalse(REGISTRY.refusedNames().isEmpty());
    }

    @Test
    void aNameRegisteredTwiceIsRefusedNamingBothTables() {
        OptionRegistry r = new OptionRegistry();
        r.register(Theme.LINK, t -> t.option("proto", (b, l) -> { }));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> r.register(Theme.CLIENT, t -> t.notSupported("proto")));
        assertTrue(e.getMessage().contains("--proto") && e.getMessage().contains("LINK")
                && e.getMessage().contains("CLIENT"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> r.register(Theme.LINK, t -> t.option("proto", (b, l) -> { })));
    }

    @Test
    void everyRefusedOptionIsReportedByNameWithItsLine() throws IOException {
        for (String name : REGISTRY.refusedNames()) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> ConfigParser.parse("dev tun\n" + name + " x\n", "t.conf", null), name);
            assertEquals(Reason.UNSUPPORTED_OPTION, e.reason(), name);
            assertEquals(2, e.line(), name);
            assertEquals(name, e.option());
            assertTrue(e.getMessage().startsWith("t.conf:2: --" + name + ": not supported by Culvert yet"),
                    e.getMessage());
        }
    }

    @Test
    void everyHandledOptionReachesItsHandler() {
        // No handler may be a silent no-op: with a bad argument list each one reports something other
        // than "unknown option". (A few take any arguments; those are given bad values instead.)
        for (String name : REGISTRY.handledNames()) {
            assertTrue(REGISTRY.handler(name) != null, name);
            if (name.equals("echo")) {
                continue; // any words are its text: PushReplyTest checks that they are kept
            }
            ConfigException e = assertThrows(ConfigException.class,
                    () -> ConfigParser.parse("dev tun\n" + name + " ? ? ? ? ?\n", "t.conf", null), name);
            assertTrue(e.reason() != Reason.UNKNOWN_OPTION && e.line() == 2 && name.equals(e.option()),
                    name + ": " + e.getMessage());
        }
    }

    @Test
    void anUnknownNameIsReportedAsUnknown() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigParser.parse("dev tun\nremote-randm\n", "t.conf", null));
        assertEquals(Reason.UNKNOWN_OPTION, e.reason());
        assertEquals("t.conf:2: unknown option 'remote-randm'", e.getMessage());
        assertNull(REGISTRY.handler("remote-randm"));
        assertEquals(Optional.empty(), REGISTRY.theme("remote-randm"));
    }

    @Test
    void optionsAreWhereOpenVpnsManualHasThem() {
        assertEquals(Optional.of(Theme.LINK), REGISTRY.theme("proto"));
        assertEquals(Optional.of(Theme.LINK), REGISTRY.theme("http-proxy"));
        assertEquals(Optional.of(Theme.DEVICE), REGISTRY.theme("dev"));
        assertEquals(Optional.of(Theme.DEVICE), REGISTRY.theme("dhcp-option"));
        assertEquals(Optional.of(Theme.ROUTING), REGISTRY.theme("route"));
        assertEquals(Optional.of(Theme.ROUTING), REGISTRY.theme("redirect-gateway"));
        assertEquals(Optional.of(Theme.CRYPTO), REGISTRY.theme("cipher"));
        assertEquals(Optional.of(Theme.CRYPTO), REGISTRY.theme("compress"));
        assertEquals(Optional.of(Theme.TLS), REGISTRY.theme("tls-crypt-v2"));
        assertEquals(Optional.of(Theme.TLS), REGISTRY.theme("reneg-sec"));
        assertEquals(Optional.of(Theme.CLIENT), REGISTRY.theme("auth-user-pass"));
        assertEquals(Optional.of(Theme.CLIENT), REGISTRY.theme("pull-filter"));
        assertEquals(Optional.of(Theme.SERVER), REGISTRY.theme("push"));
        assertEquals(Optional.of(Theme.SERVER), REGISTRY.theme("ifconfig-pool"));
        assertEquals(Optional.of(Theme.OPERATIONS), REGISTRY.theme("verb"));
        assertEquals(Optional.of(Theme.OPERATIONS), REGISTRY.theme("management-query-passwords"));
    }

    @Test
    void everyInlineBlockNameIsInATable() {
        for (String name : OptionRegistry.INLINE) {
            assertTrue(REGISTRY.theme(name).isPresent(), name);
        }
    }
}
