package org.culvert.jmx.internal;

import java.util.EnumMap;
import java.util.Map;

import org.culvert.api.tunnel.DropReason;
import org.culvert.api.tunnel.TunnelCounters;
import org.culvert.testkit.ScriptedTunnel;

/** The test kit's hand-driven tunnel, with this module's counter fixtures. */
final class FakeTunnel extends ScriptedTunnel {
    private volatile org.culvert.api.tunnel.TunnelServer server;

    /** Makes this a server-mode tunnel. */
    void setServer(org.culvert.api.tunnel.TunnelServer value) {
        server = value;
    }

    @Override
    public java.util.Optional<org.culvert.api.tunnel.TunnelServer> server() {
        return java.util.Optional.ofNullable(server);
    }

    FakeTunnel(String name) {
        super(name);
    }

    /** Counters with every field distinct, so a getter wired to the wrong field shows. */
    static TunnelCounters counters(long base, Map<DropReason, Long> drops) {
        return new TunnelCounters(base + 1, base + 2, base + 3, base + 4, base + 5, base + 6, base + 7, base + 8, drops, base + 9,
                base + 10);
    }

    static Map<DropReason, Long> drops(Object... reasonThenCount) {
        Map<DropReason, Long> m = new EnumMap<>(DropReason.class);
        for (int i = 0; i < reasonThenCount.length; i += 2) {
            m.put((DropReason) reasonThenCount[i], ((Number) reasonThenCount[i + 1]).longValue());
        }
        return m;
    }

    private volatile String offloads = "";

    void setOffloads(String value) {
        offloads = value;
    }

    @Override
    public String offloads() {
        return offloads;
    }
}
