package org.culvert.openvpn.script;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The shared runner: arguments never re-parsed, environment, exit status, output tail, the time bound. */
class CommandRunnerTest {
    @Test
    void argumentsAreAppendedAsWordsAndTheEnvironmentIsPassed() throws Exception {
        CommandRunner.Result r = CommandRunner.run(CommandRunner.scriptCommand("printf '%s|' \"$FOO\"", "culvert-test",
                List.of("a b", "$(echo no)", "c")), Map.of("FOO", "bar"), 10_000);
        assertTrue(r.succeeded(), r.describe(10_000));
        assertEquals("bar|a b|$(echo no)|c|", r.output());
    }

    @Test
    void exitStatusAndTheTailOfTheOutput() throws Exception {
        CommandRunner.Result r = CommandRunner.run(List.of("/bin/sh", "-c", "head -c 5000 /dev/zero | tr '\\0' x; echo; echo last; exit 3"),
                Map.of(), 10_000);
        assertFalse(r.succeeded());
        assertEquals(3, r.exitCode());
        assertTrue(r.output().endsWith("last"));
        assertTrue(r.output().length() <= 1000, "only the tail");
        assertTrue(r.describe(10_000).startsWith("exit status 3: "));
    }

    @Test
    void aCommandPastItsBoundIsKilledWithItsChildren() throws Exception {
        long start = System.nanoTime();
        CommandRunner.Result r = CommandRunner.run(CommandRunner.scriptCommand("sleep 30; echo never", "t", List.of()),
                Map.of(), 300);
        assertTrue(r.timedOut());
        assertEquals(-1, r.exitCode());
        assertFalse(r.succeeded());
        assertTrue((System.nanoTime() - start) / 1_000_000 < 10_000);
        assertEquals("timed out after 300 ms", r.describe(300));
    }

    @Test
    void aMissingProgramCannotStart() {
        assertThrows(IOException.class, () -> CommandRunner.run(List.of("/nonexistent/prog"), Map.of(), 1000));
    }
}
