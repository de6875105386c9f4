package hck.rules;

import hck.model.TcpState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class RulesTest {

    @Test
    void shippedRulesFileEqualsTheBuiltInRules() throws Exception {
        assertEquals(Rules.BUILT_IN, RulesLoader.load(Path.of("rules.yaml")));
    }

    @Test
    void emptyFileKeepsEveryBuiltInValue() throws Exception {
        assertEquals(Rules.BUILT_IN, RulesLoader.parse("", "empty.yaml"));
        assertEquals(Rules.BUILT_IN, RulesLoader.parse("# only a comment\n", "c.yaml"));
        assertEquals(Rules.BUILT_IN, RulesLoader.parse("exclude:\n", "c.yaml"));
    }

    @Test
    void theSpecExampleParses() throws Exception {
        Rules r = RulesLoader.parse("""
                timeouts: {CLOSE_WAIT: 60, FIN_WAIT1: 120, FIN_WAIT2: 120, CLOSING: 60, LAST_ACK: 60, TIME_WAIT: 120}
                exclude:  {ports: [22], processes: []}
                include:  {ports: []}                 # empty = all ports
                protected_processes: [haproxy]        # added to the built-in list
                processes:
                  - {name: java,   timeouts: {CLOSE_WAIT: 300}}
                  - {name: "nginx*", action: skip}
                ports:
                  - {port: 5432, timeouts: {CLOSE_WAIT: 600}}
                termination:
                  methods: [socket, signal]
                  sigterm_grace: 10
                  sigkill: true
                """, "spec.yaml");
        assertEquals(List.of("haproxy"), r.protectedProcesses());
        assertTrue(r.allProtected().containsAll(List.of("sshd", "kubelet", "haproxy")), "built-ins are always kept");
        assertEquals(new Rules.ProcessRule("java", Map.of(TcpState.CLOSE_WAIT, Duration.ofSeconds(300)), false), r.processes().get(0));
        assertTrue(r.processes().get(1).skip());
        assertEquals(600, r.ports().get(0).timeouts().get(TcpState.CLOSE_WAIT).toSeconds());
        assertEquals(List.of("socket", "signal"), r.termination().methods());
    }

    @Test
    void stateNamesAndDurationForms() throws Exception {
        Rules r = RulesLoader.parse("timeouts: {close-wait: 30s, fin_wait2: 2m, FIN-WAIT-1: 1500ms, time_wait: 2.5}\n", "t.yaml");
        assertEquals(Duration.ofSeconds(30), r.timeouts().get(TcpState.CLOSE_WAIT));
        assertEquals(Duration.ofMinutes(2), r.timeouts().get(TcpState.FIN_WAIT2));
        assertEquals(Duration.ofMillis(1500), r.timeouts().get(TcpState.FIN_WAIT1));
        assertEquals(Duration.ofMillis(2500), r.timeouts().get(TcpState.TIME_WAIT));
        assertEquals(Duration.ofSeconds(60), r.timeouts().get(TcpState.LAST_ACK), "unset states keep the built-in value");
    }

    private static String error(String yaml) {
        RulesException e = assertThrows(RulesException.class, () -> RulesLoader.parse(yaml, "r.yaml"));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void unknownKeyNamesKeyAndLine() {
        String top = error("exclude: {ports: [22]}\ntimeout: {CLOSE_WAIT: 5}\n");
        assertTrue(top.startsWith("rules file r.yaml, line 2: unknown key 'timeout' (allowed: check, exclude, "), top);
        assertTrue(top.endsWith(", termination, timeouts, udp)"), top);
        assertTrue(error("processes:\n  - name: java\n    timout: {CLOSE_WAIT: 5}\n")
                .startsWith("rules file r.yaml, line 3: unknown key 'processes[0].timout'"));
        assertTrue(error("exclude:\n  port: [22]\n").startsWith("rules file r.yaml, line 2: unknown key 'exclude.port'"));
    }

    @Test
    void unknownOrUntouchableState() {
        assertTrue(error("timeouts:\n  CLOSE_WIAT: 5\n").startsWith("rules file r.yaml, line 2: unknown state 'timeouts.CLOSE_WIAT'"));
        assertTrue(error("timeouts:\n  ESTABLISHED: 5\n").contains("ESTABLISHED is never touched"));
    }

    @Test
    void badDurations() {
        assertTrue(error("timeouts:\n  CLOSE_WAIT: -5\n").matches("rules file r.yaml, line 2: 'timeouts.CLOSE_WAIT' is invalid: '-5' is negative.*"));
        assertTrue(error("timeouts:\n  CLOSE_WAIT: soon\n").matches("rules file r.yaml, line 2: 'timeouts.CLOSE_WAIT' is invalid: 'soon' is not a duration.*"));
        assertTrue(error("timeouts:\n  CLOSE_WAIT:\n").contains("'timeouts.CLOSE_WAIT' must be a duration"));
        assertTrue(error("termination:\n  sigterm_grace: 10 days\n").contains("'termination.sigterm_grace'"));
    }

    @Test
    void portsOutOfRange() {
        assertTrue(error("exclude:\n  ports: [22, 0]\n").startsWith("rules file r.yaml, line 2: 'exclude.ports' has '0', not a port"));
        assertTrue(error("include:\n  ports:\n    - 80\n    - 65536\n").startsWith("rules file r.yaml, line 4: 'include.ports' has '65536'"));
        assertTrue(error("ports:\n  - {port: http}\n").contains("'ports[0].port' has 'http', not a port"));
        assertTrue(error("ports:\n  - {timeouts: {CLOSE_WAIT: 1}}\n").contains("'ports[0]' needs a 'port'"));
    }

    @Test
    void otherBadValues() {
        assertTrue(error("processes:\n  - {name: x, action: kill}\n").contains("'processes[0].action' must be 'skip'"));
        assertTrue(error("termination: {methods: [socket, nuke]}\n").contains("unknown method 'nuke'"));
        assertTrue(error("termination: {sigkill: maybe}\n").contains("'termination.sigkill' must be true or false"));
        assertTrue(error("timeouts: [1, 2]\n").contains("'timeouts' must be a mapping"));
        assertTrue(error("- just\n- a list\n").contains("must be a mapping"));
        assertTrue(error("timeouts: {CLOSE_WAIT: 1}\ntimeouts: {CLOSE_WAIT: 2}\n").startsWith("rules file r.yaml, line 2: duplicate key 'timeouts'"));
    }

    @Test
    void malformedYaml() {
        String m = error("timeouts:\n  CLOSE_WAIT: [1\nexclude: {\n");
        assertTrue(m.startsWith("rules file r.yaml, line "), m);
        assertTrue(m.contains("malformed YAML"), m);
    }

    @Test
    void missingAndUnreadableFiles(@TempDir Path dir) {
        RulesException missing = assertThrows(RulesException.class, () -> RulesLoader.load(dir.resolve("nope.yaml")));
        assertEquals("rules file " + dir.resolve("nope.yaml") + " does not exist", missing.getMessage());
        RulesException notAFile = assertThrows(RulesException.class, () -> RulesLoader.load(dir));
        assertTrue(notAFile.getMessage().startsWith("rules file " + dir + " is not readable"), notAFile.getMessage());
    }

    @Test
    void unreadableForNonRoot(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("secret.yaml");
        Files.writeString(f, "timeouts: {CLOSE_WAIT: 5}\n");
        Files.setPosixFilePermissions(f, java.util.Set.of());
        if ("root".equals(System.getProperty("user.name"))) {
            // root reads any file: the permission check cannot fail here, so check the message form only
            assertNotNull(RulesLoader.load(f));
        } else {
            RulesException e = assertThrows(RulesException.class, () -> RulesLoader.load(f));
            assertTrue(e.getMessage().contains("permission denied"), e.getMessage());
        }
    }

    @Test
    void durationsParse() {
        assertEquals(Duration.ofSeconds(30), Durations.parse("30"));
        assertEquals(Duration.ofMillis(2500), Durations.parse("2.5"));
        assertEquals(Duration.ofSeconds(30), Durations.parse("30s"));
        assertEquals(Duration.ofMillis(1500), Durations.parse("1500ms"));
        assertEquals(Duration.ofMinutes(2), Durations.parse("2m"));
        assertEquals(Duration.ofHours(1), Durations.parse("1h"));
        assertEquals(Duration.ZERO, Durations.parse("0"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("-1"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("abc"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("5 parsecs"));
        assertEquals("2.5s", Durations.text(Duration.ofMillis(2500)));
        assertEquals("60s", Durations.text(Duration.ofSeconds(60)));
    }

    @Test
    void globs() {
        assertTrue(Names.matches("nginx*", "nginx: worker"));
        assertTrue(Names.matches("java", "java"));
        assertFalse(Names.matches("java", "javac"));
        assertTrue(Names.matches("py?hon[23]", "python3"));
        assertFalse(Names.matches("py?hon[23]", "python4"));
        assertTrue(Names.matches("my app (v2*", "my app (v2)"));
        assertFalse(Names.matches("sshd", null));
    }
}
