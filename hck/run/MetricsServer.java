package hck.run;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;

/**
 * {@code --metrics-listen [ADDR:]PORT}: the last cycle's metrics at {@code /metrics} (the text
 * format the Prometheus file has) and {@code /healthz}, on the JDK's own HTTP server (one daemon
 * thread). Healthy while the cycles keep coming: the last one ended, or the first began, less than
 * two intervals and a minute ago.
 */
public final class MetricsServer implements AutoCloseable {
    private final HttpServer server;
    private final long staleNs;
    private volatile byte[] metrics = new byte[0];
    private volatile long lastNs = System.nanoTime();

    private MetricsServer(HttpServer server, Duration every) {
        this.server = server;
        this.staleNs = every.multipliedBy(2).plusMinutes(1).toNanos();
    }

    /** @throws IllegalArgumentException naming the option when ADDR:PORT is malformed or cannot be bound */
    public static MetricsServer listen(String spec, Duration every) {
        int colon = spec.lastIndexOf(':');
        String host = colon < 0 ? "0.0.0.0" : spec.substring(0, colon).replaceAll("^\\[|]$", "");
        int port;
        try {
            port = Integer.parseInt(spec.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) throw new IllegalArgumentException("--metrics-listen " + spec + ": use [ADDR:]PORT, e.g. 9101 or 127.0.0.1:9101");
        try {
            HttpServer s = HttpServer.create(new InetSocketAddress(host.isEmpty() ? "0.0.0.0" : host, port), 16);
            MetricsServer m = new MetricsServer(s, every);
            s.createContext("/metrics", ex -> m.answer(ex, 200, "text/plain; version=0.0.4; charset=utf-8", m.metrics));
            s.createContext("/healthz", ex -> {
                boolean ok = System.nanoTime() - m.lastNs < m.staleNs;
                m.answer(ex, ok ? 200 : 503, "text/plain; charset=utf-8", (ok ? "ok\n" : "no cycle for too long\n").getBytes(StandardCharsets.UTF_8));
            });
            s.setExecutor(Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "hck-metrics");
                t.setDaemon(true);
                return t;
            }));
            s.start();
            return m;
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("--metrics-listen " + spec + ": cannot listen: " + e.getMessage());
        }
    }

    /** The metrics of the cycle that just ended. */
    public void publish(byte[] text) {
        metrics = text;
    }

    /** A cycle ended (whatever its outcome): /healthz counts from here. */
    public void cycleEnded() {
        lastNs = System.nanoTime();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void answer(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        try (ex) {
            ex.getResponseHeaders().set("Content-Type", type);
            boolean head = ex.getRequestMethod().equals("HEAD");
            ex.sendResponseHeaders(status, head ? -1 : body.length == 0 ? -1 : body.length);
            if (!head && body.length > 0) ex.getResponseBody().write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
