package hck.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import hck.support.Env;
import hck.support.Netns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/**
 * hck --live against the real kernel. Every test makes its own private namespace, starts its own
 * holder processes there, and kills only inside it; the namespace and its processes are removed
 * afterwards, also when the test fails.
 */
class LiveNetnsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path tmp;

    record Run(Netns.Result result, JsonNode doc) {
        List<JsonNode> connections(String field, String value) {
            List<JsonNode> out = new ArrayList<>();
            doc.get("connections").forEach(c -> { if (c.path(field).asText().equals(value)) out.add(c); });
            return out;
        }
    }

    Run live(Netns ns, String... args) throws Exception {
        return live(ns, List.of(), args);
    }

    Run live(Netns ns, List<String> wrapper, String... args) throws Exception {
        Path out = Files.createTempFile(tmp, "out", ".json");
        List<String> all = new ArrayList<>(List.of("--live"));
        all.addAll(List.of(args));
        all.addAll(List.of("--json", out.toString(), "--lock-file", tmp.resolve("hck.lock").toString(),
                "--state-file", tmp.resolve("state.json").toString()));
        Netns.Result r = ns.hck(wrapper, all.toArray(String[]::new));
        JsonNode doc = Files.size(out) > 0 ? JSON.readTree(out.toFile()) : null;
        return new Run(r, doc);
    }

    Path rules(String yaml) throws Exception {
        Path f = Files.createTempFile(tmp, "rules", ".yaml");
        Files.writeString(f, yaml);
        return f;
    }

    /** The other end of a connection, as Netns.sockets() writes it. */
    static String peerOf(String socket, String peerState) {
        String[] f = socket.split(" ");
        return peerState + " " + f[2] + " " + f[1];
    }

    /**
     * hck as root of a user namespace that does not own the network namespace (as in a rootless
     * container): the kernel answers SOCK_DESTROY with EPERM, which the JSON reports, and hck falls
     * back to shutting the socket down through its process, which it may reach; the sockets of a
     * process it cannot see into (outside its user namespace) have no owner it could check against
     * the protected list, and are not touched.
     */
    @Test
    void fromAUserNamespaceTheKernelsEpermIsReportedAndSocketsOfUnseenOwnersAreNotTouched() throws Exception {
        Env.requireCommand("unshare");
        Env.requireCommand("nsenter");
        try (Netns ns = Netns.create()) {
            ns.holder("name=server", "listen:9000:close");
            ns.holder("name=outside", "connect:127.0.0.1:9000:2");
            Netns.Held inside = ns.holder(List.of("unshare", "--user", "--map-root-user"), "name=inside", "connect:127.0.0.1:9000:3");
            Thread.sleep(2000);
            Set<String> before = ns.sockets();

            Run run = live(ns, List.of("nsenter", "--user=/proc/" + inside.pid() + "/ns/user"), "--close-wait-timeout", "1");
            assertEquals(0, run.result().rc(), run.result().stderr());
            assertTrue(run.result().stderr().contains("sockets they may hold show no owner and are not touched"), run.result().stderr());

            List<JsonNode> hung = run.connections("verdict", "hung");
            assertEquals(3, hung.size(), run.doc().toPrettyString());
            Set<String> killed = new TreeSet<>();
            for (JsonNode c : hung) {
                assertEquals(inside.pid(), c.get("pid").asLong());
                assertEquals("EPERM", c.get("destroy_result").asText(), "the kernel's answer: " + c);
                assertEquals("terminated", c.get("action").asText(), c.toString());
                assertEquals("socket-shutdown", c.get("method").asText(), c.toString());
                killed.add("CLOSE-WAIT " + c.get("local").asText() + " " + c.get("remote").asText());
            }
            List<JsonNode> unseen = run.connections("verdict", "skipped");
            assertEquals(2, unseen.size(), run.doc().toPrettyString());
            for (JsonNode c : unseen) {
                assertTrue(c.get("pid").isNull());
                assertEquals("CLOSE_WAIT", c.get("state").asText());
                assertTrue(c.get("reason").asText().startsWith("no process found holding it"), c.toString());
            }
            // exactly the inside process's connections are gone, the outside one's are all there
            Set<String> expected = new TreeSet<>(before);
            for (String k : killed) {
                expected.remove(k);
                expected.remove(peerOf(k, "FIN-WAIT-2"));
            }
            Set<String> after = ns.sockets();
            after.removeIf(x -> x.startsWith("TIME-WAIT"));
            assertEquals(expected, after);
        }
    }

    @Test
    void killsExactlyTheHungSocketsAndNothingElse() throws Exception {
        try (Netns ns = Netns.create()) {
            ns.holder("name=server", "listen:9000:close", "listen:9001:echo", "listen:22:close");
            Netns.Held leaky = ns.holder("name=leaky", "connect:127.0.0.1:9000:3", "echo:127.0.0.1:9001:2");
            Netns.Held sshd = ns.holder("name=sshd", "connect:127.0.0.1:9000:2");
            Netns.Held c22 = ns.holder("name=client22", "connect:127.0.0.1:22:2");
            Netns.Held excluded = ns.holder("name=keepme", "connect:127.0.0.1:9000:1");
            Thread.sleep(2000);
            Set<String> before = ns.sockets();
            assertEquals("pong 2/2", leaky.ping());

            Run run = live(ns, "--close-wait-timeout", "1", "--exclude-processes", "keepme");
            assertEquals(0, run.result().rc(), run.result().stderr());

            JsonNode sum = run.doc().get("summary");
            assertEquals(3, sum.get("hung").asInt(), run.doc().toPrettyString());
            assertEquals(3, sum.get("terminated").asInt());
            assertEquals(0, sum.get("failed").asInt());
            assertEquals("live", run.doc().get("mode").asText());
            assertTrue(run.doc().get("kernel").get("sock_destroy").asBoolean());
            Set<String> killed = new TreeSet<>();
            for (JsonNode c : run.connections("verdict", "hung")) {
                assertEquals(leaky.pid(), c.get("pid").asLong());
                assertEquals("terminated", c.get("action").asText());
                assertEquals("socket-destroy", c.get("method").asText());
                assertEquals("OK", c.get("destroy_result").asText(), "the kernel's answer to this socket's SOCK_DESTROY");
                killed.add("CLOSE-WAIT " + c.get("local").asText() + " " + c.get("remote").asText());
            }
            assertEquals(3, killed.size());
            assertTrue(before.containsAll(killed), killed + " in " + before);

            // exactly those connections are gone (a destroyed connection takes its peer's end with it)
            Set<String> expected = new TreeSet<>(before);
            for (String k : killed) {
                expected.remove(k);
                expected.remove(peerOf(k, "FIN-WAIT-2"));
            }
            assertEquals(expected, ns.sockets());
            assertEquals(3, run.result().stderr().lines().filter(l -> l.contains(" - INFO - Terminated: tcp CLOSE_WAIT")).count());

            for (Netns.Held h : List.of(leaky, sshd, c22, excluded)) assertTrue(h.process().isAlive(), "no process is touched");
            assertEquals("pong 2/2", leaky.ping(), "the leaky process's healthy connections still carry data");
            assertEquals(2 + 2 + 2 + 1, run.connections("verdict", "skipped").size(),
                    "sshd's, port 22's (both ends) and keepme's: " + run.doc().toPrettyString());
        }
    }

    /**
     * Past 1,024 sockets the lookups and destroys are shared between two netlink sockets on two
     * threads: still exactly the hung sockets, every one answered, beside a protected process's
     * and healthy connections to the same server that stay.
     */
    @Test
    void thousandsAtOnceOnTwoNetlinkSocketsStillExactly() throws Exception {
        try (Netns ns = Netns.create()) {
            ns.holder("name=server", "listen:9000:close", "listen:9001:echo");
            Netns.Held leaky = ns.holder("name=leaky", "connect:127.0.0.1:9000:2500", "echo:127.0.0.1:9001:50");
            Netns.Held sshd = ns.holder("name=sshd", "connect:127.0.0.1:9000:300");
            Thread.sleep(2500);
            Set<String> before = ns.sockets();
            assertEquals(2800, before.stream().filter(x -> x.startsWith("CLOSE-WAIT")).count(), "the set is in place");

            Run run = live(ns, "--close-wait-timeout", "1");
            assertEquals(0, run.result().rc(), run.result().stderr());
            List<JsonNode> hung = run.connections("verdict", "hung");
            assertEquals(2500, hung.size());
            Set<String> killed = new TreeSet<>();
            for (JsonNode c : hung) {
                assertEquals(leaky.pid(), c.get("pid").asLong());
                assertEquals("terminated", c.get("action").asText(), c.toString());
                assertEquals("OK", c.get("destroy_result").asText(), c.toString());
                killed.add("CLOSE-WAIT " + c.get("local").asText() + " " + c.get("remote").asText());
            }
            assertEquals(2500, killed.size());
            Set<String> expected = new TreeSet<>(before);
            for (String k : killed) {
                expected.remove(k);
                expected.remove(peerOf(k, "FIN-WAIT-2"));
            }
            assertEquals(expected, ns.sockets());
            assertEquals(300, run.connections("verdict", "skipped").size());
            assertEquals("pong 50/50", leaky.ping(), "the healthy connections still carry data");
            assertTrue(sshd.process().isAlive());
        }
    }

    @Test
    void orphanFinWait2AndTimeWaitAreDestroyedWhereTheKernelCan() throws Exception {
        try (Netns ns = Netns.create()) {
            ns.holder("name=server", "listen:9000:close");
            ns.holder("name=leaky", "connect:127.0.0.1:9000:2");
            ns.holder("name=tw", "timewait:127.0.0.1:9000:2");
            Thread.sleep(1500);
            Run run = live(ns, "--close-wait-timeout", "1h", "--fin-wait-timeout", "0.5", "--time-wait-timeout", "0.5");
            List<JsonNode> tw = run.connections("state", "TIME_WAIT");
            List<JsonNode> fw2 = run.connections("state", "FIN_WAIT2");
            assertEquals(2, tw.size(), run.doc().toPrettyString());
            assertEquals(2, fw2.size(), run.doc().toPrettyString());
            // what this kernel can do, from its release as the test reads it (never from hck's report): TIME_WAIT from 6.0
            // (before, hck does not try: left for kernel policy), orphans really closed from 6.11 (before, tried, and failed)
            String twAction = Env.kernelAtLeast(6, 0) ? "terminated" : "none";
            String fwAction = Env.kernelAtLeast(6, 11) ? "terminated" : "failed";
            tw.forEach(c -> assertEquals(twAction, c.get("action").asText(), c.toPrettyString()));
            if (twAction.equals("none")) tw.forEach(c -> assertEquals("kernel-policy", c.get("left").asText(), c.toPrettyString()));
            fw2.forEach(c -> assertEquals(fwAction, c.get("action").asText(), c.toPrettyString()));
            fw2.forEach(c -> assertTrue(c.get("pid").isNull(), "orphans have no process"));
            Set<String> after = ns.sockets();
            if (twAction.equals("terminated")) assertTrue(after.stream().noneMatch(s -> s.startsWith("TIME-WAIT")), after.toString());
            if (fwAction.equals("terminated")) assertTrue(after.stream().noneMatch(s -> s.startsWith("FIN-WAIT-2")), after.toString());
            assertEquals(2, after.stream().filter(s -> s.startsWith("CLOSE-WAIT")).count(), "the young CLOSE_WAIT stay");
            assertEquals(fwAction.equals("terminated") ? 0 : 1, run.result().rc(), "exit 1 only for a failure; a socket not tried is none");
        }
    }

    @Test
    void failuresAreReportedWithExit1AndOrphansNeverMakeAnyoneATarget() throws Exception {
        try (Netns ns = Netns.create()) {
            Netns.Held server = ns.holder("name=server", "listen:9000:close");
            ns.holder("name=leaky", "connect:127.0.0.1:9000:2");
            Thread.sleep(1500);
            Run run = live(ns, "--close-wait-timeout", "1h", "--fin-wait-timeout", "0.5",
                    "--rules", rules("termination: {methods: [socket-shutdown, signal]}\n").toString());
            assertEquals(1, run.result().rc(), run.result().stderr());
            JsonNode sum = run.doc().get("summary");
            assertEquals(2, sum.get("hung").asInt());
            assertEquals(2, sum.get("failed").asInt());
            assertEquals(0, sum.get("terminated").asInt());
            for (JsonNode c : run.connections("verdict", "hung")) {
                assertEquals("failed", c.get("action").asText());
                String reason = c.get("reason").asText();
                assertTrue(reason.contains("; not terminated: socket-shutdown: no owning process"), reason);
                assertTrue(reason.contains("an orphan is never a reason to signal a process"), reason);
            }
            assertEquals(2, run.result().stderr().lines().filter(l -> l.contains(" - ERROR - Failed to terminate: tcp FIN_WAIT2")).count());
            assertTrue(server.process().isAlive(), "the process that closed them is not signalled");
            assertEquals(2, ns.sockets().stream().filter(s -> s.startsWith("FIN-WAIT-2")).count());
        }
    }

    @Test
    void socketShutdownWhenForcedByTheRules() throws Exception {
        try (Netns ns = Netns.create()) {
            ns.holder("name=server", "listen:9000:close", "listen:9001:echo");
            Netns.Held leaky = ns.holder("name=leaky", "connect:127.0.0.1:9000:3", "echo:127.0.0.1:9001:2");
            Thread.sleep(1500);
            Run run = live(ns, "--close-wait-timeout", "1", "--rules", rules("termination: {methods: [socket-shutdown]}\n").toString());
            assertEquals(0, run.result().rc(), run.result().stderr());
            List<JsonNode> hung = run.connections("verdict", "hung");
            assertEquals(3, hung.size());
            hung.forEach(c -> {
                assertEquals("terminated", c.get("action").asText(), c.toPrettyString());
                assertEquals("socket-shutdown", c.get("method").asText());
                assertTrue(c.get("destroy_result").isNull(), "no SOCK_DESTROY was asked: " + c);
            });
            assertTrue(ns.sockets().stream().noneMatch(s -> s.startsWith("CLOSE-WAIT")));
            assertTrue(leaky.process().isAlive());
            assertEquals("pong 2/2", leaky.ping());
        }
    }

    @Test
    void signalLadderTermThenKillAndProtectedNamesNeverSignalled() throws Exception {
        try (Netns ns = Netns.create()) {
            ns.holder("name=server", "listen:9000:close");
            Netns.Held polite = ns.holder("name=polite", "connect:127.0.0.1:9000:2");
            Netns.Held stubborn = ns.holder("name=stubborn", "ignore-term", "connect:127.0.0.1:9000:1");
            Netns.Held sshd = ns.holder("name=sshd", "connect:127.0.0.1:9000:1");
            Thread.sleep(1500);
            Run run = live(ns, "--close-wait-timeout", "1",
                    "--rules", rules("termination: {methods: [signal], sigterm_grace: 1, sigkill: true}\n").toString());
            assertEquals(0, run.result().rc(), run.result().stderr());
            assertTrue(polite.process().waitFor(10, TimeUnit.SECONDS));
            assertEquals(143, polite.process().exitValue(), "ended by SIGTERM");
            assertTrue(stubborn.process().waitFor(10, TimeUnit.SECONDS));
            assertEquals(137, stubborn.process().exitValue(), "ended by SIGKILL");
            assertTrue(sshd.process().isAlive(), "a protected process is never signalled");
            for (JsonNode c : run.connections("verdict", "hung")) {
                String expected = c.get("pid").asLong() == polite.pid() ? "sigterm" : "sigkill";
                assertEquals(expected, c.get("method").asText(), c.toPrettyString());
                assertEquals("terminated", c.get("action").asText());
            }
            assertEquals(3, run.doc().get("summary").get("terminated").asInt());
            String err = run.result().stderr();
            assertTrue(err.contains(" - WARN - Sending SIGTERM to polite (PID " + polite.pid() + "): it holds 2 hung socket(s) (2 CLOSE_WAIT)"), err);
            assertTrue(err.contains(" - WARN - Sending SIGKILL to stubborn (PID " + stubborn.pid() + ")"), err);
            assertEquals(1, err.lines().filter(l -> l.contains("Sending SIGTERM to polite")).count(), "signalled once for 2 sockets");
        }
    }

    @Test
    void theVetoCommandVetoes() throws Exception {
        try (Netns ns = Netns.create()) {
            ns.holder("name=server", "listen:9000:close");
            Netns.Held leaky = ns.holder("name=leaky", "connect:127.0.0.1:9000:3");
            Thread.sleep(1500);
            Path env = tmp.resolve("veto.env");
            Path rules = rules("termination:\n  methods: [signal]\n  veto_command: [/bin/sh, -c, 'env | grep ^HCK_ > " + env + "; exit 3']\n");
            Run run = live(ns, "--close-wait-timeout", "1", "--rules", rules.toString());
            assertEquals(0, run.result().rc(), run.result().stderr());
            assertTrue(leaky.process().isAlive());
            JsonNode sum = run.doc().get("summary");
            assertEquals(0, sum.get("hung").asInt());
            assertEquals(3, sum.get("skipped").asInt());
            for (JsonNode c : run.connections("pid", Long.toString(leaky.pid()))) {
                assertEquals("skipped", c.get("verdict").asText());
                assertTrue(c.get("reason").asText().endsWith("; vetoed by /bin/sh (exit 3)"), c.get("reason").asText());
            }
            String seen = Files.readString(env);
            assertTrue(seen.contains("HCK_PID=" + leaky.pid()), seen);
            assertTrue(seen.contains("HCK_PROCESS=leaky"), seen);
            assertTrue(seen.contains("HCK_SOCKET_COUNT=3"), seen);
            assertTrue(seen.contains("HCK_SIGNAL=SIGTERM"), seen);
            assertEquals(3, ns.sockets().stream().filter(s -> s.startsWith("CLOSE-WAIT")).count());
        }
    }

    @Test
    void raceSocketsThatMovedOnAreNotHitNorFailed() throws Exception {
        try (Netns ns = Netns.create()) {
            Netns.Result r = ns.java("hck.support.RaceProbe");
            assertEquals(0, r.rc(), r.stdout() + r.stderr());
            List<String> lines = r.stdout().lines().toList();
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("closed none ")), r.stdout());
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("other-state none changed to ESTABLISHED")), r.stdout());
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("replaced none ")), r.stdout());
            for (String s : List.of("closed", "other-state", "replaced")) assertTrue(lines.contains(s + "-left gone"), "gone by itself: " + r.stdout());
            assertTrue(lines.contains("b ESTABLISHED true"), "the socket in another state is untouched: " + r.stdout());
            assertTrue(lines.contains("c2 CLOSE_WAIT true"), "the new socket on the same 4-tuple survives: " + r.stdout());
            // the kernel's own answers, per socket: no such socket, for the closed one and for the one whose
            // 4-tuple a new socket took (inet_diag_find_one_icsk answers a cookie mismatch with ENOENT too)
            assertTrue(lines.contains("closed-kernel ENOENT"), r.stdout());
            assertTrue(lines.contains("replaced-kernel ENOENT"), r.stdout());
            assertTrue(lines.contains("other-state-kernel null"), "found, in another state: nothing was asked of SOCK_DESTROY: " + r.stdout());
        }
    }

    @Test
    void oneLiveRunAtATimeAndACrashedRunLeavesNoLock() throws Exception {
        try (Netns ns = Netns.create()) {
            ns.holder("name=server", "listen:9000:close");
            ns.holder("name=leaky", "connect:127.0.0.1:9000:1");
            Thread.sleep(1500);
            Path lock = tmp.resolve("hck.lock");
            // a live run that blocks in its veto command while it holds the lock
            Path rules = rules("termination: {methods: [signal], veto_command: [sleep, '60']}\n");
            Process first = ns.startHck("--live", "--close-wait-timeout", "1", "--rules", rules.toString(), "--lock-file", lock.toString(),
                    "--state-file", tmp.resolve("s1.json").toString());
            long deadline = System.currentTimeMillis() + 60_000;
            while (!(Files.exists(lock) && Files.readString(lock).trim().equals(Long.toString(first.pid())))) {
                assertTrue(System.currentTimeMillis() < deadline, "the first run never took the lock");
                Thread.sleep(100);
            }
            Thread.sleep(500);
            Run second = live(ns, "--close-wait-timeout", "1");
            assertEquals(3, second.result().rc(), second.result().stderr());
            assertTrue(second.result().stderr().contains("another hck run (PID " + first.pid() + ") holds the lock"), second.result().stderr());
            assertEquals(1, ns.sockets().stream().filter(s -> s.startsWith("CLOSE-WAIT")).count(), "the refused run touched nothing");
            Netns.Result dry = ns.hck("--dry-run", "--close-wait-timeout", "1", "--lock-file", lock.toString(),
                    "--state-file", tmp.resolve("s2.json").toString());
            assertEquals(0, dry.rc(), "a dry run takes no lock: " + dry.stderr());

            first.destroyForcibly(); // SIGKILL: no cleanup code runs
            assertTrue(first.waitFor(10, TimeUnit.SECONDS));
            Run third = live(ns, "--close-wait-timeout", "1");
            assertEquals(0, third.result().rc(), third.result().stderr());
            assertEquals(1, third.doc().get("summary").get("terminated").asInt());
        }
    }

    @Test
    void liveNeedsRoot() throws Exception {
        try (Netns ns = Netns.create()) {
            hck.support.Env.requireCommand("setpriv");
            // the classes and jars, readable by an unprivileged user
            Path jars = Files.createTempDirectory(Path.of("/tmp"), "hck-cp");
            try {
                String cp = Netns.publicClasspath(jars);
                Netns.Result r = ns.run("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--reset-env",
                        Netns.java().toString(), "-cp", cp, "hck.hck", "--live", "--lock-file", jars.resolve("l").toString());
                assertEquals(2, r.rc(), r.stdout() + r.stderr());
                List<String> lines = r.stderr().strip().lines().toList();
                assertEquals(1, lines.size(), r.stderr());
                assertTrue(lines.get(0).endsWith(" - ERROR - live mode needs root (or CAP_NET_ADMIN): nothing was touched"), lines.get(0));
                assertFalse(Files.exists(jars.resolve("l")), "no lock was even taken");
            } finally {
                try (var s = Files.walk(jars)) {
                    s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    /**
     * A failure after the kills keeps the record: the veto command (run once the kills began, just
     * before the signal) removes the directory the JSON goes to. The process is ended and its
     * sockets verified gone; the JSON cannot be written: exit 1, one ERROR line naming it, the
     * state file's counters saved, the log's summary complete.
     */
    @Test
    void anOutputsDirectoryRemovedAfterTheKillIsExit1WithTheRecordKept() throws Exception {
        try (Netns ns = Netns.create()) {
            Netns.Held leaky = ns.leaky("leaky", 3);
            Path out = Files.createDirectories(tmp.resolve("out"));
            Path state = tmp.resolve("kept-state.json");
            Path rules = rules("termination:\n  methods: [signal]\n  sigterm_grace: 2\n  veto_command: [rm, -rf, " + out + "]\n");
            Netns.Result r = ns.hck("--live", "--close-wait-timeout", "1", "--rules", rules.toString(), "--json", out.resolve("r.json").toString(),
                    "--lock-file", tmp.resolve("hck.lock").toString(), "--state-file", state.toString());
            assertEquals(1, r.rc(), r.stderr());
            assertFalse(Files.exists(out), "the veto command removed it");
            assertFalse(leaky.process().isAlive(), "the kill happened");
            assertEquals(0, ns.sockets().stream().filter(x -> x.startsWith("CLOSE-WAIT")).count(), ns.sockets().toString());
            List<String> errors = r.stderr().lines().filter(l -> l.contains(" - ERROR - ")).toList();
            assertEquals(1, errors.size(), r.stderr());
            assertTrue(errors.get(0).contains("Could not write the JSON result to " + out.resolve("r.json")), errors.get(0));
            assertTrue(r.stderr().contains("Connections terminated: 3"), r.stderr());
            assertEquals(3, JSON.readTree(state.toFile()).path("counters").path("terminated_total").asInt(), "the counters are saved");
        }
    }

    /**
     * The kernel's destroys answered, then the rescan that verifies them fails (the ss it runs was
     * removed once the kills began): live mode keeps what it knows — every socket failed with the
     * failure named, the kernel's answer kept — and never throws away the run. (The sockets really
     * went: looking again from outside shows it.)
     */
    @Test
    void aRescanThatFailsAfterTheDestroysKeepsEveryAnswer() throws Exception {
        Env.requireCommand("ss");
        try (Netns ns = Netns.create()) {
            ns.leaky("leaky", 3);
            Path ss = tmp.resolve("ss");
            Files.copy(Path.of(Netns.exec(List.of("sh", "-c", "command -v ss"), 10).stdout().strip()), ss);
            Files.setPosixFilePermissions(ss, PosixFilePermissions.fromString("rwxr-xr-x"));
            Map<hck.model.Sock, hck.act.Result> results = hck.netns.NetnsSwitch.inside(hck.netns.Namespaces.named(ns.name), () -> {
                List<hck.model.Sock> hung = new hck.scan.Scanner(hck.scan.Scanner.Choice.NETLINK, w -> { }).scan().candidates().stream()
                        .filter(x -> x.state() == hck.model.TcpState.CLOSE_WAIT).toList();
                assertEquals(3, hung.size());
                hck.act.Terminator.Rescan viaSs = () -> {
                    Files.deleteIfExists(ss); // gone before the first rescan
                    return new hck.scan.SsSource(ss.toString()).scan().candidates();
                };
                return new hck.act.Terminator(hck.rules.Rules.BUILT_IN.termination(), hck.sys.KernelInfo.probe(true), viaSs,
                        org.slf4j.LoggerFactory.getLogger("test"), ProcessHandle.current().pid()).terminate(hung);
            });
            assertEquals(3, results.size());
            for (hck.act.Result x : results.values()) {
                assertEquals(hck.model.Action.FAILED, x.action(), x.toString());
                assertTrue(x.note().contains("socket-destroy was answered, but the run could not finish: "), x.note());
                assertEquals("OK", x.destroyResult(), "the kernel's answer is kept");
            }
            assertEquals(0, ns.sockets().stream().filter(x -> x.startsWith("CLOSE-WAIT")).count(), ns.sockets().toString());
        }
    }

    /**
     * Owners hck cannot see are told straight: run as nobody, the warning names the first three
     * processes it could not read, each with the reason (hck is not root), and -v lists every one,
     * the leaky holder of this test among them; the sockets are still not touched.
     */
    @Test
    void unreadableOwnersAreNamedWithTheReason() throws Exception {
        hck.support.Env.requireCommand("setpriv");
        try (Netns ns = Netns.create()) {
            Netns.Held leaky = ns.leaky("leaky", 2);
            Path jars = Files.createTempDirectory(Path.of("/tmp"), "hck-cp");
            try {
                String cp = Netns.publicClasspath(jars);
                Netns.Result r = ns.run("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--reset-env",
                        Netns.java().toString(), "-cp", cp, "hck.hck", "--dry-run", "-v", "--close-wait-timeout", "1",
                        "--state-file", jars.resolve("s.json").toString());
                assertEquals(0, r.rc(), r.stderr());
                String warning = r.stderr().lines().filter(l -> l.contains(" - WARN - could not read the open files of ")).findFirst().orElseThrow();
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("could not read the open files of (\\d+) processes: (.*)").matcher(warning);
                assertTrue(m.find(), warning);
                int n = Integer.parseInt(m.group(1));
                assertTrue(n >= 2, "at least the server and leaky, both root's: " + warning);
                assertEquals(Math.min(3, n), m.group(2).split("; ").length - (n > 3 ? 1 : 0), warning);
                assertTrue(m.group(2).contains("): hck is not root (it needs CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH)"), warning);
                assertTrue(r.stderr().contains(" - DEBUG - Open files unreadable: PID " + leaky.pid() + " (leaky): hck is not root"), r.stderr());
                assertEquals(n, r.stderr().lines().filter(l -> l.contains(" - DEBUG - Open files unreadable: PID ")).count(), "-v lists every one");
                assertEquals(2, ns.sockets().stream().filter(x -> x.startsWith("CLOSE-WAIT")).count(), "nothing touched");
            } finally {
                try (var s = Files.walk(jars)) {
                    s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }
}
