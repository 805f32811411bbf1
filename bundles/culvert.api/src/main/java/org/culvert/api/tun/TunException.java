package org.culvert.api.tun;

import java.io.IOException;
import java.util.Objects;

/** A tun device could not be opened, configured, read or written. The reason is machine-readable. */
public class TunException extends IOException {
    private static final long serialVersionUID = 1L;

    public enum Reason {
        /** No such device, adapter or device node. */
        DEVICE_NOT_FOUND,
        /** The process lacks the rights (CAP_NET_ADMIN, Administrator). */
        PERMISSION_DENIED,
        /** The device exists and is held by someone else. */
        DEVICE_BUSY,
        /** The driver cannot do what the spec asks (e.g. tap on a tun-only driver). */
        UNSUPPORTED,
        /** The driver or its native library is too old or missing. */
        DRIVER_VERSION,
        /** Addresses, MTU or routes could not be applied. */
        CONFIGURATION_FAILED,
        /** An --up or --down script failed. */
        SCRIPT_FAILED,
        /** The device was closed (by this process or the OS). */
        CLOSED,
        /** Any other I/O failure. */
        IO_ERROR
    }

    private final Reason reason;

    public TunException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public TunException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
