package org.culvert.tun.tapwindows6;

import java.io.IOException;
import java.util.List;

/**
 * The few reads of {@code HKEY_LOCAL_MACHINE} that finding TAP adapters needs (OpenVPN's
 * {@code get_tap_reg} and {@code get_panel_reg}), behind an interface so tests can serve a fake
 * registry. Paths are relative to HKLM, with backslashes. Setup path; any thread.
 */
interface RegistryApi {
    /**
     * The names of the subkeys of {@code path}; empty when the key does not exist.
     *
     * @throws IOException when the key exists but cannot be read
     */
    List<String> subKeys(String path) throws IOException;

    /** The {@code REG_SZ} value {@code name} of {@code path}, or null when the key or value is missing or unreadable. */
    String stringValue(String path, String name);
}
