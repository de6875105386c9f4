package hck;

import hck.rules.Values;
import hck.model.TcpState;
import hck.rules.Rules;
import hck.run.Overrides;
import hck.run.Version;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The command line: the seeds' invocations parse, and every bad input is one line and exit 2. */
public class CliTest {
    public record Run(int rc, String out, String err) {}

    /** Only for invocations that stop before scanning: the host namespace is never scanned by a unit test. */
    public static Run run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true));
            System.setErr(new PrintStream(err, true));
            int rc = hck.commandLine().execute(args);
            return new Run(rc, out.toString(), err.toString());
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    static hck parse(String... args) {
        hck h = new hck();
        new CommandLine(h).parseArgs(args);
        return h;
    }

    static void assertUsageError(String expectedFragment, String... args) {
        Run r = run(args);
        assertEquals(2, r.rc, String.join(" ", args) + " -> " + r.err);
        assertEquals("", r.out, "nothing on stdout");
        String[] lines = r.err.strip().split("\n");
        assertEquals(1, lines.length, "one line: " + r.err);
        assertTrue(lines[0].contains(expectedFragment), lines[0]);
    }

    @Test
    void seedInvocationsParse() {
        hck h = parse("--dry-run", "--close-wait-timeout", "30", "--exclude-ports", "22", "3306", "-v", "--log-file", "/tmp/x.log");
        assertTrue(h.mode.dryRun);
        assertEquals(Duration.ofSeconds(30), h.closeWaitTimeout);
        assertEquals(List.of(22, 3306), Overrides.ports("--exclude-ports", h.excludePorts));
        assertTrue(h.verbose);
        assertEquals(List.of(22, 3306), Overrides.ports("x", parse("-n", "--exclude-ports", "22 3306").excludePorts), "the Bash seed's quoted list");
        assertEquals(List.of(22, 3306), Overrides.ports("x", parse("-n", "--exclude-ports", "22,3306").excludePorts));
        assertEquals(List.of(), Overrides.ports("x", parse("-n", "--exclude-ports", "").excludePorts), "an empty string clears the list");
        assertEquals(List.of("java", "nginx*"), Values.words(parse("--live", "--exclude-processes", "java", "nginx*").excludeProcesses));
        assertTrue(parse("-l").mode.live);
        assertEquals(Duration.ofMillis(1500), parse("-n", "--fin-wait-timeout", "1500ms").finWaitTimeout);
        assertEquals(Duration.ofMinutes(2), parse("-n", "--time-wait-timeout", "2m").timeWaitTimeout);
        assertEquals(Duration.ofMillis(2500), parse("-n", "--close-wait-timeout", "2.5").closeWaitTimeout);
    }

    @Test
    void commandLineOverridesTheRulesFile() {
        hck h = parse("-n", "--close-wait-timeout", "5", "--fin-wait-timeout", "7", "--exclude-ports", "3306", "--include-ports", "80,443",
                "--exclude-processes", "java");
        Rules r = h.overrides().withLists(Rules.BUILT_IN);
        assertEquals(Duration.ofSeconds(5), r.timeouts().get(TcpState.CLOSE_WAIT));
        assertEquals(Duration.ofSeconds(7), r.timeouts().get(TcpState.FIN_WAIT1));
        assertEquals(Duration.ofSeconds(7), r.timeouts().get(TcpState.FIN_WAIT2));
        assertEquals(Duration.ofSeconds(120), r.timeouts().get(TcpState.TIME_WAIT));
        assertEquals(List.of(3306), r.filters().excludePorts());
        assertEquals(List.of(80, 443), r.filters().includePorts());
        assertEquals(List.of("java"), r.filters().excludeProcesses());
        assertEquals(Rules.BUILT_IN, parse("-n").overrides().withLists(Rules.BUILT_IN), "no option, no change");
    }

    @Test
    void modeErrors() {
        assertUsageError("choose one mode: --dry-run, --live or --check");
        assertUsageError("mutually exclusive", "--dry-run", "--live");
        assertUsageError("mutually exclusive", "-n", "-l");
    }

    @Test
    void badFlagValues() {
        assertUsageError("'abc' is not a duration", "-n", "--close-wait-timeout", "abc");
        assertUsageError("'-5' is negative", "-n", "--close-wait-timeout", "-5");
        assertUsageError("'x' is not a port", "-n", "--exclude-ports", "22 x");
        assertUsageError("'70000' is not a port", "-n", "--include-ports", "70000");
        assertUsageError("'0' is not a port", "-n", "--exclude-ports", "0");
        assertUsageError("Unknown option: '--frobnicate'", "-n", "--frobnicate");
        assertUsageError("--source must be auto, netlink, ss or proc", "-n", "--source", "carrier-pigeon");
        assertUsageError("Missing required parameter", "-n", "--close-wait-timeout");
    }

    @Test
    void checkModeKeepsStdoutForItsLine() {
        Run r = run("--check", "--json", "-");
        assertEquals(3, r.rc, r.err);
        assertEquals("HCK UNKNOWN: --json - would print the JSON before the check line on stdout: give --json a file", r.out.strip());
    }

    @Test
    void badFiles(@TempDir Path dir) throws Exception {
        assertUsageError("rules file " + dir.resolve("none.yaml") + " does not exist", "-n", "--rules", dir.resolve("none.yaml").toString());
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "timeouts:\n  CLOSE_WAIT: 60\nexlude: {ports: [22]}\n");
        assertUsageError("rules file " + bad + ", line 3: unknown key 'exlude'", "-n", "--rules", bad.toString());
        assertUsageError("--json " + dir.resolve("no/such/dir/out.json"), "-n", "--json", dir.resolve("no/such/dir/out.json").toString());
        assertUsageError("--log-file " + dir + ": is a directory", "-n", "--log-file", dir.toString());
        // as root too, where who may write it is checked first: a FIFO is named as one, not by a bare path
        Path fifo = dir.resolve("rules.fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        assertUsageError("rules file " + fifo + " is a FIFO", "-n", "--rules", fifo.toString());
    }


    @Test
    void validateChecksTheRulesAndScansNothing(@TempDir Path dir) throws Exception {
        Path good = dir.resolve("good.yaml");
        Files.writeString(good, "timeouts: {CLOSE_WAIT: 30}\n");
        Run ok = run("--validate", "--rules", good.toString());
        assertEquals(0, ok.rc, ok.err);
        assertTrue(ok.err.contains("Rules " + good + " are valid"), ok.err);
        assertFalse(ok.err.contains("Found"), "nothing scanned");
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "timeouts: {CLOSE_WAIT: -1}\n");
        assertUsageError("rules file " + bad + ", line 1: 'timeouts.CLOSE_WAIT' is invalid", "--validate", "--rules", bad.toString());
    }

    @Test
    void helpListsEveryOptionAndTheExitCodes() {
        Run r = run("--help");
        assertEquals(0, r.rc);
        for (String o : List.of("--dry-run", "--live", "--close-wait-timeout", "--fin-wait-timeout", "--time-wait-timeout",
                "--exclude-ports", "--include-ports", "--exclude-processes", "--log-file", "--verbose", "--rules", "--json",
                "--source", "--lock-file", "--state-file", "--version", "Exit codes:", "another live run holds the lock")) {
            assertTrue(r.out.contains(o), "help mentions " + o);
        }
        Run v = run("--version");
        assertEquals("hck " + Version.NUMBER, v.out.strip());
    }
}
