package hck.rules;

import hck.model.TcpState;
import hck.run.RulesFile;
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
        assertEquals(Rules.BUILT_IN, RulesFile.load(Path.of("rules.yaml")));
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
        assertEquals(List.of("haproxy"), r.filters().protectedProcesses());
        assertTrue(r.filters().allProtected().containsAll(List.of("sshd", "kubelet", "haproxy")), "built-ins are always kept");
        assertEquals(new Rules.ProcessRule("java", Map.of(TcpState.CLOSE_WAIT, Duration.ofSeconds(300)), false), r.filters().processes().get(0));
        assertTrue(r.filters().processes().get(1).skip());
        assertEquals(600, r.filters().ports().get(0).timeouts().get(TcpState.CLOSE_WAIT).toSeconds());
        assertEquals(List.of("socket", "signal"), r.termination().methods().stream().map(m -> m.yaml).toList());
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
    void otherBadValues() throws Exception {
        assertThrows(RulesException.class, () -> RulesLoader.parse("stamps: maybe\n", "r.yaml"), "stamps: on or off");
        assertEquals("rules file r.yaml, line 1: 'stamps_pin' must not have a dot in its last name (bpffs refuses it)",
                assertThrows(RulesException.class, () -> RulesLoader.parse("stamps_pin: /sys/fs/bpf/hck.v2\n", "r.yaml")).getMessage());
        assertFalse(RulesLoader.parse("stamps: off\n", "r.yaml").stamps().on());
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
        RulesException missing = assertThrows(RulesException.class, () -> RulesFile.load(dir.resolve("nope.yaml")));
        assertEquals("rules file " + dir.resolve("nope.yaml") + " does not exist", missing.getMessage());
        RulesException notAFile = assertThrows(RulesException.class, () -> RulesFile.load(dir));
        assertEquals("rules file " + dir + " is a directory, not a regular file", notAFile.getMessage());
        // neither /dev/zero (endless) nor a FIFO (blocks until a writer comes) is read
        RulesException zero = assertThrows(RulesException.class, () -> RulesFile.load(Path.of("/dev/zero")));
        assertEquals("rules file /dev/zero is a character device, not a regular file", zero.getMessage());
    }

    @Test
    void unreadableForNonRoot(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("secret.yaml");
        Files.writeString(f, "timeouts: {CLOSE_WAIT: 5}\n");
        Files.setPosixFilePermissions(f, java.util.Set.of());
        if ("root".equals(System.getProperty("user.name"))) {
            // root reads any file: the refusal is shown to a user who cannot, hck started as nobody (its directory traversable)
            hck.support.Env.requireCommand("setpriv");
            String cp = hck.support.Netns.publicClasspath(Files.createDirectories(dir.resolve("cp")));
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            hck.support.Netns.Result r = hck.support.Netns.exec(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    hck.support.Netns.java().toString(), "-cp", cp, "hck.hck", "--validate", "--rules", f.toString()), 60);
            assertEquals(2, r.rc(), r.stdout() + r.stderr());
            assertTrue(r.stderr().contains("rules file " + f + " is not readable (permission denied)"), r.stderr());
            assertEquals(1, r.stderr().lines().count(), "one line: " + r.stderr());
        } else {
            RulesException e = assertThrows(RulesException.class, () -> RulesFile.load(f));
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

    /** YAML the streaming parser would misread: aliases, a second document, content after a flow mapping, overflowing numbers. */
    @Test
    void yamlIsReadWholeOrRefusedWithItsLine() {
        RulesException alias = assertThrows(RulesException.class,
                () -> RulesLoader.parse("protected_processes: &keep [haproxy]\nexclude: {processes: *keep}\n", "r.yaml"));
        assertEquals("rules file r.yaml, line 2: YAML aliases (*keep) are not supported: write the value out", alias.getMessage());
        RulesException scalarAlias = assertThrows(RulesException.class,
                () -> RulesLoader.parse("x: &k sshd\nprotected_processes: [*k]\n", "r.yaml"));
        assertTrue(scalarAlias.getMessage().contains("line 2: YAML aliases (*k)"), scalarAlias.getMessage());
        RulesException twoDocs = assertThrows(RulesException.class,
                () -> RulesLoader.parse("timeouts: {CLOSE_WAIT: 30}\n---\ntimeouts: {CLOSE_WAIT: 5}\n", "r.yaml"));
        assertTrue(twoDocs.getMessage().startsWith("rules file r.yaml, line 3: unexpected content after the rules"), twoDocs.getMessage());
        RulesException afterFlow = assertThrows(RulesException.class,
                () -> RulesLoader.parse("{timeouts: {CLOSE_WAIT: 30}}\nexclude: {ports: []}\n", "r.yaml"));
        assertTrue(afterFlow.getMessage().startsWith("rules file r.yaml, line 2: "), afterFlow.getMessage());
        RulesException big = assertThrows(RulesException.class,
                () -> RulesLoader.parse("timeouts:\n  CLOSE_WAIT: 9999999999999999999\n", "r.yaml"));
        assertEquals("rules file r.yaml, line 2: 'timeouts.CLOSE_WAIT' is invalid: '9999999999999999999' is too large for a duration", big.getMessage());
        RulesException bigGrace = assertThrows(RulesException.class,
                () -> RulesLoader.parse("termination: {sigterm_grace: 99999999999999999h}\n", "r.yaml"));
        assertTrue(bigGrace.getMessage().contains("'termination.sigterm_grace' is invalid"), bigGrace.getMessage());
        RulesException bigQueue = assertThrows(RulesException.class,
                () -> RulesLoader.parse("udp: {min_queue: 99999999999999999999999}\n", "r.yaml"));
        assertTrue(bigQueue.getMessage().contains("'udp.min_queue'"), bigQueue.getMessage());
        RulesException bigPort = assertThrows(RulesException.class, () -> RulesLoader.parse("exclude: {ports: [99999999999999]}\n", "r.yaml"));
        assertTrue(bigPort.getMessage().contains("not a port"), bigPort.getMessage());
    }

    /** As root, a rules file someone else could write is refused (sshd's StrictModes), unless --insecure-rules. */
    @Test
    void strictModesForRulesFilesAsRoot(@TempDir Path dir) throws Exception {
        hck.support.Env.requireRoot();
        Path ok = dir.resolve("ok.yaml");
        Files.writeString(ok, "timeouts: {CLOSE_WAIT: 30}\n");
        Files.setPosixFilePermissions(ok, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        hck.io.SafeFiles.requireRootOnly("rules file", ok, "x");
        Path groupWritable = dir.resolve("g.yaml");
        Files.copy(ok, groupWritable);
        Files.setPosixFilePermissions(groupWritable, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-r--"));
        var e = assertThrows(hck.io.SafeFiles.Refused.class, () -> hck.io.SafeFiles.requireRootOnly("rules file", groupWritable, "x"));
        assertEquals("rules file " + groupWritable + " is writable by its group (mode 0664): refused as root (chmod go-w it, or x)", e.getMessage());
        Path foreign = dir.resolve("f.yaml");
        Files.copy(ok, foreign);
        Files.setAttribute(foreign, "unix:uid", 54321);
        e = assertThrows(hck.io.SafeFiles.Refused.class, () -> hck.io.SafeFiles.requireRootOnly("rules file", foreign, "x"));
        assertTrue(e.getMessage().contains("is owned by uid 54321, not root"), e.getMessage());
        Path open = Files.createDirectories(dir.resolve("open"));
        Files.setPosixFilePermissions(open, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        Path inOpen = open.resolve("r.yaml");
        Files.copy(ok, inOpen);
        e = assertThrows(hck.io.SafeFiles.Refused.class, () -> hck.io.SafeFiles.requireRootOnly("rules file", inOpen, "x"));
        assertTrue(e.getMessage().contains("directory " + open + " is writable by its group and others (mode 0777)"), e.getMessage());
        // sticky (as /tmp): only the owner of an entry can replace it
        Files.setAttribute(open, "unix:mode", 01777);
        hck.io.SafeFiles.requireRootOnly("rules file", inOpen, "x");
        Path link = dir.resolve("link.yaml");
        Files.createSymbolicLink(link, ok);
        Files.setAttribute(link, "unix:uid", 54321, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        e = assertThrows(hck.io.SafeFiles.Refused.class, () -> hck.io.SafeFiles.requireRootOnly("rules file", link, "x"));
        assertTrue(e.getMessage().contains("is a symbolic link owned by uid 54321"), e.getMessage());

        // through the command line: one line, exit 2; accepted with --insecure-rules
        hck.CliTest.Run r = hck.CliTest.run("--validate", "--rules", groupWritable.toString());
        assertEquals(2, r.rc(), r.err());
        assertTrue(r.err().contains("--insecure-rules accepts it"), r.err());
        assertEquals(0, hck.CliTest.run("--validate", "--insecure-rules", "--rules", groupWritable.toString()).rc());
    }

    @Test
    void forecastAndLogKeysAreCheckedLikeEveryOther() throws Exception {
        Rules r = RulesLoader.parse("forecast: {window: 30m, ports_listed: '60%'}\nlog_limit: 0\ncheck: {ports_warning: 70, exhaustion_critical: 2h}\n", "r.yaml");
        assertEquals(Duration.ofMinutes(30), r.forecast().window());
        assertEquals(60, r.forecast().portsListed());
        assertEquals(0, r.reporting().logLimit());
        assertEquals(70, r.reporting().check().portsWarning());
        assertEquals(Duration.ofHours(2), r.reporting().check().exhaustionCritical());
        for (String[] bad : new String[][] {
                {"forecast: {window: 0}\n", "'forecast.window' must be longer than 0"},
                {"forecast: {ports_listed: 101}\n", "'forecast.ports_listed' must be a percentage (0-100)"},
                {"log_limit: -1\n", "'log_limit' must be a whole number, 0 or more"},
                {"log_limit: '5'\n", "'log_limit' must be a whole number, 0 or more"},
                {"check: {ports_critical: lots}\n", "'check.ports_critical' must be a percentage (0-100)"},
                {"udp: {min_queue: 0}\n", "'udp.min_queue' must be a number of bytes, 1 or more"}}) {
            RulesException e = assertThrows(RulesException.class, () -> RulesLoader.parse(bad[0], "r.yaml"), bad[0]);
            assertEquals("rules file r.yaml, line 1: " + bad[1], e.getMessage().replaceFirst(" \\(growth rates.*", ""), bad[0]);
        }
    }
}
