package org.culvert.openvpn.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class LineTokenizerTest {

    private static List<String> words(String line) throws Exception {
        return LineTokenizer.tokenize(line);
    }

    @Test
    void splitsOnAnyWhitespace() throws Exception {
        assertEquals(List.of("remote", "10.0.0.1", "1194"), words("  remote\t10.0.0.1   1194\r"));
        assertEquals(List.of(), words(""));
        assertEquals(List.of(), words(" \t\r"));
    }

    @Test
    void commentsStartOnlyAtAWordStart() throws Exception {
        assertEquals(List.of(), words("# a comment"));
        assertEquals(List.of(), words("   ; another"));
        assertEquals(List.of("dev", "tun"), words("dev tun # trailing comment"));
        assertEquals(List.of("dev", "tun#1"), words("dev tun#1"));
        assertEquals(List.of("up", "a # b"), words("up \"a # b\""));
    }

    @Test
    void doubleQuotesGroupWordsAndHonourEscapes() throws Exception {
        assertEquals(List.of("secret", "/etc/my keys/static.key", "1"), words("secret \"/etc/my keys/static.key\" 1"));
        assertEquals(List.of("up", "say \"hi\""), words("up \"say \\\"hi\\\"\""));
        assertEquals(List.of("x", "C:\\dir"), words("x \"C:\\\\dir\""));
        assertEquals(List.of("x", ""), words("x \"\""));
    }

    @Test
    void singleQuotesAreLiteral() throws Exception {
        assertEquals(List.of("up", "a \\n b"), words("up 'a \\n b'"));
    }

    @Test
    void backslashEscapesWhitespaceOutsideQuotes() throws Exception {
        assertEquals(List.of("secret", "my key.txt"), words("secret my\\ key.txt"));
        assertEquals(List.of("x", "a\\b"), words("x a\\\\b"));
    }

    @Test
    void malformedLinesAreErrors() {
        assertTrue(assertThrows(LineTokenizer.SyntaxError.class, () -> words("up \"unterminated")).getMessage().contains("quotation"));
        assertTrue(assertThrows(LineTokenizer.SyntaxError.class, () -> words("up 'unterminated")).getMessage().contains("single"));
        assertTrue(assertThrows(LineTokenizer.SyntaxError.class, () -> words("secret C:\\keys")).getMessage().contains("backslash"));
        assertThrows(LineTokenizer.SyntaxError.class, () -> words("up \"a\\nb\""));
        assertThrows(LineTokenizer.SyntaxError.class, () -> words("dev tun\\"));
    }

    @Test
    void errorsSayWhyAndKeepTheWordsBefore() {
        LineTokenizer.SyntaxError e = assertThrows(LineTokenizer.SyntaxError.class, () -> words("dev tun\\"));
        assertEquals(LineTokenizer.SyntaxError.Reason.TRAILING_BACKSLASH, e.reason());
        assertEquals(List.of("dev"), e.words());
        LineTokenizer.SyntaxError bad = assertThrows(LineTokenizer.SyntaxError.class, () -> words("secret C:\\keys"));
        assertEquals(LineTokenizer.SyntaxError.Reason.BAD_BACKSLASH, bad.reason());
        assertEquals('k', bad.character());
        assertEquals(LineTokenizer.SyntaxError.Reason.NO_CLOSING_QUOTE,
                assertThrows(LineTokenizer.SyntaxError.class, () -> words("up \"x")).reason());
    }

    @Test
    void aWordHoldsAtMost256Characters() throws Exception {
        String ok = "a".repeat(256);
        assertEquals(List.of("x", ok), words("x " + ok));
        LineTokenizer.SyntaxError e = assertThrows(LineTokenizer.SyntaxError.class, () -> words("x " + ok + "b"));
        assertEquals(LineTokenizer.SyntaxError.Reason.WORD_TOO_LONG, e.reason());
        assertEquals(255, e.word().length());
    }

    @Test
    void aWordLimitIgnoresTheRestOfTheLine() throws Exception {
        assertEquals(List.of("a", "b"), LineTokenizer.tokenize("a b c \"unclosed", 2));
        assertEquals(List.of("a", "b", "c"), LineTokenizer.tokenize("a b c"));
    }
}
