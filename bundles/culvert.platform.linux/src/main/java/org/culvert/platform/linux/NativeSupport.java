package org.culvert.platform.linux;

import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * Whether {@link LibC} can be used in this JVM: Linux, 64-bit, JNA's native library loadable and
 * libc bound. Plugins call {@link #loadFailure()} from their {@code availability()} instead of
 * letting a {@link LinkageError} escape. The probe runs once per class loader; any thread.
 */
public final class NativeSupport {
    private static final String LOAD_FAILURE = probe();

    private NativeSupport() {
    }

    /** @return null when {@link LibC} works here, otherwise one line saying why not */
    public static String loadFailure() {
        return LOAD_FAILURE;
    }

    /** True when {@link #loadFailure()} is null. */
    public static boolean isLoaded() {
        return LOAD_FAILURE == null;
    }

    /**
     * Probes what a native link transport needs: {@link LibC} loads and the kernel hands out an
     * {@code AF_INET} socket of {@code type} (which is closed again at once). Not cached: the
     * transport probes once and keeps the answer. Any thread.
     *
     * @param type {@link Net#SOCK_DGRAM} or {@link Net#SOCK_STREAM}
     * @param call how the failing call is named in the message, e.g. {@code "socket(AF_INET, SOCK_DGRAM)"}
     * @return null when both work, otherwise one line saying why not
     */
    public static String socketFailure(int type, String call) {
        if (LOAD_FAILURE != null) {
            return LOAD_FAILURE;
        }
        try {
            int fd = Net.socket(Net.AF_INET, type | Net.SOCK_CLOEXEC, 0);
            if (fd < 0) {
                return Errno.message(call, LibC.errno());
            }
            LibC.close(fd);
            return null;
        } catch (LinkageError e) {
            return "socket calls unavailable: " + e;
        }
    }

    private static String probe() {
        try {
            if (!Platform.isLinux()) {
                return "not Linux (os.name=" + System.getProperty("os.name") + ")";
            }
            if (Native.POINTER_SIZE != 8) {
                return "only 64-bit Linux is supported (pointer size " + Native.POINTER_SIZE + ")";
            }
            LibC.bind();
            if (LibC.getpid() <= 0) {
                return "libc getpid() failed";
            }
            return null;
        } catch (LinkageError | RuntimeException e) {
            // NoClassDefFoundError (no JNA bundle), UnsatisfiedLinkError (no jnidispatch or libc).
            return "JNA/libc unavailable: " + e;
        }
    }
}
