package org.culvert.event.nio;

import java.io.IOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.function.Consumer;

import org.culvert.api.event.ChannelWaitable;
import org.culvert.api.event.EventSet;
import org.culvert.api.event.ReadyEvents;
import org.culvert.api.event.Waitable;

/**
 * An event set over one {@link Selector}. Interest maps to selection operations as the channel
 * allows: READ to {@code OP_READ}, or {@code OP_ACCEPT} for a listening channel; WRITE to
 * {@code OP_WRITE}, or {@code OP_CONNECT} for a socket channel whose connection is pending (register
 * it again once {@code finishConnect()} succeeded). Operations a channel does not support are left
 * out, so they are never reported. The tag lives in the key's attachment, a one-element int array,
 * so that waiting boxes nothing.
 *
 * <p>A wait uses the selector's action-taking select, which reports exactly the operations ready at
 * that moment and leaves no stale selected-key set behind: readiness is level-triggered, as
 * {@link EventSet} requires.
 *
 * <p>Threading as {@link EventSet} says: {@link #wakeup()} from any thread (it is
 * {@link Selector#wakeup()}), everything else on the owning thread.
 */
public final class NioEventSet implements EventSet {
    private final Selector selector;
    /** The result array of the wait in progress; set and cleared by the owning thread around a select. */
    private ReadyEvents collecting;
    /** Created once, so a select passes no new lambda per call. */
    private final Consumer<SelectionKey> collector = this::collect;
    private final Consumer<SelectionKey> ignore = key -> {
    };
    private volatile boolean closed;

    NioEventSet() throws IOException {
        selector = Selector.open();
    }

    /**
     * @throws IllegalArgumentException unless {@code waitable} is a {@link ChannelWaitable} whose
     *                                  channel is in non-blocking mode
     * @throws IOException if the channel is closed
     */
    @Override
    public void ctl(Waitable waitable, int interest, int tag) throws IOException {
        if (!(waitable instanceof ChannelWaitable)) {
            throw new IllegalArgumentException("the nio event backend waits only on NIO_CHANNEL waitables, not on "
                    + (waitable == null ? "null" : waitable.kind().toString()));
        }
        if (closed) {
            return;
        }
        SelectableChannel channel = ((ChannelWaitable) waitable).channel();
        int ops = operations(channel, interest);
        SelectionKey key = channel.keyFor(selector);
        if (key != null && !key.isValid()) {
            // Cancelled by del() or a closed registration not yet flushed: the selector must drop it
            // before the channel can register again.
            selector.selectNow(ignore);
            key = null;
        }
        if (key == null) {
            try {
                channel.register(selector, ops, new int[] { tag });
            } catch (IllegalBlockingModeException e) {
                throw new IllegalArgumentException("channel " + channel + " is in blocking mode", e);
            }
        } else {
            try {
                key.interestOps(ops);
                ((int[]) key.attachment())[0] = tag;
            } catch (CancelledKeyException e) {
                // The channel was closed meanwhile: flush the key; registering then reports the closed channel.
                selector.selectNow(ignore);
                channel.register(selector, ops, new int[] { tag });
            }
        }
    }

    private static int operations(SelectableChannel channel, int interest) {
        int valid = channel.validOps();
        int ops = 0;
        if ((interest & READ) != 0) {
            ops |= (valid & SelectionKey.OP_ACCEPT) != 0 ? SelectionKey.OP_ACCEPT : SelectionKey.OP_READ;
        }
        if ((interest & WRITE) != 0) {
            boolean connecting = channel instanceof SocketChannel && ((SocketChannel) channel).isConnectionPending();
            ops |= connecting ? SelectionKey.OP_CONNECT : SelectionKey.OP_WRITE;
        }
        return ops & valid;
    }

    @Override
    public void del(Waitable waitable) throws IOException {
        if (closed || !(waitable instanceof ChannelWaitable)) {
            return;
        }
        SelectionKey key = ((ChannelWaitable) waitable).channel().keyFor(selector);
        if (key != null) {
            key.cancel();
            // Flush the cancelled key now, so the channel can be registered again (or closed cleanly).
            selector.selectNow(ignore);
        }
    }

    @Override
    public void reset() throws IOException {
        if (closed) {
            return;
        }
        for (SelectionKey key : selector.keys()) {
            key.cancel();
        }
        selector.selectNow(ignore);
    }

    @Override
    public int wait(long timeoutMillis, ReadyEvents out) throws IOException {
        out.clear();
        if (closed) {
            return 0;
        }
        collecting = out;
        try {
            if (timeoutMillis < 0) {
                selector.select(collector);
            } else if (timeoutMillis == 0) {
                selector.selectNow(collector);
            } else {
                selector.select(collector, timeoutMillis);
            }
        } catch (ClosedSelectorException e) {
            return 0; // closed under our feet: like a wait after close
        } finally {
            collecting = null;
        }
        return out.size();
    }

    private void collect(SelectionKey key) {
        int ready = key.readyOps();
        int flags = 0;
        if ((ready & (SelectionKey.OP_READ | SelectionKey.OP_ACCEPT)) != 0) {
            flags |= READ;
        }
        if ((ready & (SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT)) != 0) {
            flags |= WRITE;
        }
        if (flags != 0) {
            collecting.add(((int[]) key.attachment())[0], flags);
        }
    }

    @Override
    public void wakeup() {
        if (closed) {
            return;
        }
        try {
            selector.wakeup();
        } catch (ClosedSelectorException e) {
            // Lost the race with close(): nothing left to wake.
        }
    }

    /** Closes the selector, which deregisters every channel (the channels themselves stay open). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            selector.close();
        } catch (IOException e) {
            // Nothing sensible to do: the selector's descriptors are released either way.
        }
    }
}
