package org.culvert.event.nio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;

import org.culvert.api.event.ChannelWaitable;
import org.culvert.api.event.EventBackend;
import org.culvert.testkit.contract.EventSetContract;
import org.culvert.testkit.contract.WaitableSource;

/** The NIO backend passes the event-set contract over pipes (read end readable, write end writable). */
class NioEventSetContractTest extends EventSetContract {
    private final NioEventBackend backend = new NioEventBackend();

    @Override
    protected EventBackend backend() {
        return backend;
    }

    @Override
    protected WaitableSource newSource() throws IOException {
        return new PipeSource();
    }

    /** A pipe in non-blocking mode: its source is the readable waitable, its sink the writable one. */
    static final class PipeSource implements WaitableSource {
        private final Pipe pipe = Pipe.open();
        private final ChannelWaitable readEnd;
        private final ChannelWaitable writeEnd;
        private final ByteBuffer buffer = ByteBuffer.allocate(65536);

        PipeSource() throws IOException {
            pipe.source().configureBlocking(false);
            pipe.sink().configureBlocking(false);
            readEnd = new ChannelWaitable(pipe.source());
            writeEnd = new ChannelWaitable(pipe.sink());
        }

        @Override
        public ChannelWaitable waitable() {
            return readEnd;
        }

        @Override
        public ChannelWaitable writeWaitable() {
            return writeEnd;
        }

        @Override
        public void makeReadable() throws IOException {
            if (pipe.sink().write(ByteBuffer.wrap(new byte[] { 1 })) != 1) {
                throw new IOException("the pipe is full");
            }
        }

        @Override
        public void drain() throws IOException {
            while (true) {
                buffer.clear();
                if (pipe.source().read(buffer) <= 0) {
                    return;
                }
            }
        }

        /** Fills the pipe until a non-blocking write takes nothing more. */
        @Override
        public boolean makeUnwritable() throws IOException {
            while (true) {
                buffer.clear();
                if (pipe.sink().write(buffer) == 0) {
                    return true;
                }
            }
        }

        @Override
        public void makeWritable() throws IOException {
            drain();
        }

        @Override
        public void close() throws IOException {
            pipe.source().close();
            pipe.sink().close();
        }
    }
}
