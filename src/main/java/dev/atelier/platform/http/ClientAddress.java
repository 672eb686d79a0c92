package dev.atelier.platform.http;

import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The client's address: the connection's peer, unless the peer is a trusted proxy
 * ({@code atelier.http.trusted-proxies}, CIDRs, none by default), in which case
 * {@code X-Forwarded-For} is read from the right and the first address that is not itself a
 * trusted proxy is the client. A client cannot choose its address by sending the header: the
 * entries it wrote are to the left of those its proxies appended, and only proxies are skipped.
 */
@Component
public final class ClientAddress {

    public static final String FORWARDED_FOR = "X-Forwarded-For";

    private final Cidrs trusted;

    public ClientAddress(@Value("${ATELIER_HTTP_TRUSTED_PROXIES:${atelier.http.trusted-proxies:}}") String trusted) {
        this.trusted = Cidrs.parse(trusted);
    }

    /** The address the request came from, after the trusted proxies. */
    public String of(HttpServletRequest request) {
        String peer = request.getRemoteAddr();
        if (trusted.isEmpty() || !trusted.contains(peer)) {
            return peer;
        }
        List<String> hops = new ArrayList<>();
        for (String line : Collections.list(request.getHeaders(FORWARDED_FOR))) {
            for (String hop : line.split(",")) {
                if (!hop.isBlank()) {
                    hops.add(hop.trim());
                }
            }
        }
        String client = peer;
        for (int i = hops.size() - 1; i >= 0; i--) {
            String hop = Cidrs.canonical(stripPort(hops.get(i)));
            if (hop == null) {
                return client; // garbage from the client side: the last good hop is the client
            }
            client = hop;
            if (!trusted.contains(hop)) {
                return hop;
            }
        }
        return client;
    }

    private static String stripPort(String hop) {
        int colon = hop.indexOf(':');
        if (colon > 0 && hop.indexOf(':', colon + 1) < 0 && hop.indexOf('.') > 0) {
            return hop.substring(0, colon); // 203.0.113.7:4711
        }
        if (hop.startsWith("[") && hop.contains("]:")) {
            return hop.substring(0, hop.indexOf("]:") + 1); // [2001:db8::1]:4711
        }
        return hop;
    }
}
