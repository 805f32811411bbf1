package org.culvert.openvpn;

/** {@link Clock#system()}; kept out of the interface so the interface stays a pure contract. */
enum SystemClock implements Clock {
    INSTANCE;

    @Override
    public long monotonicMillis() {
        return System.nanoTime() / 1_000_000L;
    }

    @Override
    public long unixSeconds() {
        return System.currentTimeMillis() / 1000L;
    }
}
