package org.culvert.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.culvert.api.tunnel.TunnelManager;
import org.culvert.openvpn.config.ConfigParser;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.FrameworkUtil;

/**
 * Keeps examples/osgi honest without a framework: the .cfg file uses only the tunnel factory's
 * properties with valid filters, the OpenVPN file it names parses, and bundles.txt lists the
 * distribution's bundles (distribution/culvert.bndrun) and exactly what the OSGi-host tests install.
 */
class OsgiExamplesTest {
    private static final Path ROOT = Paths.get(System.getProperty("basedir", ".")).toAbsolutePath().resolve("../..").normalize();
    private static final Path EXAMPLES = ROOT.resolve("examples/osgi");
    private static final Set<String> FACTORY_PROPERTIES = Set.of(TunnelManager.PROP_NAME, TunnelManager.PROP_CONFIG,
            TunnelManager.PROP_CONFIG_FILE, TunnelManager.PROP_DRIVER_TARGET, TunnelManager.PROP_BACKEND_TARGET,
            TunnelManager.PROP_TRANSPORT_TARGET);

    @Test
    void cfgExampleUsesTheFactoryPropertiesWithValidFilters() throws Exception {
        Path cfgFile = EXAMPLES.resolve(CfgFiles.fileName("office"));
        Map<String, String> cfg = CfgFiles.parse(Files.readString(cfgFile, StandardCharsets.UTF_8));
        assertTrue(FACTORY_PROPERTIES.containsAll(cfg.keySet()), () -> "unknown properties in " + cfgFile + ": " + cfg.keySet());
        assertEquals("office", cfg.get(TunnelManager.PROP_NAME));
        assertTrue(cfg.get(TunnelManager.PROP_CONFIG_FILE).endsWith("/office.conf"), cfg::toString);
        for (String target : List.of(TunnelManager.PROP_DRIVER_TARGET, TunnelManager.PROP_BACKEND_TARGET,
                TunnelManager.PROP_TRANSPORT_TARGET)) {
            assertTrue(cfg.containsKey(target), target + " missing");
            FrameworkUtil.createFilter(cfg.get(target)); // throws on bad syntax
        }
    }

    /** The commented-out inline form, uncommented, is the same configuration text as a file would hold. */
    @Test
    void inlineConfigFormReadsBackAsLines() throws Exception {
        String text = "dev tun\nproto udp\nremote branch.example.net 1194\n";
        Map<String, String> cfg = CfgFiles.parse(CfgFiles.withInlineConfig("x", text));
        assertEquals(text.strip(), cfg.get(TunnelManager.PROP_CONFIG));
        assertEquals("x", cfg.get(TunnelManager.PROP_NAME));
    }

    @Test
    void officeConfParses(@TempDir Path dir) throws Exception {
        String text = Files.readString(EXAMPLES.resolve("office.conf"), StandardCharsets.UTF_8);
        // The files it names, with stand-in contents: the parser reads them but checks no PEM here.
        Files.writeString(dir.resolve("office.crt"), "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");
        Files.writeString(dir.resolve("office.key"), "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n");
        Files.writeString(dir.resolve("office-branch.tlscrypt"), TunnelFiles.staticKey(new java.security.SecureRandom()));
        OpenVpnOptions options = ConfigParser.parse(text, "office.conf", dir);
        assertTrue(options.management().isPresent(), "no management");
        assertEquals(7505, options.management().get().port());
        assertTrue(options.status().isPresent(), "no status");
        assertEquals(10, options.status().get().seconds());
        assertEquals(3, options.verb());
        assertTrue(options.tls().isPresent(), "not TLS mode");
    }

    @Test
    void bundleListMatchesTheDistributionAndTheTests() throws IOException {
        Map<String, String[]> listed = bundleList();
        // Every bundle the Linux distribution runs is listed, with the version it runs.
        Map<String, String> distribution = runBundles(ROOT.resolve("distribution/culvert.bndrun"));
        for (Map.Entry<String, String> e : distribution.entrySet()) {
            assertTrue(listed.containsKey(e.getKey()), () -> e.getKey() + " runs in the distribution but is not in bundles.txt");
            assertEquals(e.getValue(), listed.get(e.getKey())[0], e.getKey() + " version");
        }
        // Every required bundle is one the distribution runs (the log service: see below).
        for (Map.Entry<String, String[]> e : listed.entrySet()) {
            String when = e.getValue()[2];
            assertTrue(Set.of("required", "felix", "optional").contains(when), e.getKey() + ": unknown 'when' " + when);
            if (when.equals("required")) {
                assertTrue(distribution.containsKey(e.getKey()), e.getKey() + " is required by bundles.txt but not in the distribution");
            }
        }

        // What the OSGi-host tests install (Felix: OsgiHostIT; Equinox: EquinoxHostIT, without the log bundle) is the list.
        Set<String> tested = new TreeSet<>();
        for (List<String> group : List.of(CulvertBundles.RUNTIME, CulvertBundles.PRODUCT, CulvertBundles.OSGI_HOST)) {
            for (String artifactId : group) {
                if (!CulvertBundles.WINDOWS.contains(artifactId)) {
                    tested.add(CulvertBundles.symbolicName(artifactId));
                }
            }
        }
        Set<String> inList = new TreeSet<>(listed.keySet());
        // The interactive shell is the one listed bundle the tests have no use for (they run commands through gogo.runtime).
        inList.remove("org.apache.felix.gogo.shell");
        assertEquals(inList, tested, "bundles.txt against the bundles the OSGi-host tests install");
        assertEquals("felix", listed.get(CulvertBundles.LOG)[2], "the log bundle is for frameworks without a log service");
    }

    /** bundles.txt: symbolic name to {version, coordinates, when}. */
    private static Map<String, String[]> bundleList() throws IOException {
        Map<String, String[]> m = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        for (String line : Files.readAllLines(EXAMPLES.resolve("bundles.txt"), StandardCharsets.UTF_8)) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] cells = l.split("\\s+");
            assertEquals(4, cells.length, "bundles.txt line: " + line);
            assertTrue(seen.add(cells[0]), cells[0] + " listed twice");
            assertTrue(cells[2].split(":").length == 3, "coordinates groupId:artifactId:version in " + line);
            m.put(cells[0], new String[] {cells[1], cells[2], cells[3]});
        }
        assertFalse(m.isEmpty());
        return m;
    }

    /** A bndrun's -runbundles: symbolic name to the floor of its version range. */
    private static Map<String, String> runBundles(Path bndrun) throws IOException {
        String text = Files.readString(bndrun, StandardCharsets.UTF_8);
        Matcher block = Pattern.compile("(?m)^-runbundles:((?:.*\\\\\\R)*.*)$").matcher(text);
        assertTrue(block.find(), "no -runbundles in " + bndrun);
        Map<String, String> m = new LinkedHashMap<>();
        Matcher entry = Pattern.compile("([A-Za-z0-9_.\\-]+);version='\\[([0-9.]+),").matcher(block.group(1));
        while (entry.find()) {
            m.put(entry.group(1), entry.group(2));
        }
        assertTrue(m.size() > 10, "few -runbundles found in " + bndrun + ": " + m);
        return m;
    }
}
