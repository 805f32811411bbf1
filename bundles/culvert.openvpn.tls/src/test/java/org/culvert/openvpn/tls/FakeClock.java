package org.culvert.openvpn.tls;

import org.culvert.openvpn.Clock;

/** A clock the test moves by hand: monotonic milliseconds, and Unix seconds derived from them. */
public final class FakeClock implements Clock {
    private long millis;
    private final long unixBase;

    public FakeClock(long unixBase) {
        this.unixBase = unixBase;
    }

    public FakeClock() {
        this(System.currentTimeMillis() / 1000);
    }

    public void advance(long ms) {
        millis += ms;
    }

    @Override
    public long monotonicMillis() {
        return millis;
    }

    @Override
    public long unixSeconds() {
        return unixBase + millis / 1000;
    }
}
