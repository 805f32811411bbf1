package org.culvert.openvpn;

/** A clock tests move by hand; both readings advance together. */
public final class ManualClock implements Clock {
    private long millis;
    private final long unixBase;

    public ManualClock(long unixSeconds) {
        this.unixBase = unixSeconds;
    }

    public void advanceMillis(long delta) {
        millis += delta;
    }

    public void advanceSeconds(long delta) {
        millis += delta * 1000;
    }

    @Override
    public long monotonicMillis() {
        return millis;
    }

    @Override
    public long unixSeconds() {
        return unixBase + Math.floorDiv(millis, 1000);
    }
}
