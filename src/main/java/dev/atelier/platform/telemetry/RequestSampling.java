package dev.atelier.platform.telemetry;

import dev.atelier.platform.http.Routes;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Samples requests into {@code rotation.performance_metrics} (the table Rotation's document gives
 * the platform's API timings): one in every {1/rate} requests, counted rather than drawn, so a
 * rate of 0.05 samples exactly every twentieth request. A sample names the route ({@link Routes}),
 * method, status and duration.
 * Samples go through a batch writer and are dropped, never waited for, when it is full.
 */
final class RequestSampling implements Filter {

    record Sample(String endpoint, String method, int status, long millis, Instant at) {}

    private final double rate;
    private final BatchWriter<Sample> writer;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();

    RequestSampling(double rate, BatchWriter<Sample> writer) {
        this.rate = rate;
        this.writer = writer;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        long n = requests.getAndIncrement();
        if (Math.floor((n + 1) * rate) == Math.floor(n * rate)) {
            chain.doFilter(request, response);
            return;
        }
        long started = System.nanoTime();
        try {
            chain.doFilter(request, response);
        } finally {
            HttpServletRequest req = (HttpServletRequest) request;
            Sample sample = new Sample(
                    Routes.of(req),
                    req.getMethod(),
                    ((HttpServletResponse) response).getStatus(),
                    (System.nanoTime() - started) / 1_000_000,
                    Instant.now());
            try {
                writer.submit(List.of(sample));
            } catch (BatchWriter.Overloaded full) {
                dropped.incrementAndGet();
            }
        }
    }

    /** Samples dropped because the writer was full. */
    long dropped() {
        return dropped.get();
    }

    static final class Sink implements BatchWriter.Sink<Sample> {

        @Override
        public String copyStatement() {
            return "copy rotation.performance_metrics (metric_type, endpoint, operation, duration_ms, status_code,"
                    + " success, error_type, measured_at) from stdin";
        }

        @Override
        public void write(Sample s, CopyRows out) {
            out.text("api_response_time")
                    .text(s.endpoint())
                    .text(s.method())
                    .number(Math.min(s.millis(), Integer.MAX_VALUE))
                    .number((long) s.status())
                    .text(s.status() < 500 ? "t" : "f")
                    .text(s.status() >= 500 ? "server_error" : s.status() >= 400 ? "client_error" : null)
                    .timestamp(s.at())
                    .endRow();
        }
    }
}
