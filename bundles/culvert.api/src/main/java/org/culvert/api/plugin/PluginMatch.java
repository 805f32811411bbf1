package org.culvert.api.plugin;

import java.util.Collection;
import java.util.Locale;
import java.util.Map;

/**
 * Reading plugin service properties the same way everywhere (core, shell, hosts): multi-valued
 * properties may be a {@code String}, a {@code String[]} or a {@code Collection}.
 */
public final class PluginMatch {
    private PluginMatch() {
    }

    /** True when the multi-valued property {@code key} contains {@code value} (case-insensitive). */
    public static boolean contains(Map<String, ?> properties, String key, String value) {
        Object v = properties.get(key);
        if (v instanceof String) {
            return ((String) v).equalsIgnoreCase(value);
        }
        if (v instanceof String[]) {
            for (String s : (String[]) v) {
                if (s.equalsIgnoreCase(value)) {
                    return true;
                }
            }
            return false;
        }
        if (v instanceof Collection) {
            for (Object s : (Collection<?>) v) {
                if (String.valueOf(s).equalsIgnoreCase(value)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The property as a display string: multi-valued ones comma-separated; absent → empty. */
    public static String text(Map<String, ?> properties, String key) {
        Object v = properties.get(key);
        if (v == null) {
            return "";
        }
        if (v instanceof String[]) {
            return String.join(",", (String[]) v);
        }
        if (v instanceof Collection) {
            StringBuilder sb = new StringBuilder();
            for (Object o : (Collection<?>) v) {
                sb.append(sb.length() == 0 ? "" : ",").append(o);
            }
            return sb.toString();
        }
        return String.valueOf(v);
    }

    /**
     * The {@code osgi.native.osname} alias for an {@code org.osgi.framework.os.name} value: every
     * Windows release is {@code win32} (Felix's own alias), everything else its lower-case name.
     */
    public static String osAlias(String frameworkOsName) {
        String n = frameworkOsName == null ? "" : frameworkOsName.toLowerCase(Locale.ROOT).trim();
        return n.startsWith("win") ? "win32" : n;
    }

    /** True when the plugin's {@link PluginProperties#OS} lists {@code any} or the running OS. */
    public static boolean osMatches(Map<String, ?> properties, String frameworkOsName) {
        return properties.get(PluginProperties.OS) == null
                || contains(properties, PluginProperties.OS, PluginProperties.OS_ANY)
                || contains(properties, PluginProperties.OS, osAlias(frameworkOsName));
    }

    /** {@code service.ranking} as an int (0 when absent or not an Integer, as the framework does). */
    public static int ranking(Map<String, ?> properties) {
        Object r = properties.get("service.ranking");
        return r instanceof Integer ? (Integer) r : 0;
    }
}
