package org.culvert.openvpn.config;

import static org.culvert.openvpn.config.ConfigException.Reason.BAD_KEY;
import static org.culvert.openvpn.config.ConfigException.Reason.BAD_VALUE;
import static org.culvert.openvpn.config.ConfigException.Reason.FILE_ERROR;
import static org.culvert.openvpn.config.OptionArgs.describe;
import static org.culvert.openvpn.config.OptionArgs.error;
import static org.culvert.openvpn.config.OptionArgs.resolve;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import org.culvert.openvpn.config.OptionsBuilder.Line;
import org.culvert.openvpn.crypto.StaticKey;
import org.culvert.openvpn.crypto.StaticKeyException;

/**
 * Reading file-valued options (keys, certificates): inline or from a file, as characters that are
 * wiped after use, since the text may be a key.
 */
final class OptionFiles {
    /** Largest file a file-valued option may name (a generous CA bundle); guards against reading a device. */
    private static final long MAX_FILE_OPTION_BYTES = 4L << 20;

    private OptionFiles() {
    }

    /** The content of a file-valued option: the inline block, or the named file read now. */
    static FileContent read(Line l, String what) throws ConfigException {
        return read(l, 0, what);
    }

    /** As {@link #read(Line, String)} for the file named by argument {@code index}. */
    static FileContent read(Line l, int index, String what) throws ConfigException {
        if (l.inline()) {
            return new FileContent(l.arg(0), Optional.empty());
        }
        Path file = resolve(l, l.arg(index));
        try {
            if (Files.size(file) > MAX_FILE_OPTION_BYTES) {
                throw error(FILE_ERROR, l, "the " + what + " '" + l.arg(index) + "' is larger than 4 MiB");
            }
            // Decoded straight to characters: the file may be a key, which must not become a String.
            char[] chars = decode(Files.readAllBytes(file), StandardCharsets.UTF_8);
            try {
                return new FileContent(chars, Optional.of(file));
            } finally {
                Arrays.fill(chars, '\0');
            }
        } catch (IOException e) {
            throw error(FILE_ERROR, l, "cannot read " + what + " '" + l.arg(index) + "': " + describe(e), e);
        }
    }

    /** Decodes a file's bytes to characters without a String, overwriting the bytes and the decoder's buffer. */
    static char[] decode(byte[] bytes, Charset charset) {
        CharBuffer decoded = charset.decode(ByteBuffer.wrap(bytes));
        try {
            char[] out = new char[decoded.remaining()];
            decoded.get(out);
            return out;
        } finally {
            Arrays.fill(bytes, (byte) 0);
            if (decoded.hasArray()) {
                Arrays.fill(decoded.array(), '\0');
            }
        }
    }

    /** A light shape check so that a wrong file is reported with its line; the TLS engine parses it fully. */
    static void requirePem(Line l, FileContent content, String endOfBeginLine, String expected)
            throws ConfigException {
        int begin = content.indexOf("-----BEGIN ", 0);
        if (begin < 0 || content.indexOf(endOfBeginLine, begin) < 0) {
            throw error(BAD_VALUE, l, (content.inline() ? "the inline block" : "'" + l.arg(0) + "'") + " does not hold "
                    + expected);
        }
    }

    /** Checks an OpenVPN static key's syntax; returns how many 128-byte keys it holds. */
    static int staticKeyCount(OptionsBuilder b, Line l, FileContent content) throws ConfigException {
        content.file().ifPresent(f -> b.warnIfShared(f, l.arg(0)));
        char[] text = content.chars();
        try {
            StaticKey key = StaticKey.parse(CharBuffer.wrap(text));
            key.wipe();
            return key.keyCount();
        } catch (StaticKeyException e) {
            throw error(BAD_KEY, l, e.getMessage(), e);
        } finally {
            Arrays.fill(text, '\0');
        }
    }
}
