package org.culvert.link.winsock;

import org.culvert.api.link.LinkException;
import org.culvert.api.link.LinkException.Reason;
import org.culvert.platform.win32.Win32Errors;
import org.culvert.platform.win32.winsock.Ws2Api;
import org.culvert.platform.win32.winsock.Ws2Errors;

/** Turns a failed Winsock call's error code into a {@link LinkException} with the matching reason. Error paths only. */
final class LinkErrors {
    private LinkErrors() {
    }

    /** @param what the call and its subject, e.g. {@code "bind 0.0.0.0:1194"}; never key material */
    static LinkException of(String what, int error) {
        return new LinkException(reason(error), Ws2Errors.message(what, error));
    }

    /** A failed kernel32 call (events, waits) during socket set-up or establishing. */
    static LinkException kernel(String what, int error) {
        return new LinkException(Reason.IO_ERROR, Win32Errors.message(what, error));
    }

    static Reason reason(int error) {
        switch (error) {
            case Ws2Api.WSAEADDRINUSE:
                return Reason.ADDRESS_IN_USE;
            case Ws2Api.WSAECONNREFUSED:
                return Reason.CONNECTION_REFUSED;
            case Ws2Api.WSAEACCES:
                return Reason.PERMISSION_DENIED;
            case Ws2Api.WSAECONNRESET:
            case Ws2Api.WSAECONNABORTED:
            case Ws2Api.WSAENETRESET:
            case Ws2Api.WSAETIMEDOUT:
            case Ws2Api.WSAESHUTDOWN:
            case Ws2Api.WSAENOTCONN:
                return Reason.CONNECTION_RESET;
            case Ws2Api.WSAEAFNOSUPPORT:
            case Ws2Api.WSAEPFNOSUPPORT:
            case Ws2Api.WSAEPROTONOSUPPORT:
            case Ws2Api.WSAESOCKTNOSUPPORT:
                return Reason.UNSUPPORTED;
            default:
                return Reason.IO_ERROR;
        }
    }

    static LinkException closed(String what) {
        return new LinkException(Reason.CLOSED, what + " link socket is closed");
    }
}
