package org.culvert.platform.linux.testing;

import org.culvert.api.event.Waitable;
import org.culvert.testkit.contract.EventSetContract;
import org.culvert.testkit.contract.WaitableSource;

/**
 * The test kit's event-set contract with {@code pipe2} pairs as the waitables; a Linux backend's
 * test subclasses it and supplies only {@link #backend()}.
 */
public abstract class PipeEventSetContract extends EventSetContract {
    @Override
    protected WaitableSource newSource() {
        return new PipeSource();
    }

    /** Readiness of a pipe: its read end is {@link #waitable()}, its write end {@link #writeWaitable()}. */
    private static final class PipeSource implements WaitableSource {
        private final Pipe pipe = new Pipe();

        @Override
        public Waitable waitable() {
            return pipe.readEnd;
        }

        @Override
        public Waitable writeWaitable() {
            return pipe.writeEnd;
        }

        @Override
        public void makeReadable() {
            pipe.writeByte();
        }

        @Override
        public void drain() {
            pipe.drain();
        }

        @Override
        public boolean makeUnwritable() {
            pipe.fill();
            return true;
        }

        @Override
        public void makeWritable() {
            pipe.drain();
        }

        @Override
        public void close() {
            pipe.close();
        }
    }
}
