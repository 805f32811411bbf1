package org.culvert.openvpn.config;

import java.nio.CharBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * The text of a file-valued option ({@code --ca}, {@code --cert}, {@code --key}, {@code --dh},
 * {@code --tls-auth}, {@code --tls-crypt}), read while parsing from a file or taken from an inline
 * {@code <tag>...</tag>} block. The parser has checked only its shape (a PEM block of the right kind,
 * or an OpenVPN static key); the TLS engine parses it.
 *
 * <p>The text may be a private or static key, so it is held as characters, never as a String: read
 * key text with {@link #chars()} (a copy the caller wipes) and certificates with {@link #text()}; the
 * owner of the options calls {@link #wipe()} when it drops them. {@link #toString()} shows only where
 * the text came from. Equal by content and origin. Thread-safe until wiped.
 */
public final class FileContent {
    private final char[] text;
    private final Optional<Path> file;

    /**
     * @param text the whole content, as read
     * @param file the file it was read from (resolved against the configuration's directory), or empty
     *     for an inline block
     */
    public FileContent(String text, Optional<Path> file) {
        this.text = Objects.requireNonNull(text, "text").toCharArray();
        this.file = Objects.requireNonNull(file, "file");
    }

    /**
     * As {@link #FileContent(String, Optional)} from characters, which are copied (the caller wipes its own).
     *
     * @since config 1.1
     */
    public FileContent(char[] text, Optional<Path> file) {
        this.text = Objects.requireNonNull(text, "text").clone();
        this.file = Objects.requireNonNull(file, "file");
    }

    /**
     * The whole content as a new String: for certificates and DH parameters, which are public. Key
     * text is read with {@link #chars()}.
     */
    public String text() {
        return new String(text);
    }

    /**
     * A copy of the content; the caller overwrites it once parsed.
     *
     * @since config 1.1
     */
    public char[] chars() {
        return text.clone();
    }

    /**
     * Whether the content contains {@code s}, without making a String of it.
     *
     * @since config 1.1
     */
    public boolean contains(String s) {
        return indexOf(s, 0) >= 0;
    }

    /**
     * The first index at or after {@code from} where {@code s} starts in the content, or -1.
     *
     * @since config 1.1
     */
    public int indexOf(String s, int from) {
        return indexOf(CharBuffer.wrap(text), s, from);
    }

    /**
     * The first index at or after {@code from} where {@code s} starts in {@code text}, or -1: a
     * search in key text that makes no String of it.
     *
     * @since config 1.1
     */
    public static int indexOf(CharSequence text, String s, int from) {
        outer:
        for (int i = Math.max(0, from); i <= text.length() - s.length(); i++) {
            for (int j = 0; j < s.length(); j++) {
                if (text.charAt(i + j) != s.charAt(j)) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** The file it was read from, or empty for an inline block. */
    public Optional<Path> file() {
        return file;
    }

    /** Whether the content came from an inline block. */
    public boolean inline() {
        return file.isEmpty();
    }

    /**
     * Overwrites the content; idempotent. For the owner of the options, when it drops them.
     *
     * @since config 1.1
     */
    public void wipe() {
        Arrays.fill(text, '\0');
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof FileContent) || !file.equals(((FileContent) o).file) || text.length != ((FileContent) o).text.length) {
            return false;
        }
        char[] other = ((FileContent) o).text;
        int diff = 0;
        for (int i = 0; i < text.length; i++) {
            diff |= text[i] ^ other[i]; // all characters, whatever the first difference: key text
        }
        return diff == 0;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(text) + file.hashCode();
    }

    @Override
    public String toString() {
        return file.map(Path::toString).orElse("<inline>");
    }
}
