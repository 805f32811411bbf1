package org.culvert.tunnel.internal;

/**
 * Peer-id to client instance (OpenVPN's {@code m->instances[peer_id]}): the lookup of every
 * {@code P_DATA_V2} packet, by a primitive key so it allocates nothing. Thread-safe.
 */
final class PeerIdTable<T> {
    private int[] keys = new int[64];
    private Object[] values = new Object[64];
    private int size;

    private static int slot(int key, int mask) {
        int h = key * 0x9E3779B9;
        return (h ^ h >>> 16) & mask;
    }

    @SuppressWarnings("unchecked")
    synchronized T get(int peerId) {
        int mask = keys.length - 1;
        for (int i = slot(peerId, mask); values[i] != null; i = (i + 1) & mask) {
            if (keys[i] == peerId) {
                return (T) values[i];
            }
        }
        return null;
    }

    /** Registers {@code value} unless the id is taken; returns the holder (the value itself when registered). */
    @SuppressWarnings("unchecked")
    synchronized T putIfAbsent(int peerId, T value) {
        T held = get(peerId);
        if (held != null) {
            return held;
        }
        if ((size + 1) * 2 > keys.length) {
            int[] oldKeys = keys;
            Object[] oldValues = values;
            keys = new int[oldKeys.length * 2];
            values = new Object[oldKeys.length * 2];
            size = 0;
            for (int i = 0; i < oldKeys.length; i++) {
                if (oldValues[i] != null) {
                    insert(oldKeys[i], oldValues[i]);
                }
            }
        }
        insert(peerId, value);
        return value;
    }

    private void insert(int key, Object value) {
        int mask = keys.length - 1;
        int i = slot(key, mask);
        while (values[i] != null) {
            i = (i + 1) & mask;
        }
        keys[i] = key;
        values[i] = value;
        size++;
    }

    /** Removes the id if {@code value} holds it. */
    synchronized void remove(int peerId, T value) {
        int mask = keys.length - 1;
        for (int i = slot(peerId, mask); values[i] != null; i = (i + 1) & mask) {
            if (keys[i] == peerId) {
                if (values[i] != value) {
                    return;
                }
                // backward-shift deletion keeps every probe chain whole without tombstones
                values[i] = null;
                size--;
                for (int j = (i + 1) & mask; values[j] != null; j = (j + 1) & mask) {
                    int k = keys[j];
                    Object v = values[j];
                    values[j] = null;
                    size--;
                    insert(k, v);
                }
                return;
            }
        }
    }
}
