package org.culvert.platform.linux;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NativeSupportTest {
    @Test
    void socketProbeSucceedsForDatagramAndStreamSockets() {
        assertNull(NativeSupport.loadFailure());
        assertNull(NativeSupport.socketFailure(Net.SOCK_DGRAM, "socket(AF_INET, SOCK_DGRAM)"));
        assertNull(NativeSupport.socketFailure(Net.SOCK_STREAM, "socket(AF_INET, SOCK_STREAM)"));
    }

    @Test
    void socketProbeNamesTheFailingCallAndErrno() {
        String failure = NativeSupport.socketFailure(77, "socket(AF_INET, 77)");
        assertNotNull(failure);
        assertTrue(failure.startsWith("socket(AF_INET, 77)"), failure);
        assertTrue(failure.contains("EINVAL") || failure.contains("EPROTONOSUPPORT") || failure.contains("ESOCKTNOSUPPORT"), failure);
    }
}
