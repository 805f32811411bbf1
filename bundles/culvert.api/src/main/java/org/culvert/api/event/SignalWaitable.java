package org.culvert.api.event;

import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A readiness source kept in Java memory: the owner sets "readable" and "writable", and an event
 * backend that supports {@link HandleKind#SIGNAL} is told through a watcher when either changes.
 * Level-triggered, like the other kinds. Thread-safe.
 */
public final class SignalWaitable implements Waitable {
    private final String name;
    private final CopyOnWriteArrayList<Runnable> watchers = new CopyOnWriteArrayList<>();
    private volatile boolean readable;
    private volatile boolean writable;

    public SignalWaitable(String name, boolean readable, boolean writable) {
        this.name = name;
        this.readable = readable;
        this.writable = writable;
    }

    public boolean isReadable() {
        return readable;
    }

    public boolean isWritable() {
        return writable;
    }

    public void setReadable(boolean value) {
        if (readable != value) {
            readable = value;
            notifyWatchers();
        }
    }

    public void setWritable(boolean value) {
        if (writable != value) {
            writable = value;
            notifyWatchers();
        }
    }

    /** For backends: {@code watcher} runs (on the thread that changed the state) after every change. */
    public void addWatcher(Runnable watcher) {
        watchers.addIfAbsent(watcher);
    }

    public void removeWatcher(Runnable watcher) {
        watchers.remove(watcher);
    }

    private void notifyWatchers() {
        for (Runnable w : watchers) {
            w.run();
        }
    }

    @Override
    public HandleKind kind() {
        return HandleKind.SIGNAL;
    }

    @Override
    public String toString() {
        return "signal " + name + (readable ? " r" : "") + (writable ? " w" : "");
    }
}
