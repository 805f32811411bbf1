package org.culvert.api.link;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** OpenVPN's --connect-retry schedule, which every TCP client transport follows. */
class LinkSpecTest {
    private static LinkSpec spec(int retry, int max) {
        return LinkSpec.builder(LinkProtocol.TCP_CLIENT).remote("peer", 1194).connectRetry(retry, max).build();
    }

    @Test
    void theDelayStaysForFourFailuresThenDoublesUpToTheMaximum() {
        LinkSpec s = spec(5, 60);
        long[] expected = { 5, 5, 5, 5, 10, 20, 40, 60, 60 };
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], s.connectRetryDelaySeconds(i + 1), "after " + (i + 1) + " failures");
        }
        assertEquals(60, s.connectRetryDelaySeconds(Integer.MAX_VALUE));
    }

    @Test
    void aZeroDelayStillBacksOffFromOneSecond() {
        LinkSpec s = spec(0, 3);
        assertEquals(0, s.connectRetryDelaySeconds(4));
        assertEquals(2, s.connectRetryDelaySeconds(5));
        assertEquals(3, s.connectRetryDelaySeconds(30));
    }
}
