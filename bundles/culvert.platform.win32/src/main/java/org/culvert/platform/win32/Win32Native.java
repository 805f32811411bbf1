package org.culvert.platform.win32;

import org.culvert.platform.win32.internal.JnaKernel32;

import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * Access to the real kernel32 through JNA, and whether it works in this JVM (64-bit Windows, JNA's
 * native library loadable). Plugins call {@link #loadFailure()} from their {@code availability()}
 * rather than letting a {@link LinkageError} escape, and {@link #kernel32()} only when it is null.
 * The probe runs once per class loader; any thread.
 */
public final class Win32Native {
    private static final String LOAD_FAILURE = probe();
    private static volatile Kernel32Api kernel32;

    private Win32Native() {
    }

    /** @return null when {@link #kernel32()} works here, otherwise one line saying why not */
    public static String loadFailure() {
        return LOAD_FAILURE;
    }

    /**
     * The JNA-backed {@link Kernel32Api}, shared by all callers (it is stateless and thread-safe).
     *
     * @throws IllegalStateException with {@link #loadFailure()} as message when it cannot work here
     */
    public static Kernel32Api kernel32() {
        if (LOAD_FAILURE != null) {
            throw new IllegalStateException(LOAD_FAILURE);
        }
        Kernel32Api k = kernel32;
        if (k == null) {
            synchronized (Win32Native.class) {
                k = kernel32;
                if (k == null) {
                    k = new JnaKernel32();
                    kernel32 = k;
                }
            }
        }
        return k;
    }

    /** The processor directory name used by native packages such as Wintun's: {@code amd64} or {@code arm64}; null otherwise. */
    public static String processorDirectory() {
        String arch = System.getProperty("os.arch", "").toLowerCase(java.util.Locale.ROOT);
        switch (arch) {
            case "amd64":
            case "x86_64":
            case "x86-64":
                return "amd64";
            case "aarch64":
            case "arm64":
                return "arm64";
            default:
                return null;
        }
    }

    private static String probe() {
        try {
            if (!Platform.isWindows()) {
                return "not Windows (os.name=" + System.getProperty("os.name") + ")";
            }
            if (Native.POINTER_SIZE != 8) {
                return "only 64-bit Windows is supported (pointer size " + Native.POINTER_SIZE + ")";
            }
            new JnaKernel32();
            return null;
        } catch (LinkageError | RuntimeException e) {
            // NoClassDefFoundError (no JNA bundle), UnsatisfiedLinkError (no jnidispatch or kernel32).
            return "JNA/kernel32 unavailable: " + e;
        }
    }
}
