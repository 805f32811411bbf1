package org.culvert.openvpn.tls.internal;

/** Test keys shared across packages. */
public final class KnownAnswerTestKeys {
    /** The static key of OpenVPN's test_pkt.c. */
    public static final String KEY = KnownAnswerTest.TEST_PKT_KEY;

    private KnownAnswerTestKeys() {
    }
}
