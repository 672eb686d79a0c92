package dev.atelier.platform.http;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A set of address ranges written as CIDRs ({@code 10.0.0.0/8, ::1/128}; a bare address is one
 * host), from configuration. Only IP literals are ever parsed: nothing here looks a name up.
 */
public final class Cidrs {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    private record Range(byte[] network, int bits) {}

    private final List<Range> ranges;

    private Cidrs(List<Range> ranges) {
        this.ranges = ranges;
    }

    /** Parses a comma-separated list; blank is the empty set. */
    public static Cidrs parse(@Nullable String list) {
        List<Range> ranges = new ArrayList<>();
        if (list != null) {
            for (String item : list.split(",")) {
                String cidr = item.trim();
                if (cidr.isEmpty()) {
                    continue;
                }
                int slash = cidr.indexOf('/');
                byte[] address = literal(slash < 0 ? cidr : cidr.substring(0, slash));
                if (address == null) {
                    throw new IllegalArgumentException("not an IP address range: " + cidr);
                }
                int bits = address.length * 8;
                if (slash >= 0) {
                    try {
                        bits = Integer.parseInt(cidr.substring(slash + 1));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("not an IP address range: " + cidr, e);
                    }
                    if (bits < 0 || bits > address.length * 8) {
                        throw new IllegalArgumentException("prefix length out of range: " + cidr);
                    }
                }
                ranges.add(new Range(address, bits));
            }
        }
        return new Cidrs(List.copyOf(ranges));
    }

    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    /** Whether {@code address} (an IP literal) lies in one of the ranges; false for anything else. */
    public boolean contains(@Nullable String address) {
        if (ranges.isEmpty() || address == null) {
            return false;
        }
        byte[] bytes = literal(address);
        if (bytes == null) {
            return false;
        }
        for (Range range : ranges) {
            if (range.network.length == bytes.length && prefixMatches(range.network, bytes, range.bits)) {
                return true;
            }
        }
        return false;
    }

    private static boolean prefixMatches(byte[] network, byte[] address, int bits) {
        int whole = bits / 8;
        for (int i = 0; i < whole; i++) {
            if (network[i] != address[i]) {
                return false;
            }
        }
        int rest = bits % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (network[whole] & mask) == (address[whole] & mask);
    }

    /** The bytes of an IPv4 or IPv6 literal (IPv4-mapped IPv6 as IPv4), or null when it is not one. */
    static byte @Nullable [] literal(String text) {
        String s = text.trim();
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        if (!IPV4.matcher(s).matches() && !IPV6.matcher(s).matches()) {
            return null;
        }
        try {
            return InetAddress.getByName(s).getAddress(); // a literal: no lookup
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** The canonical text of an IP literal, or null when it is not one. */
    static @Nullable String canonical(String text) {
        byte[] bytes = literal(text);
        if (bytes == null) {
            return null;
        }
        try {
            return InetAddress.getByAddress(bytes).getHostAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
