package dev.atelier.platform.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

/** X-Forwarded-For is honoured only from trusted proxies, read from the right. */
class ClientAddressTest {

    static MockHttpServletRequest from(String peer, String... forwardedFor) {
        MockHttpServletRequest request = new MockHttpServletRequest();
        request.setRemoteAddr(peer);
        for (String line : forwardedFor) {
            request.addHeader(ClientAddress.FORWARDED_FOR, line);
        }
        return request;
    }

    @Test
    void withoutTrustedProxiesTheHeaderIsIgnored() {
        ClientAddress none = new ClientAddress("");
        assertThat(none.of(from("10.0.0.5", "203.0.113.9"))).isEqualTo("10.0.0.5");
    }

    @Test
    void anUntrustedPeerCannotChooseItsAddress() {
        ClientAddress clients = new ClientAddress("10.0.0.0/8");
        assertThat(clients.of(from("198.51.100.4", "203.0.113.9"))).isEqualTo("198.51.100.4");
    }

    @Test
    void aTrustedProxysHeaderIsReadFromTheRightSkippingTrustedHops() {
        ClientAddress clients = new ClientAddress("10.0.0.0/8, 192.168.1.1");
        // The client wrote "1.2.3.4" itself; its real address was appended by the first proxy.
        assertThat(clients.of(from("10.0.0.5", "1.2.3.4, 203.0.113.9, 192.168.1.1")))
                .isEqualTo("203.0.113.9");
        assertThat(clients.of(from("10.0.0.5", "1.2.3.4", "203.0.113.9:4711"))).isEqualTo("203.0.113.9");
        assertThat(clients.of(from("10.0.0.5", "2001:db8::1"))).isEqualTo("2001:db8:0:0:0:0:0:1");
        assertThat(clients.of(from("10.0.0.5", "[2001:db8::2]:443"))).isEqualTo("2001:db8:0:0:0:0:0:2");
        // No header: the proxy itself; every hop trusted: the leftmost.
        assertThat(clients.of(from("10.0.0.5"))).isEqualTo("10.0.0.5");
        assertThat(clients.of(from("10.0.0.5", "10.1.1.1, 10.2.2.2"))).isEqualTo("10.1.1.1");
    }

    @Test
    void garbageInTheHeaderStopsAtTheLastGoodHop() {
        ClientAddress clients = new ClientAddress("10.0.0.0/8");
        assertThat(clients.of(from("10.0.0.5", "203.0.113.9, evil.example"))).isEqualTo("10.0.0.5");
        assertThat(clients.of(from("10.0.0.5", "unknown, 203.0.113.9"))).isEqualTo("203.0.113.9");
    }

    @Test
    void rangesAreParsedStrictly() {
        Cidrs ranges = Cidrs.parse("127.0.0.1/32, ::1/128, 172.16.0.0/12");
        assertThat(ranges.contains("127.0.0.1")).isTrue();
        assertThat(ranges.contains("0:0:0:0:0:0:0:1")).isTrue();
        assertThat(ranges.contains("172.31.255.255")).isTrue();
        assertThat(ranges.contains("172.32.0.0")).isFalse();
        assertThat(ranges.contains("localhost")).isFalse();
        assertThatThrownBy(() -> Cidrs.parse("example.com")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Cidrs.parse("10.0.0.0/33")).isInstanceOf(IllegalArgumentException.class);
    }
}
