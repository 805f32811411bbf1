package org.culvert.api.event;

import java.nio.channels.SelectableChannel;
import java.util.Objects;

/** A Java selectable channel; it must be in non-blocking mode. */
public final class ChannelWaitable implements Waitable {
    private final SelectableChannel channel;

    public ChannelWaitable(SelectableChannel channel) {
        this.channel = Objects.requireNonNull(channel, "channel");
    }

    public SelectableChannel channel() {
        return channel;
    }

    @Override
    public HandleKind kind() {
        return HandleKind.NIO_CHANNEL;
    }

    @Override
    public String toString() {
        return "channel " + channel;
    }
}
