package org.culvert.openvpn.tls;

import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import org.culvert.openvpn.config.FileContent;
import org.culvert.openvpn.config.PkiOptions;
import org.culvert.openvpn.config.TlsOptions;

/**
 * The password that unlocks an encrypted {@code --key} or a {@code --pkcs12} bundle, got as OpenVPN gets
 * it: the first line of the {@code --askpass} file, else a prompt on the console ("Enter Private Key
 * Password:") when there is one and the host owns it (the headless {@code culvert} command sets
 * {@value #CONSOLE_PROMPTS}; a shell or an embedding application, which read the console themselves,
 * do not). A secret: characters only, never logged; the caller wipes it.
 */
final class KeyPassword {
    /** System property: "true" when the host lets the engine prompt on the console. */
    static final String CONSOLE_PROMPTS = "org.culvert.consolePrompts";
    /**
     * The password typed at the prompt, kept for the process as OpenVPN keeps its {@code passbuf}: the
     * configuration is checked and then built (and rebuilt on SIGHUP), and each would prompt again.
     * Forgotten when a key does not open with it.
     */
    private static char[] prompted;
    /** A password line longer than this is not a password (and a device file is not read whole). */
    private static final int MAX_FILE_BYTES = 4096;

    private KeyPassword() {
    }

    /**
     * @return the password, or null when none is needed or none can be had (the key loader then says
     *     which option is missing)
     */
    static char[] obtain(TlsOptions t) throws TlsConfigException {
        PkiOptions pki = t.pki();
        boolean needed = pki.pkcs12().isPresent() || encrypted(t.key());
        if (!needed) {
            return null;
        }
        if (pki.askpassFile().isPresent()) {
            return firstLine(pki);
        }
        return prompt();
    }

    private static synchronized char[] prompt() {
        if (prompted != null) {
            return prompted.clone();
        }
        Console console = Boolean.getBoolean(CONSOLE_PROMPTS) ? System.console() : null;
        if (console == null) {
            // A PKCS#12 bundle may have the empty password, which the loader tries first.
            return null;
        }
        char[] typed = console.readPassword("Enter Private Key Password: ");
        if (typed == null) {
            return null;
        }
        prompted = typed.clone();
        return typed;
    }

    /** Wipes and drops a prompted password that did not open the key. */
    static synchronized void forgetPrompted() {
        if (prompted != null) {
            java.util.Arrays.fill(prompted, '\0');
            prompted = null;
        }
    }

    private static boolean encrypted(FileContent key) {
        return key.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") || key.contains("Proc-Type: 4,ENCRYPTED");
    }

    private static char[] firstLine(PkiOptions pki) throws TlsConfigException {
        byte[] bytes = null;
        try {
            if (Files.size(pki.askpassFile().get()) > MAX_FILE_BYTES) {
                throw new TlsConfigException("--askpass", TlsConfigException.Reason.INVALID,
                        "the password file is larger than " + MAX_FILE_BYTES + " bytes");
            }
            bytes = Files.readAllBytes(pki.askpassFile().get());
            int end = 0;
            while (end < bytes.length && bytes[end] != '\n' && bytes[end] != '\r') {
                end++;
            }
            java.nio.CharBuffer cb = StandardCharsets.UTF_8.decode(java.nio.ByteBuffer.wrap(bytes, 0, end));
            char[] out = new char[cb.remaining()];
            cb.get(out);
            if (cb.hasArray()) {
                Arrays.fill(cb.array(), '\0');
            }
            return out;
        } catch (IOException e) {
            throw new TlsConfigException("--askpass", TlsConfigException.Reason.INVALID, "cannot read the password"
                    + " file '" + pki.askpassFile().get() + "': " + e.getClass().getSimpleName());
        } finally {
            if (bytes != null) {
                Arrays.fill(bytes, (byte) 0);
            }
        }
    }
}
