package hck.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import hck.support.Env;
import hck.support.Netns;
import org.junit.jupiter.api.AfterEach;
import hck.netns.Namespaces;
import hck.netns.NetnsSwitch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Prometheus file and webhook notifications, end to end: the hung sockets live in the test's
 * private namespace (hck runs inside it, and names it with --netns), and the webhooks are a real
 * HTTP server that this test runs on that namespace's 127.0.0.1, recording every request body.
 */
class MonitoringTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path tmp;
    HttpServer server;
    final Map<String, List<String>> bodies = new ConcurrentHashMap<>();
    final Map<String, List<String>> types = new ConcurrentHashMap<>();

    /**
     * The webhook receivers, listening inside {@code ns}: this thread enters it to make the server's
     * socket there (the socket stays in the namespace it was made in), so hck, run inside the same
     * namespace, reaches it on that namespace's loopback.
     */
    void receiversIn(Netns ns) throws Exception {
        server = NetnsSwitch.inside(Namespaces.named(ns.name), () -> HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0));
        for (String ctx : List.of("/slack", "/discord", "/hook", "/fail")) {
            server.createContext(ctx, ex -> {
                String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                bodies.computeIfAbsent(ctx, k -> Collections.synchronizedList(new ArrayList<>())).add(body);
                types.computeIfAbsent(ctx, k -> Collections.synchronizedList(new ArrayList<>())).add(ex.getRequestHeaders().getFirst("Content-Type"));
                int status = ctx.equals("/fail") ? 500 : 200;
                ex.sendResponseHeaders(status, -1);
                ex.close();
            });
        }
        server.start();
    }

    @AfterEach
    void stopServer() {
        if (server != null) server.stop(0);
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /**
     * hck run inside {@code ns} (ip netns exec), and pointed at it with --netns too (the labels): a
     * live run that --netns got wrong would still only reach the test's namespace, never the machine's.
     */
    Netns.Result hck(Netns ns, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--netns", ns.name, "--state-file", tmp.resolve("state.json").toString(), "--lock-file", tmp.resolve("l").toString()));
        return ns.hck(all.toArray(String[]::new));
    }

    Netns leakyNamespace() throws Exception {
        Netns ns = Netns.create();
        ns.holder("name=server", "listen:9000:close");
        ns.holder("name=leaky", "connect:127.0.0.1:9000:3");
        receiversIn(ns);
        Thread.sleep(1500);
        return ns;
    }

    static String promtool(Path file) throws Exception {
        Env.requireCommand("promtool");
        Netns.Result r = Netns.exec(List.of("sh", "-c", "promtool check metrics < " + file), 60);
        assertEquals(0, r.rc(), r.stdout() + r.stderr());
        return Files.readString(file);
    }

    /**
     * The shipped alerting rules: valid (promtool check rules), behaving as their own unit tests
     * say (promtool test rules), and about metrics hck really writes — a leak growing between two
     * runs and every destination listed (forecast.ports_listed: 0) make every one of them appear.
     */
    @Test
    void shippedAlertRulesAreValidTestedAndAboutWhatHckWrites() throws Exception {
        Env.requireCommand("promtool");
        Netns.Result check = Netns.exec(List.of("promtool", "check", "rules", "prometheus/hck-alerts.yml"), 60);
        assertEquals(0, check.rc(), check.stdout() + check.stderr());
        Netns.Result unit = Netns.exec(List.of("promtool", "test", "rules", "prometheus/hck-alerts.test.yml"), 60);
        assertEquals(0, unit.rc(), unit.stdout() + unit.stderr());
        assertTrue(unit.stdout().contains("SUCCESS"), unit.stdout());

        try (Netns ns = Netns.create()) {
            ns.holder("name=server", "listen:9000:close");
            Netns.Held leaky = ns.holder("name=leaky", "connect:127.0.0.1:9000:3");
            Thread.sleep(1500);
            Path rules = tmp.resolve("rules.yaml"), prom = tmp.resolve("hck.prom");
            Files.writeString(rules, "forecast: {ports_listed: 0}\n");
            Files.setPosixFilePermissions(rules, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            for (int run = 0; run < 2; run++) {
                Netns.Result r = hck(ns, "--dry-run", "--close-wait-timeout", "1", "--rules", rules.toString(), "--prometheus", prom.toString());
                assertEquals(0, r.rc(), r.stderr());
                if (run == 0) {
                    leaky.command("connect:127.0.0.1:9000:3");
                    Thread.sleep(1500);
                }
            }
            String metrics = promtool(prom);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\bhck_[a-z_]+").matcher(Files.readString(Path.of("prometheus/hck-alerts.yml")));
            List<String> used = new ArrayList<>();
            while (m.find()) used.add(m.group());
            assertFalse(used.isEmpty());
            for (String name : used) assertTrue(metrics.lines().anyMatch(l -> l.startsWith(name + "{") || l.startsWith(name + " ")), name + " in:\n" + metrics);
            assertTrue(metrics.contains("hck_process_fd_limit{process=\"leaky\",pid=\"" + leaky.pid() + "\",netns=\"" + ns.name + "\"}"), metrics);
        }
    }

    @Test
    void liveRunNotifiesEveryKindAndCountsInPrometheus() throws Exception {
        try (Netns ns = leakyNamespace()) {
            Path out = tmp.resolve("out.json"), prom = tmp.resolve("hck.prom");
            Netns.Result r = hck(ns, "--live", "--close-wait-timeout", "1", "--json", out.toString(), "--prometheus", prom.toString(),
                    "--notify", "slack=" + url("/slack/T000/B000/SECRET1"), "--notify", "discord=" + url("/discord/api/webhooks/1/SECRET2"),
                    "--notify", url("/hook?token=SECRET3"));
            assertEquals(0, r.rc(), r.stderr());
            for (String ctx : List.of("/slack", "/discord", "/hook")) {
                assertEquals(1, bodies.getOrDefault(ctx, List.of()).size(), ctx + " got one POST");
                assertEquals("application/json", types.get(ctx).get(0));
            }
            JsonNode slack = JSON.readTree(bodies.get("/slack").get(0));
            assertTrue(slack.get("text").asText().contains(" terminated 3 hung TCP connections"), slack.toString());
            assertEquals("header", slack.get("blocks").get(0).get("type").asText());
            assertEquals("mrkdwn", slack.get("blocks").get(1).get("text").get("type").asText());
            assertTrue(slack.get("blocks").get(1).get("text").get("text").asText().contains("leaky PID "), slack.toString());
            JsonNode discord = JSON.readTree(bodies.get("/discord").get(0));
            assertTrue(discord.get("content").asText().contains("terminated 3"), discord.toString());
            assertTrue(discord.get("embeds").get(0).get("title").asText().startsWith("hck on "));
            assertTrue(discord.get("embeds").get(0).get("description").asText().contains("leaky PID "), discord.toString());
            assertTrue(discord.get("embeds").get(0).get("color").isInt());
            JsonNode generic = JSON.readTree(bodies.get("/hook").get(0));
            assertEquals(3, generic.get("summary").get("terminated").asInt());
            assertEquals(3, generic.get("hung").size());
            generic.get("hung").forEach(c -> {
                assertEquals("terminated", c.get("action").asText());
                assertEquals("leaky", c.get("process").asText());
                assertEquals(ns.name, c.get("netns").asText());
            });
            String all = r.stderr() + Files.readString(out) + Files.readString(prom);
            for (String secret : List.of("SECRET1", "SECRET2", "SECRET3", "/slack/", "/discord/", "token=")) {
                assertFalse(all.contains(secret), "URLs are secrets: " + secret);
            }
            assertTrue(r.stderr().contains(" - INFO - Notified slack webhook at 127.0.0.1"), r.stderr());

            String metrics = promtool(prom);
            assertTrue(metrics.contains("\nhck_terminated_connections_total 3\n"), metrics);
            assertTrue(metrics.contains("hck_hung_connections{state=\"CLOSE_WAIT\",netns=\"" + ns.name + "\"} 3\n"), metrics);
            assertTrue(metrics.contains("hck_process_hung_connections{process=\"leaky\",pid=\""), metrics);
            assertTrue(metrics.contains("# TYPE hck_failed_terminations_total counter"), metrics);

            // a later run with the same state file: the counter is still 3, nothing is hung now, no notification
            r = hck(ns, "--live", "--close-wait-timeout", "1", "--prometheus", prom.toString(), "--notify", url("/hook?token=SECRET3"));
            assertEquals(0, r.rc(), r.stderr());
            metrics = promtool(prom);
            assertTrue(metrics.contains("\nhck_terminated_connections_total 3\n"), metrics);
            assertTrue(metrics.contains("hck_hung_connections{state=\"CLOSE_WAIT\",netns=\"" + ns.name + "\"} 0\n"), metrics);
            assertEquals(1, bodies.get("/hook").size(), "nothing terminated: nothing to tell");
        }
    }

    @Test
    void aFailingWebhookIsRetriedOnceAndChangesNothing() throws Exception {
        try (Netns ns = leakyNamespace()) {
            Netns.Result r = hck(ns, "--live", "--close-wait-timeout", "1", "--notify", url("/fail?token=SECRET4"),
                    "--notify", "webhook=http://127.0.0.1:1/unreachable/SECRET5");
            assertEquals(0, r.rc(), "a notification failure never changes the exit code: " + r.stderr());
            assertEquals(2, bodies.get("/fail").size(), "one retry");
            assertTrue(r.stderr().contains(" - WARN - Notification to webhook at 127.0.0.1 failed after a retry: HTTP 500"), r.stderr());
            assertEquals(2, r.stderr().lines().filter(l -> l.contains("failed after a retry")).count(), r.stderr());
            assertFalse(r.stderr().contains("SECRET"), r.stderr());
        }
    }

    @Test
    void checkModeNotifiesWhenTheStatusChanges() throws Exception {
        try (Netns ns = leakyNamespace()) {
            String hook = url("/hook?token=S");
            Netns.Result first = hck(ns, "--check", "-w", "1", "--close-wait-timeout", "1", "--notify", hook);
            assertEquals(1, first.rc(), first.stdout());
            assertEquals(1, bodies.get("/hook").size());
            JsonNode n = JSON.readTree(bodies.get("/hook").get(0));
            assertTrue(n.get("headline").asText().contains(": WARNING (was OK): 3 hung TCP connections (leaky PID "), n.toString());
            assertEquals("check", n.get("mode").asText());

            Netns.Result again = hck(ns, "--check", "-w", "1", "--close-wait-timeout", "1", "--notify", hook);
            assertEquals(1, again.rc());
            assertEquals(1, bodies.get("/hook").size(), "same status: no notification");

            Netns.Result ok = hck(ns, "--check", "-w", "5", "--close-wait-timeout", "1", "--notify", hook);
            assertEquals(0, ok.rc());
            assertEquals(2, bodies.get("/hook").size());
            assertTrue(JSON.readTree(bodies.get("/hook").get(1)).get("headline").asText().contains(": OK (was WARNING): "));
            assertEquals(3, ns.sockets().stream().filter(s -> s.startsWith("CLOSE-WAIT")).count(), "checks kill nothing");
        }
    }
}
