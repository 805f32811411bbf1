package org.culvert.management.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** OpenVPN's parse_line rules, as the management interface applies them to command lines. */
class CommandLineParserTest {
    private static List<String> ok(String line) {
        CommandLineParser.Result r = CommandLineParser.parse(line);
        assertNull(r.error, () -> "unexpected error for <" + line + ">: " + r.error);
        return r.parameters;
    }

    private static String error(String line) {
        CommandLineParser.Result r = CommandLineParser.parse(line);
        assertTrue(r.parameters.isEmpty());
        return r.error;
    }

    @Test
    void splitsOnBlanksAndHonoursQuotes() {
        assertEquals(List.of("state", "on", "all"), ok("  state   on all "));
        assertEquals(List.of("password", "Private Key", "a\"b\\c"), ok("password \"Private Key\" \"a\\\"b\\\\c\""));
        assertEquals(List.of("x", "a \\ \"b"), ok("x 'a \\ \"b'"));
        assertEquals(List.of("x", "it", "s"), ok("x 'it''s'"));
        assertEquals(List.of("a b"), ok("a\\ b"));
        assertEquals(List.of("", "x"), ok("\"\" x"));
        assertEquals(List.of(), ok(""));
        assertEquals(List.of(), ok("# pid"));
        assertEquals(List.of("pid"), ok("pid ;comment"));
        assertEquals(List.of("pid", "a#b"), ok("pid a#b"));
    }

    @Test
    void readsAtMostSixteenParameters() {
        String line = "c 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 \"unclosed";
        List<String> p = ok(line);
        assertEquals(16, p.size());
        assertEquals("15", p.get(15));
    }

    @Test
    void rejectsWhatOpenVpnRejects() {
        assertEquals("ERROR: Options error: No closing quotation (\") in TCP:0", error("echo \"abc"));
        assertEquals("ERROR: Options error: No closing single quotation (') in TCP:0", error("echo 'abc"));
        assertTrue(error("echo a\\q").startsWith("ERROR: Options warning: Bad backslash ('\\') usage in TCP:0: remember that backslashes"));
        assertTrue(error("echo a\\q").endsWith("such as \"c:\\\\openvpn\\\\static.key\""));
        assertEquals(List.of("a".repeat(256)), ok("a".repeat(256)));
        assertEquals("ERROR: Options error: Parameter at TCP:0 is too long (256 chars max): " + "b".repeat(255), error("b".repeat(257)));
    }

    @Test
    void atoiIsCs() {
        assertEquals(0, CommandLineParser.atoi("abc"));
        assertEquals(12, CommandLineParser.atoi(" 12x"));
        assertEquals(-3, CommandLineParser.atoi("-3"));
        assertEquals(5, CommandLineParser.atoi("+5"));
        assertEquals(Integer.MAX_VALUE, CommandLineParser.atoi("99999999999999999999"));
        assertEquals(Integer.MIN_VALUE, CommandLineParser.atoi("-99999999999999999999"));
    }
}
