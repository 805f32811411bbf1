package org.culvert.tun.tapwindows6;

import java.util.regex.Pattern;

/** One installed TAP adapter: its GUID ({@code NetCfgInstanceId}), connection name and component id. Immutable. */
final class TapAdapter {
    private static final Pattern GUID = Pattern.compile("\\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\\}");

    final String guid;
    /** The name shown in "Network Connections" (may be null when the registry has none). */
    final String name;
    final String componentId;

    TapAdapter(String guid, String name, String componentId) {
        this.guid = guid;
        this.name = name;
        this.componentId = componentId;
    }

    static boolean isGuid(String text) {
        return text != null && GUID.matcher(text).matches();
    }

    /** The device path OpenVPN opens: {@code \\.\Global\{GUID}.tap} (USERMODEDEVICEDIR + GUID + TAP_WIN_SUFFIX). */
    String devicePath() {
        return "\\\\.\\Global\\" + guid + ".tap";
    }

    /** The interface name for netsh and for {@code TunDevice.name()}: the connection name, else the GUID. */
    String displayName() {
        return name != null && !name.isEmpty() ? name : guid;
    }

    /** True when {@code node} (a {@code --dev-node}) names this adapter by connection name or GUID, ignoring case and braces. */
    boolean matches(String node) {
        String n = node.trim();
        if (name != null && name.equalsIgnoreCase(n)) {
            return true;
        }
        String bare = guid.substring(1, guid.length() - 1);
        return guid.equalsIgnoreCase(n) || bare.equalsIgnoreCase(n);
    }

    @Override
    public String toString() {
        return (name != null ? "'" + name + "' " : "") + guid;
    }
}
