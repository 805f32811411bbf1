package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import org.culvert.openvpn.config.ConfigParser;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.culvert.openvpn.config.TlsOptions;
import org.culvert.openvpn.tls.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plan overwrites the keys it was built from when its owner drops it: the static key at once on
 * wipe, the TLS key texts as soon as the engine settings hold their own copies, the settings' copies
 * on wipe. A wiped plan builds no session.
 */
class PlanWipeTest {
    private static final TestPki.Identity ID = TestPki.selfSigned("plan-wipe");

    @TempDir
    Path dir;

    @Test
    void aWipedStaticKeyPlanHoldsAZeroKeyAndBuildsNoSession() throws Exception {
        Files.writeString(dir.resolve("static.key"), PlanBuilderTest.KEY);
        OpenVpnOptions o = ConfigParser.parse("dev tun\nremote peer\nsecret static.key 0\ncipher AES-256-CBC\n"
                + "ifconfig 10.0.0.1 10.0.0.2\n", "p2p.conf", dir);
        TunnelPlan plan = PlanBuilder.build(o, null);
        plan.sessionFactory.newSession(LoopClock.SYSTEM).close();
        byte[] material = (byte[]) field(o.secret(), "material");
        assertFalse(allZero(material));
        plan.wipe();
        plan.wipe();
        assertTrue(allZero(material));
        assertThrows(IllegalArgumentException.class, () -> plan.sessionFactory.newSession(LoopClock.SYSTEM),
                "an all-zero key is refused, as OpenVPN refuses it");
    }

    @Test
    void aTlsPlanDropsTheParsedKeyTextsAtOnceAndItsSettingsOnWipe() throws Exception {
        Files.writeString(dir.resolve("tc.key"), PlanBuilderTest.KEY.replace("942e", "1234"));
        OpenVpnOptions o = ConfigParser.parse("dev tun\nremote peer\ntls-client\n<cert>\n" + ID.certPem() + "</cert>\n<key>\n"
                + ID.keyPem() + "</key>\npeer-fingerprint " + ID.fingerprint() + "\ntls-crypt tc.key\n"
                + "ifconfig 10.0.0.1 10.0.0.2\n", "p2p.conf", dir);
        TlsOptions t = o.tls().get();
        assertTrue(t.key().contains("PRIVATE KEY"));
        TunnelPlan plan = PlanBuilder.build(o, null);
        assertFalse(t.key().contains("PRIVATE KEY"), "the key text is wiped once the settings hold it");
        assertFalse(t.tlsCrypt().get().contains("BEGIN"), "the tls-crypt text too");
        assertEquals(t.cert().text(), ID.certPem(), "certificates are public and stay");
        plan.sessionFactory.newSession(LoopClock.SYSTEM).close();
        plan.wipe();
        plan.wipe();
        assertThrows(Exception.class, () -> plan.sessionFactory.newSession(LoopClock.SYSTEM));
    }

    private static boolean allZero(byte[] b) {
        return java.util.Arrays.equals(b, new byte[b.length]);
    }

    private static Object field(Object owner, String name) throws ReflectiveOperationException {
        Field f = owner.getClass().getDeclaredField(name);
        f.setAccessible(true);
        return f.get(owner);
    }
}
