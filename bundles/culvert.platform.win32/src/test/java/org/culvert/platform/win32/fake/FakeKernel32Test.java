package org.culvert.platform.win32.fake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.culvert.platform.win32.HandleArray;
import org.culvert.platform.win32.Kernel32Api;
import org.culvert.platform.win32.fake.FakeKernel32.FakeOverlappedIo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The fake's own semantics, checked against what Microsoft documents, so that tests built on it mean something. */
class FakeKernel32Test {
    private final FakeKernel32 k = new FakeKernel32();
    private int expectedViolations;

    @AfterEach
    void noUnexpectedMisuse() {
        assertEquals(expectedViolations, k.violations().size(), () -> k.violations().toString());
    }

    @Test
    void waitForMultipleObjectsReturnsTheLowestSignalledIndexAndResetsOnlyThatAutoResetEvent() {
        long a = k.createEvent(false, false);
        long b = k.createEvent(false, true);
        long c = k.createEvent(false, true);
        HandleArray arr = k.newHandleArray(3);
        arr.set(0, a);
        arr.set(1, b);
        arr.set(2, c);
        assertEquals(Kernel32Api.WAIT_OBJECT_0 + 1, k.waitForMultipleObjects(arr, 3, 0));
        assertFalse(k.isSignalled(b), "auto-reset event consumed by the wait");
        assertTrue(k.isSignalled(c), "other signalled events untouched");
        assertEquals(Kernel32Api.WAIT_OBJECT_0 + 2, k.waitForMultipleObjects(arr, 3, 0));
        assertEquals(Kernel32Api.WAIT_TIMEOUT, k.waitForMultipleObjects(arr, 3, 0));
    }

    @Test
    void manualResetEventsStaySignalled() {
        long e = k.createEvent(true, false);
        assertEquals(Kernel32Api.WAIT_TIMEOUT, k.waitForSingleObject(e, 0));
        k.setEvent(e);
        assertEquals(Kernel32Api.WAIT_OBJECT_0, k.waitForSingleObject(e, 0));
        assertEquals(Kernel32Api.WAIT_OBJECT_0, k.waitForSingleObject(e, 0));
        k.resetEvent(e);
        assertEquals(Kernel32Api.WAIT_TIMEOUT, k.waitForSingleObject(e, 0));
    }

    @Test
    void moreThanSixtyFourHandlesFailWithInvalidParameter() {
        HandleArray arr = k.newHandleArray(65);
        for (int i = 0; i < 65; i++) {
            arr.set(i, k.createEvent(true, false));
        }
        assertEquals(Kernel32Api.WAIT_FAILED, k.waitForMultipleObjects(arr, 65, 0));
        assertEquals(Kernel32Api.ERROR_INVALID_PARAMETER, k.getLastError());
        assertEquals(Kernel32Api.WAIT_TIMEOUT, k.waitForMultipleObjects(arr, 64, 0));
    }

    @Test
    void aWaitIsEndedBySetEventFromAnotherThread() throws Exception {
        long e = k.createEvent(false, false);
        CompletableFuture<Integer> r = CompletableFuture.supplyAsync(() -> k.waitForSingleObject(e, Kernel32Api.INFINITE));
        k.setEvent(e);
        assertEquals(Kernel32Api.WAIT_OBJECT_0, r.get(5, TimeUnit.SECONDS));
    }

    @Test
    void timersAreUnsignalledUntilDue() {
        long t = k.createWaitableTimer(true);
        assertEquals(Kernel32Api.WAIT_TIMEOUT, k.waitForSingleObject(t, 0));
        k.setWaitableTimer(t, -20 * 10_000L); // 20 ms
        assertFalse(k.isSignalled(t));
        assertEquals(Kernel32Api.WAIT_OBJECT_0, k.waitForSingleObject(t, 5_000));
        assertTrue(k.isSignalled(t), "a manual-reset timer stays signalled");
        k.setWaitableTimer(t, -3_600_000L * 10_000L);
        assertFalse(k.isSignalled(t), "SetWaitableTimer makes it unsignalled again");
    }

    @Test
    void overlappedReadPendsThenCompletesAndSignals() {
        AtomicReference<FakeOverlappedIo> pending = new AtomicReference<>();
        k.addDevice("\\\\.\\dev", (FakeKernel32.FileDevice) new FakeKernel32.FileDevice() {
            @Override
            public void read(FakeOverlappedIo io, int length) {
                pending.set(io);
            }

            @Override
            public void write(FakeOverlappedIo io, int length) {
                io.completeNow(length);
            }
        });
        long f = k.createFile("\\\\.\\dev", 0, 0, Kernel32Api.OPEN_EXISTING, Kernel32Api.FILE_FLAG_OVERLAPPED);
        long ev = k.createEvent(true, false);
        FakeOverlappedIo io = (FakeOverlappedIo) k.newOverlappedIo(ev, 100);
        assertFalse(k.readFile(f, io, 100));
        assertEquals(Kernel32Api.ERROR_IO_PENDING, k.getLastError());
        assertFalse(k.getOverlappedResult(f, io, false));
        assertEquals(Kernel32Api.ERROR_IO_INCOMPLETE, k.getLastError());
        assertFalse(k.isSignalled(ev));
        pending.get().complete(Kernel32Api.ERROR_SUCCESS, 42);
        assertTrue(k.isSignalled(ev));
        assertTrue(k.getOverlappedResult(f, io, false));
        assertEquals(42, io.bytesTransferred());
        assertTrue(k.writeFile(f, io, 7), "immediate completion");
        assertEquals(7, io.bytesTransferred());
        assertFalse(k.readFile(f, io, 100));
        assertTrue(k.cancelIoEx(f, io));
        assertFalse(k.getOverlappedResult(f, io, true));
        assertEquals(Kernel32Api.ERROR_OPERATION_ABORTED, k.getLastError());
        io.close();
        k.closeHandle(f);
        k.closeHandle(ev);
        assertEquals(0, k.openHandles());
    }

    @Test
    void misuseIsRecorded() {
        long e = k.createEvent(true, false);
        k.closeHandle(e);
        assertFalse(k.setEvent(e));
        assertEquals(Kernel32Api.ERROR_INVALID_HANDLE, k.getLastError());
        assertTrue(k.violations().get(0).contains("SetEvent"), k.violations().toString());
        expectedViolations = 1;
    }

    @Test
    void createFileOfAMissingDeviceFailsWithFileNotFound() {
        assertEquals(Kernel32Api.INVALID_HANDLE_VALUE, k.createFile("\\\\.\\nothing", 0, 0, Kernel32Api.OPEN_EXISTING,
                Kernel32Api.FILE_FLAG_OVERLAPPED));
        assertEquals(Kernel32Api.ERROR_FILE_NOT_FOUND, k.getLastError());
    }
}
