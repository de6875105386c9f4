package hck.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import hck.support.Env;
import hck.support.Netns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The forecasts against the truth, on real processes and the real kernel, each in a private
 * network namespace: a process leaking CLOSE_WAIT at a pace the test sets, under an RLIMIT_NOFILE
 * the test lowered, across hck runs that share a state file; and a destination whose ephemeral
 * ports the test fills in a namespace with 100 of them, until connect() fails.
 */
class ForesightTest {
    static final ObjectMapper JSON = new ObjectMapper();
    /** How far hck's rate and time left may be from the truth the test measured. */
    static final double TOLERANCE = 0.15;
    @TempDir
    Path tmp;

    static JsonNode process(JsonNode doc, String name) {
        for (JsonNode p : doc.get("processes")) if (p.get("process").asText().equals(name)) return p;
        return null;
    }

    static long openFds(long pid) throws Exception {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.count();
        }
    }

    @Test
    void theRateOfALeakAndTheTimeLeftBeforeItsFileDescriptorsRunOut() throws Exception {
        Env.requireRoot();
        Env.requireCommand("prlimit");
        try (Netns ns = Netns.create()) {
            ns.holder("name=server", "listen:9000:close");
            Netns.Held leaky = ns.holder(List.of("prlimit", "--nofile=400:400", "--"), "name=leaky", "connect:127.0.0.1:9000:20");
            ns.holder("name=steady", "connect:127.0.0.1:9000:5");
            Thread.sleep(1500);
            Path state = tmp.resolve("state.json");
            List<Long> at = new ArrayList<>();
            JsonNode last = null;
            Netns.Result lastRun = null;
            int rounds = 4;
            for (int k = 0; k < rounds; k++) {
                at.add(System.currentTimeMillis());
                Path json = tmp.resolve("run" + k + ".json");
                lastRun = ns.hck("--dry-run", "--close-wait-timeout", "1", "--json", json.toString(), "--state-file", state.toString());
                assertEquals(0, lastRun.rc(), lastRun.stderr());
                last = JSON.readTree(json.toFile());
                JsonNode p = process(last, "leaky");
                assertNotNull(p, last.toPrettyString());
                assertEquals(20 * (k + 1), p.get("hung_total").asInt(), "every leaked socket is hung by the next run");
                if (k == 0) {
                    assertTrue(p.get("hung_growth_per_hour").isNull(), "no rate before a second run: " + p);
                    assertTrue(p.get("fd_exhaustion_eta_s").isNull(), p.toString());
                }
                if (k < rounds - 1) {
                    assertTrue(leaky.command("connect:127.0.0.1:9000:20").startsWith("connected"));
                    Thread.sleep(2000);
                }
            }
            long open = openFds(leaky.pid());
            double truePerHour = 20.0 * (rounds - 1) / ((at.get(rounds - 1) - at.get(0)) / 3_600_000.0);
            JsonNode p = process(last, "leaky");
            assertEquals(400, p.get("fd_limit").asLong(), "the soft RLIMIT_NOFILE the test set");
            assertEquals(open, p.get("open_fds").asLong(), 2, "its open files, as /proc/PID/fd lists them now");
            assertEquals("{\"CLOSE_WAIT\":80}", p.get("hung").toString());
            assertEquals("[::ffff:127.0.0.1]:9000", p.get("remotes").get(0).get("remote").asText(), "Java's dual-stack sockets");
            assertEquals(80, p.get("remotes").get(0).get("hung").asInt());
            double perHour = p.get("hung_growth_per_hour").asDouble();
            assertEquals(truePerHour, perHour, truePerHour * TOLERANCE, "rate: hck " + perHour + "/h, true " + truePerHour + "/h");
            double trueEta = (400 - open) / (truePerHour / 3600);
            double eta = p.get("fd_exhaustion_eta_s").asDouble();
            System.out.printf("     forecast: %.0f/h (true %.0f/h), %.0f s left (true %.0f s), %d of 400 fds open%n", perHour, truePerHour, eta, trueEta, open);
            assertEquals(trueEta, eta, trueEta * TOLERANCE, "time left: hck " + eta + " s, true " + trueEta + " s");

            JsonNode steady = process(last, "steady");
            assertEquals(0.0, steady.get("hung_growth_per_hour").asDouble(), 0.001, "a holder that does not grow: " + steady);
            assertTrue(steady.get("fd_exhaustion_eta_s").isNull(), "not growing, no exhaustion: " + steady);
            assertEquals("leaky", last.get("processes").get(0).get("process").asText(), "the soonest exhaustion first");

            String log = lastRun.stderr();
            assertTrue(log.contains("WARN - leaky (PID " + leaky.pid() + ") holds 80 CLOSE_WAIT sockets, +"), log);
            assertTrue(log.contains("of 400 file descriptors in use: out of file descriptors in about "), log);
            assertTrue(log.contains("INFO - steady (PID "), log);
        }
    }

    @Test
    void theNextConnectFailsWhenHckSaysTheDestinationsPortsAreAllInUse() throws Exception {
        Env.requireRoot();
        Env.requireCommand("python3");
        try (Netns ns = Netns.create()) {
            // 100 ephemeral ports; a TIME_WAIT port is not reused (no tcp_tw_reuse); a destination that is not loopback
            assertEquals(0, ns.run("sysctl", "-qw", "net.ipv4.ip_local_port_range=40000 40099").rc());
            assertEquals(0, ns.run("sysctl", "-qw", "net.ipv4.tcp_tw_reuse=0").rc());
            assertEquals(0, ns.run("ip", "addr", "add", "10.9.0.1/32", "dev", "lo").rc());
            String script = Path.of("tests/support/port_filler.py").toAbsolutePath().toString();
            ns.started("python3", script, "server", "10.9.0.1", "7000");
            Netns.Held client = ns.started("python3", script, "client", "10.9.0.1", "7000", "100", "30");

            // hck's count says whether one more connect() succeeds: while it says a port is free, one does
            Path json = tmp.resolve("ports.json");
            Netns.Result run;
            JsonNode dest;
            for (int round = 0; ; round++) {
                run = ns.hck("--dry-run", "--json", json.toString(), "--state-file", tmp.resolve("s.json").toString());
                assertEquals(0, run.rc(), run.stderr());
                JsonNode ports = JSON.readTree(json.toFile()).get("ephemeral_ports");
                assertEquals(1, ports.size(), ports.toPrettyString());
                dest = ports.get(0);
                assertEquals("10.9.0.1", dest.get("local_ip").asText());
                assertEquals("10.9.0.1:7000", dest.get("remote").asText());
                assertEquals(100, dest.get("available").asInt(), "the namespace's own range");
                if (dest.get("in_use").asInt() == 100) break;
                assertTrue(round < 3, "the client holds 100 ports, give or take one: " + dest);
                assertEquals("ok", client.command("connect"), "hck says " + dest.get("in_use") + " of 100 in use: one more connect() works");
            }

            // what ss counts: sockets from a port of the range to the destination, in any state
            Map<String, Integer> bySs = new TreeMap<>();
            for (String line : ns.run("ss", "-tanH").stdout().split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 5 || !f[4].equals("10.9.0.1:7000")) continue;
                int port = Integer.parseInt(f[3].substring(f[3].lastIndexOf(':') + 1));
                if (port >= 40000 && port <= 40099) bySs.merge(ssState(f[0]), 1, Integer::sum);
            }
            assertEquals(100, bySs.values().stream().mapToInt(Integer::intValue).sum(), "what the test made: " + bySs);
            assertTrue(bySs.getOrDefault("TIME_WAIT", 0) >= 29, "most of the 30 closed wait in TIME_WAIT: " + bySs);
            Map<String, Integer> byHck = new TreeMap<>();
            dest.get("states").properties().forEach(e -> byHck.put(e.getKey(), e.getValue().asInt()));
            assertEquals(bySs, byHck, "hck counts what ss counts");
            assertTrue(run.stderr().contains("WARN - 10.9.0.1 to 10.9.0.1:7000: 100 of 100 ephemeral ports in use (ESTABLISHED "
                    + bySs.get("ESTABLISHED") + ", TIME_WAIT " + bySs.get("TIME_WAIT") + "): at 100, connect() from 10.9.0.1 to 10.9.0.1:7000 fails "
                    + "with EADDRNOTAVAIL"), run.stderr());

            // and so it does
            assertEquals("EADDRNOTAVAIL", client.command("connect"));

            Netns.Result check = ns.hck("--check", "--state-file", tmp.resolve("c.json").toString());
            assertEquals(2, check.rc(), check.stdout());
            assertTrue(check.stdout().startsWith("HCK CRITICAL: 0 hung TCP connections; 10.9.0.1 to 10.9.0.1:7000: 100 of 100 ephemeral ports in use |"),
                    check.stdout());
            assertTrue(check.stdout().contains(" 'ephemeral_ports'=100%;80;95;0;100"), check.stdout());
        }
    }

    static String ssState(String s) {
        return switch (s) {
            case "ESTAB" -> "ESTABLISHED";
            case "TIME-WAIT" -> "TIME_WAIT";
            default -> s.replace('-', '_');
        };
    }
}
