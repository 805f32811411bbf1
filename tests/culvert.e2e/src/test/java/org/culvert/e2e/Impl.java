package org.culvert.e2e;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A peer implementation: stock OpenVPN or Culvert's headless launcher. Both take the same options. */
public enum Impl {
    OPENVPN("openvpn"),
    CULVERT("culvert");

    private final String label;

    Impl(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The command line that runs this implementation with the given options (after the program). */
    public List<String> command(List<String> options) {
        List<String> cmd = new ArrayList<>();
        cmd.add(this == OPENVPN ? "openvpn" : E2eEnv.culvertScript().toString());
        cmd.addAll(options);
        return cmd;
    }

    /** The command line that runs this implementation on a config file. */
    public List<String> commandForConfig(Path config) {
        return command(List.of("--config", config.toString()));
    }

    public static Impl parse(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "openvpn":
                return OPENVPN;
            case "culvert":
                return CULVERT;
            default:
                throw new IllegalArgumentException("unknown peer implementation '" + name + "' (openvpn or culvert)");
        }
    }

    @Override
    public String toString() {
        return label;
    }
}
