package org.culvert.platform.win32;

/**
 * Names of the Win32 error codes the Windows plugins meet, for messages such as
 * {@code "ReadFile failed: ERROR_GEN_FAILURE (31)"}. Error paths only (it builds strings).
 */
public final class Win32Errors {
    private Win32Errors() {
    }

    /** {@code "ERROR_NAME (code)"}, or {@code "error code"} for codes this class does not name. */
    public static String describe(int error) {
        String name = name(error);
        return name != null ? name + " (" + error + ")" : "error " + error;
    }

    /** {@code "function failed: ERROR_NAME (code)"}. */
    public static String message(String function, int error) {
        return function + " failed: " + describe(error);
    }

    /** The symbolic name, or null when unknown here. */
    public static String name(int error) {
        switch (error) {
            case Kernel32Api.ERROR_SUCCESS: return "ERROR_SUCCESS";
            case Kernel32Api.ERROR_INVALID_FUNCTION: return "ERROR_INVALID_FUNCTION";
            case Kernel32Api.ERROR_FILE_NOT_FOUND: return "ERROR_FILE_NOT_FOUND";
            case Kernel32Api.ERROR_PATH_NOT_FOUND: return "ERROR_PATH_NOT_FOUND";
            case Kernel32Api.ERROR_ACCESS_DENIED: return "ERROR_ACCESS_DENIED";
            case Kernel32Api.ERROR_INVALID_HANDLE: return "ERROR_INVALID_HANDLE";
            case Kernel32Api.ERROR_NOT_ENOUGH_MEMORY: return "ERROR_NOT_ENOUGH_MEMORY";
            case Kernel32Api.ERROR_INVALID_DATA: return "ERROR_INVALID_DATA";
            case Kernel32Api.ERROR_BAD_COMMAND: return "ERROR_BAD_COMMAND";
            case Kernel32Api.ERROR_GEN_FAILURE: return "ERROR_GEN_FAILURE";
            case Kernel32Api.ERROR_SHARING_VIOLATION: return "ERROR_SHARING_VIOLATION";
            case Kernel32Api.ERROR_HANDLE_EOF: return "ERROR_HANDLE_EOF";
            case Kernel32Api.ERROR_NOT_SUPPORTED: return "ERROR_NOT_SUPPORTED";
            case Kernel32Api.ERROR_DEV_NOT_EXIST: return "ERROR_DEV_NOT_EXIST";
            case Kernel32Api.ERROR_INVALID_PARAMETER: return "ERROR_INVALID_PARAMETER";
            case Kernel32Api.ERROR_BUFFER_OVERFLOW: return "ERROR_BUFFER_OVERFLOW";
            case Kernel32Api.ERROR_INSUFFICIENT_BUFFER: return "ERROR_INSUFFICIENT_BUFFER";
            case Kernel32Api.ERROR_BUSY: return "ERROR_BUSY";
            case Kernel32Api.ERROR_ALREADY_EXISTS: return "ERROR_ALREADY_EXISTS";
            case Kernel32Api.ERROR_MORE_DATA: return "ERROR_MORE_DATA";
            case Kernel32Api.ERROR_NO_MORE_ITEMS: return "ERROR_NO_MORE_ITEMS";
            case Kernel32Api.ERROR_OPERATION_ABORTED: return "ERROR_OPERATION_ABORTED";
            case Kernel32Api.ERROR_IO_INCOMPLETE: return "ERROR_IO_INCOMPLETE";
            case Kernel32Api.ERROR_IO_PENDING: return "ERROR_IO_PENDING";
            case Kernel32Api.ERROR_DEVICE_NOT_CONNECTED: return "ERROR_DEVICE_NOT_CONNECTED";
            case Kernel32Api.ERROR_NOT_FOUND: return "ERROR_NOT_FOUND";
            case Kernel32Api.ERROR_ALREADY_INITIALIZED: return "ERROR_ALREADY_INITIALIZED";
            case Kernel32Api.ERROR_INVALID_USER_BUFFER: return "ERROR_INVALID_USER_BUFFER";
            default: return null;
        }
    }

    /**
     * True for errors that mean the device or adapter is gone or was closed under the caller
     * (disabled, uninstalled, its handle closed, its I/O cancelled).
     */
    public static boolean isDeviceGone(int error) {
        switch (error) {
            case Kernel32Api.ERROR_FILE_NOT_FOUND:
            case Kernel32Api.ERROR_INVALID_HANDLE:
            case Kernel32Api.ERROR_BAD_COMMAND:
            case Kernel32Api.ERROR_DEV_NOT_EXIST:
            case Kernel32Api.ERROR_HANDLE_EOF:
            case Kernel32Api.ERROR_OPERATION_ABORTED:
            case Kernel32Api.ERROR_DEVICE_NOT_CONNECTED:
                return true;
            default:
                return false;
        }
    }
}
