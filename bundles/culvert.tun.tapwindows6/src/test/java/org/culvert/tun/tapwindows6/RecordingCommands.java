package org.culvert.tun.tapwindows6;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.culvert.platform.win32.CommandRunner;

/** A {@link CommandRunner} that records the commands and their environments and runs nothing. */
final class RecordingCommands implements CommandRunner {
    final List<List<String>> commands = new ArrayList<>();
    final List<Map<String, String>> environments = new ArrayList<>();
    private Predicate<List<String>> failing = c -> false;

    /** Commands matching {@code p} exit with 1 from now on. */
    RecordingCommands failWhen(Predicate<List<String>> p) {
        failing = p;
        return this;
    }

    @Override
    public synchronized int run(List<String> argv, Map<String, String> environment, long timeoutMillis, StringBuilder output) {
        commands.add(new ArrayList<>(argv));
        environments.add(new LinkedHashMap<>(environment));
        if (failing.test(argv)) {
            if (output != null) {
                output.append("The requested operation requires elevation.");
            }
            return 1;
        }
        return 0;
    }

    synchronized List<String> lines() {
        List<String> out = new ArrayList<>();
        for (List<String> c : commands) {
            out.add(String.join(" ", c));
        }
        return out;
    }
}
