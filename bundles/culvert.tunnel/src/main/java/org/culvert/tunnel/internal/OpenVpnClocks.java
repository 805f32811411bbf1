package org.culvert.tunnel.internal;

import org.culvert.openvpn.Clock;

/** The protocol engines' clock over the loop's: one time source for timers in loop and engine. */
final class OpenVpnClocks {
    private OpenVpnClocks() {
    }

    static Clock of(LoopClock loopClock) {
        return new Clock() {
            @Override
            public long monotonicMillis() {
                return loopClock.millis();
            }

            @Override
            public long unixSeconds() {
                return System.currentTimeMillis() / 1000L;
            }
        };
    }
}
