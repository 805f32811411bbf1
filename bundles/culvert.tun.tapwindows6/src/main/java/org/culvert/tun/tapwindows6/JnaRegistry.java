package org.culvert.tun.tapwindows6;

import java.io.IOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import com.sun.jna.platform.win32.Advapi32Util;
import com.sun.jna.platform.win32.Win32Exception;
import com.sun.jna.platform.win32.WinReg;

/** {@link RegistryApi} over jna-platform's {@link Advapi32Util}; Windows only. */
final class JnaRegistry implements RegistryApi {
    @Override
    public List<String> subKeys(String path) throws IOException {
        try {
            if (!Advapi32Util.registryKeyExists(WinReg.HKEY_LOCAL_MACHINE, path)) {
                return Collections.emptyList();
            }
            return Arrays.asList(Advapi32Util.registryGetKeys(WinReg.HKEY_LOCAL_MACHINE, path));
        } catch (Win32Exception e) {
            throw new IOException("cannot read HKLM\\" + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String stringValue(String path, String name) {
        try {
            if (!Advapi32Util.registryValueExists(WinReg.HKEY_LOCAL_MACHINE, path, name)) {
                return null;
            }
            return Advapi32Util.registryGetStringValue(WinReg.HKEY_LOCAL_MACHINE, path, name);
        } catch (Win32Exception | ClassCastException e) {
            // The class key holds a "Properties" subkey only SYSTEM may read, and values of other types.
            return null;
        }
    }
}
