package org.culvert.openvpn.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The text of a file-valued option ({@code --ca}, {@code --cert}, {@code --key}, {@code --dh},
 * {@code --tls-auth}, {@code --tls-crypt}), read while parsing from a file or taken from an inline
 * {@code <tag>...</tag>} block. The parser has checked only its shape (a PEM block of the right kind,
 * or an OpenVPN static key); the TLS engine parses it.
 *
 * <p>The text may be a private or static key: {@link #toString()} shows only where it came from.
 *
 * @param text the whole content, as read
 * @param file the file it was read from (resolved against the configuration's directory), or empty
 *     for an inline block
 */
public record FileContent(String text, Optional<Path> file) {
    public FileContent {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(file, "file");
    }

    /** Whether the content came from an inline block. */
    public boolean inline() {
        return file.isEmpty();
    }

    @Override
    public String toString() {
        return file.map(Path::toString).orElse("<inline>");
    }
}
