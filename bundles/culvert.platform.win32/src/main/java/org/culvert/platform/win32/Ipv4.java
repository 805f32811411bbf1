package org.culvert.platform.win32;

/** Dotted-quad IPv4 addresses as {@code int}s (network order: the first octet in the high byte). Setup path. */
public final class Ipv4 {
    private Ipv4() {
    }

    /**
     * @throws IllegalArgumentException unless {@code text} is four decimal octets 0..255
     */
    public static int parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("no IPv4 address");
        }
        String[] parts = text.trim().split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
        }
        int value = 0;
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
            }
            int octet = Integer.parseInt(part);
            if (octet > 255) {
                throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
            }
            value = (value << 8) | octet;
        }
        return value;
    }

    public static String format(int address) {
        return (address >>> 24) + "." + ((address >>> 16) & 0xFF) + "." + ((address >>> 8) & 0xFF) + "." + (address & 0xFF);
    }

    /** True for a contiguous netmask of at least 1 bit (255.0.0.0 .. 255.255.255.255). */
    public static boolean isNetmask(int mask) {
        int inverted = ~mask;
        return mask != 0 && (inverted & (inverted + 1)) == 0;
    }

    /** The netmask of a prefix length 0..32. */
    public static int maskOf(int prefixLength) {
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException("prefix length " + prefixLength);
        }
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    /** The four octets, first octet first, as they appear on the wire and in an {@code in_addr}. */
    public static void put(byte[] into, int offset, int address) {
        into[offset] = (byte) (address >>> 24);
        into[offset + 1] = (byte) (address >>> 16);
        into[offset + 2] = (byte) (address >>> 8);
        into[offset + 3] = (byte) address;
    }
}
