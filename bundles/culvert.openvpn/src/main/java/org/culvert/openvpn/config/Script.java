package org.culvert.openvpn.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A script command as configured ({@code --up}, {@code --down}, a server's {@code --client-connect}...). OpenVPN runs it without a shell, appending
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

    /** A script option's command: not empty; its program resolved against the configuration's directory. */
    static Script parse(OptionsBuilder.Line l, String argument) throws ConfigException {
        if (argument == null) {
            throw OptionArgs.error(ConfigException.Reason.MISSING_ARGUMENT, l, "needs a command");
        }
        String command = argument.trim();
        if (command.isEmpty()) {
            throw OptionArgs.error(ConfigException.Reason.BAD_VALUE, l, "the command is empty");
        }
        String program = command.split("\\s+", 2)[0];
        return new Script(command, OptionArgs.resolve(l, program));
    }
}
