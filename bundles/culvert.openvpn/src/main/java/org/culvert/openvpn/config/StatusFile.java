package org.culvert.openvpn.config;

import java.nio.file.Path;

/**
 * {@code --status file [seconds]} with {@code --status-version}.
 *
 * @param file    where the status is written
 * @param seconds how often it is rewritten (OpenVPN's default 60)
 * @param version 1, 2 or 3 (OpenVPN's default 1)
 */
public record StatusFile(Path file, int seconds, int version) {
    /** OpenVPN's default interval. */
    public static final int DEFAULT_SECONDS = 60;
}
