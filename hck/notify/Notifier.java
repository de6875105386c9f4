package hck.notify;

import hck.rules.Durations;
import hck.rules.Target;
import org.slf4j.Logger;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Posts an event to every target: Java's HttpClient, a timeout per target, one retry after a
 * failure (network error or HTTP 5xx/429). A failure is a WARN line naming the kind and host only,
 * and never changes the run's exit code.
 */
public final class Notifier {
    private final Logger log;
    private final String userAgent;

    public Notifier(Logger log, String version) {
        this.log = log;
        this.userAgent = "hck/" + version;
    }

    public void send(List<Target> targets, Event event) {
        if (targets.isEmpty()) return;
        HttpClient client = HttpClient.newBuilder().connectTimeout(targets.get(0).timeout()).followRedirects(HttpClient.Redirect.NEVER).build();
        for (Target t : targets) {
            String body = Payloads.body(t.kind(), event);
            String failure = null;
            for (int attempt = 1; attempt <= 2; attempt++) {
                failure = post(client, t, body);
                if (failure == null) break;
            }
            if (failure == null) log.info("Notified {}", t.safe());
            else log.warn("Notification to {} failed after a retry: {}", t.safe(), failure);
        }
    }

    /** @return null when delivered, else why not (without the URL) */
    private String post(HttpClient client, Target t, String body) {
        HttpRequest req = HttpRequest.newBuilder(t.url()).timeout(t.timeout())
                .header("Content-Type", "application/json").header("User-Agent", userAgent)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
        // the request's timeout ends at the response headers: a receiver that trickles its body would
        // hold the run (and in live mode the lock) for ever, so the whole exchange has one deadline
        java.util.concurrent.CompletableFuture<HttpResponse<Void>> f = client.sendAsync(req, HttpResponse.BodyHandlers.discarding());
        try {
            HttpResponse<Void> r = f.get(t.timeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            return r.statusCode() / 100 == 2 ? null : "HTTP " + r.statusCode();
        } catch (java.util.concurrent.TimeoutException e) {
            f.cancel(true);
            return "no complete answer within " + Durations.tenths(t.timeout().toMillis()) + "s";
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            return c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage().replace(t.url().toString(), t.safe()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
