package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.culvert.api.link.LinkProtocol;
import org.culvert.api.link.LinkSpec;
import org.junit.jupiter.api.Test;

/** The restart pause follows OpenVPN 2.6's socket_restart_pause (init.c) attempt by attempt. */
class RestartPauseTest {
    private static LinkSpec link(LinkProtocol protocol, int retry, int retryMax) {
        return LinkSpec.builder(protocol).remote("peer", 1194).connectRetry(retry, retryMax).build();
    }

    /** The pauses of {@code restarts} restarts in a row that never reach "Initialization Sequence Completed". */
    private static List<Long> pauses(LinkSpec link, boolean tlsClient, int restarts) {
        RestartPause pause = new RestartPause();
        List<Long> seconds = new ArrayList<>();
        for (int i = 0; i < restarts; i++) {
            pause.attemptStarted();
            seconds.add(pause.nextPauseSeconds(link, tlsClient));
        }
        return seconds;
    }

    @Test
    void aUdpTlsClientWaitsOneSecondFourTimesThenDoublesUpToConnectRetryMax() {
        // OpenVPN: sec = connect-retry (1); from the 5th unsuccessful attempt max(sec,1) << (attempts - 4), at most 300.
        assertEquals(List.of(1L, 1L, 1L, 1L, 2L, 4L, 8L, 16L, 32L, 64L, 128L, 256L, 300L, 300L, 300L),
                pauses(link(LinkProtocol.UDP, 1, 300), true, 15));
    }

    @Test
    void aTcpClientBacksOffTheSameWayWithItsOwnConnectRetry() {
        assertEquals(List.of(5L, 5L, 5L, 5L, 10L, 20L, 40L, 60L, 60L), pauses(link(LinkProtocol.TCP_CLIENT, 5, 60), false, 9));
        // --connect-retry 0: no pause for four attempts, then the doubling starts from 1 s.
        assertEquals(List.of(0L, 0L, 0L, 0L, 2L, 4L), pauses(link(LinkProtocol.TCP_CLIENT, 0, 300), false, 6));
    }

    @Test
    void aTcpServerAlwaysWaitsOneSecond() {
        assertEquals(List.of(1L, 1L, 1L, 1L, 1L, 1L, 1L, 1L, 1L, 1L), pauses(link(LinkProtocol.TCP_SERVER, 5, 300), false, 10));
    }

    @Test
    void udpWithoutTlsClientNeverBacksOff() {
        // Static key, or a tls-server: OpenVPN's backoff is "for TCP client or UDP tls-client only".
        assertEquals(List.of(1L, 1L, 1L, 1L, 1L, 1L, 1L, 1L, 1L, 1L, 1L, 1L), pauses(link(LinkProtocol.UDP, 1, 300), false, 12));
        assertEquals(List.of(3L, 3L, 3L, 3L, 3L, 3L, 3L), pauses(link(LinkProtocol.UDP, 3, 5), false, 7));
    }

    @Test
    void comingUpStartsTheCountOver() {
        LinkSpec udp = link(LinkProtocol.UDP, 1, 300);
        RestartPause pause = new RestartPause();
        for (int i = 0; i < 8; i++) {
            pause.attemptStarted();
        }
        assertEquals(16, pause.nextPauseSeconds(udp, true));
        pause.initializationCompleted();
        // The restart after a run that came up: OpenVPN's count is 0 at the pause, then 1, 2, ... again.
        assertEquals(1, pause.nextPauseSeconds(udp, true));
        pause.attemptStarted();
        assertEquals(1, pause.nextPauseSeconds(udp, true));
        for (int i = 0; i < 4; i++) {
            pause.attemptStarted();
        }
        assertEquals(2, pause.nextPauseSeconds(udp, true));
    }

    @Test
    void theLongestPauseIsConnectRetryMaxAndNeverMore() {
        for (int attempts = 0; attempts < 100; attempts++) {
            RestartPause pause = new RestartPause();
            for (int i = 0; i < attempts; i++) {
                pause.attemptStarted();
            }
            assertEquals(Math.min(300, attempts <= 4 ? 1 : 1L << Math.min(attempts - 4, 15)),
                    pause.nextPauseSeconds(link(LinkProtocol.UDP, 1, 300), true), "after " + attempts + " attempts");
        }
    }
}
