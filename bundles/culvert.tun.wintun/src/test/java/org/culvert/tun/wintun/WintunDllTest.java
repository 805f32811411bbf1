package org.culvert.tun.wintun;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where wintun.dll is looked for, and that only absolute paths are accepted. */
class WintunDllTest {
    @TempDir
    Path dir;

    @Test
    void anExplicitPathWins() throws Exception {
        Path dll = Files.write(dir.resolve("wintun.dll"), new byte[] { 'M', 'Z' });
        assertEquals(dll, WintunDll.locate(dll.toString(), "/elsewhere", "amd64", null));
    }

    @Test
    void relativePathsAreRefused() {
        IOException e = assertThrows(IOException.class, () -> WintunDll.locate("wintun.dll", "", "amd64", null));
        assertTrue(e.getMessage().contains("absolute"), e.getMessage());
        e = assertThrows(IOException.class, () -> WintunDll.locate("", "wintun", "amd64", null));
        assertTrue(e.getMessage().contains("absolute"), e.getMessage());
    }

    @Test
    void aMissingExplicitPathIsAnError() {
        assertThrows(IOException.class, () -> WintunDll.locate(dir.resolve("nope.dll").toString(), "", "amd64", null));
    }

    @Test
    void theUnpackedZipLayoutIsFoundPerArchitecture() throws Exception {
        Path amd64 = dir.resolve("wintun/bin/amd64/wintun.dll");
        Path arm64 = dir.resolve("wintun/bin/arm64/wintun.dll");
        Files.createDirectories(amd64.getParent());
        Files.createDirectories(arm64.getParent());
        Files.write(amd64, new byte[] { 1 });
        Files.write(arm64, new byte[] { 2 });
        assertEquals(amd64, WintunDll.locate("", dir.resolve("wintun").toString(), "amd64", null));
        assertEquals(arm64, WintunDll.locate("", dir.resolve("wintun").toString(), "arm64", null));
    }

    @Test
    void aBundledDllIsCopiedToTheDataAreaOnce() throws Exception {
        Path source = Files.write(dir.resolve("inside-bundle.dll"), new byte[] { 'M', 'Z', 9 });
        Path data = dir.resolve("data");
        WintunDll.BundleEntries bundle = new WintunDll.BundleEntries() {
            @Override
            public URL entry(String path) {
                try {
                    return "native/arm64/wintun.dll".equals(path) ? source.toUri().toURL() : null;
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }

            @Override
            public Path dataFile(String path) {
                return data.resolve(path);
            }
        };
        Path first = WintunDll.locate("", "", "arm64", bundle);
        assertEquals(data.resolve("native/arm64/wintun.dll").toAbsolutePath(), first);
        assertArrayEquals(new byte[] { 'M', 'Z', 9 }, Files.readAllBytes(first));
        assertEquals(first, WintunDll.locate("", "", "arm64", bundle), "an identical copy is reused");
        IOException e = assertThrows(IOException.class, () -> WintunDll.locate("", "", "amd64", bundle));
        assertTrue(e.getMessage().contains("native/amd64/wintun.dll"), e.getMessage());
    }

    @Test
    void nothingAnywhereNamesWhatWasTried() {
        IOException e = assertThrows(IOException.class, () -> WintunDll.locate("", dir.toString(), "amd64", null));
        assertTrue(e.getMessage().contains("bin") && e.getMessage().contains("dllPath"), e.getMessage());
    }

    @Test
    void aFileThatIsNotADllCannotBeLoaded() throws Exception {
        Path fake = Files.write(dir.resolve("wintun.dll"), new byte[] { 'n', 'o', 't', ' ', 'a', ' ', 'd', 'l', 'l' });
        Throwable t = assertThrows(Throwable.class, () -> new JnaWintun(fake).close());
        assertTrue(t instanceof UnsatisfiedLinkError || t instanceof IllegalArgumentException, t.toString());
    }
}
