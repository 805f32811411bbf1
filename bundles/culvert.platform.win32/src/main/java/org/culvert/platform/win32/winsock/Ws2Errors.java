package org.culvert.platform.win32.winsock;

/**
 * Names of the Winsock error codes, for messages such as
 * {@code "bind 0.0.0.0:1194 failed: WSAEADDRINUSE (10048)"}. Error paths only (it builds strings).
 */
public final class Ws2Errors {
    private Ws2Errors() {
    }

    /** {@code "WSANAME (code)"}, or {@code "error code"} for codes this class does not name. */
    public static String describe(int error) {
        String name = name(error);
        return name != null ? name + " (" + error + ")" : "error " + error;
    }

    /** {@code "what failed: WSANAME (code)"}. */
    public static String message(String what, int error) {
        return what + " failed: " + describe(error);
    }

    /** The symbolic name, or null when unknown here. */
    public static String name(int error) {
        switch (error) {
            case 0: return "NO_ERROR";
            case Ws2Api.WSAEINTR: return "WSAEINTR";
            case Ws2Api.WSAEBADF: return "WSAEBADF";
            case Ws2Api.WSAEACCES: return "WSAEACCES";
            case Ws2Api.WSAEFAULT: return "WSAEFAULT";
            case Ws2Api.WSAEINVAL: return "WSAEINVAL";
            case Ws2Api.WSAEMFILE: return "WSAEMFILE";
            case Ws2Api.WSAEWOULDBLOCK: return "WSAEWOULDBLOCK";
            case Ws2Api.WSAEINPROGRESS: return "WSAEINPROGRESS";
            case Ws2Api.WSAEALREADY: return "WSAEALREADY";
            case Ws2Api.WSAENOTSOCK: return "WSAENOTSOCK";
            case Ws2Api.WSAEDESTADDRREQ: return "WSAEDESTADDRREQ";
            case Ws2Api.WSAEMSGSIZE: return "WSAEMSGSIZE";
            case Ws2Api.WSAEPROTOTYPE: return "WSAEPROTOTYPE";
            case Ws2Api.WSAENOPROTOOPT: return "WSAENOPROTOOPT";
            case Ws2Api.WSAEPROTONOSUPPORT: return "WSAEPROTONOSUPPORT";
            case Ws2Api.WSAESOCKTNOSUPPORT: return "WSAESOCKTNOSUPPORT";
            case Ws2Api.WSAEOPNOTSUPP: return "WSAEOPNOTSUPP";
            case Ws2Api.WSAEPFNOSUPPORT: return "WSAEPFNOSUPPORT";
            case Ws2Api.WSAEAFNOSUPPORT: return "WSAEAFNOSUPPORT";
            case Ws2Api.WSAEADDRINUSE: return "WSAEADDRINUSE";
            case Ws2Api.WSAEADDRNOTAVAIL: return "WSAEADDRNOTAVAIL";
            case Ws2Api.WSAENETDOWN: return "WSAENETDOWN";
            case Ws2Api.WSAENETUNREACH: return "WSAENETUNREACH";
            case Ws2Api.WSAENETRESET: return "WSAENETRESET";
            case Ws2Api.WSAECONNABORTED: return "WSAECONNABORTED";
            case Ws2Api.WSAECONNRESET: return "WSAECONNRESET";
            case Ws2Api.WSAENOBUFS: return "WSAENOBUFS";
            case Ws2Api.WSAEISCONN: return "WSAEISCONN";
            case Ws2Api.WSAENOTCONN: return "WSAENOTCONN";
            case Ws2Api.WSAESHUTDOWN: return "WSAESHUTDOWN";
            case Ws2Api.WSAETIMEDOUT: return "WSAETIMEDOUT";
            case Ws2Api.WSAECONNREFUSED: return "WSAECONNREFUSED";
            case Ws2Api.WSAEHOSTDOWN: return "WSAEHOSTDOWN";
            case Ws2Api.WSAEHOSTUNREACH: return "WSAEHOSTUNREACH";
            case Ws2Api.WSASYSNOTREADY: return "WSASYSNOTREADY";
            case Ws2Api.WSAVERNOTSUPPORTED: return "WSAVERNOTSUPPORTED";
            case Ws2Api.WSANOTINITIALISED: return "WSANOTINITIALISED";
            default: return null;
        }
    }
}
