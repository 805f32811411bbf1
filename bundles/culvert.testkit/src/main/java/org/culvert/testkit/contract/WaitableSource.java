package org.culvert.testkit.contract;

import org.culvert.api.event.Waitable;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A waitable of a kind the backend under test supports, with the means to drive its readiness, made
 * by {@link EventSetContract#newSource()} and closed after the test.
 */
@ConsumerType
@SuppressWarnings("try") // close() throws Exception, as the fixed contract shape says
public interface WaitableSource extends AutoCloseable {
    Waitable waitable();

    /**
     * The waitable whose writability {@link #makeUnwritable()} and {@link #makeWritable()} drive.
     * The same as {@link #waitable()} by default; a source built from a one-way channel pair (a
     * {@link java.nio.channels.Pipe}, a {@code pipe(2)}) returns its write end here.
     */
    default Waitable writeWaitable() {
        return waitable();
    }

    /** Make it readable (e.g. write a byte into a pipe). */
    void makeReadable() throws Exception;

    /** Consume everything so it is no longer readable. */
    void drain() throws Exception;

    /** Make it not writable (e.g. fill a pipe); return false if this kind cannot be made unwritable (tests then skip). */
    boolean makeUnwritable() throws Exception;

    /** Undo makeUnwritable(). */
    void makeWritable() throws Exception;

    @Override
    void close() throws Exception;
}
