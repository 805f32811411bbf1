package org.culvert.event.win32;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.culvert.api.event.EventSet;
import org.culvert.api.event.ReadyEvents;
import org.culvert.api.event.Waitable;
import org.culvert.api.event.Win32EventWaitable;
import org.culvert.platform.win32.HandleArray;
import org.culvert.platform.win32.Kernel32Api;
import org.culvert.platform.win32.Win32Errors;

/**
 * An event set over {@code WaitForMultipleObjects}: OpenVPN's {@code we_ctl}, {@code we_del},
 * {@code we_wait}, {@code we_reset} and {@code we_free}, for {@link Win32EventWaitable}s (TAP
 * overlapped-I/O events, the Wintun read-wait event, sockets under {@code WSAEventSelect}).
 *
 * <p>How a wait works: the registrations are flattened into a list of handles (a waitable's read
 * event for READ interest, its write event for WRITE; one entry with both flags when they are the
 * same handle, as for a socket). The owner thread waits on its wake-up event plus the first handles;
 * because Windows returns only the <em>lowest</em> signalled index, every handle after that one is
 * then probed with a zero-timeout wait, so a busy low index cannot starve the others and everything
 * ready is reported at once. Readiness is level-triggered as long as the events are manual-reset
 * (TAP, sockets); drivers with auto-reset events (Wintun) re-signal them themselves while data
 * remains.
 *
 * <p>More than {@value Kernel32Api#MAXIMUM_WAIT_OBJECTS} handles: the owner keeps 62 handles in its
 * own wait plus a shared "ready" event, and {@link WaitHelper} threads wait on the rest, 63 each, in
 * rounds that end with every wait (so the handle lists never change under a running wait). Helpers
 * are created the first time they are needed and end with {@link #close()}.
 *
 * <p>Threading as {@link EventSet} says; the data path ({@code ctl} of a known waitable, {@code wait})
 * allocates nothing once the arrays have grown to the set's size.
 */
final class Win32EventSet implements EventSet {
    private static final int MAX = Kernel32Api.MAXIMUM_WAIT_OBJECTS;

    private final Kernel32Api k32;
    private final String name;
    private final long wakeupEvent;
    private final HandleArray primary;
    private final Object wakeLock = new Object();
    private volatile boolean closed;

    // Registrations (OpenVPN's we_ctl list), matched by their handle values.
    private long[] regRead;
    private long[] regWrite;
    private int[] regInterest;
    private int[] regTag;
    private int[] regReady;
    private int regCount;

    // The handles of the current wait, flattened from the registrations.
    private long[] handles;
    private int[] handleReg;
    private int[] handleFlags;
    private boolean[] signalled;
    private int handleCount;

    // Only when more than MAX - 1 handles are registered.
    private long helpersReadyEvent;
    private final List<WaitHelper> helpers = new ArrayList<>();
    private int activeHelpers;

    /** @throws IOException if the wake-up event cannot be created */
    Win32EventSet(Kernel32Api k32, int maxEvents, String name) throws IOException {
        this.k32 = k32;
        this.name = name;
        // Auto-reset: one wait consumes one wake-up, as OpenVPN's event_set wake-ups do.
        wakeupEvent = k32.createEvent(false, false);
        if (wakeupEvent == 0) {
            throw new IOException(Win32Errors.message("CreateEvent", k32.getLastError()));
        }
        primary = k32.newHandleArray(MAX);
        int n = Math.max(2, maxEvents);
        regRead = new long[n];
        regWrite = new long[n];
        regInterest = new int[n];
        regTag = new int[n];
        regReady = new int[n];
        handles = new long[2 * n];
        handleReg = new int[2 * n];
        handleFlags = new int[2 * n];
        signalled = new boolean[2 * n];
    }

    @Override
    public void ctl(Waitable waitable, int interest, int tag) throws IOException {
        Win32EventWaitable w = checkWaitable(waitable);
        if ((interest & ~(READ | WRITE)) != 0) {
            throw new IllegalArgumentException("interest " + interest);
        }
        if (closed) {
            throw new IOException("event set closed");
        }
        int r = find(w);
        if (r < 0) {
            if (regCount == regRead.length) {
                growRegistrations();
            }
            r = regCount++;
            regRead[r] = w.readEvent();
            regWrite[r] = w.writeEvent();
        }
        regInterest[r] = interest;
        regTag[r] = tag;
    }

    @Override
    public void del(Waitable waitable) {
        if (!(waitable instanceof Win32EventWaitable)) {
            return;
        }
        int r = find((Win32EventWaitable) waitable);
        if (r < 0) {
            return;
        }
        int last = --regCount;
        regRead[r] = regRead[last];
        regWrite[r] = regWrite[last];
        regInterest[r] = regInterest[last];
        regTag[r] = regTag[last];
    }

    @Override
    public void reset() {
        regCount = 0;
    }

    @Override
    public int wait(long timeoutMillis, ReadyEvents out) throws IOException {
        out.clear();
        if (closed) {
            return 0;
        }
        int millis = timeoutMillis < 0 ? Kernel32Api.INFINITE : (int) Math.min(timeoutMillis, Integer.MAX_VALUE - 1L);
        flatten();
        boolean useHelpers = handleCount > MAX - 1;
        int base = useHelpers ? 2 : 1;
        int direct = useHelpers ? MAX - 2 : handleCount;
        primary.set(0, wakeupEvent);
        if (useHelpers) {
            startHelpers(direct);
            primary.set(1, helpersReadyEvent);
        }
        for (int i = 0; i < direct; i++) {
            primary.set(base + i, handles[i]);
        }
        int r;
        int helperFailure = 0;
        try {
            r = k32.waitForMultipleObjects(primary, base + direct, millis);
        } finally {
            if (useHelpers) {
                helperFailure = finishHelpers();
            }
        }
        int error = r == Kernel32Api.WAIT_FAILED ? k32.getLastError() : 0;
        if (r == Kernel32Api.WAIT_FAILED || helperFailure != 0) {
            throw new IOException(Win32Errors.message("WaitForMultipleObjects", r == Kernel32Api.WAIT_FAILED ? error : helperFailure)
                    + " (" + name + ", " + handleCount + " handles)");
        }
        // Handles below the one the wait returned were unsignalled at that moment: start probing after it.
        int firstToProbe = 0;
        int index = r >= Kernel32Api.WAIT_ABANDONED_0 && r < Kernel32Api.WAIT_ABANDONED_0 + MAX
                ? r - Kernel32Api.WAIT_ABANDONED_0 : r - Kernel32Api.WAIT_OBJECT_0;
        if (r == Kernel32Api.WAIT_TIMEOUT) {
            firstToProbe = direct;
        } else if (index >= base && index < base + direct) {
            signalled[index - base] = true;
            firstToProbe = index - base + 1;
        }
        for (int i = firstToProbe; i < handleCount; i++) {
            if (!signalled[i] && k32.waitForSingleObject(handles[i], 0) == Kernel32Api.WAIT_OBJECT_0) {
                signalled[i] = true;
            }
        }
        return collect(out);
    }

    @Override
    public void wakeup() {
        if (closed) {
            return;
        }
        // The lock keeps close() from releasing the event between the check and the SetEvent: a closed
        // HANDLE value can be reused by Windows at once for something else.
        synchronized (wakeLock) {
            if (!closed) {
                k32.setEvent(wakeupEvent);
            }
        }
    }

    @Override
    public void close() {
        synchronized (wakeLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        for (WaitHelper h : helpers) {
            h.stop();
        }
        helpers.clear();
        if (helpersReadyEvent != 0) {
            k32.closeHandle(helpersReadyEvent);
            helpersReadyEvent = 0;
        }
        k32.closeHandle(wakeupEvent);
        regCount = 0;
    }

    /** For tests: helper threads currently alive. */
    int liveHelpers() {
        int n = 0;
        for (WaitHelper h : helpers) {
            if (h.isAlive()) {
                n++;
            }
        }
        return n;
    }

    private static Win32EventWaitable checkWaitable(Waitable waitable) {
        if (!(waitable instanceof Win32EventWaitable)) {
            throw new IllegalArgumentException("the win32 backend waits on WIN32_EVENT handles, not "
                    + (waitable == null ? "null" : waitable.kind() + " (" + waitable + ")"));
        }
        Win32EventWaitable w = (Win32EventWaitable) waitable;
        if (w.readEvent() == 0 && w.writeEvent() == 0) {
            throw new IllegalArgumentException("a win32 waitable without any event handle");
        }
        return w;
    }

    private int find(Win32EventWaitable w) {
        long read = w.readEvent();
        long write = w.writeEvent();
        for (int i = 0; i < regCount; i++) {
            if (regRead[i] == read && regWrite[i] == write) {
                return i;
            }
        }
        return -1;
    }

    private void flatten() {
        handleCount = 0;
        for (int r = 0; r < regCount; r++) {
            regReady[r] = 0;
            int interest = regInterest[r];
            long read = regRead[r];
            long write = regWrite[r];
            boolean readAdded = false;
            if ((interest & READ) != 0 && read != 0) {
                addHandle(read, r, READ);
                readAdded = true;
            }
            if ((interest & WRITE) != 0 && write != 0) {
                if (readAdded && write == read) {
                    // One handle for both directions (a socket under WSAEventSelect): one wait entry.
                    handleFlags[handleCount - 1] |= WRITE;
                } else {
                    addHandle(write, r, WRITE);
                }
            }
        }
    }

    private void addHandle(long handle, int reg, int flags) {
        if (handleCount == handles.length) {
            int n = handles.length * 2;
            handles = Arrays.copyOf(handles, n);
            handleReg = Arrays.copyOf(handleReg, n);
            handleFlags = Arrays.copyOf(handleFlags, n);
            signalled = Arrays.copyOf(signalled, n);
        }
        handles[handleCount] = handle;
        handleReg[handleCount] = reg;
        handleFlags[handleCount] = flags;
        signalled[handleCount] = false;
        handleCount++;
    }

    private void growRegistrations() {
        int n = regRead.length * 2;
        regRead = Arrays.copyOf(regRead, n);
        regWrite = Arrays.copyOf(regWrite, n);
        regInterest = Arrays.copyOf(regInterest, n);
        regTag = Arrays.copyOf(regTag, n);
        regReady = Arrays.copyOf(regReady, n);
    }

    private void startHelpers(int firstHelped) throws IOException {
        if (helpersReadyEvent == 0) {
            helpersReadyEvent = k32.createEvent(true, false);
            if (helpersReadyEvent == 0) {
                throw new IOException(Win32Errors.message("CreateEvent", k32.getLastError()));
            }
        }
        k32.resetEvent(helpersReadyEvent);
        int remaining = handleCount - firstHelped;
        int needed = (remaining + WaitHelper.CAPACITY - 1) / WaitHelper.CAPACITY;
        while (helpers.size() < needed) {
            try {
                helpers.add(new WaitHelper(k32, helpersReadyEvent, "culvert-win32-wait-" + name + "-" + helpers.size()));
            } catch (IllegalStateException e) {
                throw new IOException("cannot start a wait helper: " + e.getMessage(), e);
            }
        }
        for (int h = 0; h < needed; h++) {
            int from = firstHelped + h * WaitHelper.CAPACITY;
            helpers.get(h).load(handles, from, Math.min(WaitHelper.CAPACITY, handleCount - from));
            helpers.get(h).startRound();
        }
        activeHelpers = needed;
    }

    /** Ends every helper's round; marks what they found. @return the first helper wait failure, or 0 */
    private int finishHelpers() {
        int failure = 0;
        for (int h = 0; h < activeHelpers; h++) {
            WaitHelper helper = helpers.get(h);
            helper.finishRound();
            int hit = helper.result();
            if (hit >= 0) {
                signalled[hit] = true;
            }
            if (failure == 0) {
                failure = helper.failure();
            }
        }
        activeHelpers = 0;
        return failure;
    }

    private int collect(ReadyEvents out) {
        for (int i = 0; i < handleCount; i++) {
            if (signalled[i]) {
                regReady[handleReg[i]] |= handleFlags[i];
            }
        }
        for (int r = 0; r < regCount; r++) {
            int flags = regReady[r] & regInterest[r];
            if (flags == 0) {
                continue;
            }
            if (out.size() < out.capacity()) {
                out.add(regTag[r], flags);
            } else {
                resignal(r);
            }
        }
        return out.size();
    }

    /**
     * A ready registration that did not fit into the caller's result array must be reported by the
     * next wait; but this wait may have consumed the signal of an auto-reset event (Wintun's), so
     * signal its handles again. For manual-reset events this changes nothing.
     */
    private void resignal(int reg) {
        for (int i = 0; i < handleCount; i++) {
            if (handleReg[i] == reg && signalled[i]) {
                k32.setEvent(handles[i]);
            }
        }
    }
}
