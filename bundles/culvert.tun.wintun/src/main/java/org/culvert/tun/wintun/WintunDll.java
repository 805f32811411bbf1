package org.culvert.tun.wintun;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

import org.culvert.platform.win32.Win32Native;

/**
 * Where {@code wintun.dll} comes from. The project cannot ship Microsoft-signed driver binaries, so
 * the operator provides the DLL from wintun.net, in one of three ways, tried in this order:
 * <ol>
 * <li>{@code dllPath}: the absolute path of the DLL itself;</li>
 * <li>{@code dllDirectory} (or the system property {@value #DIRECTORY_PROPERTY}): the unpacked
 * wintun.net zip, searched as {@code bin\<arch>\wintun.dll}, {@code <arch>\wintun.dll},
 * {@code wintun.dll}, where {@code <arch>} is {@code amd64} or {@code arm64};</li>
 * <li>packaged into this bundle as {@code native/<arch>/wintun.dll}: copied once into the bundle's
 * private data area (inside the framework's storage, which must be writable only by the account
 * Culvert runs as) and loaded from there.</li>
 * </ol>
 * Relative paths are refused: Windows would search them along the DLL search path.
 */
final class WintunDll {
    /** System property naming the directory of an unpacked wintun.net zip. */
    static final String DIRECTORY_PROPERTY = "culvert.wintun.dir";

    /** Reads a bundle entry, e.g. {@code native/amd64/wintun.dll}; null when absent. */
    interface BundleEntries {
        URL entry(String path);

        /** A file in the bundle's private data area (parent directories may need creating). */
        Path dataFile(String path);
    }

    private WintunDll() {
    }

    /**
     * @return the DLL's absolute path
     * @throws IOException naming every place that was tried when none holds the DLL, or when a
     *                     configured path is relative
     */
    static Path locate(String dllPath, String dllDirectory, String arch, BundleEntries bundle) throws IOException {
        List<String> tried = new ArrayList<>();
        if (dllPath != null && !dllPath.isBlank()) {
            Path p = absolute(dllPath, "dllPath");
            if (Files.isRegularFile(p)) {
                return p;
            }
            throw new IOException("dllPath " + p + " is not a file");
        }
        String dir = dllDirectory != null && !dllDirectory.isBlank() ? dllDirectory : System.getProperty(DIRECTORY_PROPERTY);
        if (dir != null && !dir.isBlank()) {
            Path base = absolute(dir, dllDirectory != null && !dllDirectory.isBlank() ? "dllDirectory" : DIRECTORY_PROPERTY);
            List<Path> candidates = new ArrayList<>();
            if (arch != null) {
                candidates.add(base.resolve("bin").resolve(arch).resolve("wintun.dll"));
                candidates.add(base.resolve(arch).resolve("wintun.dll"));
            }
            candidates.add(base.resolve("wintun.dll"));
            for (Path c : candidates) {
                if (Files.isRegularFile(c)) {
                    return c;
                }
                tried.add(c.toString());
            }
        }
        if (bundle != null && arch != null) {
            String entry = "native/" + arch + "/wintun.dll";
            URL url = bundle.entry(entry);
            if (url != null) {
                return extract(url, bundle.dataFile(entry));
            }
            tried.add("bundle entry " + entry);
        }
        if (arch == null) {
            tried.add("(no Wintun build for os.arch " + System.getProperty("os.arch") + ")");
        }
        throw new IOException("wintun.dll not found; set dllPath or dllDirectory (see docs/windows.md). Tried: " + tried);
    }

    /** The processor directory of the wintun.net zip for this JVM: {@code amd64}, {@code arm64}, or null. */
    static String arch() {
        return Win32Native.processorDirectory();
    }

    private static Path absolute(String text, String what) throws IOException {
        Path p = Paths.get(text.trim());
        if (!p.isAbsolute()) {
            throw new IOException(what + " '" + text + "' must be an absolute path (a relative one would be searched along the DLL search path)");
        }
        return p.normalize();
    }

    private static Path extract(URL url, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (InputStream in = url.openStream()) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        }
        if (Files.exists(target) && Files.mismatch(tmp, target) == -1) {
            Files.delete(tmp);
            return target.toAbsolutePath();
        }
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // Windows refuses to replace a DLL another JVM has loaded: keep using the identical old one
            // only if it matches, otherwise report.
            Files.deleteIfExists(tmp);
            throw new IOException("cannot install " + target + ": " + e.getMessage(), e);
        }
        return target.toAbsolutePath();
    }
}
