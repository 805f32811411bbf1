package org.culvert.platform.win32.winsock;

import org.culvert.platform.win32.Win32Native;
import org.culvert.platform.win32.internal.JnaWs2;

/**
 * Access to the real ws2_32.dll through JNA, and whether it works in this JVM (64-bit Windows, JNA's
 * native library loadable, ws2_32 bindable). Plugins call {@link #loadFailure()} from their
 * {@code availability()} rather than letting a {@link LinkageError} escape, and {@link #ws2()} only
 * when it is null. The probe runs once per class loader; any thread.
 */
public final class Ws2Native {
    private static final String LOAD_FAILURE = probe();
    private static volatile Ws2Api ws2;

    private Ws2Native() {
    }

    /** @return null when {@link #ws2()} works here, otherwise one line saying why not */
    public static String loadFailure() {
        return LOAD_FAILURE;
    }

    /**
     * The JNA-backed {@link Ws2Api}, shared by all callers (thread-safe).
     *
     * @throws IllegalStateException with {@link #loadFailure()} as message when it cannot work here
     */
    public static Ws2Api ws2() {
        if (LOAD_FAILURE != null) {
            throw new IllegalStateException(LOAD_FAILURE);
        }
        Ws2Api w = ws2;
        if (w == null) {
            synchronized (Ws2Native.class) {
                w = ws2;
                if (w == null) {
                    w = new JnaWs2();
                    ws2 = w;
                }
            }
        }
        return w;
    }

    private static String probe() {
        // Win32Native says why kernel32 is unusable (not Windows, 32-bit, no JNA); ws2_32 needs the same.
        String kernel32 = Win32Native.loadFailure();
        if (kernel32 != null) {
            return kernel32;
        }
        try {
            new JnaWs2();
            return null;
        } catch (LinkageError | RuntimeException e) {
            return "JNA/ws2_32 unavailable: " + e;
        }
    }
}
