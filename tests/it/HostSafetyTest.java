package hck.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import hck.support.Env;
import hck.support.Netns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What hck does to the host it runs on as root, tried as a careless or hostile world would: device
 * nodes, FIFOs and a full disk as outputs, links planted by another user, signals, a webhook that
 * trickles, process names that try to forge output, a veto for a huge leaker. Everything happens in
 * the test's own namespaces: device nodes and the full disk live on a tmpfs mounted in a private
 * mount namespace, sockets and processes in a private network namespace.
 */
class HostSafetyTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Pattern LOG_LINE = Pattern.compile("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d - (INFO|WARN|ERROR|DEBUG) - .*");
    @TempDir
    Path tmp;

    /** A script holding hck's command, so that shell scripts in the sandbox can run it as $HCK. */
    Path hckScript() throws Exception {
        Path f = tmp.resolve("hck.sh");
        String cmd = Netns.hckCommand().stream().map(a -> "'" + a.replace("'", "'\\''") + "'").collect(Collectors.joining(" "));
        Files.writeString(f, "#!/bin/sh\nexec " + cmd + " \"$@\"\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwx------"));
        return f;
    }

    /**
     * Runs {@code script} in a private mount namespace with a tmpfs of {@code size} on $BOX (its
     * working directory) and a /dev of its own (a tmpfs with the few nodes and links a JVM needs,
     * made here with mknod), hck as $HCK: nothing it makes or breaks can reach the machine's files,
     * not even the machine's /dev/null or /dev/stdout.
     */
    static final int ISOLATION_FAILED = 97;

    Netns.Result inBox(String size, String script, List<String> prefix) throws Exception {
        Env.requireNetns();
        Env.requireCommand("unshare");
        Path box = Files.createDirectories(tmp.resolve("box"));
        String full = "set -u; BOX=" + box + "; HCK=" + hckScript() + "; mount --make-rprivate / && mount -t tmpfs -o size=" + size
                + ",mode=0755 hck-test $BOX && mount -t tmpfs -o mode=0755 hck-dev /dev"
                + " && mknod -m 666 /dev/null c 1 3 && mknod -m 666 /dev/zero c 1 5 && mknod -m 666 /dev/random c 1 8"
                + " && mknod -m 666 /dev/urandom c 1 9 && ln -s /proc/self/fd /dev/fd && ln -s /proc/self/fd/0 /dev/stdin"
                + " && ln -s /proc/self/fd/1 /dev/stdout && ln -s /proc/self/fd/2 /dev/stderr"
                // the isolation is proven before anything runs: both tmpfs mounted here, or nothing of the script at all
                + " && [ \"$(stat -f -c %T $BOX)\" = tmpfs ] && [ \"$(stat -f -c %T /dev)\" = tmpfs ] && cd $BOX"
                + " || { echo 'hck-test: the private mounts failed: nothing was run' >&2; exit " + ISOLATION_FAILED + "; }\n" + script;
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of("unshare", "--mount", "sh", "-c", full));
        Netns.Result r = Netns.exec(cmd, 300);
        assertNotEquals(ISOLATION_FAILED, r.rc(), r.stderr());
        return r;
    }

    @Test
    void devicesAreWrittenInPlaceAndFifosDirectoriesAndOthersAreRefused() throws Exception {
        Netns.Result r = inBox("1m", String.join("\n",
                "ip link set lo up 2>/dev/null",
                "mknod -m 666 null c 1 3 && mkfifo fifo && mkdir dir",
                "$HCK --dry-run --json $BOX/null --prometheus $BOX/null --log-file $BOX/null --state-file $BOX/s.json 2>err1; echo rc1=$?",
                "stat -c 'kind1=%F %a' null",
                "$HCK --dry-run --json /dev/null --prometheus /dev/null --state-file $BOX/s.json 2>>err1; echo rc1b=$?",
                "stat -c 'kind1b=%F %a' /dev/null",
                "for opt in --json --prometheus --log-file --state-file --rules; do",
                "  state=\"--state-file $BOX/s2.json\"; [ $opt = --state-file ] && state=",
                "  timeout 60 $HCK --dry-run $opt $BOX/fifo $state 2>err; echo \"fifo$opt=$? $(wc -l < err) $(cat err)\"",
                "done",
                "timeout 60 $HCK --check -t 5 --log-file $BOX/fifo --state-file $BOX/s2.json; echo checkfifo=$?",
                "$HCK --dry-run --json $BOX/dir --state-file $BOX/s2.json 2>err; echo \"dir=$? $(cat err)\"",
                "$HCK --dry-run --json /dev/stdout --state-file $BOX/s2.json > out.json 2>/dev/null; echo stdout=$?",
                "head -c 30 out.json | tr -d '\\n'; echo",
                "echo \"devstdout=$(stat -c %F /dev/stdout)\"",
                "echo \"left=$(ls -A | tr '\\n' ' ')\""), List.of("unshare", "--net"));
        String out = r.stdout();
        assertTrue(out.contains("rc1=0"), out + r.stderr());
        assertTrue(out.contains("kind1=character special file 666"), "the device stays a device: " + out);
        assertTrue(out.contains("rc1b=0") && out.contains("kind1b=character special file 666"), "/dev/null stays a device: " + out);
        for (String opt : List.of("--json", "--prometheus", "--log-file", "--state-file", "--rules")) {
            String line = out.lines().filter(l -> l.startsWith("fifo" + opt + "=")).findFirst().orElse("");
            assertTrue(line.startsWith("fifo" + opt + "=2 1 "), "refused at once with one line, exit 2: " + line);
            assertTrue(line.contains("FIFO"), line);
        }
        assertTrue(out.contains("checkfifo=3"), "check mode: UNKNOWN, not a hang: " + out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("dir=2 ") && l.contains("is a directory")), out);
        assertTrue(out.contains("stdout=0") && out.contains("\"schema_version\""), out);
        assertTrue(out.contains("devstdout=symbolic link"), out);
        String left = out.lines().filter(l -> l.startsWith("left=")).findFirst().orElseThrow();
        assertFalse(left.contains(".tmp"), "no temp file left: " + left);
    }

    @Test
    void aFullDiskAfterTheKillsKeepsTheRecordAndSaysSo() throws Exception {
        try (Netns ns = Netns.create()) {
            ns.leaky("leaky", 3);
            Path state = tmp.resolve("state.json");
            Netns.Result r = inBox("64k", String.join("\n",
                    "dd if=/dev/zero of=fill bs=4k 2>/dev/null; sync",
                    "$HCK --live --close-wait-timeout 1 --json $BOX/r.json --lock-file " + tmp.resolve("l") + " --state-file " + state
                            + "; echo rc=$?",
                    "echo \"left=$(ls -A | tr '\\n' ' ')\""), List.of("ip", "netns", "exec", ns.name));
            assertTrue(r.stdout().contains("rc=1"), "not a success, not 'nothing touched': " + r.stdout() + r.stderr());
            assertTrue(r.stderr().contains(" - ERROR - Could not write the JSON result to "), r.stderr());
            assertFalse(r.stderr().contains("cannot take the lock"), r.stderr());
            assertEquals(0, ns.sockets().stream().filter(s -> s.startsWith("CLOSE-WAIT")).count(), "the kills happened");
            assertTrue(r.stderr().contains("Connections terminated: 3"), r.stderr());
            assertEquals(3, JSON.readTree(state.toFile()).path("counters").path("terminated_total").asInt(), "the counters are kept");
            assertFalse(r.stdout().contains(".tmp"), r.stdout());
        }
    }

    @Test
    void aBadOutputIsFoundBeforeAnyKill() throws Exception {
        try (Netns ns = Netns.create()) {
            ns.leaky("leaky", 3);
            Files.createDirectories(tmp.resolve("adir"));
            var before = ns.sockets();
            Netns.Result r = ns.hck("--live", "--close-wait-timeout", "1", "--json", tmp.resolve("adir").toString(),
                    "--lock-file", tmp.resolve("l").toString(), "--state-file", tmp.resolve("s.json").toString());
            assertEquals(2, r.rc(), r.stderr());
            assertEquals(1, r.stderr().strip().lines().count(), r.stderr());
            assertTrue(r.stderr().contains("is a directory"), r.stderr());
            assertEquals(before, ns.sockets(), "nothing touched");
        }
    }

    /** Links planted by another user (uid 54321, owning nothing else here) in a sticky, world-writable directory. */
    @Test
    void plantedSymlinksAreNotFollowed() throws Exception {
        Env.requireRoot();
        Path sticky = Files.createDirectories(tmp.resolve("sticky"));
        Files.setPosixFilePermissions(sticky, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertEquals(0, Netns.exec(List.of("chmod", "+t", sticky.toString()), 10).rc());
        Path precious = tmp.resolve("precious");
        Files.writeString(precious, "precious\n");
        for (String name : List.of("lock", "log")) {
            Files.createSymbolicLink(sticky.resolve(name), precious);
            assertEquals(0, Netns.exec(List.of("chown", "-h", "54321", sticky.resolve(name).toString()), 10).rc());
        }
        try (Netns ns = Netns.create()) {
            Netns.Result lock = ns.hck("--live", "--lock-file", sticky.resolve("lock").toString(), "--state-file", tmp.resolve("s.json").toString());
            assertEquals(2, lock.rc(), lock.stderr());
            assertTrue(lock.stderr().contains("is a symbolic link owned by uid 54321"), lock.stderr());
            Netns.Result log = ns.hck("--dry-run", "--log-file", sticky.resolve("log").toString(), "--state-file", tmp.resolve("s.json").toString());
            assertEquals(2, log.rc(), log.stderr());
            assertTrue(log.stderr().contains("refusing to follow it"), log.stderr());
        }
        assertEquals("precious\n", Files.readString(precious), "the link's target is untouched");
        // a link of root's own is followed, as before
        Path mine = tmp.resolve("mine.log");
        Files.createSymbolicLink(mine, precious);
        try (Netns ns = Netns.create()) {
            assertEquals(0, ns.hck("--dry-run", "--log-file", mine.toString(), "--state-file", tmp.resolve("s.json").toString()).rc());
        }
        assertTrue(Files.readString(precious).lines().count() > 5, "root's own link is followed");
    }

    /** SIGTERM while the signal ladder waits for a process that ignores SIGTERM: it finishes that one, signals no other. */
    @Test
    void sigtermDuringALiveRunKeepsTheRecord() throws Exception {
        try (Netns ns = Netns.create()) {
            ns.holder("name=server", "listen:9000:close");
            // both ignore SIGTERM: each ladder lasts the grace period, then SIGKILL
            Netns.Held first = ns.holder("name=stub-a", "ignore-term", "connect:127.0.0.1:9000:2");
            Netns.Held second = ns.holder("name=stub-b", "ignore-term", "connect:127.0.0.1:9000:2");
            Thread.sleep(1500);
            Path marker = tmp.resolve("vetoed");
            Path rules = tmp.resolve("rules.yaml");
            Files.writeString(rules, "termination:\n  methods: [signal]\n  sigterm_grace: 3\n  veto_command: [sh, -c, 'echo $HCK_PROCESS >> "
                    + marker + "']\nprotected_processes: [server]\n");
            Path json = Files.createDirectories(tmp.resolve("out")).resolve("r.json");
            Path state = tmp.resolve("state.json");
            Process hck = ns.startHck("--live", "--close-wait-timeout", "1", "--rules", rules.toString(), "--json", json.toString(),
                    "--lock-file", tmp.resolve("l").toString(), "--state-file", state.toString());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!(Files.exists(marker) && !Files.readString(marker).isBlank()) && System.nanoTime() < deadline) Thread.sleep(50);
            String firstTarget = Files.readString(marker).strip();
            // hck runs inside ip netns exec, which execs it: the process is hck itself
            Thread.sleep(300);
            assertEquals(0, Netns.exec(List.of("kill", "-TERM", Long.toString(hck.pid())), 10).rc());
            assertTrue(hck.waitFor(60, TimeUnit.SECONDS), "hck ends");
            String err = new String(hck.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(143, hck.exitValue(), err);
            assertTrue(err.contains(" - WARN - Stopped by SIGTERM: 2 hung connection(s) left as they were"), err);
            JsonNode doc = JSON.readTree(json.toFile());
            Netns.Held signalled = firstTarget.equals("stub-a") ? first : second, spared = signalled == first ? second : first;
            assertFalse(signalled.process().isAlive(), "the ladder in progress was finished");
            assertTrue(spared.process().isAlive(), "no process is signalled after the stop");
            List<JsonNode> conns = new ArrayList<>();
            doc.get("connections").forEach(conns::add);
            assertEquals(2, conns.stream().filter(c -> c.get("action").asText().equals("terminated")).count(), doc.toPrettyString());
            assertEquals(2, conns.stream().filter(c -> c.get("reason").asText().contains("hck was stopped by SIGTERM")).count());
            assertEquals(2, doc.get("summary").get("terminated").asInt());
            assertEquals(2, JSON.readTree(state.toFile()).path("counters").path("terminated_total").asInt());
            try (Stream<Path> files = Files.list(json.getParent())) {
                assertEquals(List.of("r.json"), files.map(p -> p.getFileName().toString()).toList(), "no temp file left");
            }
        }
    }

    /** Dry runs have nothing to finish: a signal ends them at once, without a temp file, whenever it comes. */
    @Test
    void signalsInADryRunLeaveNoTempFile() throws Exception {
        try (Netns ns = Netns.create()) {
            ns.holder("name=server", "listen:9000:close");
            ns.holder("name=leaky", "connect:127.0.0.1:9000:4000");
            Thread.sleep(3000);
            Path dir = Files.createDirectories(tmp.resolve("dry"));
            List<Integer> codes = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Process hck = ns.startHck("--dry-run", "--close-wait-timeout", "1", "--json", dir.resolve("r.json").toString(),
                        "--state-file", tmp.resolve("s.json").toString());
                Thread drain = new Thread(() -> {
                    try {
                        hck.getInputStream().transferTo(OutputStream.nullOutputStream());
                    } catch (java.io.IOException e) {
                        // the process ended
                    }
                });
                drain.setDaemon(true);
                drain.start();
                // the run takes about a second here: spread the signal over it
                Thread.sleep(300 + 150L * i);
                Netns.exec(List.of("kill", i % 2 == 0 ? "-TERM" : "-INT", Long.toString(hck.pid())), 10);
                assertTrue(hck.waitFor(60, TimeUnit.SECONDS));
                codes.add(hck.exitValue());
                try (Stream<Path> files = Files.list(dir)) {
                    List<String> names = files.map(p -> p.getFileName().toString()).toList();
                    assertTrue(names.stream().noneMatch(n -> n.endsWith(".tmp")), "no temp file after signal " + i + ": " + names);
                }
            }
            assertTrue(codes.stream().allMatch(c -> c == 0 || c == 143 || c == 130), codes.toString());
            assertTrue(codes.stream().anyMatch(c -> c == 143 || c == 130), "some signal came mid-run: " + codes);
        }
    }

    /**
     * A receiver that sends its headers at once and then one byte a second for ever, inside the
     * test's namespace beside the hung sockets: hck runs there too, live, with a 2 s webhook timeout.
     */
    @Test
    void aTricklingWebhookCannotHoldTheRun() throws Exception {
        Env.requireCommand("python3");
        try (Netns ns = Netns.create()) {
            ns.leaky("leaky", 2);
            Process receiver = new ProcessBuilder("ip", "netns", "exec", ns.name, "python3", Path.of("tests/support/trickle_receiver.py").toAbsolutePath().toString(),
                    "8089").redirectError(ProcessBuilder.Redirect.DISCARD).start();
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(receiver.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("ready", Netns.readLine(out, 30));
            Path rules = tmp.resolve("rules.yaml");
            Files.writeString(rules, "notify:\n  - {kind: webhook, url: 'http://127.0.0.1:8089/', timeout: 2}\n");
            long t0 = System.nanoTime();
            Netns.Result r = ns.hck("--live", "--close-wait-timeout", "1", "--rules", rules.toString(),
                    "--lock-file", tmp.resolve("l").toString(), "--state-file", tmp.resolve("s.json").toString());
            double took = (System.nanoTime() - t0) / 1e9;
            assertEquals(0, r.rc(), r.stderr());
            assertEquals("hit", Netns.readLine(out, 5));
            assertEquals("hit", Netns.readLine(out, 5), "one try and one retry");
            assertTrue(r.stderr().contains("failed after a retry: no complete answer within 2.0s"), r.stderr());
            assertTrue(took < 30, "two deadlines of 2 s, not the 600 s of the body: " + took);
            receiver.destroyForcibly();
        }
    }

    /**
     * A process names itself with a newline, a fake log level, an escape sequence, a pipe and a
     * Slack mention: one event stays one line, the check's perfdata stays whole, nobody is pinged.
     */
    @Test
    void hostileProcessNamesForgeNothing() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        Map<String, String> bodies = new java.util.concurrent.ConcurrentHashMap<>();
        for (String ctx : List.of("/slack", "/discord")) {
            server.createContext(ctx, ex -> {
                bodies.put(ctx, new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                ex.sendResponseHeaders(200, -1);
                ex.close();
            });
        }
        server.start();
        String evil = "\n - ERROR -\u001b|<!"; // 15 bytes, all a process name can hold
        try (Netns ns = Netns.create()) {
            ns.holder("name=server", "listen:9000:close");
            ns.holder("name=" + evil, "connect:127.0.0.1:9000:3");
            Thread.sleep(1500);
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            Path log = tmp.resolve("hck.log");
            Netns.Result dry = ns.hck("--dry-run", "--close-wait-timeout", "1", "-v", "--log-file", log.toString(),
                    "--state-file", tmp.resolve("s.json").toString());
            assertEquals(0, dry.rc(), dry.stderr());
            for (String text : List.of(dry.stderr(), Files.readString(log))) {
                for (String line : text.split("\n")) assertTrue(LOG_LINE.matcher(line).matches(), "one event a line: [" + line + "]");
                assertFalse(text.contains("\u001b"), "no raw escape");
                assertTrue(text.contains("Process: \\n - ERROR -\\x1b|<!)"), text);
            }
            Netns.Result check = Netns.exec(Netns.apartFromHostBpffs(Netns.hckCommand("--check", "--netns", ns.name, "--close-wait-timeout", "1",
                    "--notify", "slack=" + base + "/slack", "--notify", "discord=" + base + "/discord",
                    "--state-file", tmp.resolve("c.json").toString())), 120);
            assertEquals(1, check.rc(), check.stdout() + check.stderr());
            String first = check.stdout().lines().findFirst().orElseThrow();
            assertEquals(1, first.chars().filter(c -> c == '|').count(), "only the perfdata separator: " + first);
            assertTrue(first.contains("\\n - ERROR -\\x1b\\x7c<! PID "), first);
            check.stdout().lines().skip(1).forEach(l -> assertFalse(l.contains("|"), l));
            JsonNode slack = JSON.readTree(bodies.get("/slack"));
            assertFalse(slack.toString().contains("<!"), slack.toString());
            assertTrue(slack.toString().contains("&lt;!"), slack.toString());
            JsonNode discord = JSON.readTree(bodies.get("/discord"));
            assertTrue(discord.get("allowed_mentions").get("parse").isArray() && discord.get("allowed_mentions").get("parse").isEmpty(),
                    discord.toString());
        } finally {
            server.stop(0);
        }
    }

    /**
     * A process holding 3,000 hung sockets: their descriptions are 180 kB, over the kernel's 128 kB
     * limit for one environment string. The veto command still runs, with the count, the first ones,
     * and a file listing every one; a veto command that cannot run is a failure, not a veto.
     */
    @Test
    void theVetoCommandRunsForTheBiggestLeakersAndAFailedOneIsNoVeto() throws Exception {
        try (Netns ns = Netns.create()) {
            ns.holder("name=server", "listen:9000:close");
            Netns.Held big = ns.holder("name=big", "connect:127.0.0.1:9000:3000");
            Thread.sleep(3000);
            Path seen = tmp.resolve("seen");
            Path rules = tmp.resolve("rules.yaml");
            Files.writeString(rules, "protected_processes: [server]\ntermination:\n  methods: [signal]\n  veto_command: [/no/such/veto]\n");
            Netns.Result failed = ns.hck("--live", "--close-wait-timeout", "1", "--rules", rules.toString(),
                    "--lock-file", tmp.resolve("l").toString(), "--state-file", tmp.resolve("s.json").toString());
            assertEquals(1, failed.rc(), "a veto that could not run is a failure: " + failed.stderr());
            assertTrue(failed.stderr().contains(" - ERROR - Veto command failed for big (PID " + big.pid() + "): veto command /no/such/veto could not run"),
                    failed.stderr());
            assertTrue(big.process().isAlive());

            Files.writeString(rules, "protected_processes: [server]\ntermination:\n  methods: [signal]\n  veto_command: [sh, -c, "
                    + "'echo \"$HCK_SOCKET_COUNT $(wc -l < $HCK_CONNECTIONS_FILE) $(printf %s \"$HCK_CONNECTIONS\" | wc -l)\" > " + seen + "']\n");
            Netns.Result r = ns.hck("--live", "--close-wait-timeout", "1", "--rules", rules.toString(),
                    "--lock-file", tmp.resolve("l").toString(), "--state-file", tmp.resolve("s.json").toString());
            assertEquals(0, r.rc(), r.stderr().lines().filter(l -> !l.contains("Hung connection") && !l.contains("Reason")).collect(Collectors.joining("\n")));
            assertEquals("3000 3000 19", Files.readString(seen).strip(), "count, the file with all, 20 in the environment");
            assertTrue(big.process().waitFor(10, TimeUnit.SECONDS), "the big leaker was signalled");
        }
    }
}
