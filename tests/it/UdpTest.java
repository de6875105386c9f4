package hck.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import hck.support.Netns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** UDP monitoring with a real UDP socket that never reads, in the test's private namespace. */
class UdpTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path tmp;

    JsonNode run(Netns ns, Path rules, String... mode) throws Exception {
        Path out = Files.createTempFile(tmp, "out", ".json");
        List<String> args = new ArrayList<>(List.of(mode));
        args.addAll(List.of("--udp", "--rules", rules.toString(), "--json", out.toString(), "--state-file", tmp.resolve("state.json").toString(),
                "--lock-file", tmp.resolve("l").toString()));
        Netns.Result r = ns.hck(args.toArray(String[]::new));
        assertEquals(0, r.rc(), r.stderr());
        return JSON.readTree(out.toFile());
    }

    static List<JsonNode> udp(JsonNode doc) {
        List<JsonNode> out = new ArrayList<>();
        doc.get("connections").forEach(c -> { if (c.get("proto").asText().equals("udp")) out.add(c); });
        return out;
    }

    @Test
    void aSocketThatNeverReadsIsReportedWithItsProcessAndLeftAlone() throws Exception {
        try (Netns ns = Netns.create()) {
            Netns.Held deaf = ns.holder("name=deaf", "udp-sink:9999");
            Netns.Held sender = ns.holder("name=sender", "udp-send:9999:10:100");
            Path rules = tmp.resolve("rules.yaml");
            Files.writeString(rules, "udp: {timeout: 1}\n");

            JsonNode first = run(ns, rules, "--dry-run");
            assertEquals(0, udp(first).size(), "first sighting of the queue: age 0: " + first.toPrettyString());
            Thread.sleep(1500);
            JsonNode second = run(ns, rules, "--live");
            List<JsonNode> found = udp(second);
            assertEquals(1, found.size(), second.toPrettyString());
            JsonNode c = found.get(0);
            assertEquals("UNCONN", c.get("state").asText());
            assertTrue(c.get("local").asText().matches("(127\\.0\\.0\\.1|\\[::ffff:127\\.0\\.0\\.1]):9999"), c.get("local").asText());
            assertEquals(deaf.pid(), c.get("pid").asLong());
            assertEquals("deaf", c.get("process").asText());
            assertEquals("hung", c.get("verdict").asText());
            assertEquals("first_seen", c.get("age_source").asText());
            assertTrue(c.get("age_s").asDouble() >= 1.0, c.toPrettyString());
            assertTrue(c.get("reason").asText().startsWith("UDP receive queue at "), c.get("reason").asText());
            assertTrue(c.get("reason").asText().endsWith("; reported only (udp action: report)"), c.get("reason").asText());
            assertEquals("none", c.get("action").asText(), "report-only by default, even in live mode");
            assertTrue(ns.run("ss", "-uanH").stdout().contains(":9999"), "the socket is still there");

            // a flood overflows the receive buffer: the drop counter grows between two runs
            assertEquals("sent", sender.command("udp-send:9999:3000:1000"));
            run(ns, rules, "--dry-run");
            assertEquals("sent", sender.command("udp-send:9999:500:1000"));
            JsonNode dropping = run(ns, rules, "--dry-run");
            JsonNode d = udp(dropping).get(0);
            assertTrue(d.get("reason").asText().contains("; UDP socket dropped "), d.get("reason").asText());
            assertTrue(deaf.process().isAlive());
        }
    }

    /**
     * With {@code action: terminate} the kernel destroy aborts the socket. A connected socket on an
     * ephemeral port is unhashed and gone; one bound to a port by its application stays bound
     * (__udp_disconnect keeps SOCK_BINDPORT_LOCK sockets hashed), and hck says so instead of
     * claiming success.
     */
    @Test
    void terminateWhenTheRulesSaySoAndTellTheTruthAboutBoundSockets() throws Exception {
        try (Netns ns = Netns.create()) {
            Netns.Held deaf = ns.holder("name=deaf", "udp-pair:9998:5:100", "udp-sink:9999", "udp-send:9999:5:100");
            Path rules = tmp.resolve("rules.yaml");
            Files.writeString(rules, "udp: {timeout: 0.5, action: terminate}\n");
            run(ns, rules, "--dry-run");
            Thread.sleep(1000);
            Path out = tmp.resolve("live.json");
            Netns.Result r = ns.hck("--live", "--udp", "--rules", rules.toString(), "--json", out.toString(),
                    "--state-file", tmp.resolve("state.json").toString(), "--lock-file", tmp.resolve("l").toString());
            assertEquals(1, r.rc(), "the bound socket could not be removed: " + r.stderr());
            List<JsonNode> found = udp(JSON.readTree(out.toFile()));
            assertEquals(2, found.size(), found.toString());
            for (JsonNode c : found) {
                if (c.get("local").asText().endsWith(":9999")) {
                    assertEquals("failed", c.get("action").asText(), c.toPrettyString());
                    assertTrue(c.get("reason").asText().contains("socket-destroy reported success but the socket is still there"), c.toPrettyString());
                } else {
                    assertEquals("terminated", c.get("action").asText(), c.toPrettyString());
                    assertEquals("socket-destroy", c.get("method").asText());
                    assertTrue(c.get("remote").asText().endsWith(":9998"), c.toPrettyString());
                }
            }
            String ss = ns.run("ss", "-uanH").stdout();
            assertTrue(ss.contains(":9999"), ss);
            assertFalse(ss.lines().anyMatch(l -> l.trim().endsWith("127.0.0.1:9998") && l.startsWith("ESTAB")), "the connected one is gone: " + ss);
            assertTrue(deaf.process().isAlive(), "no process touched");
        }
    }
}
