package org.culvert.tunnel.internal;

/**
 * What the server loop needs of a {@code mode server} configuration, already checked. The plan builder
 * makes it from the parsed options ({@code server}, {@code client-to-client}, {@code max-clients},
 * {@code duplicate-cn}, ...); tests build it directly.
 *
 * @param dataThreads data-path threads (OpenVPN has one; default: one per core)
 * @param clientToClient {@code --client-to-client}: packets between clients stay inside the server
 * @param tap a tap device (routing by MAC) rather than tun (by IP address)
 * @param maxClients {@code --max-clients} (default 1024), handshaking instances included
 * @param duplicateCn {@code --duplicate-cn}: several clients may share a common name
 * @param maxPayload largest tun packet
 * @param maxLinkPacket largest link packet
 * @param batchSize packets one wake-up moves per step
 * @param handoffSlots packets each queue between threads holds
 * @param exitNotify {@code --explicit-exit-notify} of a UDP server: on stop, 1 tells the clients
 *     {@code RESTART}, 2 {@code RESTART,[N]} (to the next server), 0 nothing
 * @param staleRoutesAgeing {@code --stale-routes-check n}: learned routes unused for n seconds go; 0 = off
 * @param staleRoutesInterval its {@code t}: the check runs every t seconds
 */
record ServerPlan(int dataThreads, boolean clientToClient, boolean tap, int maxClients, boolean duplicateCn, int maxPayload,
        int maxLinkPacket, int batchSize, int handoffSlots, int exitNotify, int staleRoutesAgeing, int staleRoutesInterval) {
    ServerPlan {
        if (dataThreads < 1 || maxClients < 1 || batchSize < 1 || handoffSlots < 1 || staleRoutesAgeing < 0
                || staleRoutesAgeing > 0 && staleRoutesInterval < 1) {
            throw new IllegalArgumentException("dataThreads " + dataThreads + ", maxClients " + maxClients + ", batchSize " + batchSize
                    + ", handoffSlots " + handoffSlots + ", stale routes " + staleRoutesAgeing + "/" + staleRoutesInterval);
        }
    }

    /** Without {@code --stale-routes-check}. */
    ServerPlan(int dataThreads, boolean clientToClient, boolean tap, int maxClients, boolean duplicateCn, int maxPayload,
            int maxLinkPacket, int batchSize, int handoffSlots, int exitNotify) {
        this(dataThreads, clientToClient, tap, maxClients, duplicateCn, maxPayload, maxLinkPacket, batchSize, handoffSlots, exitNotify, 0, 0);
    }

    /** OpenVPN's defaults for a tun server, with one data thread per core. */
    static ServerPlan defaults() {
        return new ServerPlan(Runtime.getRuntime().availableProcessors(), false, false, 1024, false, 1500, 1650, 32, 1024, 0);
    }

    ServerPlan withDataThreads(int n) {
        return new ServerPlan(n, clientToClient, tap, maxClients, duplicateCn, maxPayload, maxLinkPacket, batchSize, handoffSlots,
                exitNotify, staleRoutesAgeing, staleRoutesInterval);
    }

    ServerPlan withClientToClient(boolean on) {
        return new ServerPlan(dataThreads, on, tap, maxClients, duplicateCn, maxPayload, maxLinkPacket, batchSize, handoffSlots,
                exitNotify, staleRoutesAgeing, staleRoutesInterval);
    }

    ServerPlan withDuplicateCn(boolean on) {
        return new ServerPlan(dataThreads, clientToClient, tap, maxClients, on, maxPayload, maxLinkPacket, batchSize, handoffSlots,
                exitNotify, staleRoutesAgeing, staleRoutesInterval);
    }

    ServerPlan withExitNotify(int n) {
        return new ServerPlan(dataThreads, clientToClient, tap, maxClients, duplicateCn, maxPayload, maxLinkPacket, batchSize, handoffSlots,
                n, staleRoutesAgeing, staleRoutesInterval);
    }

    ServerPlan withMaxClients(int n) {
        return new ServerPlan(dataThreads, clientToClient, tap, n, duplicateCn, maxPayload, maxLinkPacket, batchSize, handoffSlots,
                exitNotify, staleRoutesAgeing, staleRoutesInterval);
    }

    ServerPlan withStaleRoutes(int ageing, int interval) {
        return new ServerPlan(dataThreads, clientToClient, tap, maxClients, duplicateCn, maxPayload, maxLinkPacket, batchSize, handoffSlots,
                exitNotify, ageing, interval);
    }
}
