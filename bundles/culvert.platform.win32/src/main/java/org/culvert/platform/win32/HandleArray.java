package org.culvert.platform.win32;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A {@code HANDLE[]} in native memory for {@link Kernel32Api#waitForMultipleObjects}, filled by its
 * owner before each wait so that waiting allocates nothing. Not thread-safe: one owner thread. Its
 * memory is freed with the object (by the garbage collector).
 */
@ProviderType
public interface HandleArray {
    int capacity();

    void set(int index, long handle);

    long get(int index);
}
