package org.culvert.openvpn.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * An {@code --up}/{@code --down} command as configured. OpenVPN runs it without a shell, appending
 * its own arguments (device, MTU, addresses); running it is the caller's job.
 *
 * @param command the command line exactly as configured
 * @param program its first word, resolved against the configuration's directory if relative
 */
public record Script(String command, Path program) {
    public Script {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(program, "program");
    }
}
