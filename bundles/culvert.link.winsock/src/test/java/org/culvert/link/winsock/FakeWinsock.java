package org.culvert.link.winsock;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.culvert.event.win32.Win32EventBackend;
import org.culvert.platform.win32.fake.FakeKernel32;
import org.culvert.platform.win32.fake.FakeWs2;

/**
 * The transport over the fake Winsock and kernel32, with the real win32 event backend waiting on the
 * fake events, as the Windows tun drivers' tests wire it.
 */
final class FakeWinsock {
    final FakeKernel32 k32 = new FakeKernel32();
    final FakeWs2 ws2 = new FakeWs2(k32);
    final Win32EventBackend backend = new Win32EventBackend(k32);
    final WinsockLinkTransport transport;

    FakeWinsock() {
        this(WinsockLinkTransport.DEFAULT_BATCH_SIZE);
    }

    FakeWinsock(int batchSize) {
        transport = new WinsockLinkTransport(ws2, k32, batchSize);
    }

    /** After everything was closed: no misuse, no socket, handle or Winsock start left behind. */
    void assertClean() {
        assertEquals(0, ws2.violations().size(), () -> ws2.violations().toString());
        assertEquals(0, k32.violations().size(), () -> k32.violations().toString());
        assertEquals(0, ws2.openSockets(), "sockets left open");
        assertEquals(0, k32.openHandles(), "handles left open");
        assertEquals(0, ws2.startups(), "WSAStartup without WSACleanup");
    }
}
