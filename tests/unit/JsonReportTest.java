package hck.report;

import hck.support.Socks;

import hck.model.Action;

import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import hck.decide.AgeSource;
import hck.decide.Decision;
import hck.decide.Verdict;
import hck.model.Endpoint;
import hck.model.Owner;
import hck.model.Sock;
import hck.model.TcpState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The JSON document of docs/output.md, key for key. */
class JsonReportTest {
    static final RunInfo RUN = new RunInfo("0.1.0", "web-1", "dry-run", Instant.parse("2026-11-25T14:00:00.123Z"), 412, "ss",
            new hck.sys.KernelInfo("6.18.44", null, false, false),
            new hck.model.Stamp.Status("active", "/sys/fs/bpf/hck", Instant.parse("2026-11-25T13:00:00.250Z"), null), "/etc/hck/rules.yaml", 0);

    static JsonNode render(List<Outcome> outcomes) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        JsonReport.write(out, RUN, new Summary(47, 14, 1, 12, 1, 0, Map.of()), List.of(new Summary.PerNetns(null, new Summary(47, 14, 1, 12, 1, 0, Map.of()))), List.of(), List.of(), outcomes);
        return new ObjectMapper().readTree(out.toByteArray());
    }

    @Test
    void documentMatchesTheSpec() throws Exception {
        Sock s = Socks.of(TcpState.CLOSE_WAIT, new Endpoint("10.0.0.5", 8080, null), new Endpoint("10.0.0.100", 52431, null),
                1, 0, 99817, "1a2b", null, 75_200L, 75_200L, 75_200L, List.of(new Owner(1234, 9, "myapp")), null);
        Decision d = new Decision(s, Verdict.HUNG, "CLOSE_WAIT idle 75.2s > 60s (app not closing socket)", Duration.ofSeconds(60), 75_200, AgeSource.TCP_INFO);
        JsonNode doc = render(List.of(Outcome.of(d, Action.WOULD_TERMINATE)));
        assertEquals(List.of("schema_version", "tool", "version", "host", "mode", "started_at", "duration_ms", "source", "kernel",
                "stamps", "rules", "parse_errors", "summary", "processes", "ephemeral_ports", "connections"), names(doc));
        assertEquals(1, doc.get("schema_version").asInt());
        assertEquals("2026-11-25T14:00:00Z", doc.get("started_at").asText());
        assertEquals(List.of("release", "sock_destroy", "time_wait_destroy", "orphan_destroy"), names(doc.get("kernel")));
        assertTrue(doc.get("kernel").get("sock_destroy").isNull());
        assertEquals("{\"status\":\"active\",\"pin\":\"/sys/fs/bpf/hck\",\"since\":\"2026-11-25T13:00:00.250Z\",\"reason\":null}",
                doc.get("stamps").toString());
        assertEquals(List.of("scanned", "candidates", "hung", "skipped", "terminated", "failed", "left", "by_netns"), names(doc.get("summary")));
        assertEquals("{\"gone\":0,\"kernel-policy\":0,\"netns-gone\":0,\"vetoed\":0,\"stopped\":0,\"reported-only\":0}",
                doc.get("summary").get("left").toString());
        assertEquals("{\"netns\":null,\"scanned\":47,\"candidates\":14,\"hung\":1,\"skipped\":12,\"terminated\":1,\"failed\":0,\"left\":{\"gone\":0,\"kernel-policy\":0,\"netns-gone\":0,\"vetoed\":0,\"stopped\":0,\"reported-only\":0}}",
                doc.get("summary").get("by_netns").get(0).toString());
        JsonNode c = doc.get("connections").get(0);
        assertEquals(List.of("proto", "state", "local", "remote", "local_port", "remote_port", "netns", "pid", "process", "inode",
                "cookie", "age_s", "age_source", "timeout_s", "verdict", "reason", "action", "method", "destroy_result", "diagnosis", "left", "container"), names(c));
        assertEquals("{\"proto\":\"tcp\",\"state\":\"CLOSE_WAIT\",\"local\":\"10.0.0.5:8080\",\"remote\":\"10.0.0.100:52431\","
                + "\"local_port\":8080,\"remote_port\":52431,\"netns\":null,\"pid\":1234,\"process\":\"myapp\",\"inode\":99817,"
                + "\"cookie\":\"1a2b\",\"age_s\":75.2,\"age_source\":\"tcp_info\",\"timeout_s\":60,\"verdict\":\"hung\","
                + "\"reason\":\"CLOSE_WAIT idle 75.2s > 60s (app not closing socket)\",\"action\":\"would-terminate\",\"method\":null,"
                + "\"destroy_result\":null,\"diagnosis\":\"eof-unread\",\"left\":null,\"container\":null}",
                c.toString());
    }

    @Test
    void orphansAndFractionalTimeouts() throws Exception {
        Sock s = Socks.of(TcpState.FIN_WAIT2, new Endpoint("fe80::1", 22, "eth0"), new Endpoint("::ffff:10.0.0.1", 4000, null),
                0, 0, 0, "7", null, null, null, null, List.of(), null);
        Decision d = new Decision(s, Verdict.SKIPPED, "port 22 is excluded", null, 3_449, AgeSource.TIMER);
        JsonNode c = render(List.of(Outcome.of(d, Action.NONE))).get("connections").get(0);
        assertEquals("[fe80::1%eth0]:22", c.get("local").asText());
        assertEquals("[::ffff:10.0.0.1]:4000", c.get("remote").asText());
        assertTrue(c.get("pid").isNull());
        assertTrue(c.get("process").isNull());
        assertTrue(c.get("timeout_s").isNull());
        assertEquals(3.4, c.get("age_s").asDouble());
        assertEquals("skipped", c.get("verdict").asText());
        assertEquals("none", c.get("action").asText());
    }

    @Test
    void manyConnectionsOneALineInOrder() throws Exception {
        List<Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < 3000; i++) { // past the generator's buffers
            Sock s = Socks.of(TcpState.CLOSE_WAIT, new Endpoint("10.0.0.5", 8080, null), new Endpoint("10.0.0.100", 10000 + i, null),
                    1, 0, 1000 + i, Integer.toHexString(i), null, 75_200L, 75_200L, 75_200L, List.of(new Owner(1234, 9, "myapp")), null);
            outcomes.add(Outcome.of(new Decision(s, Verdict.HUNG, "CLOSE_WAIT idle 75.2s > 60s", Duration.ofSeconds(60), 75_200, AgeSource.TCP_INFO),
                    Action.WOULD_TERMINATE));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        JsonReport.write(out, RUN, new Summary(3000, 3000, 3000, 0, 3000, 0, Map.of()), List.of(), List.of(), List.of(), outcomes);
        List<String> lines = out.toString(java.nio.charset.StandardCharsets.UTF_8).lines().toList();
        List<String> connectionLines = lines.stream().filter(l -> l.startsWith("    {\"proto\"")).toList();
        assertEquals(3000, connectionLines.size());
        assertEquals("  \"connections\": [", lines.get(lines.indexOf(connectionLines.get(0)) - 1));
        assertEquals(List.of("  ]", "}"), lines.subList(lines.size() - 2, lines.size()));
        JsonNode cs = new ObjectMapper().readTree(out.toByteArray()).get("connections");
        for (int i = 0; i < 3000; i++) assertEquals(1000 + i, cs.get(i).get("inode").asLong());
    }

    @Test
    void atomicWriteLeavesNoTempFiles(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("out.json");
        hck.io.AtomicFile.write(f, false, out -> JsonReport.write(out, RUN, new Summary(0, 0, 0, 0, 0, 0, Map.of()), List.of(), List.of(), List.of(), List.of()));
        hck.io.AtomicFile.write(f, false, out -> JsonReport.write(out, RUN, new Summary(1, 0, 0, 0, 0, 0, Map.of()), List.of(), List.of(), List.of(), List.of()));
        assertEquals(1, new ObjectMapper().readTree(f.toFile()).get("summary").get("scanned").asInt());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(f), files.toList());
        }
        assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    }

    static List<String> names(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    /**
     * The connections are written by hck's own encoder: every string byte for byte as Jackson writes
     * it (control characters, quotes, backslashes, non-ASCII, surrogate pairs and lone halves), in a
     * process name, a namespace label and a scoped address's zone, and parsed back unchanged.
     */
    @Test
    void connectionStringsAreEncodedAsJacksonEncodesThem() throws Exception {
        List<String> hostile = new ArrayList<>();
        StringBuilder every = new StringBuilder();
        for (char c = 0; c < 0x900; c++) every.append(c);
        hostile.add(every.toString());
        hostile.addAll(List.of("\"; rm -rf / \\", "a\u2028b\u2029c\u007f", "\uFFFF\uFFFE\uE000", "\uD83D\uDE00 emoji", "lone \uD800 x",
                "lone \uDC00", "end \uD83D", "", "\u00e9t\u00e9 \u4e2d\u6587"));
        List<Outcome> outcomes = new ArrayList<>();
        for (String h : hostile) {
            Sock s = Socks.of(TcpState.CLOSE_WAIT, new Endpoint("fe80::1", 8080, h), new Endpoint("10.0.0.100", 52431, null),
                    1, 0, 7, "1a2b", null, 75_200L, 75_200L, 75_200L, List.of(new Owner(1234, 9, h)), null, h)
                    .withContainer(new hck.model.Container("c0ffee", h, "cri-o", new hck.model.Container.Pod(h, "pod " + h)));
            outcomes.add(Outcome.of(new Decision(s, Verdict.HUNG, "reason " + h, Duration.ofMillis(1500), 75_249, AgeSource.TCP_INFO),
                    Action.WOULD_TERMINATE));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        JsonReport.write(out, RUN, new Summary(1, 1, 1, 0, 0, 0, Map.of()), List.of(), List.of(), List.of(), outcomes);
        String doc = out.toString(java.nio.charset.StandardCharsets.UTF_8);
        ObjectMapper jackson = new ObjectMapper();
        JsonNode parsed = jackson.readTree(out.toByteArray());
        for (int i = 0; i < hostile.size(); i++) {
            // as the byte generator the document used to be written with (the String one writes surrogates unescaped)
            String h = hostile.get(i), quoted = new String(jackson.writeValueAsBytes(h), java.nio.charset.StandardCharsets.UTF_8);
            String zoned = new String(jackson.writeValueAsBytes("[fe80::1%" + h + "]:8080"), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(doc.contains("\"process\":" + quoted + ",\"inode\":7,"), "process name " + i + ": " + quoted);
            assertTrue(doc.contains("\"netns\":" + quoted + ",\"pid\":1234,"), "netns " + i);
            String pod = new String(jackson.writeValueAsBytes("pod " + h), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(doc.contains(",\"container\":{\"id\":\"c0ffee\",\"name\":" + quoted + ",\"runtime\":\"cri-o\",\"pod\":{\"namespace\":"
                    + quoted + ",\"name\":" + pod + "}}}"), "container " + i);
            assertTrue(doc.contains("{\"proto\":\"tcp\",\"state\":\"CLOSE_WAIT\",\"local\":" + zoned + ","), "zone " + i);
            JsonNode c = parsed.get("connections").get(i);
            assertEquals(h, c.get("process").asText());
            assertEquals(h, c.get("netns").asText());
            assertEquals(h, c.get("container").get("pod").get("namespace").asText());
            assertEquals("reason " + h, c.get("reason").asText());
            assertEquals("75.2", c.get("age_s").asText());
            assertEquals("1.5", c.get("timeout_s").asText());
        }
    }

    /** Numbers by hck's encoder: every digit count, past 32 bits, and ages rounded half up to a tenth. */
    @Test
    void connectionNumbersAreExact() throws Exception {
        long[] values = {0, 7, 9, 10, 99, 100, 65535, 999_999_999, 1_000_000_000, Integer.MAX_VALUE, 1L + Integer.MAX_VALUE, 4_294_967_295L,
                Long.MAX_VALUE};
        long[] agesMs = {0, 49, 50, 949, 950, 59_999, 75_249, 75_250, 214_748_364_749L, 214_748_364_750L, 400L * 24 * 3600 * 1000};
        List<Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            Sock s = Socks.of(TcpState.CLOSE_WAIT, new Endpoint("10.0.0.5", (int) (values[i] % 65536), null),
                    new Endpoint("10.0.0.100", 52431, null), 1, 0, values[i], "1a2b", null, 1L, 1L, 1L, List.of(new Owner(values[i], 9, "p")), null);
            long age = agesMs[i % agesMs.length];
            outcomes.add(Outcome.of(new Decision(s, Verdict.HUNG, "r", Duration.ofSeconds(1), age, AgeSource.TCP_INFO), Action.WOULD_TERMINATE));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        JsonReport.write(out, RUN, new Summary(1, 1, 1, 0, 0, 0, Map.of()), List.of(), List.of(), List.of(), outcomes);
        List<String> rows = out.toString(java.nio.charset.StandardCharsets.UTF_8).lines().filter(l -> l.contains("\"proto\"")).toList();
        JsonNode doc = new ObjectMapper().readTree(out.toByteArray());
        for (int i = 0; i < values.length; i++) {
            JsonNode c = doc.get("connections").get(i);
            assertEquals(values[i], c.get("inode").asLong(), "inode " + values[i]);
            assertEquals(values[i], c.get("pid").asLong(), "pid " + values[i]);
            assertEquals(values[i] % 65536, c.get("local_port").asLong());
            assertEquals("10.0.0.5:" + values[i] % 65536, c.get("local").asText());
            long age = agesMs[i % agesMs.length];
            assertTrue(rows.get(i).contains(",\"inode\":" + values[i] + ",") && rows.get(i).contains(",\"age_s\":" + hck.rules.Durations.tenths(age) + ","),
                    "age " + age + ": " + rows.get(i));
        }
    }
}
