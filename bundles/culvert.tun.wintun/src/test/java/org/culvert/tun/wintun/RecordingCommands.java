package org.culvert.tun.wintun;

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

    RecordingCommands failWhen(Predicate<List<String>> p) {
        failing = p;
        return this;
    }

    @Override
    public synchronized int run(List<String> argv, Map<String, String> environment, long timeoutMillis, StringBuilder output) {
        commands.add(new ArrayList<>(argv));
        environments.add(new LinkedHashMap<>(environment));
        return failing.test(argv) ? 1 : 0;
    }

    synchronized List<String> lines() {
        List<String> out = new ArrayList<>();
        for (List<String> c : commands) {
            out.add(String.join(" ", c));
        }
        return out;
    }
}
