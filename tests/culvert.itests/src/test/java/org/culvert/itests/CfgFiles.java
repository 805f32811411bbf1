package org.culvert.itests;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import org.culvert.api.plugin.PluginProperties;
import org.culvert.api.tunnel.TunnelManager;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Writes and deletes {@code .cfg} files in a folder fileinstall watches, the way an operator's tool
 * should: each file is written next to the folder and moved in atomically, so fileinstall never
 * reads half a file, and a rewritten file gets a later modification time, so fileinstall's
 * change check (time and size) cannot miss it.
 */
final class CfgFiles {
    private final Path watched;
    private final Path staging;

    /** @param staging a folder on the same file system as {@code watched}, not watched itself */
    CfgFiles(Path watched, Path staging) {
        this.watched = watched;
        this.staging = staging;
    }

    /** The file name fileinstall maps to a factory configuration of {@code org.culvert.tunnel} named {@code alias}. */
    static String fileName(String alias) {
        return TunnelManager.FACTORY_PID + "-" + alias + ".cfg";
    }

    /** Properties choosing the {@code memory} driver, backend and transport, as .cfg lines. */
    static String memoryTargets() {
        String filter = "(" + PluginProperties.NAME + "=memory)";
        return TunnelManager.PROP_DRIVER_TARGET + " = " + filter + "\n"
                + TunnelManager.PROP_BACKEND_TARGET + " = " + filter + "\n"
                + TunnelManager.PROP_TRANSPORT_TARGET + " = " + filter + "\n";
    }

    /** A .cfg text naming the tunnel and its OpenVPN configuration file, with the memory plugins. */
    static String withConfigFile(String name, Path configFile) {
        return "# written by a test\n" + TunnelManager.PROP_NAME + " = " + name + "\n" + TunnelManager.PROP_CONFIG_FILE + " = "
                + configFile.toAbsolutePath() + "\n" + memoryTargets();
    }

    /**
     * A .cfg text carrying the OpenVPN configuration inline: one option a line, each line but the
     * last ending in {@code \n\} (a newline escape, then a properties continuation).
     */
    static String withInlineConfig(String name, String configText) {
        StringBuilder sb = new StringBuilder(TunnelManager.PROP_NAME + " = " + name + "\n" + TunnelManager.PROP_CONFIG + " = ");
        String[] lines = configText.strip().split("\n");
        for (int i = 0; i < lines.length; i++) {
            sb.append(i == 0 ? "" : "    ").append(lines[i]).append(i == lines.length - 1 ? "\n" : "\\n\\\n");
        }
        return sb.append(memoryTargets()).toString();
    }

    /** Puts {@code text} into the watched folder as {@code fileName}, atomically; returns its path. */
    Path put(String fileName, String text) throws IOException {
        Path target = watched.resolve(fileName);
        FileTime previous = Files.exists(target) ? Files.getLastModifiedTime(target) : null;
        Path temp = Files.createTempFile(staging, "cfg", ".tmp");
        Files.writeString(temp, text, StandardCharsets.UTF_8);
        if (previous != null) {
            Files.setLastModifiedTime(temp, FileTime.fromMillis(Math.max(System.currentTimeMillis(), previous.toMillis() + 1000)));
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    /** The PID of the marker file {@link #awaitScan} rewrites; no component uses it. */
    private static final String SCAN_MARKER_PID = "org.culvert.itests.scanmarker";

    /**
     * Returns once fileinstall has finished every scan that began before this call. fileinstall
     * records a new file only after its configuration was applied, and a tunnel that fails at once
     * reaches FAILED before that; a file deleted in between is never seen as removed. Scans run one
     * after another on one thread, so a marker written now and seen in ConfigurationAdmin proves the
     * earlier scans complete.
     */
    void awaitScan(ConfigurationAdmin admin) throws Exception {
        String mark = Long.toString(System.nanoTime());
        put(SCAN_MARKER_PID + ".cfg", "mark = " + mark + "\n");
        Poll.until("fileinstall picked up scan marker " + mark, Platform.TIMEOUT_MILLIS, () -> {
            Configuration[] found = admin.listConfigurations("(" + org.osgi.framework.Constants.SERVICE_PID + "=" + SCAN_MARKER_PID + ")");
            return found != null && mark.equals(String.valueOf(found[0].getProperties().get("mark")));
        }, () -> "marker not applied yet");
    }

    void delete(String fileName) throws IOException {
        Files.deleteIfExists(watched.resolve(fileName));
    }

    /** For finally blocks: removes every .cfg file this test may have left; never throws. */
    void deleteQuietly(String... fileNames) {
        for (String f : fileNames) {
            try {
                delete(f);
            } catch (IOException | RuntimeException e) {
                // A leftover file under target/ only matters to a later test in this framework, which would fail visibly.
            }
        }
    }

    /** {@code text} read as Java properties, as fileinstall reads a .cfg file (without its variable substitution). */
    static Map<String, String> parse(String text) throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(text));
        Map<String, String> m = new TreeMap<>();
        for (String k : p.stringPropertyNames()) {
            m.put(k, p.getProperty(k));
        }
        return m;
    }
}
