package org.culvert.launcher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import org.culvert.testkit.credentials.RecordingCredentialsRequest;
import org.junit.jupiter.api.Test;

/** The headless command's terminal prompts, OpenVPN's wording, and a missing terminal or input. */
class ConsoleCredentialsTest {
    /** Answers prompts from a script, recording them and whether echo was off. */
    static final class Script implements ConsoleCredentials.Prompter {
        final Deque<String> answers = new ArrayDeque<>();
        final List<String> prompts = new ArrayList<>();
        final List<String> said = new ArrayList<>();

        Script(String... answers) {
            this.answers.addAll(List.of(answers));
        }

        @Override
        public String readLine(String prompt) {
            prompts.add("echo " + prompt);
            return answers.poll();
        }

        @Override
        public char[] readPassword(String prompt) {
            prompts.add("noecho " + prompt);
            String a = answers.poll();
            return a == null ? null : a.toCharArray();
        }

        @Override
        public void say(String line) {
            said.add(line);
        }
    }

    @Test
    void asksAsOpenVpnDoesWithThePasswordUnechoed() {
        Script s = new Script("alice", "s3cret");
        RecordingCredentialsRequest r = new RecordingCredentialsRequest("t", true, true, null, false, false, null);
        new ConsoleCredentials(s).requestCredentials(r);
        assertEquals(List.of("echo Enter Auth Username: ", "noecho Enter Auth Password: "), s.prompts);
        assertEquals("alice", r.givenUser());
        assertArrayEquals("s3cret".toCharArray(), r.givenPassword());
        assertNull(r.cancelled());
    }

    @Test
    void challengesAndARetryNameWhatIsAsked() {
        Script s = new Script("pw", "123456");
        RecordingCredentialsRequest r = new RecordingCredentialsRequest("t", false, true, "Enter OTP", true, false, "wrong password");
        new ConsoleCredentials(s).requestCredentials(r);
        assertEquals(List.of("noecho Enter Auth Password: ", "echo Enter OTP "), s.prompts);
        assertEquals(List.of("AUTH_FAILED: wrong password"), s.said);
        assertArrayEquals("123456".toCharArray(), r.givenResponse());

        Script d = new Script("8675309");
        RecordingCredentialsRequest dyn = new RecordingCredentialsRequest("t", false, false, "PIN?", false, true, null);
        new ConsoleCredentials(d).requestCredentials(dyn);
        assertEquals(List.of("noecho CHALLENGE: PIN? "), d.prompts);
        assertArrayEquals("8675309".toCharArray(), dyn.givenResponse());
    }

    @Test
    void noTerminalOrNoInputCancelsWithAReason() {
        RecordingCredentialsRequest r = new RecordingCredentialsRequest("t", true, true, null, false, false, null);
        new ConsoleCredentials(null).requestCredentials(r);
        assertEquals(ConsoleCredentials.NO_CONSOLE, r.cancelled());
        assertTrue(r.cancelled().contains("--auth-user-pass FILE"));
        RecordingCredentialsRequest eof = new RecordingCredentialsRequest("t", true, true, null, false, false, null);
        new ConsoleCredentials(new Script()).requestCredentials(eof);
        assertEquals("no Auth username was entered", eof.cancelled());
    }
}
