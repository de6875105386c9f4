package hck.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import hck.support.Netns;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/**
 * hck --dry-run against the real kernel, in a private network namespace holding sockets of
 * processes this test started: 3 idle CLOSE_WAIT of "leaky", 2 of "sshd", 1 to port 22, orphan
 * FIN_WAIT2 and TIME_WAIT on the server side, ESTABLISHED pairs and LISTEN sockets.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DryRunNetnsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    Netns ns;
    long leaky, sshd, client22;
    @TempDir
    Path tmp;

    @BeforeAll
    void holdSockets() throws Exception {
        ns = Netns.create();
        ns.holder("name=server", "listen:9000:close", "listen:9001:keep", "listen:22:close");
        leaky = ns.holder("name=leaky", "connect:127.0.0.1:9000:3").pid();
        sshd = ns.holder("name=sshd", "connect:127.0.0.1:9000:2").pid();
        client22 = ns.holder("name=client22", "connect:127.0.0.1:22:1").pid();
        ns.holder("name=estab", "connect:127.0.0.1:9001:2");
        ns.holder("name=tw", "timewait:127.0.0.1:9000:2");
        Thread.sleep(2500); // the CLOSE_WAIT sockets idle for 3 s and more
    }

    @AfterAll
    void cleanUp() throws Exception {
        if (ns != null) ns.close();
    }

    record Run(Netns.Result result, JsonNode doc) {
        List<JsonNode> with(String verdict) {
            List<JsonNode> out = new ArrayList<>();
            doc.get("connections").forEach(c -> { if (c.get("verdict").asText().equals(verdict)) out.add(c); });
            return out;
        }

        String err() {
            return result.stderr();
        }
    }

    Run hck(String... args) throws Exception {
        Path out = Files.createTempFile(tmp, "out", ".json");
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--json", out.toString()));
        if (!all.contains("--state-file")) all.addAll(List.of("--state-file", tmp.resolve("state.json").toString()));
        Netns.Result r = ns.hck(all.toArray(String[]::new));
        assertEquals(0, r.rc(), "hck failed: " + r.stderr());
        return new Run(r, JSON.readTree(out.toFile()));
    }

    static Set<String> ids(List<JsonNode> conns) {
        return conns.stream().map(c -> c.get("state").asText() + " " + c.get("local").asText() + " " + c.get("remote").asText())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    static long count(String text, String fragment) {
        return text.lines().filter(l -> l.contains(fragment)).count();
    }

    @Test
    void listsExactlyTheHungAndSkippedSocketsAndTouchesNothing() throws Exception {
        Set<String> before = ns.sockets();
        Run run = hck("--dry-run", "--close-wait-timeout", "1");
        assertEquals(before, ns.sockets(), "a dry run leaves every socket in place");

        List<JsonNode> hung = run.with("hung");
        assertEquals(3, hung.size(), run.doc().toPrettyString());
        for (JsonNode c : hung) {
            assertEquals("CLOSE_WAIT", c.get("state").asText());
            assertEquals(leaky, c.get("pid").asLong());
            assertEquals("leaky", c.get("process").asText());
            assertEquals(9000, c.get("remote_port").asInt());
            assertEquals("would-terminate", c.get("action").asText());
            assertTrue(c.get("method").isNull());
            assertEquals("tcp_info", c.get("age_source").asText());
            assertEquals(1, c.get("timeout_s").asInt());
            double age = c.get("age_s").asDouble();
            assertTrue(age > 1 && age < 120, "plausible age: " + age);
            assertTrue(c.get("reason").asText().startsWith("CLOSE_WAIT idle "), c.get("reason").asText());
            assertTrue(c.get("inode").asLong() > 0);
            assertFalse(c.get("cookie").asText().isEmpty());
            assertTrue(c.get("netns").isNull());
        }

        List<JsonNode> skipped = run.with("skipped");
        List<JsonNode> sshdSockets = skipped.stream().filter(c -> c.get("pid").asLong() == sshd).toList();
        assertEquals(2, sshdSockets.size(), run.doc().toPrettyString());
        sshdSockets.forEach(c -> assertEquals("process sshd (PID " + sshd + ") is protected", c.get("reason").asText()));
        List<JsonNode> port22 = skipped.stream().filter(c -> c.get("reason").asText().equals("port 22 is excluded")).toList();
        assertEquals(Set.of("CLOSE_WAIT", "FIN_WAIT2"), port22.stream().map(c -> c.get("state").asText()).collect(Collectors.toSet()));
        assertEquals(client22, port22.stream().filter(c -> c.get("state").asText().equals("CLOSE_WAIT")).findFirst().orElseThrow().get("pid").asLong());
        assertTrue(port22.stream().filter(c -> c.get("state").asText().equals("FIN_WAIT2")).allMatch(c -> c.get("pid").isNull()),
                "the closed server side is an orphan");
        assertEquals(4, skipped.size(), run.doc().toPrettyString());
        for (JsonNode c : run.doc().get("connections")) {
            assertFalse(Set.of("ESTABLISHED", "LISTEN").contains(c.get("state").asText()), "safe states are never listed");
        }

        JsonNode sum = run.doc().get("summary");
        assertEquals(3, sum.get("hung").asInt());
        assertEquals(4, sum.get("skipped").asInt());
        assertEquals(3, sum.get("terminated").asInt(), "a dry run counts the would-terminate ones");
        assertEquals(0, sum.get("failed").asInt());
        long watched = before.stream().filter(s -> s.matches("(CLOSE-WAIT|FIN-WAIT-1|FIN-WAIT-2|CLOSING|LAST-ACK|TIME-WAIT) .*")).count();
        assertEquals(watched, sum.get("candidates").asLong());
        assertEquals(before.size(), sum.get("scanned").asLong());
        assertEquals("netlink", run.doc().get("source").asText(), "netlink is the default source");
        assertEquals("dry-run", run.doc().get("mode").asText());

        String err = run.err();
        assertEquals(3, count(err, " - WARN - Hung connection detected: tcp CLOSE_WAIT [::ffff:127.0.0.1]:"));
        assertEquals(3, count(err, "(PID: " + leaky + ", Process: leaky)"));
        assertEquals(3, count(err, " - INFO -   Reason: CLOSE_WAIT idle "));
        assertEquals(3, count(err, " - INFO - [DRY RUN] Would terminate: tcp CLOSE_WAIT [::ffff:127.0.0.1]:"));
        assertEquals(1, count(err, " - INFO - Found " + before.size() + " total connections"));
        assertEquals(1, count(err, "leaky (PID " + leaky + ") holds 3 CLOSE_WAIT sockets: it is not closing them"));
        for (String line : List.of("Total connections scanned: " + before.size(), "Hung connections found: 3", "Connections skipped: 4",
                "Connections terminated: 3", "Failed terminations: 0")) {
            assertEquals(1, count(err, line), line);
        }
        for (String line : err.lines().toList()) {
            assertTrue(line.matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d - (INFO|WARN|ERROR|DEBUG) - .*"), "seed log format: " + line);
        }
        assertEquals("", run.result().stdout(), "stdout carries only what was asked for");
    }

    @Test
    void timewaitAndOrphanAgesComeFromTheTimer() throws Exception {
        Run run = hck("--dry-run", "--close-wait-timeout", "1h", "--time-wait-timeout", "0.5", "--fin-wait-timeout", "500ms");
        List<JsonNode> hung = run.with("hung");
        Set<String> states = hung.stream().map(c -> c.get("state").asText()).collect(Collectors.toSet());
        assertEquals(Set.of("TIME_WAIT", "FIN_WAIT2"), states, run.doc().toPrettyString());
        assertEquals(2, hung.stream().filter(c -> c.get("state").asText().equals("TIME_WAIT")).count());
        assertEquals(5, hung.stream().filter(c -> c.get("state").asText().equals("FIN_WAIT2")).count(), "server sides of leaky's and sshd's");
        for (JsonNode c : hung) {
            assertEquals("timer", c.get("age_source").asText());
            assertTrue(c.get("pid").isNull());
            assertEquals(0, c.get("inode").asLong());
            double age = c.get("age_s").asDouble();
            assertTrue(age > 0.5 && age < 60, "age " + age);
        }
    }

    @Test
    void netlinkAndSsSeeTheSameSocketsAndVerdicts() throws Exception {
        Run viaNetlink = hck("--dry-run", "--close-wait-timeout", "1", "--fin-wait-timeout", "0.5", "--source", "netlink");
        Run viaSs = hck("--dry-run", "--close-wait-timeout", "1", "--fin-wait-timeout", "0.5", "--source", "ss");
        assertEquals("netlink", viaNetlink.doc().get("source").asText());
        assertEquals("ss", viaSs.doc().get("source").asText());
        assertEquals(viaSs.doc().get("summary"), viaNetlink.doc().get("summary"));
        java.util.Map<String, JsonNode> ss = new java.util.HashMap<>();
        viaSs.doc().get("connections").forEach(c -> ss.put(c.get("cookie").asText(), c));
        assertEquals(ss.size(), viaNetlink.doc().get("connections").size());
        for (JsonNode n : viaNetlink.doc().get("connections")) {
            JsonNode s = ss.get(n.get("cookie").asText());
            assertNotNull(s, "ss saw " + n);
            for (String k : List.of("proto", "state", "local", "remote", "pid", "process", "inode", "age_source", "verdict", "timeout_s")) {
                assertEquals(s.get(k), n.get(k), k + " of " + n);
            }
            // ss prints timers in whole seconds (57sec); netlink gives milliseconds
            // ss prints whole seconds and runs a second later: ages agree within a few seconds
            assertEquals(s.get("age_s").asDouble(), n.get("age_s").asDouble(), 3.0, n.toString());
        }
        // and socket by socket, every watched one, not only the listed ones
        Netns.Result nl = ns.run(Netns.java().toString(), "-cp", Netns.classpath(), "hck.support.SourceDump", "netlink");
        Netns.Result sd = ns.run(Netns.java().toString(), "-cp", Netns.classpath(), "hck.support.SourceDump", "ss");
        assertEquals(0, nl.rc(), nl.stderr());
        assertEquals(sd.stdout(), nl.stdout());
        assertTrue(nl.stdout().lines().count() >= 10, nl.stdout());
    }

    /**
     * The netlink scan walks the kernel's tables once for IPv4 and IPv6 together (TCPDIAG_GETSOCK);
     * ss asks per family. Both must see the same sockets of both families, and count the same.
     */
    @Test
    void oneWalkSeesBothFamiliesAsSsDoes() throws Exception {
        try (Netns both = Netns.create()) {
            both.holder("ipv4", "name=server4", "listen:9200:close", "listen:9201:keep");
            both.holder("ipv4", "name=leaky4", "connect:127.0.0.1:9200:3", "connect:127.0.0.1:9201:2");
            both.holder("name=server6", "listen:9300:close");
            both.holder("name=leaky6", "connect:::1:9300:2", "connect:127.0.0.1:9300:1");
            both.holder("ipv4", "name=tw4", "timewait:127.0.0.1:9200:1");
            Netns.Result nl = both.java("hck.support.SourceDump", "netlink");
            Netns.Result sd = both.java("hck.support.SourceDump", "ss");
            assertEquals(0, nl.rc(), nl.stderr());
            assertEquals(sd.stdout(), nl.stdout());
            List<String> lines = nl.stdout().lines().toList();
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("CLOSE_WAIT 127.0.0.1:")), "a plain IPv4 CLOSE_WAIT: " + lines);
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("CLOSE_WAIT [::1]:")), "an IPv6 CLOSE_WAIT: " + lines);
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("CLOSE_WAIT [::ffff:127.0.0.1]:")), "a v4-mapped CLOSE_WAIT: " + lines);
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("TIME_WAIT 127.0.0.1:")), "an IPv4 TIME_WAIT: " + lines);
            JsonNode viaNetlink = JSON.readTree(both.hck("--dry-run", "--json", "-", "--source", "netlink").stdout());
            JsonNode viaSs = JSON.readTree(both.hck("--dry-run", "--json", "-", "--source", "ss").stdout());
            assertEquals(viaSs.get("summary").get("scanned"), viaNetlink.get("summary").get("scanned"));
            // 6 CLOSE_WAIT + 6 FIN_WAIT2 + 1 TIME_WAIT, 2+2 ESTABLISHED, 3 LISTEN (ss counts all states too)
            assertEquals(20, viaNetlink.get("summary").get("scanned").asInt(), viaNetlink.get("summary").toString());
        }
    }

    @Test
    void procFallbackGivesTheSameVerdictsOnASecondRun() throws Exception {
        Run viaSs = hck("--dry-run", "--close-wait-timeout", "1", "--source", "ss");
        Path state = tmp.resolve("proc-state.json");
        Run first = hck("--dry-run", "--close-wait-timeout", "1", "--source", "proc", "--state-file", state.toString());
        assertEquals("proc", first.doc().get("source").asText());
        assertEquals(0, first.with("hung").size(), "a first sighting is age 0: " + first.doc().toPrettyString());
        assertEquals(ids(viaSs.with("skipped")), ids(first.with("skipped")), "exemptions do not depend on age");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state)));
        Thread.sleep(1500);
        Run second = hck("--dry-run", "--close-wait-timeout", "1", "--source", "proc", "--state-file", state.toString());
        assertEquals(ids(viaSs.with("hung")), ids(second.with("hung")));
        assertEquals(ids(viaSs.with("skipped")), ids(second.with("skipped")));
        for (JsonNode c : second.with("hung")) {
            assertEquals("first_seen", c.get("age_source").asText());
            assertEquals(leaky, c.get("pid").asLong());
        }
        assertEquals(viaSs.doc().get("summary").get("scanned"), second.doc().get("summary").get("scanned"));
    }

    @Test
    void withoutSsItFallsBackToProc() throws Exception {
        Path out = tmp.resolve("nos.json");
        // without JNA's native library netlink is out too: auto falls back to ss, then to /proc
        Netns.Result r = ns.run("env", "PATH=/nonexistent", Netns.java().toString(), "-Djna.nosys=true", "-Djna.nounpack=true",
                "-cp", Netns.classpath(), "hck.hck",
                "--dry-run", "--close-wait-timeout", "1", "--json", out.toString(), "--state-file", tmp.resolve("s2.json").toString());
        assertEquals(0, r.rc(), r.stderr());
        assertEquals("proc", JSON.readTree(out.toFile()).get("source").asText());
        assertEquals(1, count(r.stderr(), " - WARN - ss is unavailable ("), r.stderr());
    }

    @Test
    void checkModeAnswersInOneLineAndKillsNothing() throws Exception {
        Set<String> before = ns.sockets();
        Netns.Result warn = ns.hck("--check", "-w", "1", "-c", "5", "--close-wait-timeout", "1", "--state-file", tmp.resolve("c.json").toString());
        assertEquals(1, warn.rc(), warn.stdout() + warn.stderr());
        List<String> lines = warn.stdout().lines().toList();
        assertTrue(lines.get(0).startsWith("HCK WARNING: 3 hung TCP connections (leaky PID " + leaky + ": 3 CLOSE_WAIT, oldest "), lines.get(0));
        assertTrue(lines.get(0).contains(" | 'hung'=3;1;5;0 'close_wait'=3;;;0 'close_wait_oldest'="), lines.get(0));
        assertEquals("", warn.stderr(), "check mode keeps stderr quiet");
        assertEquals(before, ns.sockets(), "a check kills nothing");

        Netns.Result ok = ns.hck("--check", "-w", "5", "-c", "10", "--close-wait-timeout", "1", "--state-file", tmp.resolve("c.json").toString());
        assertEquals(0, ok.rc(), ok.stdout());
        assertTrue(ok.stdout().startsWith("HCK OK: 3 hung TCP connections"), ok.stdout());

        Netns.Result crit = ns.hck("--check", "-c", "2", "--close-wait-timeout", "1", "--warning-state", "close-wait=1",
                "--state-file", tmp.resolve("c.json").toString());
        assertEquals(2, crit.rc(), crit.stdout());
        assertTrue(crit.stdout().startsWith("HCK CRITICAL: "), crit.stdout());

        for (String[] bad : List.of(new String[] {"--check", "-w", "5:1"}, new String[] {"--check", "--warning-state", "ESTABLISHED=1"},
                new String[] {"--check", "--frobnicate"}, new String[] {"--check", "--rules", "/nonexistent/rules.yaml"},
                new String[] {"--check", "-t", "1ms"})) {
            Netns.Result r = ns.hck(bad);
            assertEquals(3, r.rc(), List.of(bad) + ": " + r.stdout() + r.stderr());
            assertEquals(1, r.stdout().lines().count(), r.stdout());
            assertTrue(r.stdout().startsWith("HCK UNKNOWN: "), r.stdout());
        }
    }

    @Test
    void jsonToStdout() throws Exception {
        Netns.Result r = ns.hck("--dry-run", "--close-wait-timeout", "1", "--json", "-", "--state-file", tmp.resolve("s3.json").toString());
        assertEquals(0, r.rc(), r.stderr());
        JsonNode doc = JSON.readTree(r.stdout());
        assertEquals(3, doc.get("summary").get("hung").asInt());
        assertTrue(r.stderr().contains("Hung connection detected"));
    }

    @Test
    void verboseLogsEverySkipReason() throws Exception {
        Run run = hck("--dry-run", "-v");
        assertEquals(2, count(run.err(), "(PID: " + sshd + ", Process: sshd): process sshd (PID " + sshd + ") is protected"));
        assertTrue(run.err().contains(", Process: leaky): CLOSE_WAIT for "), "young sockets say why they are not hung");
        assertEquals(0, run.with("hung").size());
    }

    @Test
    void exclusionsFromTheCommandLine() throws Exception {
        Run byName = hck("--dry-run", "--close-wait-timeout", "1", "--exclude-processes", "lea*");
        assertEquals(0, byName.with("hung").size());
        assertEquals(3, byName.with("skipped").stream().filter(c -> c.get("reason").asText().contains("leaky")).count());
        Run byPort = hck("--dry-run", "--close-wait-timeout", "1", "--exclude-ports", "22 9000");
        assertEquals(0, byPort.with("hung").size());
        // the positive control: the same scan, another excluded port, finds leaky's sockets hung (an empty scan would pass above)
        Run control = hck("--dry-run", "--close-wait-timeout", "1", "--exclude-ports", "22 9999");
        assertEquals(3, control.with("hung").stream().filter(c -> c.get("local_port").asInt() == 9000 || c.get("remote_port").asInt() == 9000)
                .filter(c -> c.get("state").asText().equals("CLOSE_WAIT")).count(), control.doc().toPrettyString());
        assertTrue(byPort.with("skipped").stream().anyMatch(c -> c.get("reason").asText().contains("exclude")), byPort.doc().toPrettyString());
        Run include = hck("--dry-run", "--close-wait-timeout", "1", "--include-ports", "22,9001");
        assertEquals(0, include.with("hung").size());
        assertTrue(include.with("skipped").stream().anyMatch(c -> c.get("reason").asText().contains("include-ports")));
    }

    @Test
    void perProcessRulesFromARulesFileAndALogFile() throws Exception {
        Path rules = tmp.resolve("rules.yaml");
        Files.writeString(rules, "processes:\n  - {name: leaky, timeouts: {close-wait: 1500ms}}\n");
        Path log = tmp.resolve("hck.log");
        Files.writeString(log, "earlier line\n");
        Run run = hck("--dry-run", "--rules", rules.toString(), "--log-file", log.toString());
        assertEquals(3, run.with("hung").size());
        run.with("hung").forEach(c -> assertEquals(1.5, c.get("timeout_s").asDouble()));
        assertEquals(rules.toString(), run.doc().get("rules").asText());
        String logged = Files.readString(log);
        assertTrue(logged.startsWith("earlier line\n"), "the log file is appended to");
        assertEquals(run.err().lines().count(), logged.lines().count() - 1, "the file gets the same lines as stderr");
    }

    /**
     * The /proc pass for the owners starts during the dump, at the first watched socket with an
     * inode, and never when the watched sockets are all without one (TIME_WAIT, orphans): a host
     * with nothing a process holds reads no process's files.
     */
    @Test
    void theOwnerPassStartsAtTheFirstSocketAProcessMayHold() throws Exception {
        try (Netns ns = Netns.create()) {
            ns.holder("name=server", "listen:9000:close");
            Netns.Held client = ns.holder("name=leaky", "connect:127.0.0.1:9000:3");
            Thread.sleep(1500);
            Netns.Result held = ns.java("hck.support.SourceDump", "netlink");
            assertEquals(0, held.rc(), held.stderr());
            assertTrue(held.stdout().contains("CLOSE_WAIT"), held.stdout());
            assertTrue(held.stderr().contains("first-owned calls: 1"), held.stderr());
            client.process().destroyForcibly().waitFor(); // its CLOSE_WAITs close: TIME_WAIT and orphans are left
            Thread.sleep(1000);
            Netns.Result bare = ns.java("hck.support.SourceDump", "netlink");
            assertEquals(0, bare.rc(), bare.stderr());
            assertFalse(bare.stdout().contains("CLOSE_WAIT"), bare.stdout());
            assertTrue(bare.stdout().contains(" ino=0 "), bare.stdout());
            assertFalse(bare.stdout().matches("(?s).* ino=[1-9].*"), bare.stdout());
            assertTrue(bare.stderr().contains("first-owned calls: 0"), bare.stderr());
        }
    }
}
